/**
 * One small database interface over two drivers: Postgres through a `pg` pool,
 * and PGlite (Postgres compiled to WebAssembly) in a data folder or in memory.
 * Not pure: this is the I/O edge.
 *
 * Both drivers return the same JavaScript types, so code above this layer
 * never asks which one it has: int8 as a number (a string past 2^53),
 * timestamptz as an ISO instant string in UTC, date and timestamp as the text
 * Postgres printed, jsonb parsed, text[] as string arrays. Sessions run in UTC.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { DatabaseUnavailableError } from './errors.js';
import { PostgresVacuum, VACUUM_EVERY_COMMITS, vacuumDeadRows } from './vacuum.js';
import { ConnectionLostError, DEFAULT_RECONNECT, finalConnectionError, isConnectionLoss, isReadOnlyStatement, pause, reasonOf, type ReconnectPolicy } from './reconnect.js';

export { ConnectionLostError, type ReconnectPolicy } from './reconnect.js';
import { settings, type Environment } from '../config/load.js';
import { processAlive } from './process-alive.js';

export interface QueryResult<T> {
  rows: T[];
  /** Rows returned by a SELECT, or changed by an INSERT, UPDATE or DELETE. */
  rowCount: number;
}

export interface PoolStats {
  /** Connections open (PGlite: always 1). */
  total: number;
  /** Connections open and not lent out (PGlite: 1 unless a query or transaction runs). */
  idle: number;
  /** Callers queued for a connection (PGlite: for its one connection). */
  waiting: number;
}

export interface Db {
  readonly kind: 'postgres' | 'pglite';
  /** True for the handle passed to a `tx` callback. */
  readonly inTransaction: boolean;
  /** One statement with $1.. parameters. Pass jsonb values as JSON text with a `::jsonb` cast. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Several statements separated by semicolons, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` inside BEGIN/COMMIT, rolling back when it throws. Called on a
   * transaction handle it reuses that transaction (no savepoint): a failure
   * anywhere inside rolls back the whole outer transaction.
   */
  tx<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * On a Postgres transaction handle: the transaction's id, as a statement
   * that wrote read it (`txid_current()::text`), so that tx() need not ask
   * for it with a statement of its own before COMMIT (it is what tx() asks
   * the server about when the connection is lost during COMMIT).
   */
  noteTransactionId?(xid: string): void;
  /** Where the data lives, without any password: "PGlite at ./.pglite", "Postgres at 127.0.0.1:5432/test". */
  describe(): string;
  stats(): PoolStats;
  /**
   * Calls `onMessage` with the payload of every NOTIFY on `channel`, from any
   * process, until the returned function is called or the database closes
   * (Postgres: a connection of its own; PGlite: its one process). `onLost`
   * is called if that connection drops. Absent on transaction handles.
   */
  listen?(channel: string, onMessage: (payload: string) => void, onLost?: (err: unknown) => void): Promise<() => Promise<void>>;
  /**
   * Whether the database answers now (/health): Postgres is asked SELECT 1 on
   * a connection of its own; PGlite, in this process, is down only once
   * closed or broken. Never throws. Absent on transaction handles.
   */
  health?(timeoutMs?: number): Promise<DbHealth>;
  /** Waits for work in progress, then closes. Safe to call twice. */
  close(): Promise<void>;
}

/** What Db.health() finds: up, or down with the reason in the driver's words. */
export type DbHealth = { ok: true } | { ok: false; reason: string };

export interface OpenDbOptions {
  /** Largest number of Postgres connections (default 10, or PGPOOL_SIZE). Ignored for PGlite. */
  poolSize?: number;
  /** How long to wait for a Postgres connection before giving up, in ms (default 10000). */
  connectTimeoutMs?: number;
  /**
   * PGlite in memory only: start from this copy of a data directory (a tarball
   * from dumpPgliteDataDir) instead of an empty database. Much faster than a
   * fresh start; tests use it for pre-migrated databases.
   */
  pgliteDataDir?: Blob;
  /**
   * Postgres: how long work whose connection was lost is tried again on a new
   * one before the command fails (default 15 s, enough for a restart), and the
   * pauses between tries. See store/reconnect.ts for what is run again.
   */
  reconnect?: Partial<ReconnectPolicy>;
  /**
   * PGlite: the process lives long (the service, the worker, a simulation),
   * so Postgres keeps PGlite's own 160 MB buffer pool. Otherwise 16 MB: a
   * short command or a test then opens the database in about half the time
   * (0.5 s instead of 0.9 s here), since the whole pool is cleared at start.
   * Ignored for Postgres.
   */
  longRunning?: boolean;
  /** Postgres whose autovacuum is off: commits between two looks at the tables' dead rows (default 200; store/vacuum.ts). */
  vacuumEveryCommits?: number;
}

