/**
 * The append-only event log: one stream per school (urn), versions 1, 2, 3...,
 * each event hash-chained to the one before it. Not pure (database I/O).
 *
 * Concurrency: an append takes a transaction-scoped advisory lock on its urn,
 * so writers to one stream queue up and a stale one gets VersionConflictError
 * with nothing written; the unique (urn, version) constraint backs this up
 * for any writer that bypasses the lock.
 */
import { VersionConflictError } from '../domain/errors.js';
import { isUniqueViolation, type Db } from './db.js';
import { CURRENT_HASH_VERSION, eventHashV2, storedEventHash } from './hash.js';
import { Checks } from './input.js';
import { fault } from './faults.js';
import { brokenRefs, compactRow, upcastRows } from './rules.js';
import { keepSnapshots, snapshotDue } from './snapshots.js';

export interface AppendEventInput {
  urn: string;
  /** The stream version the writer read: 0 for a new stream. */
  expectedVersion: number;
  type: string;
  payload: unknown;
  /** When it happened in school time (the event's `at`), an ISO instant with offset. */
  occurredAt: string;
  /** Who did it: a user id, or "timer". */
  actor: string;
  machineVersion: string;
  /**
   * The persisted machine snapshot after this event. The row does not keep
   * it (compact events, migration 023): it goes to the snapshots table when
   * one is due (store/snapshots.ts).
   */
  state: unknown;
}

export interface AppendedEvent {
  version: number;
  position: number;
  hash: string;
  /** When the store took it (database clock), ISO UTC. */
  recordedAt: string;
  /** The row's physical version as store/tamper.ts's stream fingerprint writes it (xmin and ctid). */
  rowMark: string;
}

export interface StoredEvent {
  position: number;
  urn: string;
  version: number;
  type: string;
  payload: unknown;
  /** ISO UTC with milliseconds. */
  occurredAt: string;
  recordedAt: string;
  actor: string;
  machineVersion: string;
  /** The state after the event as an old row stored it; null for a row written since migration 023 (store/states.ts folds it). */
  state: unknown;
  prevHash: string | null;
  hash: string;
  /** The hash version the event was written under (store/hash.ts). */
  hashVersion: number;
}

interface EventRow {
  position: number;
  urn: string;
  version: number;
  type: string;
  payload: unknown;
  occurred_at: string;
  recorded_at: string;
  actor: string;
  machine_version: string;
  state: unknown;
  prev_hash: string | null;
  hash: string;
  hash_version: number;
}

const EVENT_COLUMNS = 'position, urn, version, type, payload, occurred_at, recorded_at, actor, machine_version, state, prev_hash, hash, hash_version';

function toEvent(r: EventRow): StoredEvent {
  return {
    position: r.position,
    urn: r.urn,
    version: r.version,
    type: r.type,
    payload: r.payload,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
    actor: r.actor,
    machineVersion: r.machine_version,
    state: r.state,
    prevHash: r.prev_hash,
    hash: r.hash,
    hashVersion: r.hash_version,
  };
}

/**
 * Serialises writers to one stream until the end of the current transaction
 * (a no-op outside one). appendEvent takes it; a host that reads a stream's
 * state before deciding what to append should take it first, so the state it
 * decides on cannot change under it. Not pure.
 */
export async function lockStream(db: Db, urn: string): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock(hashtextextended('pathway.stream:' || $1, 0))", [urn]);
}

/**
 * Takes the stream's lock (as lockStream) only if no other transaction holds
 * it; false when it is busy. Lets a timer scheduler that already holds timer
 * row locks skip a school someone is writing to, instead of waiting on it
 * (which can deadlock with a writer waiting on that timer row). Must run
 * inside db.tx(). Not pure.
 */
export async function tryLockStream(db: Db, urn: string): Promise<boolean> {
  if (!db.inTransaction) throw new Error('tryLockStream must run inside db.tx(): the lock lasts until the transaction ends');
  const r = await db.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtextextended('pathway.stream:' || $1, 0)) AS locked", [urn]);
  return r.rows[0]?.locked === true;
}

/**
 * Appends one event at version expectedVersion + 1 and returns where it went.
 * Throws VersionConflictError (nothing written) when the stream is not at
 * expectedVersion, ValidationError for malformed input. Runs in its own
 * transaction, or in the caller's when given a transaction handle. Not pure.
 */
