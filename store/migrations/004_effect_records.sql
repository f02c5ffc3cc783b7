-- What the effects did: grant payments, emails sent, evaluation requests.
-- Each row carries the effect's key, so running an effect twice adds nothing.

CREATE TABLE funding_ledger (
  id            bigserial   PRIMARY KEY,
  key           text        NOT NULL UNIQUE,
  urn           text        NOT NULL,
  programme_id  text        NOT NULL,
  academic_year text        NOT NULL,
  amount_pence  integer     NOT NULL CHECK (amount_pence > 0),
  reason        text        NOT NULL,
  paid_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT funding_ledger_once_per_year UNIQUE (urn, programme_id, academic_year)
);

CREATE INDEX funding_ledger_year_idx ON funding_ledger (academic_year, programme_id);

CREATE TABLE sent_messages (
  key        text        PRIMARY KEY,
  urn        text        NOT NULL,
  template   text        NOT NULL,
  recipients text[]      NOT NULL,
  subject    text        NOT NULL,
  body       text,
  sent_at    timestamptz NOT NULL DEFAULT now(),
  transport  text        NOT NULL
);

CREATE INDEX sent_messages_urn_idx ON sent_messages (urn, sent_at);

CREATE TABLE evaluation_requests (
  key           text        PRIMARY KEY,
  urn           text        NOT NULL,
  programme_id  text        NOT NULL,
  academic_year text        NOT NULL,
  due_by        timestamptz NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX evaluation_requests_urn_idx ON evaluation_requests (urn, requested_at);
