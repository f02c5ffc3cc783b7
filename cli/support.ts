/**
 * What the commands share: opening the service on the configured database
 * (refusing a missing one for commands that only read), running as the
 * operator, printing text, a table (fitted, --wide, --csv) or JSON, and turning
 * a caller's error into exit code 2 with the reason. The service and the
 * engine are imported when a command runs, not when the CLI starts. Not pure.
 */
import type { Command } from 'commander';
import type { Principal, Service } from '../service/context.js';
import type { OpenedService } from '../service/open.js';
import { UsageError } from './exit.js';
import { refuseMissingDatabase } from './database.js';
import { renderCsv, renderTable, type Table } from './table.js';
import { cliConfig as settings } from './context.js';

/** Whether a command only reads (and so must not create a database) or may write. */
export interface Access {
  readOnly?: boolean;
}

/** The database the command uses: the configuration's (--db, else DATABASE_URL, else ./.pglite). */
export function cliTarget(_command?: Command): string {
  return settings().db;
}

/** The --db option when given, else undefined (kept for callers that pass it on). */
export function dbOption(_command?: Command): string | undefined {
  return settings().dbIsDefault ? undefined : settings().db;
}

/** Refuses, for a command that only reads, a database folder that does not exist (exit 2). */
export function checkDatabase(access: Access): string {
  const c = settings();
  if (access.readOnly) refuseMissingDatabase(c.db, c.dbIsDefault);
  return c.db;
}

/** Opens the service on the configured database, refusing a missing one when only reading. */
export async function openCliService(access: Access = {}): Promise<OpenedService> {
  const db = checkDatabase(access);
  const { openService } = await import('../service/open.js');
  return openService({ db });
}

/**
 * Opens the service, runs `fn` as the operator and closes it again. A
 * caller's error (bad input, a rule refused, not found, stale version) is
 * printed by main with its reason and exit code 2; others exit 1. Not pure.
 */
export async function withService(_command: Command, fn: (svc: Service, operator: Principal) => Promise<void>, access: Access = {}): Promise<void> {
  const opened = await openCliService(access);
  const { cliOperator } = await import('../service/context.js');
  try {
    await fn(opened.service, cliOperator());
  } finally {
    await opened.close();
  }
}

/** The output options every listing takes. */
export interface OutputOptions {
  json?: boolean;
  csv?: boolean;
}

/** Prints JSON (for scripts) or text (for people). Not pure. */
export function print(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/**
 * Prints a listing: JSON of `value` with --json, the table as CSV with --csv,
 * else `text(table)` (the table fitted to the terminal, with any lines around it). Not pure.
 */
export function printTable(o: OutputOptions, value: unknown, table: Table, text: (rendered: string) => string = (t) => t): void {
  if (o.json && o.csv) throw new UsageError('choose one of --json and --csv');
  if (o.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else if (o.csv) process.stdout.write(`${renderCsv(table.headers, table.rows)}\r\n`);
  else process.stdout.write(`${text(renderTable(table.headers, table.rows))}\n`);
}

/** Adds --json and --csv to a listing command. */
export function listingOptions(c: Command): Command {
  return c.option('--json', 'print JSON').option('--csv', 'print the table as CSV');
}

/** A whole number option, or a UsageError naming it. Pure. */
export function wholeNumber(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number of at least ${min} (got ${JSON.stringify(value)})`);
  return n;
}

/** Refuses an option's value that is none of `choices`, naming each with its words: `--status must be one of: applied (Application received), …`. Throws UsageError (exit 2). */
export function refuseChoice(name: string, value: string, choices: readonly { name: string; words: string }[]): never {
  throw new UsageError(`${name} must be one of: ${choices.map((c) => (c.name.toLowerCase() === c.words.toLowerCase() ? c.name : `${c.name} (${c.words})`)).join(', ')} (got ${JSON.stringify(value)})`);
}

/** A comma-separated list option ("a,b, c"), or undefined. Pure. */
export function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}
