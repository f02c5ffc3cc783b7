/**
 * Losing the Postgres connection in the middle of work (the server restarted,
 * or an operator ran pg_terminate_backend): which driver errors mean that,
 * which statements may simply be run again on a new connection, and the error
 * a command fails with when it cannot tell whether its write took effect.
 * Used by store/db.ts. Pure, apart from `pause`.
 *
 * What is safe to run again after the connection dropped:
 * - anything, when the connection could not even be made (nothing was sent);
 * - a transaction that had not reached COMMIT: the server rolls it back when
 *   its session ends, so running the whole of it again stores it once;
 * - a transaction lost during COMMIT only after asking the server what became
 *   of it (txid_status of the transaction id taken before COMMIT);
 * - a single statement outside a transaction only when it reads.
 * A single write lost in flight may or may not have been applied: it is not
 * run again, and the command fails with ConnectionLostError saying so.
 */
import { DatabaseUnavailableError } from './errors.js';

/** Node socket error codes that mean the server cannot be reached or the connection broke. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * SQLSTATEs of a connection the server ended or refused: class 08
 * (connection exception), 57P01 admin_shutdown (pg_terminate_backend, a fast
 * shutdown), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
 * shutting down).
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);

/** pg's own words for a connection that broke or could not be had (it gives these errors no code). */
const DRIVER_MESSAGES = /Connection terminated|not queryable|Client was closed|connection timeout|timeout exceeded when trying to connect|Connection ended unexpectedly/i;

/** Marks an error as a command's final word on a lost connection. */
const FINAL = Symbol.for('pathway.connection-final');

/** Marks `err` so that no outer layer retries it as a lost connection; returns it. */
export function finalConnectionError<E extends Error>(err: E): E {
  Object.defineProperty(err, FINAL, { value: true });
  return err;
}

/** Whether `err` (or what it wraps) says the connection to the server was lost or could not be made, not that the statement was wrong. Pure. */
export function isConnectionLoss(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    // A command's final word on a lost connection (given up, or unknown outcome) is not retried again by an outer layer.
    if ((e as { [FINAL]?: boolean })[FINAL]) return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || /^08...$/.test(code))) return true;
    if (e instanceof Error && DRIVER_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** Words or functions that make a statement write, take locks or otherwise act. */
const WRITES = /\b(insert|update|delete|merge|truncate|create|drop|alter|grant|revoke|copy|call|do|lock|listen|notify|vacuum|analyze|refresh|comment|nextval|setval|pg_notify|set_config|pg_advisory\w*|pg_try_advisory\w*|pg_terminate_backend|pg_cancel_backend|for\s+(no\s+key\s+)?update|for\s+(key\s+)?share)\b/i;

/**
 * Whether a single statement only reads, so that running it again after a
 * lost connection cannot change anything: it starts with SELECT, WITH, VALUES,
 * TABLE or SHOW and names nothing that writes or locks. Conservative: a word
 * like "update" even inside a string makes it count as a write. Pure.
 */
export function isReadOnlyStatement(sql: string): boolean {
  const text = sql.replace(/--[^\n]*/g, ' ').trim();
  if (!/^(select|with|values|table|show)\b/i.test(text)) return false;
  return !WRITES.test(text);
}

/** How long to keep trying to reconnect, and how to pace it. */
export interface ReconnectPolicy {
  /** Give up after this many milliseconds of failed attempts (0: never retry). */
  budgetMs: number;
  /** First pause between attempts (doubling up to maxDelayMs). */
  firstDelayMs: number;
  maxDelayMs: number;
}

/** Default: keep trying for 15 s (a Postgres restart takes a few), 50 ms then doubling up to 1 s. */
export const DEFAULT_RECONNECT: ReconnectPolicy = { budgetMs: 15_000, firstDelayMs: 50, maxDelayMs: 1_000 };

/** Waits `ms` of real time. Not pure. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The connection was lost while a single write (outside a transaction) was
 * running, or while a transaction committed and the server could not be asked
 * what became of it: it may or may not have been stored. Nothing else of the
 * command after it was stored. CLI exit 1, HTTP 503. Running the command again
 * is safe: every write of the store is keyed (events by version, effects,
 * payments and messages by key), so what was stored is found, not repeated.
 */
export class ConnectionLostError extends DatabaseUnavailableError {
  constructor(target: string, what: string, reason: string, options?: { cause?: unknown }) {
    super(
      target,
      `lost the connection while ${what} (${reason}); it may or may not have been stored, and nothing after it was`,
      'Run the command again: what was stored is found by its key and not repeated, what was not is done.',
      options,
    );
    finalConnectionError(this);
    Object.defineProperty(this, 'name', { value: 'ConnectionLostError' });
  }
}

/** Why a connection error happened, in the driver's words. Pure. */
export function reasonOf(err: unknown): string {
  if (err instanceof DatabaseUnavailableError) return err.reason;
  const e = err as { message?: unknown; code?: unknown };
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}