export async function appendEvent(db: Db, input: AppendEventInput, options: { streamLocked?: boolean } = {}): Promise<AppendedEvent> {
  const c = new Checks('event');
  c.text('urn', input.urn);
  c.wholeNumber('expectedVersion', input.expectedVersion, 0);
  c.text('type', input.type);
  const payloadJson = c.json('payload', input.payload);
  const occurredAt = c.instant('occurredAt', input.occurredAt);
  c.text('actor', input.actor);
  c.text('machineVersion', input.machineVersion);
  const stateJson = c.json('state', input.state);
  c.done();

  const { urn, expectedVersion } = input;
  // Rules by reference (store/rules.ts): the row keeps a reference where the programme was copied, the rules table the programme.
  const compact = compactRow(JSON.parse(payloadJson), undefined);
  const rules = [...compact.rules.values()];
  try {
    return await db.tx(async (tx) => {
      // A caller that decided the event under the stream's lock (host/embedded.ts) holds it already.
      if (!options.streamLocked) await lockStream(tx, urn);
      // The head of the stream, and (the v2 hash covers them, so both are taken before the row is written) the position and the recording time: now() is the transaction's, as the column default was.
      const slot = (
        await tx.query<{ version: number | null; hash: string | null; position: number | string; recorded_at: string }>(
          `SELECT h.version, h.hash, nextval('events_position_seq') AS position, now() AS recorded_at
             FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT version, hash FROM events WHERE urn = $1 ORDER BY version DESC LIMIT 1) AS h ON true`,
          [urn],
        )
      ).rows[0]!;
      const current = slot.version ?? 0;
      if (current !== expectedVersion) throw new VersionConflictError(urn, expectedVersion, current);
      const version = current + 1;
      const prevHash = slot.hash ?? null;
      const position = Number(slot.position);
      const hash = eventHashV2({
        position,
        recordedAt: slot.recorded_at,
        urn,
        version,
        type: input.type,
        payload: compact.payload,
        occurredAt,
        actor: input.actor,
        machineVersion: input.machineVersion,
        state: null,
        prevHash,
      });
      // The rules the row refers to are kept in the same statement (once each: an existing rules row is left as it is).
      const inserted = await tx.query<{ position: number; recorded_at: string; row_mark: string }>(
        `WITH kept AS (
           INSERT INTO rules (id, hash, body)
           SELECT * FROM unnest($14::text[], $15::text[], $16::jsonb[])
           ON CONFLICT DO NOTHING
         )
         INSERT INTO events (urn, version, type, payload, occurred_at, actor, machine_version, state, prev_hash, hash, position, recorded_at, hash_version)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13)
         RETURNING position, recorded_at, xmin::text || ctid::text AS row_mark`,
        [
          urn, version, input.type, JSON.stringify(compact.payload), occurredAt, input.actor, input.machineVersion, null, prevHash, hash, position, slot.recorded_at, CURRENT_HASH_VERSION,
          rules.map((r) => r.id), rules.map((r) => r.hash), rules.map((r) => JSON.stringify(r.body)),
        ],
      );
      const row = inserted.rows[0]!;
      if (snapshotDue(version, input.type)) await keepSnapshots(tx, [{ urn, version, machineVersion: input.machineVersion, state: JSON.parse(stateJson) }]);
      // A crash here, inside the transaction, must leave nothing of the event behind.
      fault('event.after-append');
      return { version, position: row.position, hash, recordedAt: row.recorded_at, rowMark: row.row_mark };
    });
  } catch (err) {
    if (!isUniqueViolation(err, 'events_urn_version_key')) throw err;
    // Another writer took this version without the lock. A transaction handle is
    // aborted now and cannot be asked for the real head.
    const actual = db.inTransaction ? expectedVersion + 1 : await latestVersion(db, urn);
    throw new VersionConflictError(urn, expectedVersion, actual);
  }
}

/** The stream's latest version; 0 when it has no events. Not pure. */
export async function latestVersion(db: Db, urn: string): Promise<number> {
  const r = await db.query<{ version: number | null }>('SELECT max(version) AS version FROM events WHERE urn = $1', [urn]);
  return r.rows[0]?.version ?? 0;
}

/** When the stream's latest event of `type` happened (its `at`, ISO), or null when it has none. Not pure. */
export async function lastOccurred(db: Db, urn: string, type: string): Promise<string | null> {
  const r = await db.query<{ at: Date | string }>('SELECT occurred_at AS at FROM events WHERE urn = $1 AND type = $2 ORDER BY version DESC LIMIT 1', [urn, type]);
  const at = r.rows[0]?.at;
  return at === undefined ? null : new Date(at).toISOString();
}

