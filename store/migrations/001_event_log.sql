-- The append-only event log: one stream per school (urn), versions 1, 2, 3...
-- Each event carries the resulting machine snapshot and a sha256 hash chained
-- to the previous event of its stream, so any later change can be found.

CREATE TABLE events (
  position        bigserial PRIMARY KEY,              -- global order of recording
  urn             text        NOT NULL CHECK (urn <> ''),
  version         integer     NOT NULL CHECK (version >= 1),
  type            text        NOT NULL CHECK (type <> ''),
  payload         jsonb       NOT NULL,
  occurred_at     timestamptz NOT NULL,               -- school time: the event's `at`
  recorded_at     timestamptz NOT NULL DEFAULT now(), -- when the store took it
  actor           text        NOT NULL CHECK (actor <> ''),
  machine_version text        NOT NULL CHECK (machine_version <> ''),
  state           jsonb       NOT NULL,               -- persisted snapshot after the event
  prev_hash       text        CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash            text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  CONSTRAINT events_urn_version_key UNIQUE (urn, version),
  CONSTRAINT events_first_has_no_prev CHECK ((version = 1) = (prev_hash IS NULL))
);

CREATE INDEX events_type_idx ON events (type, position);
CREATE INDEX events_occurred_at_idx ON events (occurred_at);

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'ROW' THEN
    RAISE EXCEPTION 'the event log is append-only: % of event % version % is not allowed', TG_OP, OLD.urn, OLD.version
      USING HINT = 'Record a correcting event instead of changing history.';
  END IF;
  RAISE EXCEPTION 'the event log is append-only: % of events is not allowed', TG_OP
    USING HINT = 'Record a correcting event instead of changing history.';
END
$$;

CREATE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

CREATE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();
