-- Compact events (issue 10). An event row written from now on holds the event
-- and its hash, nothing derived: its `state` is NULL, and the hash (v2) covers
-- that NULL as it covers every other column. Rows written before keep the
-- snapshot they were stored with, and still verify; nothing is rewritten.
--
-- The state after an event is the fold of the events before it
-- (store/states.ts). So that a fold need not start at version 1, a snapshot
-- is kept every 50 events of a stream and where a school's year ends: its
-- evaluation, or YEAR_ENDED (store/snapshots.ts snapshotDue). Snapshots are
-- derived: the hash chain does not cover them, and the audit's replay check
-- folds every event and compares the result with each snapshot, so a
-- changed snapshot is found.
-- The current state stays in streams.snapshot, as before.
ALTER TABLE events ALTER COLUMN state DROP NOT NULL;

CREATE TABLE snapshots (
  urn             text        NOT NULL,
  version         integer     NOT NULL CHECK (version >= 1),
  machine_version text        NOT NULL CHECK (machine_version <> ''),
  state           jsonb       NOT NULL CHECK (jsonb_typeof(state) = 'object'),
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  -- No foreign key to events: it would make TRUNCATE of events fail on the key
  -- instead of on the append-only trigger, which says why.
  PRIMARY KEY (urn, version)
);

CREATE TRIGGER snapshots_append_only BEFORE UPDATE OR DELETE ON snapshots FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change();
CREATE TRIGGER snapshots_no_truncate BEFORE TRUNCATE ON snapshots FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse_change();