/**
 * The stream's version now when every event after `seen` was written by the
 * service's own timers (actor "timer": reminders sent, checks made), else
 * `seen` itself, so that a write expecting it still conflicts with a
 * person's change. For forms shown at `seen`. Not pure.
 */
export async function versionPastTimers(db: Db, urn: string, seen: number): Promise<number> {
  const r = await db.query<{ latest: number | null; people: number }>(
    `SELECT max(version)::int AS latest, (count(*) FILTER (WHERE actor <> 'timer'))::int AS people FROM events WHERE urn = $1 AND version > $2`,
    [urn, seen],
  );
  const row = r.rows[0];
  return !row || row.latest === null || row.people > 0 ? seen : row.latest;
}

export interface ReadStreamOptions {
  /** Only events up to and including this version. */
  toVersion?: number;
  /** Only events from this version on. */
  fromVersion?: number;
  /** Only events that occurred at or before this ISO instant (school time). */
  until?: string;
  /**
   * The rows exactly as stored (a reference to the rules where a new row has
   * one), for checks over the stored columns; by default each row is upcast
   * to the whole programme (store/rules.ts).
   */
  asStored?: boolean;
}

/** A stream's events in version order, optionally cut at a version or an occurrence time. Not pure. */
export async function readStream(db: Db, urn: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
  const c = new Checks('readStream options');
  if (options.toVersion !== undefined) c.wholeNumber('toVersion', options.toVersion, 0);
  if (options.fromVersion !== undefined) c.wholeNumber('fromVersion', options.fromVersion, 1);
  const until = options.until === undefined ? null : c.instant('until', options.until);
  c.done();
  const r = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events
      WHERE urn = $1
        AND ($2::integer IS NULL OR version <= $2::integer)
        AND ($3::timestamptz IS NULL OR occurred_at <= $3::timestamptz)
        AND ($4::integer IS NULL OR version >= $4::integer)
      ORDER BY version`,
    [urn, options.toVersion ?? null, until, options.fromVersion ?? null],
  );
  // Both shapes of row read as one: a reference to the rules fetched, an old row's copy as it is.
  return options.asStored ? r.rows.map(toEvent) : upcastRows(db, r.rows.map(toEvent));
}

export interface ReadAllOptions {
  /** Start at this global position (inclusive); default: the beginning. */
  fromPosition?: number;
  /** Events fetched per query; default 500. */
  batch?: number;
}

/**
 * Every event of every stream in global (position) order, fetched in batches,
 * for replays and rebuilding projections. The next batch is read while the
 * caller works through this one (two batches in memory at most), so the
 * database and the fold work side by side. An event committed while the
 * iteration runs may be missed if a writer took its position earlier and
 * committed later; replay from a quiet database or re-run from the last
 * position seen. Not pure.
 */
export async function* readAll(db: Db, options: ReadAllOptions = {}): AsyncGenerator<StoredEvent> {
  const c = new Checks('readAll options');
  const from = options.fromPosition === undefined ? 0 : c.wholeNumber('fromPosition', options.fromPosition, 0);
  const batch = options.batch === undefined ? 500 : c.wholeNumber('batch', options.batch, 1);
  c.done();
  const read = (after: number) => {
    const rows = db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2`, [after, batch]).then((r) => r.rows);
    // A caller that stops early leaves the read ahead unawaited: its failure is not an unhandled rejection.
    rows.catch(() => undefined);
    return rows;
  };
  let next = read(from - 1);
  for (;;) {
    const rows = await next;
    const full = rows.length === batch;
    if (full) next = read(rows[rows.length - 1]!.position);
    for (const e of await upcastRows(db, rows.map(toEvent))) yield e;
    if (!full) return;
  }
}

export interface VerifyOptions {
  /** Findings an admin has signed off (store/tamper.ts): passed over, and the check goes on past them. */
  accepted?: (finding: TamperFinding) => boolean;
  /** Check only from this version on, taking the version before it as given (it was checked when a signed checkpoint took it). Default 1. */
  fromVersion?: number;
}

export interface TamperFinding {
  /** The first version found changed, moved or missing. */
  version: number;
  reason: string;
}

