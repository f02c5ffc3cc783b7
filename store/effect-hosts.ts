/**
 * Who holds a claim on an effect or a message, and whether that holder is
 * still alive, so that a host that starts (or a running one) takes over at
 * once what a host that died had claimed, and never what a live one is
 * doing. Not pure.
 *
 * - Postgres: a host holds a session-bound advisory lock named after its
 *   owner id for as long as it runs (a transaction kept open on one pooled
 *   connection: Postgres drops the lock the moment the process dies, kill -9
 *   included). Another host tests the lock with pg_try_advisory_xact_lock
 *   inside its claim statement: if it gets it, the owner is dead.
 * - PGlite: a folder is open in one process at a time (store/db.ts's pid
 *   file), so any owner that is not this process is dead.
 * - An owner without either (a Temporal worker that does not hold its lock)
 *   is judged by its lease alone: real time, the database clock.
 *
 * Postgres drops a dead client's lock only once its backend notices the
 * socket closed; until then the lock says "alive". An owner id names its
 * host, pid namespace and process id, so a host on the same machine can see
 * that the process is gone (reapDeadHosts), end the backend that still
 * holds its lock (pg_terminate_backend) and wait for the lock to be free,
 * instead of leaving that host's claims for its lease (5 minutes) to run out.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import type { Db } from './db.js';
import { processAlive } from './process-alive.js';

/** This machine as owner ids name it: the host name and, where there is one, the pid namespace (two containers may share a host name). */
const MACHINE = (() => {
  try {
    const ns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
    return ns ? `${hostname()}~${ns}` : hostname();
  } catch {
    return hostname();
  }
})();

/** Owner ids: "session:" ones hold their advisory lock while alive; "process:" ones are alive while this process is (PGlite); "lease:" ones only by their lease. */
const PROCESS_TAG = `${MACHINE}:${process.pid}:${randomUUID().slice(0, 8)}`;
const PROCESS_OWNER = `process:${PROCESS_TAG}`;

interface Holder {
  owner: string;
  /** Settles when the lock is first held (or could not be). */
  ready: Promise<void>;
  users: number;
  release: () => void;
  done: Promise<void>;
}

const holders = new WeakMap<Db, Holder>();

/** The SQL expression of an owner's advisory lock key. */
export const OWNER_LOCK_SQL = "hashtextextended('pathway.effect-host:' || $OWNER, 0)";

/** The owner id this process uses on `db` for its claims. Not pure (process identity). */
export function ownerFor(db: Db): string {
  if (db.kind === 'pglite') return PROCESS_OWNER;
  return holders.get(db)?.owner ?? `lease:${PROCESS_TAG}`;
}

/**
 * The owners known alive without asking Postgres: on PGlite, this process's
 * owner (everyone else is dead); on Postgres null (ask each owner's lock).
 * Pure apart from the process identity.
 */
export function liveOwnersFor(db: Db): string[] | null {
  return db.kind === 'pglite' ? [PROCESS_OWNER] : null;
}

/**
 * The SQL condition "the holder `ownerCol` of a claim is dead", given the
 * parameter number of liveOwnersFor(db) ($n::text[], null on Postgres).
 * Session owners are dead when their advisory lock is free (the try takes it
 * only until this statement's transaction ends); others are never judged dead
 * here (their lease decides). Pure.
 */
export function ownerDeadSql(ownerCol: string, liveParam: number): string {
  return `(CASE WHEN $${liveParam}::text[] IS NOT NULL THEN NOT (${ownerCol} = ANY($${liveParam}::text[]))
               WHEN ${ownerCol} LIKE 'session:%' THEN pg_try_advisory_xact_lock(${OWNER_LOCK_SQL.replace('$OWNER', ownerCol)})
               ELSE false END)`;
}

/**
 * Starts holding this process's liveness lock on a Postgres `db` (no-op on
 * PGlite) until every holder has called the returned release: one pooled
 * connection stays checked out with a transaction that holds only an
 * advisory lock and no snapshot, so it holds back no vacuum (test/effect-hosts-vacuum).
 * If the connection is lost the lock is taken again. Not pure.
 */
