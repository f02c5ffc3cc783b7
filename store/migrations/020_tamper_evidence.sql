-- Tamper evidence that holds against a database writer (issue 12).
--
-- 1. Events: the hash version each row was written under. Existing rows keep
--    v1 (their hash is not rewritten); the code writes every new row under
--    v2, which also covers position and recorded_at (store/hash.ts). A raw
--    INSERT that names no version is v1, and a v1 row after a v2 row of the
--    same school is a finding (store/event-log.ts verifyStream).
ALTER TABLE events ADD COLUMN hash_version smallint NOT NULL DEFAULT 1 CHECK (hash_version IN (1, 2));

-- 2. The funding ledger is append-only and hash-chained like events: each
--    row carries the previous row's hash (in id order) and a sha256 over its
--    own columns. The chain is made here, in the database, so every writer
--    (any host, a raw INSERT) chains; ids are taken under one lock, so id
--    order is chain order. The text hashed is each column as text, prefixed
--    by its length in bytes, so no two rows share a text (service/verify.ts
--    recomputes it in JavaScript; test/verify-ledger-hash.test.ts pins it).
ALTER TABLE funding_ledger ADD COLUMN prev_hash text CHECK (prev_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE funding_ledger ADD COLUMN hash text CHECK (hash ~ '^[0-9a-f]{64}$');

CREATE FUNCTION funding_ledger_row_text(
  id bigint, key text, urn text, programme_id text, academic_year text, amount_pence integer, reason text,
  paid_at timestamptz, recorded_at timestamptz, released_by_version integer, prev_hash text
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'pathway-ledger/1' || string_agg(octet_length(v)::text || ':' || v, '' ORDER BY n)
    FROM unnest(ARRAY[
      id::text, key, urn, programme_id, academic_year, amount_pence::text, reason,
      -- instants as whole microseconds since 1970 UTC: exact, and the same whatever the session's time zone
      (extract(epoch FROM paid_at) * 1000000)::bigint::text,
      (extract(epoch FROM recorded_at) * 1000000)::bigint::text,
      coalesce(released_by_version::text, ''), coalesce(prev_hash, '')
    ]) WITH ORDINALITY AS f(v, n)
$$;

-- Existing rows, chained in id order (before the triggers below exist).
DO $$
DECLARE
  r record;
  last_hash text := NULL;
BEGIN
  FOR r IN SELECT * FROM funding_ledger ORDER BY id LOOP
    UPDATE funding_ledger
       SET prev_hash = last_hash,
           hash = encode(sha256(convert_to(funding_ledger_row_text(r.id, r.key, r.urn, r.programme_id, r.academic_year, r.amount_pence, r.reason, r.paid_at, r.recorded_at, r.released_by_version, last_hash), 'UTF8')), 'hex')
     WHERE id = r.id
     RETURNING hash INTO last_hash;
  END LOOP;
END
$$;
ALTER TABLE funding_ledger ALTER COLUMN hash SET NOT NULL;
-- The trigger takes each id under the chain's lock, so the column default would only waste a number.
ALTER TABLE funding_ledger ALTER COLUMN id DROP DEFAULT;

CREATE FUNCTION funding_ledger_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_hash text;
BEGIN
  -- One writer at a time extends the chain (until its transaction ends), and takes its id under the lock.
  PERFORM pg_advisory_xact_lock(7280020);
  NEW.id := nextval(pg_get_serial_sequence('funding_ledger', 'id'));
  SELECT f.hash INTO last_hash FROM funding_ledger f ORDER BY f.id DESC LIMIT 1;
  NEW.prev_hash := last_hash;
  NEW.hash := encode(sha256(convert_to(funding_ledger_row_text(NEW.id, NEW.key, NEW.urn, NEW.programme_id, NEW.academic_year, NEW.amount_pence, NEW.reason, NEW.paid_at, NEW.recorded_at, NEW.released_by_version, last_hash), 'UTF8')), 'hex');
  RETURN NEW;
END
$$;

CREATE TRIGGER funding_ledger_chain BEFORE INSERT ON funding_ledger FOR EACH ROW EXECUTE FUNCTION funding_ledger_chain();

CREATE FUNCTION append_only_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING HINT = 'Record a correcting row instead of changing one.';
END
$$;

CREATE TRIGGER funding_ledger_append_only BEFORE UPDATE OR DELETE ON funding_ledger FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change();
CREATE TRIGGER funding_ledger_no_truncate BEFORE TRUNCATE ON funding_ledger FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse_change();

-- 3. Signed checkpoints (store/checkpoints.ts): every school's head (urn,
--    version, hash) and the ledger's head, as the leaves of an RFC 9162
--    Merkle tree whose root is signed with Ed25519. The private key is kept
--    outside the database; `heads` is what was signed, so a later check can
--    ask whether today's log extends it. Append-only too.
CREATE TABLE checkpoints (
  id         bigint      PRIMARY KEY,
  tree_size  integer     NOT NULL CHECK (tree_size >= 1),
  root       text        NOT NULL CHECK (root ~ '^[0-9a-f]{64}$'),
  signature  text        NOT NULL,
  key_id     text        NOT NULL CHECK (key_id ~ '^[0-9a-f]{64}$'),
  public_key text        NOT NULL,
  heads      jsonb       NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE SEQUENCE checkpoints_id_seq OWNED BY checkpoints.id;

CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse_change();
