-- Secret keys the service makes once at its first start and keeps: the key
-- that seals the web session cookie and the key that signs the links in
-- headteachers' emails. Kept in the database so that every process of one
-- deployment (the server, the CLI, a second host on the same Postgres) signs
-- and checks with the same key, and a restart keeps sessions and links valid.

CREATE TABLE service_keys (
  name       text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]*$'),
  secret     bytea       NOT NULL CHECK (length(secret) >= 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
