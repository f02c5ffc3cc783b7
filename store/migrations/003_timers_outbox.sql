-- Timers the machines set (the embedded host's scheduler fires them), and the
-- outbox of effects waiting to be carried out.

CREATE TABLE timers (
  urn                text        NOT NULL,
  key                text        NOT NULL,
  due_at             timestamptz NOT NULL,
  event              jsonb       NOT NULL,  -- the event sent back to the machine when it fires
  created_by_version integer     NOT NULL CHECK (created_by_version >= 0),
  PRIMARY KEY (urn, key)
);

CREATE INDEX timers_due_idx ON timers (due_at, urn, key);

CREATE TABLE outbox (
  key             text        PRIMARY KEY,  -- the effect's idempotency key
  urn             text        NOT NULL,
  type            text        NOT NULL,
  payload         jsonb       NOT NULL,
  status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  done_at         timestamptz,
  CHECK ((status = 'done') = (done_at IS NOT NULL))
);

CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, created_at, key) WHERE status = 'pending';
CREATE INDEX outbox_urn_idx ON outbox (urn, created_at);