/** The default data location: DATABASE_URL when set and not empty (in `env`, else in the configuration), else the folder ./.pglite. */
export function defaultTarget(env?: Environment): string {
  if (!env) return settings().db;
  return env.DATABASE_URL && env.DATABASE_URL.trim() !== '' ? env.DATABASE_URL.trim() : './.pglite';
}

/** Whether a target names a Postgres server (postgres:// or postgresql://) rather than a PGlite folder. Pure. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** A URL's server and database without its password, e.g. "127.0.0.1:5432/test (user postgres)". Pure. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    const port = u.port || u.searchParams.get('port') || '5432';
    const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || '(default database)';
    const user = u.username ? ` (user ${decodeURIComponent(u.username)})` : '';
    return `${host}:${port}/${database}${user}`;
  } catch {
    return '(unparseable postgres URL)';
  }
}

/**
 * Opens a database. `target`: a postgres:// or postgresql:// URL (a `pg` pool),
 * "memory://" (a PGlite database that lives only in this process), or else the
 * path of a PGlite data folder, created when missing. Undefined or empty: see
 * `defaultTarget`. Checks the connection before it returns; a server or folder
 * that cannot be used throws DatabaseUnavailableError saying how to fix it.
 * Not pure.
 */
export async function openDb(target?: string, options: OpenDbOptions = {}): Promise<Db> {
  const t = target === undefined || target.trim() === '' ? defaultTarget() : target.trim();
  return isPostgresUrl(t) ? openPostgres(t, options) : openPglite(t, options.pgliteDataDir, options.longRunning ?? false);
}

/** Postgres error codes (SQLSTATE) that the store reacts to. */
export const SqlState = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  undefinedDatabase: '3D000',
  raiseException: 'P0001',
} as const;

/** The SQLSTATE of a driver error, if it has one. Pure. */
export function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether a unique constraint (by name, when given) refused an insert. Pure. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (sqlStateOf(err) !== SqlState.uniqueViolation) return false;
  return constraint === undefined || (err as { constraint?: unknown }).constraint === constraint;
}

/**
 * Whether a whole transaction may simply be run again: Postgres aborted it for a
 * deadlock or a serialization failure, not because of its content. Pure.
 */
export function isRetryableError(err: unknown): boolean {
  const code = sqlStateOf(err);
  return code === SqlState.deadlockDetected || code === SqlState.serializationFailure;
}

/**
 * A tx() callback caught a database error and carried on: Postgres had already
 * aborted the transaction, so COMMIT rolled everything back.
 */
export class TransactionAbortedError extends Error {
  override readonly name = 'TransactionAbortedError';
  constructor(readonly target: string) {
    super(`the transaction on ${target} was rolled back, not committed: a statement in it failed and the error was caught inside the tx() callback; let database errors propagate out of tx()`);
  }
}

// ---------------------------------------------------------------------------
// Value parsing shared by both drivers

const timestamptzParser = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (v: string) => Date | number;

function parseInt8(v: string): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

function parseTimestamptz(v: string): string | null {
  const d = timestamptzParser(v);
  if (d === Infinity || d === -Infinity) return v;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? v : date.toISOString();
}

const identity = (v: string): string => v;

/** OID -> text parser, the same for both drivers. */
const parsers: Record<number, (v: string) => unknown> = {
  [pg.types.builtins.INT8]: parseInt8,
  [pg.types.builtins.TIMESTAMPTZ]: parseTimestamptz,
  [pg.types.builtins.TIMESTAMP]: identity,
  [pg.types.builtins.DATE]: identity,
};

// ---------------------------------------------------------------------------
// Postgres

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03']);

