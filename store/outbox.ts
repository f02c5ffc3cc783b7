/**
 * The outbox: effects written in the same transaction as the event that asked
 * for them, then carried out (and retried) by the host. Each effect's key is
 * its primary key, so enqueueing it twice keeps one. Not pure.
 *
 * Two clocks, kept apart (migration 018): `next_attempt_at` is the SCHOOL
 * time an effect is due at (the event's time; a simulated clock compares
 * with it), while a claim's lease and a failed effect's retry time are REAL
 * time on the database clock, so a claim left by a host that died is taken
 * over at once by the next host whatever its simulated clock says.
 */
import { prepared, type Db } from './db.js';
import { Checks } from './input.js';
import { ownerDeadSql } from './effect-hosts.js';

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
  /** Who holds the claim on it now (a host carrying it out), or null. */
  leaseOwner: string | null;
  /** Real time (database clock) the claim runs out, or null. */
  leaseUntil: string | null;
  /** Real time (database clock) before which a failed effect is not tried again, or null. */
  retryAt: string | null;
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
  lease_owner: string | null;
  lease_until: string | null;
  retry_at: string | null;
}

const COLUMNS = 'key, urn, type, payload, status, attempts, next_attempt_at, last_error, created_at, done_at, lease_owner, lease_until, retry_at';

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
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  retryAt: r.retry_at,
});

/** A claim taken in real time: by whom, for how long, and who is known alive (liveOwnersFor). */
export interface ClaimLease {
  owner: string;
  /** How long the claim holds, in real milliseconds. */
  leaseMs: number;
  /** store/effect-hosts.ts liveOwnersFor(db): the owners alive on PGlite, null on Postgres. */
  live: string[] | null;
}

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

/** Pending, due by $1 (school time), its retry wait over. */
const CLAIMABLE = `status = 'pending' AND next_attempt_at <= $1
         AND (retry_at IS NULL OR retry_at <= now())`;

/** claimPending with a lease: claims up to $2 claimable rows free of a live claim for owner $3 for $4 ms ($5: the live owners, or null). */
const CLAIM_LEASED_SQL = prepared(`UPDATE outbox SET lease_owner = $3, lease_until = now() + make_interval(secs => $4::float8 / 1000)
      WHERE key IN (
        SELECT key FROM outbox
         WHERE ${CLAIMABLE}
           AND (lease_owner IS NULL OR lease_until <= now() OR (lease_owner <> $3 AND ${ownerDeadSql('lease_owner', 5)}))
         ORDER BY next_attempt_at, created_at, key
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`);

/** drainProbe's one read: due ($1, not $2's claims), foreign claims, soonest retry. */
const DRAIN_PROBE_SQL = prepared(`SELECT EXISTS (SELECT 1 FROM outbox WHERE ${CLAIMABLE}) AS due,
            EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND lease_owner IS NOT NULL AND lease_owner <> $2
                    UNION ALL SELECT 1 FROM message_claims WHERE owner <> $2) AS foreign_claims,
            (SELECT ceil(extract(epoch FROM min(retry_at) - now()) * 1000)::float8 FROM outbox
              WHERE status = 'pending' AND next_attempt_at <= $1 AND retry_at IS NOT NULL) AS retry_ms`);

/** Marks the keys $1 done at $2 (now when null). */
const SET_DONE_SQL = prepared(`UPDATE outbox SET status = 'done', done_at = coalesce($2::timestamptz, now()), last_error = NULL, lease_owner = NULL, lease_until = NULL, retry_at = NULL
      WHERE key = ANY($1::text[]) AND status <> 'done'`);

/**
 * Up to `limit` pending effects due at or before `now` (school time), oldest
 * due first, skipping rows another transaction has locked, rows waiting for
 * a retry (real time) and rows a live host has claimed. Without `lease` it
 * must run inside db.tx() and the rows stay locked until that ends. With
 * `lease` it claims them for lease.owner for lease.leaseMs of real time, so
 * the caller can carry them out after committing (no transaction held across
 * slow I/O, which on PGlite would block every other query); an effect not
 * marked done or failed by then, or whose owner died, is claimed again.
 * Not pure.
 */
