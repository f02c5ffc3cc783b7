/**
 * The outbox: effects written in the same transaction as the event that asked
 * for them, then carried out (and retried) by the host. Each effect's key is
 * its primary key, so enqueueing it twice keeps one. Not pure.
 */
import type { Db } from './db.js';
import { Checks } from './input.js';

export type OutboxStatus = 'pending' | 'done' | 'failed';

export interface OutboxInput {
  /** The effect's idempotency key. */
  key: string;
  urn: string;
  type: string;
  payload: unknown;
  /** Not before this ISO instant; default: at once (database clock). */
  notBefore?: string;
}

export interface OutboxItem {
  key: string;
  urn: string;
  type: string;
  payload: unknown;
  status: OutboxStatus;
  /** How many times it failed. */
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  doneAt: string | null;
}

interface OutboxRow {
  key: string;
  urn: string;
  type: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  done_at: string | null;
}

const COLUMNS = 'key, urn, type, payload, status, attempts, next_attempt_at, last_error, created_at, done_at';

const toItem = (r: OutboxRow): OutboxItem => ({
  key: r.key,
  urn: r.urn,
  type: r.type,
  payload: r.payload,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  doneAt: r.done_at,
});

/** Adds an effect unless one with its key is already there (whatever its status). True if it was new. Not pure. */
export async function enqueue(db: Db, item: OutboxInput): Promise<boolean> {
  const c = new Checks('outbox item');
  c.text('key', item.key);
  c.text('urn', item.urn);
  c.text('type', item.type);
  const payloadJson = c.json('payload', item.payload);
  const notBefore = item.notBefore === undefined ? null : c.instant('notBefore', item.notBefore);
  c.done();
  const r = await db.query(
    `INSERT INTO outbox (key, urn, type, payload, next_attempt_at) VALUES ($1, $2, $3, $4::jsonb, coalesce($5::timestamptz, now()))
     ON CONFLICT (key) DO NOTHING`,
    [item.key, item.urn, item.type, payloadJson, notBefore],
  );
  return r.rowCount > 0;
}

/**
 * Up to `limit` pending effects due at or before `now`, oldest due first,
 * skipping rows another transaction has claimed. Without `leaseUntil` it must
 * run inside db.tx() and the rows stay locked until that ends. With
 * `leaseUntil` it also moves their next attempt to then, so the caller can
 * carry them out after committing (no transaction held across slow I/O, which
 * on PGlite would block every other query); an effect not marked done or
 * failed by then is claimed again. Not pure.
 */
export async function claimPending(db: Db, now: string, limit: number, leaseUntil?: string): Promise<OutboxItem[]> {
  const c = new Checks('claimPending');
  const n = c.instant('now', now);
  c.wholeNumber('limit', limit, 1);
  const lease = leaseUntil === undefined ? undefined : c.instant('leaseUntil', leaseUntil);
  c.done();
  if (lease === undefined) {
    if (!db.inTransaction) throw new Error('claimPending without leaseUntil must run inside db.tx(): its row locks last only as long as the transaction');
    const r = await db.query<OutboxRow>(
      `SELECT ${COLUMNS} FROM outbox
        WHERE status = 'pending' AND next_attempt_at <= $1
        ORDER BY next_attempt_at, created_at, key
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [n, limit],
    );
    return r.rows.map(toItem);
  }
  const r = await db.query<OutboxRow>(
    `UPDATE outbox SET next_attempt_at = $3
      WHERE key IN (
        SELECT key FROM outbox
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, created_at, key
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [n, limit, lease],
  );
  return r.rows.map(toItem).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.key.localeCompare(b.key));
}

/** Marks an effect carried out. True if it was pending or failed before. Not pure. */
export async function markDone(db: Db, key: string, doneAt?: string): Promise<boolean> {
  const c = new Checks('markDone');
  const at = doneAt === undefined ? null : c.instant('doneAt', doneAt);
  c.done();
  const r = await db.query(
    `UPDATE outbox SET status = 'done', done_at = coalesce($2::timestamptz, now()), last_error = NULL WHERE key = $1 AND status <> 'done'`,
    [key, at],
  );
  return r.rowCount > 0;
}

/**
 * Records a failed attempt: attempts + 1, the error, and either a retry at
 * `nextAttemptAt` (status stays pending) or, with null, giving up (status
 * failed). Returns the item as it is now, or null for an unknown key. Not pure.
 */
export async function markFailed(db: Db, key: string, error: string, nextAttemptAt: string | null): Promise<OutboxItem | null> {
  const c = new Checks('markFailed');
  const next = nextAttemptAt === null ? null : c.instant('nextAttemptAt', nextAttemptAt);
  c.done();
  const r = await db.query<OutboxRow>(
    `UPDATE outbox
        SET attempts = attempts + 1,
            last_error = $2,
            status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = coalesce($3::timestamptz, next_attempt_at)
      WHERE key = $1 AND status <> 'done'
      RETURNING ${COLUMNS}`,
    [key, error, next],
  );
  const row = r.rows[0];
  if (row) return toItem(row);
  return outboxItem(db, key);
}

/** One outbox item by key, or null. Not pure. */
export async function outboxItem(db: Db, key: string): Promise<OutboxItem | null> {
  const r = await db.query<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE key = $1`, [key]);
  const row = r.rows[0];
  return row ? toItem(row) : null;
}

/** A school's outbox items, oldest first. Not pure. */
export async function outboxFor(db: Db, urn: string): Promise<OutboxItem[]> {
  const r = await db.query<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE urn = $1 ORDER BY created_at, key`, [urn]);
  return r.rows.map(toItem);
}
