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
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';

/** Owner ids: "session:" ones hold their advisory lock while alive; "process:" ones are alive while this process is (PGlite); "lease:" ones only by their lease. */
const PROCESS_TAG = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
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
 * advisory lock (no snapshot is kept between statements, so it holds back no
 * vacuum). If the connection is lost the lock is taken again. Not pure.
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