/**
 * Recomputes a stream's hash chain. Null when every event is as recorded;
 * otherwise the first version that was changed, deleted or moved, and why.
 * Deleting the latest events is found through the stream's recorded version
 * in `streams`. Not pure.
 */
export async function verifyStream(db: Db, urn: string, options: VerifyOptions = {}): Promise<TamperFinding | null> {
  const from = options.fromVersion ?? 1;
  // The head first: a write that commits between the two reads then only adds events past it. Read the other way
  // round (events, then head), a concurrent append looked like a deleted tail and stopped a healthy school.
  const head = (await db.query<{ version: number }>('SELECT version FROM streams WHERE urn = $1', [urn])).rows[0];
  const rows = (await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE urn = $1 AND version >= $2 ORDER BY version, position`, [urn, from - 1])).rows;
  // A finding an admin has signed off is passed over, so a later change is still found.
  const open = (f: TamperFinding) => !options.accepted?.(f);
  // Rows that refer to their rules (store/rules.ts): each reference must name rules still in the table, unchanged.
  const unresolved = await brokenRefs(db, rows);
  let prev: EventRow | undefined;
  if (from > 1) {
    if (rows[0]?.version !== from - 1) return { version: from - 1, reason: `version ${from - 1} is missing from the log` };
    prev = rows.shift();
  }
  for (const row of rows) {
    const expected = (prev?.version ?? 0) + 1;
    if (row.version < expected) {
      const f = { version: row.version, reason: `version ${row.version} appears more than once in the log (positions ${prev?.position} and ${row.position})` };
      if (open(f)) return f;
      continue;
    }
    if (row.version > expected) {
      const missing = row.version - 1 > expected ? `versions ${expected} to ${row.version - 1} are` : `version ${expected} is`;
      const f = { version: expected, reason: `${missing} missing from the log: the next event stored is version ${row.version}, so events were deleted` };
      if (open(f)) return f;
    }
    const prevHash = prev?.hash ?? null;
    if (row.prev_hash !== prevHash && row.version === expected) {
      const f = {
        version: row.version,
        reason: prev
          ? `version ${row.version} does not follow version ${prev.version}: it was chained to a different predecessor (prev_hash ${short(row.prev_hash)} instead of ${short(prevHash)}), so events before it were deleted, replaced or reordered`
          : `version 1 claims a predecessor (prev_hash ${short(row.prev_hash)}), so earlier events were deleted or it was moved`,
      };
      if (open(f)) return f;
    }
    if (prev && row.position <= prev.position) {
      const f = { version: row.version, reason: `version ${row.version} has global position ${row.position}, before version ${prev.version} at ${prev.position}: the events were reordered` };
      if (open(f)) return f;
    }
    if (prev && row.hash_version < prev.hash_version) {
      const f = { version: row.version, reason: `version ${row.version} claims hash version ${row.hash_version} after version ${prev.version} was written under ${prev.hash_version}: a row was moved to an older hash that covers less` };
      if (open(f)) return f;
    }
    let recomputed: string;
    try {
      recomputed = storedEventHash(row.hash_version, {
        position: Number(row.position),
        recordedAt: row.recorded_at,
        urn: row.urn,
        version: row.version,
        type: row.type,
        payload: row.payload,
        occurredAt: row.occurred_at,
        actor: row.actor,
        machineVersion: row.machine_version,
        state: row.state,
        prevHash: row.prev_hash,
      });
    } catch (err) {
      recomputed = `unknown: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (recomputed !== row.hash) {
      const f = { version: row.version, reason: `version ${row.version} (${row.type}) was changed after it was recorded: its content no longer matches its hash ${short(row.hash)}` };
      if (open(f)) return f;
    }
    const rulesProblem = unresolved.get(row.version);
    if (rulesProblem) {
      const f = { version: row.version, reason: `version ${row.version} (${row.type}) cannot be checked against its rules: ${rulesProblem}` };
      if (open(f)) return f;
    }
    prev = row;
  }
  const last = prev?.version ?? 0;
  if (head && head.version > last) {
    const f = {
      version: last + 1,
      reason: `the stream is at version ${head.version} but the log ends at version ${last}: ${head.version - last === 1 ? `version ${last + 1} was` : `versions ${last + 1} to ${head.version} were`} deleted`,
    };
    if (open(f)) return f;
  }
  return null;
}

function short(hash: string | null): string {
  return hash === null ? 'none' : `${hash.slice(0, 12)}...`;
}