/** Why a driver error means the server cannot be used (not that the query was wrong), with a fix; else null. */
function connectionProblem(err: unknown, url: string): { reason: string; hint: string } | null {
  const code = sqlStateOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const u = safeUrl(url);
  if (code === SqlState.undefinedDatabase) {
    const database = u ? decodeURIComponent(u.pathname.replace(/^\//, '')) : '?';
    return {
      reason: message,
      hint: `Create it (psql -h ${u?.hostname || '127.0.0.1'} -U ${u?.username || 'postgres'} -c 'create database ${database}') or put an existing database in the URL.`,
    };
  }
  if (code === '28P01' || code === '28000') {
    return { reason: message, hint: 'Check the user and password in the URL (DATABASE_URL or --db), or the server\'s pg_hba.conf.' };
  }
  const connectionLost = (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08')))
    || /Connection terminated|connection timeout|timeout exceeded when trying to connect|getaddrinfo/i.test(message);
  if (!connectionLost) return null;
  return {
    reason: message || code || 'connection failed',
    hint: 'Start Postgres (on Debian: pg_ctlcluster <version> main start), or set DATABASE_URL (or --db) to a server that is running, or unset DATABASE_URL to use the embedded PGlite store in ./.pglite.',
  };
}

function safeUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function mapPgError(err: unknown, url: string, label: string): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  const problem = connectionProblem(err, url);
  return problem ? new DatabaseUnavailableError(label, problem.reason, problem.hint, { cause: err }) : err;
}

async function openPostgres(url: string, options: OpenDbOptions): Promise<Db> {
  const label = `Postgres at ${describePostgresUrl(url)}`;
  const poolSize = options.poolSize ?? settings().pgPoolSize;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`poolSize must be a whole number of at least 1 (got ${poolSize})`);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 10_000,
    application_name: 'mastery-pathway',
    options: '-c TimeZone=UTC',
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (format !== 'binary' && parsers[oid]) || pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser },
  });
  // An idle client whose server went away emits 'error' on the pool; without a
  // listener Node would crash the process. pg drops that client, and the next
  // query reports the problem through DatabaseUnavailableError.
  pool.on('error', () => undefined);
  // A client the pool has let go of (released broken, or ended) can still get
  // the server's FATAL (57P01 when its backend is terminated) before its socket
  // closes, with neither our listener nor the pool's attached: Node would crash
  // on it. Every client keeps this one; while in use our own listener decides.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const problem = connectionProblem(err, url);
    if (problem) throw new DatabaseUnavailableError(label, problem.reason, problem.hint, { cause: err });
    throw err;
  }
  const vacuum = new PostgresVacuum(url, label, { every: options.vacuumEveryCommits });
  return new PgPoolDb(pool, url, label, { ...DEFAULT_RECONNECT, ...options.reconnect }, settings().pgPreparedStatements, vacuum);
}

/** A connection-level failure, tagged with whether the work may simply be run again. */
class Lost extends Error {
  constructor(readonly err: unknown, readonly safe: boolean, readonly what: string) {
    super(reasonOf(err));
  }
}

/** The health check's own connection. */
interface Probe {
  client: pg.Client;
  ready: Promise<unknown>;
  dead: boolean;
  /** It answered once (so a failure may be a stale connection, not a server that is down). */
  used: boolean;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

class PgPoolDb implements Db {
  readonly kind = 'postgres' as const;
  readonly inTransaction = false;
  #closed = false;
  /** Times work was run again on a new connection after the old one was lost. */
  #reconnects = 0;
  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly label: string,
    private readonly policy: ReconnectPolicy,
    /** Whether the statements marked prepared() are prepared (PATHWAY_PG_PREPARED_STATEMENTS). */
    private readonly prepare: boolean,
    /** The vacuum a server without autovacuum lacks (store/vacuum.ts): told of every commit. */
    private readonly vacuum: PostgresVacuum,
  ) {}

