/**
 * Batched writes of the embedded host: decide many events (for one school or
 * many) inside one transaction and store what they change with a handful of
 * statements instead of a dozen per event: the streams locked in one go,
 * their heads (and the tamper fingerprints of people's writes) read in one
 * go, the events and the streams' new heads written by one statement, the
 * snapshots, timers and outbox with one statement each. The rows are
 * the same as store/event-log.ts appendEvent writes one event at a time (the
 * Temporal host's path: the same hash chain and snapshots), so a history does
 * not show which way it was written. Every write of the embedded host comes
 * here: send (a batch of one, or a group of writes that arrived together),
 * sendMany and tick. Not pure (database I/O); the decisions are the pure core's.
 */
import { decide, initialState, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent } from '../machines/events.js';
import type { Effect } from '../machines/effects.js';
import type { SchoolSummary } from '../machines/summary.js';
import { EventRejectedError, UnknownSchoolError, VersionConflictError } from '../domain/errors.js';
import { prepared, type Db } from '../store/db.js';
import { CURRENT_HASH_VERSION, eventHashV2 } from '../store/hash.js';
import { fault } from '../store/faults.js';
import { FINGERPRINTS_SQL, fingerprintUnchanged, OPEN_FINDINGS_SQL, openFindingsOf, StreamChangedError, TamperedSchoolError, type Fingerprint, type FingerprintRow, type OpenFindingRow } from '../store/tamper.js';
import { compactRow, upcastStates, type CompactRow } from '../store/rules.js';
import { keepSnapshots, snapshotDue, type Snapshot } from '../store/snapshots.js';
import type { SendResult } from './engine.js';
import type { HeadCache, KnownHead } from './head-cache.js';

export interface BatchItem {
  urn: string;
  event: PathwayEvent;
  actor: string;
  /** Optimistic concurrency, checked against the stream as this batch has left it so far. */
  expectedVersion?: number;
  /**
   * The school's tamper fingerprint as this process last found it intact
   * (store/tamper.ts knownFingerprint): compared with the database's in the
   * statement that reads the head; a difference throws StreamChangedError
   * before anything is written. A write from a person (send) carries it.
   */
  fingerprint?: Fingerprint;
  /** The caller's check of the school (SendOptions.authorize), run on the head this batch reads; what it throws comes out as WriteRefusedError. */
  authorize?: (school: SchoolSummary) => void;
}

