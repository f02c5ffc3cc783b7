-- The funding ledger's dates, and schools stopped by a tampered history.
--
-- 1. paid_at becomes the school time of the event that released the grant
--    (an attendance recorded in December 2020 pays in December 2020), and
--    recorded_at keeps the wall-clock time the payment was carried out.
--    released_by_version names that event in the school's history.
--    Existing rows: their old paid_at was the moment the outbox carried the
--    payment out, so it moves to recorded_at; paid_at and released_by_version
--    come from the first event of the school whose stored state shows that
--    programme's grant paid (rows with no such event keep their date).
ALTER TABLE funding_ledger ADD COLUMN recorded_at timestamptz;
ALTER TABLE funding_ledger ADD COLUMN released_by_version integer CHECK (released_by_version >= 1);
UPDATE funding_ledger SET recorded_at = paid_at;
WITH released AS (
  SELECT f.id, e.version, e.occurred_at
    FROM funding_ledger f
    JOIN LATERAL (
      SELECT version, occurred_at
        FROM events
       WHERE events.urn = f.urn
         AND events.state->'context'->'programme'->>'id' = f.programme_id
         AND coalesce((events.state->'context'->>'fundingPaidPence')::bigint, 0) > 0
       ORDER BY version
       LIMIT 1
    ) e ON true
)
UPDATE funding_ledger f
   SET paid_at = released.occurred_at, released_by_version = released.version
  FROM released
 WHERE released.id = f.id;
ALTER TABLE funding_ledger ALTER COLUMN recorded_at SET DEFAULT now();
ALTER TABLE funding_ledger ALTER COLUMN recorded_at SET NOT NULL;
CREATE INDEX funding_ledger_urn_idx ON funding_ledger (urn, programme_id, academic_year);

-- 2. A history found tampered stops the school: each finding is kept here
--    (the first version that no longer verifies, and why), and while a
--    finding has no sign-off the database refuses every new event of that
--    school, whoever writes it (API, CLI, pages, timers, Temporal, or SQL).
--    An admin's sign-off is kept beside it, with the admin's name and reason;
--    both tables are append-only, like the event log.
CREATE TABLE tamper_findings (
  id         bigserial   PRIMARY KEY,
  urn        text        NOT NULL CHECK (urn <> ''),
  at_version integer     NOT NULL CHECK (at_version >= 1),
  reason     text        NOT NULL CHECK (reason <> ''),
  found_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tamper_findings_once UNIQUE (urn, at_version, reason)
);

CREATE TABLE tamper_sign_offs (
  id             bigserial   PRIMARY KEY,
  finding_id     bigint      NOT NULL UNIQUE REFERENCES tamper_findings (id),
  urn            text        NOT NULL CHECK (urn <> ''),
  signed_by      text        NOT NULL CHECK (signed_by <> ''),
  signed_by_name text        NOT NULL CHECK (signed_by_name <> ''),
  reason         text        NOT NULL CHECK (length(btrim(reason)) > 0),
  signed_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tamper_sign_offs_urn_idx ON tamper_sign_offs (urn);

CREATE FUNCTION tamper_records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING HINT = 'A finding stays on record; an admin signs it off with a new sign-off row.';
END
$$;

CREATE TRIGGER tamper_findings_append_only BEFORE UPDATE OR DELETE ON tamper_findings FOR EACH ROW EXECUTE FUNCTION tamper_records_refuse_change();
CREATE TRIGGER tamper_findings_no_truncate BEFORE TRUNCATE ON tamper_findings FOR EACH STATEMENT EXECUTE FUNCTION tamper_records_refuse_change();
CREATE TRIGGER tamper_sign_offs_append_only BEFORE UPDATE OR DELETE ON tamper_sign_offs FOR EACH ROW EXECUTE FUNCTION tamper_records_refuse_change();
CREATE TRIGGER tamper_sign_offs_no_truncate BEFORE TRUNCATE ON tamper_sign_offs FOR EACH STATEMENT EXECUTE FUNCTION tamper_records_refuse_change();

-- SQLSTATE PT423 ("locked"): the store maps it to TamperedSchoolError, the API to HTTP 423.
CREATE FUNCTION events_refuse_when_tampered() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  open_finding record;
BEGIN
  SELECT t.at_version, t.reason INTO open_finding
    FROM tamper_findings t
   WHERE t.urn = NEW.urn
     AND NOT EXISTS (SELECT 1 FROM tamper_sign_offs s WHERE s.finding_id = t.id)
   ORDER BY t.id
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'school % is stopped: its history was tampered with at version % (%); nothing more is recorded until an admin signs off a correction (pathway audit sign-off % --reason ...)',
      NEW.urn, open_finding.at_version, open_finding.reason, NEW.urn
      USING ERRCODE = 'PT423';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER events_refuse_when_tampered BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_refuse_when_tampered();