  async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    this.#checkOpen();
    const readOnly = isReadOnlyStatement(sql);
    return this.#reconnecting(async () => {
      const client = await this.#connect();
      let broken: unknown;
      const onError = (err: unknown): void => {
        broken ??= err;
      };
      client.on('error', onError);
      try {
        const got: pg.QueryResult | pg.QueryResult[] = await pgQuery(client, sql, params, this.prepare);
        // Several statements (exec) answer with one result each: the last one stands for them.
        const r = Array.isArray(got) ? got[got.length - 1]! : got;
        return { rows: (r?.rows ?? []) as T[], rowCount: r?.rowCount ?? r?.rows?.length ?? 0 };
      } catch (err) {
        if (broken !== undefined || isConnectionLoss(err)) {
          broken ??= err;
          // A read is run again; a write may have been applied before the connection went.
          throw new Lost(err, readOnly, 'running a statement that writes');
        }
        throw err;
      } finally {
        client.removeListener('error', onError);
        client.release(broken === undefined ? undefined : asError(broken));
      }
    });
  }

  async exec(sql: string): Promise<void> {
    // Several statements in one simple query (migrations): Postgres runs them as one implicit transaction.
    await this.query(sql);
  }

  /**
   * Runs `fn` inside BEGIN/COMMIT. If the connection is lost before COMMIT
   * the server rolls the transaction back with its session, and `fn` is run
   * again on a new connection (so `fn` keeps its effects inside the
   * transaction, as every caller does); lost during COMMIT, the server is
   * asked (txid_status of the transaction id taken just before) whether it
   * committed, and the answer decides. A connection that dies while `fn`
   * waits on something else (the liveness lock holder) also runs `fn` again,
   * so what it held is taken again.
   */
  async tx<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#checkOpen();
    return this.#reconnecting(async () => {
      const client = await this.#connect();
      let broken: unknown;
      let onLost!: (err: unknown) => void;
      const lost = new Promise<never>((_, reject) => (onLost = reject));
      lost.catch(() => undefined);
      const onError = (err: unknown): void => {
        if (broken !== undefined) return;
        broken = err;
        onLost(new Lost(err, true, 'running a transaction'));
      };
      client.on('error', onError);
      const handle = new PgTxDb(client, this.url, this.label, this.prepare);
      let xid: string | null = null;
      let committing = false;
      let aborted = false;
      let result: T | undefined;
      try {
        await client.query('BEGIN');
        const running = fn(handle);
        running.catch(() => undefined); // abandoned if the connection is lost first
        result = await Promise.race([running, lost]);
        try {
          // One statement fewer when fn's own write read it.
          xid = handle.noted ?? (await client.query<{ xid: string | null }>('SELECT txid_current_if_assigned()::text AS xid')).rows[0]?.xid ?? null;
        } catch (err) {
          // 25P02: a statement failed inside fn and was caught there; COMMIT below answers ROLLBACK and says so.
          if ((err as { code?: string }).code !== '25P02') throw err;
          aborted = true;
        }
        committing = true;
        const commit = await client.query('COMMIT');
        if (commit.command === 'ROLLBACK') throw new TransactionAbortedError(this.label);
        this.vacuum.commit();
        return result;
      } catch (err) {
        if (broken !== undefined || isConnectionLoss(err)) {
          broken ??= err;
          const cause = err instanceof Lost ? err.err : err;
          // Not committing yet: rolled back with the session; run it all again.
          if (!committing) throw err instanceof Lost ? err : new Lost(cause, true, 'running a transaction');
          // Already failed inside fn: rolled back whatever became of the COMMIT.
          if (aborted) throw new TransactionAbortedError(this.label);
          // It wrote nothing (no transaction id): what it read stands.
          if (xid === null) return result as T;
          if ((await this.#commitStatus(xid, cause)) === 'committed') return result as T;
          throw new Lost(cause, true, 'committing a transaction');
        }
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // The connection is unusable: pass the error to release() so pg destroys it.
          broken = rollbackErr;
        }
        throw err;
      } finally {
        handle.finish();
        client.removeListener('error', onError);
        client.release(broken === undefined ? undefined : asError(broken));
      }
    });
  }

  /** A pooled connection; a failure to get one is a Lost that is safe to retry (nothing was sent). */
  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      if (isConnectionLoss(err)) throw new Lost(err, true, 'connecting');
      throw mapPgError(err, this.url, this.label);
    }
  }

  /**
   * What became of transaction `xid`, whose COMMIT was sent when the
   * connection went: asked on a new connection, waiting while the server
   * still has it in progress (its session not yet gone). An answer that
   * cannot be had is a ConnectionLostError.
   */
  async #commitStatus(xid: string, cause: unknown): Promise<'committed' | 'aborted'> {
    const started = Date.now();
    let delay = this.policy.firstDelayMs;
    for (;;) {
      try {
        const r = await this.pool.query<{ status: string | null }>('SELECT txid_status($1::bigint) AS status', [xid]);
        const status = r.rows[0]?.status ?? null;
        if (status === 'committed' || status === 'aborted') return status;
        if (status === null) throw new ConnectionLostError(this.label, 'committing a transaction', `${reasonOf(cause)}; the server no longer knows transaction ${xid}`, { cause });
      } catch (err) {
        if (err instanceof ConnectionLostError || !isConnectionLoss(err)) throw err;
      }
      if (Date.now() - started + delay > this.policy.budgetMs) {
        throw new ConnectionLostError(this.label, 'committing a transaction', `${reasonOf(cause)}; the server could not be asked within ${this.policy.budgetMs / 1000} s whether it committed`, { cause });
      }
      await pause(delay);
      delay = Math.min(delay * 2, this.policy.maxDelayMs);
    }
  }

  /**
   * Runs `attempt`, again on a new connection each time it fails with a Lost
   * that is safe to retry, pausing 50 ms, 100 ms, ... up to 1 s between, for at
   * most the policy's budget; then the error says the server could not be
   * reached again. A Lost that is not safe is a ConnectionLostError at once.
   */
  async #reconnecting<T>(attempt: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let delay = this.policy.firstDelayMs;
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof Lost)) throw mapPgError(err, this.url, this.label);
        if (!err.safe) throw new ConnectionLostError(this.label, err.what, reasonOf(err.err), { cause: err.err });
        if (this.#closed || Date.now() - started + delay > this.policy.budgetMs) {
          const problem = connectionProblem(err.err, this.url);
          throw finalConnectionError(new DatabaseUnavailableError(
            this.label,
            `lost the connection while ${err.what} and could not get it back within ${this.policy.budgetMs / 1000} s: ${reasonOf(err.err)}`,
            `${problem?.hint ?? 'Check that the server is running.'} Nothing of the interrupted step was stored; run the command again once the server answers.`,
            { cause: err.err },
          ));
        }
        this.#reconnects++;
        await pause(delay);
        delay = Math.min(delay * 2, this.policy.maxDelayMs);
      }
    }
  }

  /** How many times work was run again on a new connection since the database was opened. */
  get reconnects(): number {
    return this.#reconnects;
  }

  describe(): string {
    return this.label;
  }

  stats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  #probe: Probe | null = null;

  /**
   * Whether the server answers now (SELECT 1 within `timeoutMs`), on a
   * connection of its own so that a busy pool does not make a live server look
   * down. A kept connection that fails is replaced once before the answer is
   * "down" (the server may have ended it and be up). Never throws.
   */
  health(timeoutMs = 2_000): Promise<DbHealth> {
    // Callers at the same moment share one probe: a pg client runs one query at a
    // time (pg 8 queues a second and warns it is deprecated; pg 9 will refuse it).
    if (!this.#healthInFlight) this.#healthInFlight = this.#probeHealth(timeoutMs).finally(() => (this.#healthInFlight = null));
    return this.#healthInFlight;
  }

  #healthInFlight: Promise<DbHealth> | null = null;

  async #probeHealth(timeoutMs: number): Promise<DbHealth> {
    if (this.#closed) return { ok: false, reason: `${this.label} is closed` };
    for (let fresh = false; ; fresh = true) {
      let p: Probe | null = this.#probe;
      if (!p || p.dead) {
        const client = new pg.Client({ connectionString: this.url, application_name: 'mastery-pathway-health', connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
        const entry = { client, ready: client.connect(), dead: false, used: false };
        client.on('error', () => {
          entry.dead = true;
        });
        entry.ready.catch(() => {
          entry.dead = true;
        });
        this.#probe = p = entry;
      }
      try {
        await p.ready;
        await p.client.query('SELECT 1');
        p.used = true;
        return { ok: true };
      } catch (err) {
        p.dead = true;
        if (this.#probe === p) this.#probe = null;
        p.client.end().catch(() => undefined);
        if (p.used && !fresh) continue;
        return { ok: false, reason: reasonOf(err) };
      }
    }
  }

  #listeners = new Set<pg.Client>();

  async listen(channel: string, onMessage: (payload: string) => void, onLost?: (err: unknown) => void): Promise<() => Promise<void>> {
    this.#checkOpen();
    const client = new pg.Client({ connectionString: this.url, application_name: 'mastery-pathway-listen' });
    client.on('error', (err) => onLost?.(err));
    client.on('notification', (n) => {
      if (n.channel === channel) onMessage(n.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw mapPgError(err, this.url, this.label);
    }
    this.#listeners.add(client);
    return async () => {
      if (this.#listeners.delete(client)) await client.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#listeners].map((c) => c.end().catch(() => undefined)));
    this.#listeners.clear();
    const probe = this.#probe;
    this.#probe = null;
    await probe?.client.end().catch(() => undefined);
    await this.vacuum.close();
    await this.pool.end();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`${this.label} is closed`);
  }
}

/**
 * What the two drivers' transaction handles share: a nested tx() reuses the
 * transaction, close() is refused, and the handle dies when its tx() ends.
 */
abstract class TxHandle {
  readonly inTransaction = true;
  #finished = false;
  constructor(protected readonly label: string) {}

  abstract query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;

  async tx<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this as unknown as Db);
  }

  describe(): string {
    return this.label;
  }

  stats(): PoolStats {
    return { total: 1, idle: 0, waiting: 0 };
  }

  finish(): void {
    this.#finished = true;
  }

  async close(): Promise<void> {
    throw new Error('close the database, not a transaction handle');
  }

  protected checkLive(): void {
    if (this.#finished) throw new Error('this transaction has already ended: use the handle only inside its tx() callback');
  }
}

class PgTxDb extends TxHandle implements Db {
  readonly kind = 'postgres' as const;
  /** The transaction's id, when a statement of the caller read it (noteTransactionId). */
  noted: string | null = null;
  constructor(private readonly client: pg.PoolClient, private readonly url: string, label: string, private readonly prepare: boolean) {
    super(label);
  }

  noteTransactionId(xid: string): void {
    this.noted = xid;
  }

  async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    this.checkLive();
    try {
      const r: pg.QueryResult = await pgQuery(this.client, sql, params, this.prepare);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    } catch (err) {
      throw mapPgError(err, this.url, this.label);
    }
  }

  async exec(sql: string): Promise<void> {
    this.checkLive();
    try {
      await this.client.query(sql);
    } catch (err) {
      throw mapPgError(err, this.url, this.label);
    }
  }
}

// ---------------------------------------------------------------------------
// PGlite

/** A FIFO lock: PGlite has one connection, so a transaction must have it to itself. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;
  #busy = false;

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.#queued++;
    const start = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    return start.then(async () => {
      this.#queued--;
      this.#busy = true;
      try {
        return await fn();
      } finally {
        this.#busy = false;
        release();
      }
    });
  }

  get waiting(): number {
    return this.#queued;
  }

  get busy(): boolean {
    return this.#busy;
  }
}

/**
 * Statements run so often that parsing and planning them each time shows
 * (a write's head read planned in 0.44 ms and ran in 0.31): on Postgres each
 * is prepared once per connection under a name of its own and its plan
 * reused. Only statements whose text is fixed belong here: every distinct
 * text stays prepared on every connection for its life. A connection pooler
 * that hands each transaction another server connection (PgBouncer in
 * transaction mode without max_prepared_statements) cannot keep them:
 * PATHWAY_PG_PREPARED_STATEMENTS=off sends every statement unnamed.
 */
const PREPARED = new Map<string, string>();

/** Marks `sql` as one to prepare once per Postgres connection (see PREPARED); returns it unchanged. */
export function prepared(sql: string): string {
  if (!PREPARED.has(sql)) PREPARED.set(sql, `pathway_${PREPARED.size + 1}`);
  return sql;
}

/** Runs `sql` on `client`, as its prepared statement where it has one (and `prepare` is on). */
function pgQuery(client: pg.ClientBase, sql: string, params: readonly unknown[] | undefined, prepare: boolean): Promise<pg.QueryResult> {
  const name = prepare && params ? PREPARED.get(sql) : undefined;
  return name ? client.query({ name, text: sql, values: params as unknown[] }) : client.query(sql, params as unknown[] | undefined);
}

/** Postgres settings for a short-lived PGlite: a small buffer pool (see OpenDbOptions.longRunning). */
const SHORT_LIVED_PGLITE = ['-c', 'shared_buffers=16MB'];

/**
 * Postgres settings for every PGlite: a checkpoint once the write-ahead log
 * passes 48 MB, keeping 32 MB of it (the least Postgres allows). With the
 * server defaults (1 GB, 80 MB) and no checkpointer process, a folder kept
 * every byte of log a run wrote: 209 of the 305 MB a simulated hub's five
 * years left (npm run bench -- --only pglite).
 */
const PGLITE_WAL = ['-c', 'max_wal_size=48MB', '-c', 'min_wal_size=32MB'];

/**
 * Makes a new PGlite folder (initdb) in a worker thread of its own. A PGlite
 * that ran initdb keeps initdb's memory for its whole life, about 430 MB:
 * a server started on a new folder held 890 MB of RSS against 380 MB once
 * reopened, and a closed instance's memory waited for a garbage collection
 * that came late (a simulation peaked at 816 MB on its first day). The
 * worker's memory goes when it ends. Not pure (files, a thread).
 */
async function initPgliteFolder(folder: string, startParams: string[]): Promise<void> {
  const { Worker } = await import('node:worker_threads');
  const entry = import.meta.resolve('@electric-sql/pglite');
  const code = `
    const { workerData } = require('node:worker_threads');
    import(workerData.entry).then(async ({ PGlite }) => {
      const db = new PGlite(workerData.folder, { startParams: workerData.startParams });
      await db.waitReady;
      await db.close();
    });`;
  await new Promise<void>((done, fail) => {
    const worker = new Worker(code, { eval: true, workerData: { entry, folder, startParams } });
    worker.once('error', fail);
    worker.once('exit', (exitCode) => (exitCode === 0 ? done() : fail(new Error(`initdb stopped with exit code ${exitCode}`))));
  });
}

async function openPglite(target: string, dataDir: Blob | undefined, longRunning: boolean): Promise<Db> {
  const inMemory = /^memory:\/\//i.test(target);
  if (dataDir && !inMemory) throw new RangeError(`pgliteDataDir works only with memory://, not with the folder ${target}`);
  const folder = inMemory ? undefined : resolve(target);
  const shown = inMemory ? 'PGlite in memory' : `PGlite at ${displayPath(folder!)}`;
  let unlock = (): void => undefined;
  let db: PGlite | undefined;
  try {
    if (folder) {
      mkdirSync(folder, { recursive: true });
      unlock = lockFolder(folder, shown);
    }
    // Loaded here, not at the top: a command on Postgres never pays for it.
    const { PGlite } = await import('@electric-sql/pglite');
    const startParams = [...PGlite.defaultStartParams, ...PGLITE_WAL, ...(longRunning ? [] : SHORT_LIVED_PGLITE)];
    if (folder && !existsSync(join(folder, 'PG_VERSION'))) await initPgliteFolder(folder, startParams);
    db = new PGlite(folder ?? 'memory://', {
      parsers,
      ...(dataDir ? { loadDataDir: dataDir } : {}),
      startParams,
    });
    await db.waitReady;
    await db.query("SET TIME ZONE 'UTC'");
  } catch (err) {
    unlock();
    await db?.close().catch(() => undefined);
    if (err instanceof DatabaseUnavailableError) throw err;
    const full = diskFullError(err, shown, folder);
    if (full) throw full;
    const reason = err instanceof Error ? err.message : String(err);
    throw new DatabaseUnavailableError(
      shown,
      reason,
      inMemory
        ? 'PGlite could not start in this process; check that @electric-sql/pglite is installed (npm ci).'
        : `Check that the folder ${folder} is writable and holds a PGlite database (or is empty); or set DATABASE_URL to a Postgres server.`,
      { cause: err },
    );
  }
  return new PgliteDb(db, shown, unlock, folder);
}

/** SQLSTATE disk_full: Postgres could not extend a file or write its log. */
const DISK_FULL = '53100';

/**
 * The disk holding a PGlite folder is full (Postgres said 53100 disk_full, or
 * a file write failed with ENOSPC): thrown by the command that needed the
 * space. Postgres wrote nothing of that transaction for good: it rolled back,
 * and the folder opens as it was before it. CLI exit 1, HTTP 503.
 */
export class DiskFullError extends DatabaseUnavailableError {
  constructor(target: string, readonly folder: string, reason: string, options?: { cause?: unknown }) {
    super(
      target,
      `the disk holding the folder ${folder} is full (${reason})`,
      `Nothing of this command was stored. Free space on that disk (df -h ${folder}) and run it again; the folder keeps everything stored before.`,
      options,
    );
    Object.defineProperty(this, 'name', { value: 'DiskFullError' });
  }
}

/** A DiskFullError for `err` when it says the disk is full, else null. Pure. */
function diskFullError(err: unknown, label: string, folder: string | undefined): DiskFullError | null {
  if (err instanceof DiskFullError) return err;
  const code = sqlStateOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code !== DISK_FULL && code !== 'ENOSPC' && !/No space left on device/i.test(message)) return null;
  return new DiskFullError(label, folder ?? '(memory)', message, { cause: err });
}

/** The file in a PGlite folder naming the process that has it open. */
export const PGLITE_LOCK_FILE = 'pathway.pid';

/**
 * PGlite has no lock of its own: two processes (or two opens in one) writing
 * the same folder would corrupt it. Claim the folder with a pid file, taking
 * it over only when its process is gone. Returns the release function.
 */
function lockFolder(folder: string, shown: string): () => void {
  const file = join(folder, PGLITE_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(file, 'utf8').trim());
    } catch {
      continue; // released meanwhile
    }
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
      throw new DatabaseUnavailableError(
        shown,
        `the folder is already open in process ${owner}${owner === process.pid ? ' (this one)' : ''}, and PGlite allows one user at a time`,
        `Stop that process (e.g. a running "pathway serve") or send the work through it, or use Postgres (DATABASE_URL) so that several processes can share the data. If no process ${owner} exists, delete ${file}.`,
      );
    }
    rmSync(file, { force: true }); // its process has gone: a stale claim
  }
  throw new DatabaseUnavailableError(shown, 'could not claim the folder: other processes kept taking it', 'Try again, or use Postgres (DATABASE_URL).');
}