export async function holdLiveness(db: Db, onError?: (err: unknown) => void): Promise<() => Promise<void>> {
  if (db.kind !== 'postgres') return async () => undefined;
  let h = holders.get(db);
  if (!h) {
    const owner = `session:${PROCESS_TAG}:${randomUUID().slice(0, 8)}`;
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let acquired!: () => void;
    let failed!: (err: unknown) => void;
    const first = new Promise<void>((res, rej) => {
      acquired = res;
      failed = rej;
    });
    let live = true;
    const run = async (): Promise<void> => {
      let firstTry = true;
      while (live) {
        try {
          await db.tx(async (tx) => {
            await tx.query(`SELECT pg_advisory_xact_lock(${OWNER_LOCK_SQL.replace('$OWNER', '$1')})`, [owner]);
            // A statement with parameters leaves its unnamed portal, and the portal's snapshot, open until the next
            // statement: idle in this transaction, that snapshot would hold back vacuum of every table for the host's life.
            // A statement without parameters (simple protocol) closes it.
            await tx.query('SELECT 1');
            acquired();
            firstTry = false;
            await stopped;
          });
        } catch (err) {
          if (firstTry) {
            failed(err);
            return;
          }
          if (!live) return;
          onError?.(err);
          await new Promise((r) => setTimeout(r, 1000).unref());
        }
      }
    };
    const holder: Holder = { owner, users: 0, release: () => {
      live = false;
      stop();
    }, done: Promise.resolve(), ready: first };
    holder.done = run();
    holders.set(db, holder);
    first.catch(() => holders.delete(db));
    h = holder;
  }
  await h.ready;
  h.users++;
  const held = h;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--held.users > 0) return;
    holders.delete(db);
    held.release();
    await held.done;
  };
}

/**
 * Whether an owner id is a host on this machine (same host name and pid
 * namespace) whose process is gone: then it is dead whatever its lock says.
 * False when that cannot be known here (another machine, an old-style id,
 * this very process, a process id now used by a live process). Not pure.
 */
export function provablyDead(owner: string): boolean {
  const m = /^session:([^:]+):(\d+):/.exec(owner);
  if (!m || m[1] !== MACHINE) return false;
  const pid = Number(m[2]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  return !processAlive(pid);
}

export interface ReapReport {
  /** Owners found dead (their process gone) that held claims. */
  dead: string[];
  /** Backends that still held a dead owner's lock and were ended. */
  terminated: number;
  /** Dead owners whose lock was still held when the wait ran out (Postgres has not ended their session yet). */
  stillHeld: string[];
}

/**
 * Makes the claims of hosts that died on this machine takeable at once
 * (Postgres): for each owner holding an outbox or message claim whose
 * process is gone (provablyDead), waits for its advisory lock to be free,
 * ending the backend that still holds it (pg_terminate_backend) after
 * `graceMs` if Postgres has not noticed by itself, for at most `waitMs`.
 * `onWait` hears once what it is waiting for. The claims themselves are
 * taken over by releaseDeadClaims / claimPending / claimMessage, which now
 * find the lock free. No-op on PGlite. Not pure.
 */
export async function reapDeadHosts(db: Db, options: { waitMs?: number; graceMs?: number; onWait?: (message: string) => void } = {}): Promise<ReapReport> {
  const report: ReapReport = { dead: [], terminated: 0, stillHeld: [] };
  if (db.kind !== 'postgres') return report;
  const owners = (await db.query<{ owner: string }>(
    `SELECT lease_owner AS owner FROM outbox WHERE status = 'pending' AND lease_owner IS NOT NULL
     UNION SELECT owner FROM message_claims`,
  )).rows.map((r) => r.owner);
  report.dead = owners.filter(provablyDead).sort();
  if (report.dead.length === 0) return report;
  const waitMs = options.waitMs ?? 30_000;
  const graceMs = options.graceMs ?? 500;
  const started = Date.now();
  let told = false;
  const held = new Set(report.dead);
  const terminated = new Set<number>();
  for (;;) {
    for (const owner of [...held]) {
      // Taken only for this statement's transaction: free means the dead host's session is gone.
      const free = (await db.query<{ free: boolean }>(`SELECT pg_try_advisory_xact_lock(${OWNER_LOCK_SQL.replace('$OWNER', '$1')}) AS free`, [owner])).rows[0]?.free;
      if (free) held.delete(owner);
    }
    if (held.size === 0) break;
    const waited = Date.now() - started;
    if (waited >= waitMs) break;
    if (!told) {
      told = true;
      options.onWait?.(`waiting for Postgres to end the session of ${held.size} host(s) that died holding claims (${[...held].join(', ')}); at most ${Math.ceil(waitMs / 1000)} s`);
    }
    if (waited >= graceMs) {
      // The backend holding a dead owner's lock: the lock key split as Postgres shows a bigint advisory lock.
      const r = await db.query<{ pid: number }>(
        `SELECT l.pid FROM pg_locks l, (SELECT ${OWNER_LOCK_SQL.replace('$OWNER', 'o')} AS k FROM unnest($1::text[]) o) keys
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid::bigint = ((keys.k >> 32) & 4294967295) AND l.objid::bigint = (keys.k & 4294967295)
            AND l.pid <> pg_backend_pid()`,
        [[...held]],
      );
      for (const { pid } of r.rows) {
        if (terminated.has(pid)) continue;
        terminated.add(pid);
        await db.query('SELECT pg_terminate_backend($1)', [pid]);
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  report.terminated = terminated.size;
  report.stillHeld = [...held].sort();
  return report;
}