/** An item's authorize refused the write (its error is `cause`); nothing of the batch is written. */
export class WriteRefusedError extends Error {
  override readonly name = 'WriteRefusedError';
  constructor(readonly urn: string, override readonly cause: unknown) {
    super(`the write to school ${urn} was refused: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface BatchOutcome {
  /** Per item, what was stored; null for an item skipped as rejected. */
  results: (SendResult | null)[];
  rejected: { index: number; error: EventRejectedError }[];
  /** Each stored event's physical row version (xmin and ctid, as AppendedEvent.rowMark), by "urn@version". */
  rowMarks: Map<string, string>;
  /** The streams' heads as this batch wrote them, for the caller's HeadCache once the transaction has committed. */
  heads: Map<string, KnownHead>;
}

export interface BatchOptions {
  /** 'throw' (default): a refused event rolls back the whole batch; 'skip': it is left out and reported. */
  onRejected?: 'throw' | 'skip';
  /** Timers being fired by this batch: deleted before the events' own timer effects apply. */
  firedTimers?: { urn: string; key: string }[];
  /** Heads this process wrote: a stream whose row is still as written is not read back (host/head-cache.ts). */
  known?: HeadCache;
}

interface Head {
  version: number;
  hash: string | null;
  snapshot: PersistedPathway | null;
  summary: SchoolSummary | null;
}

/** One stream's advisory lock, held to the end of the transaction. */
const LOCK_ONE_SQL = prepared("SELECT pg_advisory_xact_lock(hashtextextended('pathway.stream:' || $1, 0))");
/** Several streams' locks, taken in the order given (a CTE with OFFSET 0 is not flattened). */
const LOCK_MANY_SQL = prepared(
  `SELECT count(pg_advisory_xact_lock(hashtextextended('pathway.stream:' || u, 0)))
       FROM (SELECT u FROM unnest($1::text[]) WITH ORDINALITY AS a(u, n) ORDER BY n OFFSET 0) s`,
);

/**
 * Takes every stream's advisory lock (the one lockStream takes), in URN
 * order so that two batches cannot deadlock each other. Must run inside a
 * transaction. Not pure.
 */
export async function lockStreams(tx: Db, urns: string[]): Promise<void> {
  const sorted = [...new Set(urns)].sort();
  if (sorted.length === 1) {
    await tx.query(LOCK_ONE_SQL, [sorted[0]]);
    return;
  }
  // A CTE with OFFSET 0 is not flattened, so the locks are taken in the sorted order.
  await tx.query(
    LOCK_MANY_SQL,
    [sorted],
  );
}

/**
 * Tries every stream's lock without waiting; returns the URNs it got. For the
 * timer scheduler, which already holds timer row locks and must not wait on
 * a writer. Must run inside a transaction. Not pure.
 */
export async function tryLockStreams(tx: Db, urns: string[]): Promise<Set<string>> {
  const sorted = [...new Set(urns)].sort();
  const r = await tx.query<{ u: string; locked: boolean }>(
    `SELECT u, pg_try_advisory_xact_lock(hashtextextended('pathway.stream:' || u, 0)) AS locked
       FROM (SELECT u FROM unnest($1::text[]) WITH ORDINALITY AS a(u, n) ORDER BY n OFFSET 0) s`,
    [sorted],
  );
  return new Set(r.rows.filter((x) => x.locked).map((x) => x.u));
}

/** readBatchStart's one statement: heads (no snapshot where the kept mark still holds), last hashes, open findings, fingerprints, time, positions. */
const HEAD_READ_SQL = prepared(
  `SELECT (SELECT json_agg(CASE WHEN k.mark = s.version || '@' || s.xmin::text THEN json_build_object('urn', s.urn, 'version', s.version)
                                  ELSE json_build_object('urn', s.urn, 'version', s.version, 'snapshot', s.snapshot, 'summary', s.summary) END)
               FROM streams s LEFT JOIN unnest($4::text[], $5::text[]) AS k(urn, mark) ON k.urn = s.urn
              WHERE s.urn = ANY($1::text[])) AS streams,
            (SELECT json_agg(e) FROM (SELECT u.urn, l.version, l.hash FROM unnest($1::text[]) AS u(urn)
                                        CROSS JOIN LATERAL (SELECT version, hash FROM events WHERE urn = u.urn ORDER BY version DESC LIMIT 1) l) e) AS events,
            (SELECT json_agg(f) FROM (${OPEN_FINDINGS_SQL('$1')}) f) AS findings,
            (SELECT json_agg(p) FROM (${FINGERPRINTS_SQL('$3')}) p) AS fingerprints,
            now() AS recorded_at,
            array(SELECT nextval('events_position_seq') FROM generate_series(1, $2::int)) AS positions`,
);

/**
 * What a batch reads before it decides, in one statement after the locks:
 * each stream's head (its stored snapshot and its last event's hash, which
 * must agree), the schools stopped by an open tamper finding, the tamper
 * fingerprints of `checked` (which must read as remembered), and `n` log
 * positions with the transaction's time (the v2 hash covers both).
 */
async function readBatchStart(tx: Db, urns: string[], n: number, checked: Map<string, Fingerprint>, known: HeadCache | undefined) {
  // The heads are taken with their marks: another batch (a lane beside this one, a concurrent request) may
  // push them out of the cache before the read answers that the row is still the one this process wrote.
  const marks = known?.marksOf(urns) ?? { urns: [], marks: [], heads: new Map<string, KnownHead>() };
  const r = await tx.query<{
    streams: { urn: string; version: number; snapshot: PersistedPathway | null; summary: SchoolSummary | null }[] | null;
    events: { urn: string; version: number; hash: string }[] | null;
    findings: OpenFindingRow[] | null;
    fingerprints: FingerprintRow[] | null;
    recorded_at: string;
    positions: (number | string)[];
  }>(
    HEAD_READ_SQL,
    [urns, n, [...checked.keys()], marks.urns, marks.marks],
  );
  const row = r.rows[0]!;
  const changed = new Set((row.fingerprints ?? []).filter((f) => !fingerprintUnchanged(checked.get(f.urn)!, f)).map((f) => f.urn));
  const heads = new Map<string, Head>();
  const fromTable: Head[] = [];
  const hashes = new Map((row.events ?? []).map((e) => [e.urn, e]));
  for (const s of row.streams ?? []) {
    const e = hashes.get(s.urn);
    // The log and the snapshot moved together or something removed events: refuse, as appendEvent does.
    if (!e || e.version !== s.version) throw new VersionConflictError(s.urn, s.version, e?.version ?? 0);
    // No snapshot in the row: it is still the row this process wrote, whose head it kept.
    const kept = s.snapshot === undefined ? marks.heads.get(s.urn)! : null;
    const head: Head = { version: s.version, hash: e.hash, snapshot: kept ? kept.snapshot : s.snapshot, summary: kept ? kept.summary : s.summary };
    if (!kept && head.snapshot) fromTable.push(head);
    heads.set(s.urn, head);
  }
  for (const e of row.events ?? []) if (!heads.has(e.urn)) throw new VersionConflictError(e.urn, 0, e.version);
  // Heads read from the table hold their programme by reference (saved since 2026-12-04): whole again, as the machines fold it.
  if (fromTable.length > 0) (await upcastStates(tx, fromTable.map((h) => h.snapshot))).forEach((s, i) => (fromTable[i]!.snapshot = s as PersistedPathway));
  return { heads, stopped: openFindingsOf(row.findings ?? []), changed, slots: { recorded_at: row.recorded_at, positions: row.positions } };
}

/**
 * The events, the streams' new heads and the rules they refer to, in one
 * statement; returns each event's row mark and each head's new mark. Every
 * head refers to its programme's rules, so they go with it rather than in a
 * statement of their own (a rules version already kept is left as it is).
 */
const APPEND_SQL = prepared(
  `WITH kept_rules AS (
         INSERT INTO rules (id, hash, body)
         SELECT r.id, r.hash, r.body FROM jsonb_to_recordset($5::jsonb) AS r(id text, hash text, body jsonb)
         ON CONFLICT DO NOTHING),
       appended AS (
         INSERT INTO events (urn, version, type, payload, occurred_at, actor, machine_version, prev_hash, hash, position, recorded_at, hash_version)
         SELECT e.*, $2::timestamptz, $3::smallint
           FROM jsonb_to_recordset($1::jsonb) AS e(urn text, version int, type text, payload jsonb, occurred_at timestamptz, actor text, machine_version text, prev_hash text, hash text, position bigint)
         RETURNING urn, version, xmin::text || ctid::text AS row_mark, txid_current()::text AS xid),
       heads AS (
         INSERT INTO streams (urn, version, snapshot, summary, route, hub, phase, status, programme_id, academic_year, group_id, overdue, updated_at)
         SELECT h.*, now()
           FROM jsonb_to_recordset($4::jsonb) AS h(urn text, version int, snapshot jsonb, summary jsonb, route text, hub text, phase text, status text, programme_id text, academic_year text, group_id text, overdue boolean)
         ON CONFLICT (urn) DO UPDATE SET
           version = EXCLUDED.version, snapshot = EXCLUDED.snapshot, summary = EXCLUDED.summary,
           route = EXCLUDED.route, hub = EXCLUDED.hub, phase = EXCLUDED.phase, status = EXCLUDED.status,
           programme_id = EXCLUDED.programme_id, academic_year = EXCLUDED.academic_year, group_id = EXCLUDED.group_id,
           overdue = EXCLUDED.overdue, updated_at = EXCLUDED.updated_at
         WHERE streams.version <= EXCLUDED.version
         RETURNING urn, version || '@' || xmin::text AS mark)
       SELECT urn, version, row_mark, xid, NULL AS head_mark FROM appended
       UNION ALL SELECT urn, NULL, NULL, NULL, mark FROM heads`,
);

/** Timers the batch cancelled or fired, by (urn, key). */
const DROP_TIMERS_SQL = prepared('DELETE FROM timers t USING unnest($1::text[], $2::text[]) AS d(urn, key) WHERE t.urn = d.urn AND t.key = d.key');

/** Timers the batch set, each replacing the one of its key. */
const SET_TIMERS_SQL = prepared(`INSERT INTO timers (urn, key, due_at, event, created_by_version)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::int[])
       ON CONFLICT (urn, key) DO UPDATE SET due_at = EXCLUDED.due_at, event = EXCLUDED.event, created_by_version = EXCLUDED.created_by_version`);

/** The batch's effects into the outbox, once each key. */
const OUTBOX_SQL = prepared(`INSERT INTO outbox (key, urn, type, payload, next_attempt_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[])
       ON CONFLICT (key) DO NOTHING`);

/**
 * Decides `items` in order (several for one school see each other's
 * results) and stores them in the transaction `tx`: events, snapshots,
 * timers and outbox. Throws UnknownSchoolError, VersionConflictError,
 * WriteRefusedError (an item's authorize refused it), StreamChangedError
 * (an item's fingerprint no longer matches), or
 * (unless onRejected is 'skip') EventRejectedError, leaving the caller to
 * roll back. Not pure.
 */
export async function decideAndStoreMany(tx: Db, items: BatchItem[], options: BatchOptions = {}): Promise<BatchOutcome> {
  const results: (SendResult | null)[] = [];
  const rejected: BatchOutcome['rejected'] = [];
  const rowMarks = new Map<string, string>();
  const written = new Map<string, KnownHead>();
  if (items.length === 0) return { results, rejected, rowMarks, heads: written };
  const urns = [...new Set(items.map((i) => i.urn))];
  await lockStreams(tx, urns);
  // A school stopped by a tampered history is refused here, as the database would (store/tamper.ts), so a timer batch goes on for the others.
  // The v2 hash covers position and recording time: one slot per item, taken before the rows are written (a refused item leaves a gap, as a rolled-back insert would).
  const checked = new Map<string, Fingerprint>();
  for (const i of items) if (i.fingerprint && !checked.has(i.urn)) checked.set(i.urn, i.fingerprint);
  const { heads, stopped, changed, slots } = await readBatchStart(tx, urns, items.length, checked, options.known);

  // Compact rows (migration 023): no state in the event; a snapshot where one is due.
  // Rows as JSON objects, sent as one jsonb document each for the events and the heads (jsonb_to_recordset):
  // an array parameter would escape every quote of every state and payload once more.
  const events: { urn: string; version: number; type: string; payload: unknown; occurred_at: string; actor: string; machine_version: string; prev_hash: string | null; hash: string; position: number }[] = [];
  const snapshots: Snapshot[] = [];
  const touched = new Map<string, Head>();
  // Final operation per timer: the fired ones go first, then each event's effects in order.
  const timerOps = new Map<string, { urn: string; key: string; set?: { dueAt: string; event: PathwayEvent; createdByVersion: number } }>();
  for (const t of options.firedTimers ?? []) timerOps.set(`${t.urn}\u0000${t.key}`, { urn: t.urn, key: t.key });
  const outbox: { key: string; urn: string; type: string; payload: string; notBefore: string }[] = [];
  const rules: CompactRow['rules'] = new Map();

  items.forEach((item, index) => {
    const head = heads.get(item.urn);
    if (!head && (item.event.type !== 'APPLY' || item.authorize)) throw new UnknownSchoolError(item.urn);
    if (item.authorize) {
      try {
        item.authorize(head!.summary!);
      } catch (err) {
        throw new WriteRefusedError(item.urn, err);
      }
    }
    // In this order, as when they were statements of their own: who may write, then whether the history is intact.
    if (changed.has(item.urn)) throw new StreamChangedError(item.urn);
    const version = head?.version ?? 0;
    const held = stopped.get(item.urn);
    if (held) {
      if (options.onRejected !== 'skip') throw new TamperedSchoolError(item.urn, held.atVersion, held.reason);
      rejected.push({ index, error: new EventRejectedError(item.urn, item.event.type, 'stopped', new TamperedSchoolError(item.urn, held.atVersion, held.reason).message) });
      results.push(null);
      return;
    }
    if (item.expectedVersion !== undefined && item.expectedVersion !== version) throw new VersionConflictError(item.urn, item.expectedVersion, version);
    let decision;
    try {
      decision = decide(head?.snapshot ?? initialState(item.urn), item.event);
    } catch (err) {
      if (err instanceof EventRejectedError && options.onRejected === 'skip') {
        rejected.push({ index, error: err });
        results.push(null);
        return;
      }
      throw err;
    }
    const occurredAt = new Date(item.event.at).toISOString();
    const next = version + 1;
    const position = Number(slots.positions[index]);
    // Rules by reference, as appendEvent stores them (store/rules.ts).
    // Only the payload is stored: its programme by reference. The head's and the snapshots' rules are kept with them.
    const compact = compactRow(item.event, undefined);
    for (const [h, r] of compact.rules) rules.set(h, r);
    const hash = eventHashV2({ position, recordedAt: slots.recorded_at, urn: item.urn, version: next, type: item.event.type, payload: compact.payload, occurredAt, actor: item.actor, machineVersion: decision.machineVersion, state: null, prevHash: head?.hash ?? null });
    events.push({ urn: item.urn, version: next, type: item.event.type, payload: compact.payload, occurred_at: occurredAt, actor: item.actor, machine_version: decision.machineVersion, prev_hash: head?.hash ?? null, hash, position });
    if (snapshotDue(next, item.event.type)) snapshots.push({ urn: item.urn, version: next, machineVersion: decision.machineVersion, state: decision.snapshot });
    const after: Head = { version: next, hash, snapshot: decision.snapshot, summary: decision.summary };
    heads.set(item.urn, after);
    touched.set(item.urn, after);
    for (const effect of decision.effects as Effect[]) {
      if (effect.type === 'timer.set') timerOps.set(`${item.urn}\u0000${effect.key}`, { urn: item.urn, key: effect.key, set: { dueAt: new Date(effect.at).toISOString(), event: effect.event, createdByVersion: next } });
      else if (effect.type === 'timer.cancel') timerOps.set(`${item.urn}\u0000${effect.key}`, { urn: item.urn, key: effect.key });
      else outbox.push({ key: effect.key, urn: item.urn, type: effect.type, payload: JSON.stringify(effect), notBefore: occurredAt });
    }
    results.push({ urn: item.urn, version: next, summary: decision.summary, effects: decision.effects });
  });

  if (events.length > 0) {
    // The events, the streams' new heads and their rules in one statement (statements fewer per write); every stored event touched its stream.
    const streamRows = [...touched].map(([urn, h]) => {
      const sum = h.summary!;
      // The programme by reference, as the periodic snapshots keep it: a head is rewritten with every event.
      const compact = compactRow(undefined, h.snapshot);
      for (const [hash, r] of compact.rules) rules.set(hash, r);
      return { urn, version: h.version, snapshot: compact.state, summary: sum, route: sum.route ?? null, hub: sum.hub ?? null, phase: sum.phase ?? null, status: sum.status ?? null, programme_id: sum.programmeId ?? null, academic_year: sum.academicYear ?? null, group_id: sum.groupId ?? null, overdue: sum.overdue ?? false };
    });
    const inserted = await tx.query<{ urn: string; version: number | null; row_mark: string | null; xid: string | null; head_mark: string | null }>(
      APPEND_SQL,
      [JSON.stringify(events), slots.recorded_at, CURRENT_HASH_VERSION, JSON.stringify(streamRows), JSON.stringify([...rules.values()])],
    );
    let xid: string | null = null;
    for (const r of inserted.rows) {
      if (r.head_mark !== null) {
        const h = touched.get(r.urn)!;
        written.set(r.urn, { mark: r.head_mark, snapshot: h.snapshot!, summary: h.summary! });
      } else {
        rowMarks.set(`${r.urn}@${r.version}`, r.row_mark!);
        xid ??= r.xid;
      }
    }
    // The transaction has its id now (it wrote): tx() asks the server about it if COMMIT's answer is lost.
    if (xid !== null) tx.noteTransactionId?.(xid);
    await keepSnapshots(tx, snapshots);
    fault('event.after-append');
  }
  const ops = [...timerOps.values()];
  const drop = ops.filter((o) => !o.set);
  const set = ops.filter((o) => o.set);
  if (drop.length > 0) {
    await tx.query(DROP_TIMERS_SQL, [drop.map((o) => o.urn), drop.map((o) => o.key)]);
  }
  if (set.length > 0) {
    await tx.query(
      SET_TIMERS_SQL,
      [set.map((o) => o.urn), set.map((o) => o.key), set.map((o) => o.set!.dueAt), set.map((o) => JSON.stringify(o.set!.event)), set.map((o) => o.set!.createdByVersion)],
    );
  }
  if (outbox.length > 0) {
    await tx.query(
      OUTBOX_SQL,
      [outbox.map((o) => o.key), outbox.map((o) => o.urn), outbox.map((o) => o.type), outbox.map((o) => o.payload), outbox.map((o) => o.notBefore)],
    );
  }
  return { results, rejected, rowMarks, heads: written };
}