/**
 * A copy of a PGlite database's data directory as an uncompressed tarball
 * (a backup, or a template for openDb's pgliteDataDir). Waits for work in
 * progress. Postgres: use pg_dump instead. Not pure.
 */
export async function dumpPgliteDataDir(db: Db): Promise<Blob> {
  if (!(db instanceof PgliteDb)) throw new TypeError(`dumpPgliteDataDir needs a PGlite database, not ${db.describe()}`);
  return db.dump();
}

function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? abs : `./${rel}`;
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly inTransaction = false;
  readonly #mutex = new Mutex();
  #closed = false;
  #commits = 0;
  #vacuumFailed = false;
  constructor(private readonly pglite: PGlite, private readonly label: string, private readonly unlock: () => void, private readonly folder: string | undefined) {}

  /** PGlite runs in this process: it is up until closed. */
  async health(): Promise<DbHealth> {
    return this.#closed ? { ok: false, reason: `${this.label} is closed` } : { ok: true };
  }

  async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    this.#checkOpen();
    return this.#mutex.run(() => pgliteQuery<T>(this.pglite, sql, params)).catch((err: unknown) => {
      throw this.#mapError(err);
    });
  }

  async exec(sql: string): Promise<void> {
    this.#checkOpen();
    await this.#mutex.run(() => this.pglite.exec(sql)).catch((err: unknown) => {
      throw this.#mapError(err);
    });
  }

  /** The autovacuum PGlite has no worker for (store/vacuum.ts), run in the mutex after a commit. Its failure fails no write. */
  async #vacuum(): Promise<void> {
    try {
      await vacuumDeadRows(this.pglite);
    } catch (err) {
      if (this.#vacuumFailed) return;
      this.#vacuumFailed = true;
      process.emitWarning(`${this.label}: vacuuming the tables' old row versions failed, so the folder will grow faster (${err instanceof Error ? err.message : String(err)})`, 'PathwayWarning');
    }
  }

  /** A full disk is said as such, naming the folder; other errors pass unchanged. */
  #mapError(err: unknown): unknown {
    return diskFullError(err, this.label, this.folder) ?? err;
  }

  async tx<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#checkOpen();
    return this.#mutex.run(async () => {
      const handle = new PgliteTxDb(this.pglite, this.label);
      await this.pglite.query('BEGIN');
      try {
        const result = await fn(handle);
        const commit = await this.pglite.query('COMMIT');
        if (commit.command === 'ROLLBACK') throw new TransactionAbortedError(this.label);
        // Queued behind this transaction, not inside it: the writer whose commit made it due does not wait for it.
        if (++this.#commits % VACUUM_EVERY_COMMITS === 0) void this.#mutex.run(() => this.#vacuum());
        return result;
      } catch (err) {
        await this.pglite.query('ROLLBACK').catch(() => undefined);
        throw this.#mapError(err);
      } finally {
        handle.finish();
      }
    });
  }

  describe(): string {
    return this.label;
  }

  stats(): PoolStats {
    return { total: 1, idle: this.#mutex.busy ? 0 : 1, waiting: this.#mutex.waiting };
  }

  async dump(): Promise<Blob> {
    this.#checkOpen();
    return this.#mutex.run(() => this.pglite.dumpDataDir('none'));
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    this.#checkOpen();
    const stop = await this.#mutex.run(() => this.pglite.listen(channel, onMessage));
    return async () => {
      if (!this.#closed) await this.#mutex.run(() => stop());
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#mutex.run(() => this.pglite.close());
    } finally {
      this.unlock();
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`${this.label} is closed`);
  }
}

class PgliteTxDb extends TxHandle implements Db {
  readonly kind = 'pglite' as const;
  constructor(private readonly pglite: PGlite, label: string) {
    super(label);
  }

  async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    this.checkLive();
    return pgliteQuery<T>(this.pglite, sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.checkLive();
    await this.pglite.exec(sql);
  }
}

async function pgliteQuery<T>(pglite: PGlite, sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
  const r = await pglite.query<T>(sql, params as unknown[] | undefined);
  return { rows: r.rows, rowCount: r.rowCount ?? r.affectedRows ?? r.rows.length };
}