export async function claimPending(db: Db, now: string, limit: number, lease?: ClaimLease): Promise<OutboxItem[]> {
  const c = new Checks('claimPending');
  const n = c.instant('now', now);
  c.wholeNumber('limit', limit, 1);
  if (lease !== undefined) {
    c.text('lease.owner', lease.owner);
    c.wholeNumber('lease.leaseMs', lease.leaseMs, 1);
  }
  c.done();
  if (lease === undefined) {
    if (!db.inTransaction) throw new Error('claimPending without a lease must run inside db.tx(): its row locks last only as long as the transaction');
    const r = await db.query<OutboxRow>(
      `SELECT ${COLUMNS} FROM outbox
        WHERE ${CLAIMABLE} AND (lease_owner IS NULL OR lease_until <= now())
        ORDER BY next_attempt_at, created_at, key
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [n, limit],
    );
    return r.rows.map(toItem);
  }
  // In a transaction of its own when not in one: a connection cut before COMMIT is then rolled back and run again (store/db.ts), not a write of unknown fate.
  const r = await inTx(db, (tx) => tx.query<OutboxRow>(
    CLAIM_LEASED_SQL,
    [n, limit, lease.owner, lease.leaseMs, lease.live],
  ));
  return r.rows.map(toItem).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.key.localeCompare(b.key));
}

/**
 * What a drain needs to know before it claims anything, in one read: is any
 * pending effect due by `now` (school time, its retry wait over), does any
 * owner other than `me` hold a claim on an effect or a message (only then can
 * a dead host's claims need freeing), and in how many milliseconds of real
 * time the soonest retry of an effect due by `now` comes (null when none
 * waits; see nextRetryWithin). Lets an idle drain cost one statement instead
 * of a claim, a recovery and a retry probe. Not pure.
 */
export async function drainProbe(db: Db, now: string, me: string): Promise<{ due: boolean; foreignClaims: boolean; retryInMs: number | null }> {
  const c = new Checks('drainProbe');
  const n = c.instant('now', now);
  c.text('me', me);
  c.done();
  const r = await db.query<{ due: boolean; foreign_claims: boolean; retry_ms: number | string | null }>(
    DRAIN_PROBE_SQL,
    [n, me],
  );
  const row = r.rows[0];
  const ms = row?.retry_ms;
  return { due: row?.due === true, foreignClaims: row?.foreign_claims === true, retryInMs: ms === null || ms === undefined ? null : Math.max(0, Number(ms)) };
}

/**
 * Milliseconds of real time until the soonest retry of a pending effect that
 * is due by `now` (school time) and waiting out its backoff, when that retry
 * comes within `withinMs` (0 when its backoff has already run out: on a busy
 * machine the retry can fall due before this is asked, and it must still be
 * waited for, not left to the next batch); null when none does. Not pure.
 */
export async function nextRetryWithin(db: Db, now: string, withinMs: number): Promise<number | null> {
  const c = new Checks('nextRetryWithin');
  const n = c.instant('now', now);
  c.wholeNumber('withinMs', withinMs, 0);
  c.done();
  const r = await db.query<{ ms: number | string | null }>(
    `SELECT ceil(extract(epoch FROM min(retry_at) - now()) * 1000)::float8 AS ms
       FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND retry_at <= now() + make_interval(secs => $2::float8 / 1000)`,
    [n, withinMs],
  );
  const ms = r.rows[0]?.ms;
  return ms === null || ms === undefined ? null : Math.max(0, Number(ms));
}

/**
 * Frees the claims of owners that died (see store/effect-hosts.ts), so they
 * are carried out at once and listed as waiting, not as claimed. Returns the
 * keys freed. Not pure.
 */
export async function releaseDeadClaims(db: Db, me: string, live: string[] | null): Promise<string[]> {
  const r = await inTx(db, (tx) => tx.query<{ key: string }>(
    `UPDATE outbox SET lease_owner = NULL, lease_until = NULL
      WHERE lease_owner IS NOT NULL AND status = 'pending' AND lease_owner <> $1 AND ${ownerDeadSql('lease_owner', 2)}
      RETURNING key`,
    [me, live],
  ));
  return r.rows.map((x) => x.key).sort();
}

/**
 * Marks effects carried out, in one statement: a drain's pass records its
 * effects together once they are all performed (a crash before that performs
 * them again, which each effect's own key makes harmless). Returns how many
 * were not done before. Not pure.
 */
export async function markManyDone(db: Db, keys: string[], doneAt?: string): Promise<number> {
  const c = new Checks('markManyDone');
  const at = doneAt === undefined ? null : c.instant('doneAt', doneAt);
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' || k === '')) c.add('keys', 'must be a list of effect keys', keys);
  c.done();
  return keys.length === 0 ? 0 : setDone(db, keys, at);
}

/** Marks an effect carried out. True if it was pending or failed before. Not pure. */
export async function markDone(db: Db, key: string, doneAt?: string): Promise<boolean> {
  const c = new Checks('markDone');
  const at = doneAt === undefined ? null : c.instant('doneAt', doneAt);
  c.done();
  return (await setDone(db, [key], at)) > 0;
}

async function setDone(db: Db, keys: string[], at: string | null): Promise<number> {
  const r = await db.query(
    SET_DONE_SQL,
    [keys, at],
  );
  return r.rowCount;
}

/**
 * Records a failed attempt: attempts + 1, the error, the claim dropped, and
 * either a retry after `retryAfterMs` of real time (status stays pending) or,
 * with null, giving up (status failed). With `leaseOwner`, only while that
 * owner holds the item's claim: the first such call drops the claim, so
 * asking again after a connection lost under it counts the attempt once.
 * Returns the item as it is now, or null for an unknown key. Not pure.
 */
export async function markFailed(db: Db, key: string, error: string, retryAfterMs: number | null, leaseOwner?: string): Promise<OutboxItem | null> {
  const c = new Checks('markFailed');
  if (retryAfterMs !== null) c.wholeNumber('retryAfterMs', retryAfterMs, 0);
  c.done();
  const r = await db.query<OutboxRow>(
    `UPDATE outbox
        SET attempts = attempts + 1,
            last_error = $2,
            status = CASE WHEN $3::float8 IS NULL THEN 'failed' ELSE 'pending' END,
            retry_at = CASE WHEN $3::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $3::float8 / 1000) END,
            lease_owner = NULL,
            lease_until = NULL
      WHERE key = $1 AND status <> 'done' AND ($4::text IS NULL OR lease_owner = $4)
      RETURNING ${COLUMNS}`,
    [key, error, retryAfterMs, leaseOwner ?? null],
  );
  const row = r.rows[0];
  if (row) return toItem(row);
  return outboxItem(db, key);
}

/**
 * Makes a failed effect, or one waiting out its retry wait, due again at
 * once (a person's "try again now"): pending, its retry wait dropped, its
 * attempts and last error kept. An effect done, claimed by a host now, or
 * already due again is left as it is, so asking twice queues it once (and
 * each effect's key keeps it from being carried out twice). Returns whether
 * it was queued again, and the item as it is now (null for an unknown key).
 * Not pure.
 */
export async function retryNow(db: Db, key: string): Promise<{ requeued: boolean; item: OutboxItem | null }> {
  const r = await db.query<OutboxRow>(
    `UPDATE outbox SET status = 'pending', retry_at = NULL
      WHERE key = $1
        AND (status = 'failed' OR (status = 'pending' AND retry_at IS NOT NULL))
        AND (lease_owner IS NULL OR lease_until <= now())
      RETURNING ${COLUMNS}`,
    [key],
  );
  const row = r.rows[0];
  return row ? { requeued: true, item: toItem(row) } : { requeued: false, item: await outboxItem(db, key) };
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

/** What `pathway effects` and GET /effects list: effects not carried out yet (pending) and those given up on (failed). */
export type OpenEffectsFilter = {
  status?: 'pending' | 'failed';
  urns?: string[];
  /** Only the schools of these hubs, named as their streams keep them ("East Midlands East"): chosen in the query, not by listing every school first. */
  hubs?: string[];
  limit?: number;
};

/**
 * Outstanding effects, oldest due first: pending ones (waiting for their
 * school time, for a retry, or claimed by a host now) and failed ones, for
 * some schools or all. Not pure.
 */
export async function openEffects(db: Db, filter: OpenEffectsFilter = {}): Promise<OutboxItem[]> {
  const r = await db.query<OutboxRow>(
    `SELECT ${COLUMNS} FROM outbox
      WHERE status <> 'done' AND ($1::text IS NULL OR status = $1) AND ($2::text[] IS NULL OR urn = ANY($2::text[]))
        AND ($4::text[] IS NULL OR urn IN (SELECT s.urn FROM streams s WHERE s.hub = ANY($4::text[])))
      ORDER BY next_attempt_at, created_at, key
      LIMIT $3`,
    [filter.status ?? null, filter.urns ?? null, filter.limit ?? 1000, filter.hubs ?? null],
  );
  return r.rows.map(toItem);
}

/** How many effects are outstanding per school (pending and failed), for the schools given. Not pure. */
export async function openEffectCounts(db: Db, urns: string[]): Promise<Map<string, { pending: number; failed: number }>> {
  const r = await db.query<{ urn: string; pending: number; failed: number }>(
    `SELECT urn, count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM outbox WHERE status <> 'done' AND urn = ANY($1::text[]) GROUP BY urn`,
    [urns],
  );
  return new Map(r.rows.map((x) => [x.urn, { pending: x.pending, failed: x.failed }]));
}

/** `fn` on `db` when it is already a transaction, else in a transaction of its own. */
function inTx<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.inTransaction ? fn(db) : db.tx(fn);
}
