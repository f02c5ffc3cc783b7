-- Rules by reference (issue 11 "Rules by year, kept"; issue 10 "Compact events").
--
-- Each programme's rules (one catalogue entry: route, phase, academic year)
-- are kept here once, immutable, keyed by the programme id and the sha256 of
-- their canonical JSON (store/rules.ts rulesHash): a changed entry is a new
-- row beside the old one, never an update. Events written from now on refer
-- to them ({ id, academicYear, rulesHash } where the payload's `programme`
-- and the state's `context.programme` were) instead of carrying a copy;
-- events written before keep their copy and are read as they are (never
-- rewritten, so their hashes still verify). Replay fetches the rules an
-- event names. Append-only, like the event log.
CREATE TABLE rules (
  id          text        NOT NULL CHECK (id ~ '^[a-z0-9-]+$'),
  hash        text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  body        jsonb       NOT NULL CHECK (jsonb_typeof(body) = 'object' AND body->>'id' = id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, hash)
);
CREATE UNIQUE INDEX rules_hash_idx ON rules (hash);

CREATE TRIGGER rules_append_only BEFORE UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change();
CREATE TRIGGER rules_no_truncate BEFORE TRUNCATE ON rules FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse_change();
