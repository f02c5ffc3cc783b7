/**
 * What the operator commands share: opening the service on the database
 * named by --db (or DATABASE_URL, else ./.pglite), running as the operator,
 * printing text or JSON, and turning a caller's error into exit code 2 with
 * the reason. Not pure.
 */
import type { Command } from 'commander';
import { describeError } from './exit.js';
import { UsageError } from './exit.js';
import { cliOperator, type Principal, type Service } from '../service/context.js';
import { NotFoundError, ForbiddenError, RefusedError, AlreadyExistsError } from '../service/errors.js';
import { GroupVersionConflict } from '../store/ops/groups.js';
import { openService } from '../service/open.js';

/** The --db global option of the command's program. Pure. */
export function dbOption(command: Command): string | undefined {
  const db = command.optsWithGlobals<{ db?: string }>().db;
  return db && db.trim() !== '' ? db : undefined;
}

/**
 * Opens the service, runs `fn` as the operator and closes it again. A
 * caller's error (bad input, a rule refused, not found, stale version) is
 * printed with its reason and sets exit code 2; others propagate (exit 1). Not pure.
 */
export async function withService(command: Command, fn: (svc: Service, operator: Principal) => Promise<void>): Promise<void> {
  const opened = await openService({ ...(dbOption(command) ? { db: dbOption(command)! } : {}) });
  try {
    await fn(opened.service, cliOperator());
  } catch (err) {
    // The domain's own errors are mapped by cli/exit.ts; the service's are mapped here the same way.
    if (err instanceof NotFoundError || err instanceof ForbiddenError || err instanceof RefusedError || err instanceof AlreadyExistsError || err instanceof GroupVersionConflict) {
      process.stderr.write(`pathway: ${describeError(err)}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  } finally {
    await opened.close();
  }
}

/** Prints JSON (for scripts) or text (for people). Not pure. */
export function print(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/** A whole number option, or a UsageError naming it. Pure. */
export function wholeNumber(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number of at least ${min} (got ${JSON.stringify(value)})`);
  return n;
}

/** A comma-separated list option ("a,b, c"), or undefined. Pure. */
export function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}
