-- People who use the HTTP API, each with one API token. Only the sha256 of
-- the token is kept: the token itself is shown once, when it is made.
-- Roles: hub_staff (read and write, their own hub only), auditor (read only,
-- the hubs assigned), admin (everything, including people and hub contacts).

CREATE TABLE api_users (
  id          text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
  name        text        NOT NULL CHECK (name <> ''),
  role        text        NOT NULL CHECK (role IN ('hub_staff', 'auditor', 'admin')),
  hubs        text[]      NOT NULL DEFAULT '{}',
  token_hash  text        NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text        NOT NULL CHECK (created_by <> ''),
  revoked_at  timestamptz,
  CHECK (role <> 'hub_staff' OR cardinality(hubs) = 1),
  CHECK (role <> 'admin' OR cardinality(hubs) = 0)
);

CREATE INDEX api_users_active_idx ON api_users (created_at) WHERE revoked_at IS NULL;
