-- Effects finish whatever the clock. The outbox's next_attempt_at stays the
-- SCHOOL time an effect is due at (a simulated clock may be years behind or
-- ahead of the real one); who holds a claim, until when, and when a failed
-- effect may be tried again are REAL time (the database clock), so a claim
-- left by a host that died is never compared with simulated time.
ALTER TABLE outbox ADD COLUMN lease_owner text;
ALTER TABLE outbox ADD COLUMN lease_until timestamptz;
ALTER TABLE outbox ADD COLUMN retry_at timestamptz;
ALTER TABLE outbox ADD CONSTRAINT outbox_lease_whole CHECK ((lease_owner IS NULL) = (lease_until IS NULL));
CREATE INDEX outbox_leased_idx ON outbox (lease_owner) WHERE lease_owner IS NOT NULL;

-- A claim on a message key taken before the message is handed to the mail
-- transport, so that two attempts never both send it; the row in
-- sent_messages is written only after the send. A claim whose owner died (or
-- whose lease ran out, in real time) may be taken over.
CREATE TABLE message_claims (
  key          text        PRIMARY KEY,
  owner        text        NOT NULL,
  claimed_at   timestamptz NOT NULL DEFAULT now(),
  lease_until  timestamptz NOT NULL
);
