/**
 * The timer table of the embedded host: one row per school and timer key,
 * holding the event to send back to the machine when it falls due. Firing a
 * timer = deleting its row in the transaction that appends its event. Not pure.
 */
import { prepared, type Db } from './db.js';
import { Checks } from './input.js';

export interface TimerInput {
  urn: string;
  key: string;
  /** ISO instant with offset. */
  dueAt: string;
  /** The event to send when it fires. */
  event: unknown;
  /** The stream version whose transition set this timer. */
  createdByVersion: number;
}

export interface StoredTimer {
  urn: string;
  key: string;
  /** ISO UTC. */
  dueAt: string;
  event: unknown;
  createdByVersion: number;
}

interface TimerRow {
  urn: string;
  key: string;
  due_at: string;
  event: unknown;
  created_by_version: number;
}

const toTimer = (r: TimerRow): StoredTimer => ({ urn: r.urn, key: r.key, dueAt: r.due_at, event: r.event, createdByVersion: r.created_by_version });

/** Sets timer (urn, key), replacing its due time and event if it exists. Not pure. */
export async function upsertTimer(db: Db, timer: TimerInput): Promise<void> {
  const c = new Checks('timer');
  c.text('urn', timer.urn);
  c.text('key', timer.key);
  const dueAt = c.instant('dueAt', timer.dueAt);
  const eventJson = c.json('event', timer.event);
  c.wholeNumber('createdByVersion', timer.createdByVersion, 0);
  c.done();
  await db.query(
    `INSERT INTO timers (urn, key, due_at, event, created_by_version) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (urn, key) DO UPDATE SET due_at = EXCLUDED.due_at, event = EXCLUDED.event, created_by_version = EXCLUDED.created_by_version`,
    [timer.urn, timer.key, dueAt, eventJson, timer.createdByVersion],
  );
}

/** Drops timer (urn, key): a cancel, or the delete that goes with firing it. True if it existed. Not pure. */
export async function cancelTimer(db: Db, urn: string, key: string): Promise<boolean> {
  const r = await db.query('DELETE FROM timers WHERE urn = $1 AND key = $2', [urn, key]);
  return r.rowCount > 0;
}

/** Due timers, earliest first, skipping rows another transaction holds. */
const CLAIM_DUE_SQL = prepared(`SELECT urn, key, due_at, event, created_by_version FROM timers
      WHERE due_at <= $1
      ORDER BY due_at, urn, key
      LIMIT $2
      FOR UPDATE SKIP LOCKED`);

/** The same, for the schools of one lane: those whose URN hashes to `lane` of `lanes`. */
const CLAIM_DUE_LANE_SQL = prepared(`SELECT urn, key, due_at, event, created_by_version FROM timers
      WHERE due_at <= $1 AND (hashtext(urn)::bigint + 2147483648) % $3 = $4
      ORDER BY due_at, urn, key
      LIMIT $2
      FOR UPDATE SKIP LOCKED`);

/** Which share of the schools a claim takes: a school is in one lane only, so lanes claiming side by side never hold one school's timers apart. */
export interface TimerLane {
  lane: number;
  of: number;
}

/**
 * Locks and returns up to `limit` timers due at or before `until`, earliest
 * first (then by urn, key); with `lane`, only those of that lane's schools.
 * Timers another transaction has claimed are skipped, so concurrent
 * schedulers never fire the same one. Must run inside db.tx(); the caller
 * appends each timer's event and cancelTimer()s it there. Not pure.
 */
export async function claimDueTimers(db: Db, until: string, limit: number, lane?: TimerLane): Promise<StoredTimer[]> {
  if (!db.inTransaction) throw new Error('claimDueTimers must run inside db.tx(): its row locks last only as long as the transaction');
  const c = new Checks('claimDueTimers');
  const u = c.instant('until', until);
  c.wholeNumber('limit', limit, 1);
  if (lane) {
    c.wholeNumber('lane.of', lane.of, 1);
    if (c.wholeNumber('lane.lane', lane.lane, 0) >= lane.of) throw new RangeError(`claimDueTimers: lane.lane must be below lane.of (${lane.of}); got ${lane.lane}`);
  }
  c.done();
  const r = lane && lane.of > 1 ? await db.query<TimerRow>(CLAIM_DUE_LANE_SQL, [u, limit, lane.of, lane.lane]) : await db.query<TimerRow>(CLAIM_DUE_SQL, [u, limit]);
  return r.rows.map(toTimer);
}

/** The earliest due time of any timer, or null when none is set. Not pure. */
export async function nextDueAt(db: Db): Promise<string | null> {
  const r = await db.query<{ due_at: string | null }>('SELECT min(due_at) AS due_at FROM timers');
  return r.rows[0]?.due_at ?? null;
}

/** A school's pending timers, earliest first. Not pure. */
export async function listTimers(db: Db, urn: string): Promise<StoredTimer[]> {
  const r = await db.query<TimerRow>('SELECT urn, key, due_at, event, created_by_version FROM timers WHERE urn = $1 ORDER BY due_at, key', [urn]);
  return r.rows.map(toTimer);
}
