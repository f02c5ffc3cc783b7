/**
 * Which database a command uses, and whether it may be created: --db, else
 * DATABASE_URL, else ./.pglite (from the configuration loaded at start). A
 * command that only reads refuses a PGlite folder that holds no database,
 * rather than creating a new empty one (a mistyped --db once made a 39 MB
 * folder and then said "no school with URN ..."). Reads the file system.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './exit.js';

/** Whether the target names a Postgres server rather than a PGlite folder or memory. Pure. */
export function isServerUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** Whether the target is a PGlite data folder (not memory://, not a server). Pure. */
export function isFolder(target: string): boolean {
  return !isServerUrl(target) && !/^memory:\/\//i.test(target);
}

/** Whether a PGlite database lives in the folder (Postgres writes PG_VERSION when it makes one). */
export function folderHoldsDatabase(folder: string): boolean {
  return existsSync(join(folder, 'PG_VERSION'));
}

/**
 * For a command that only reads: throws UsageError (exit 2) when the target is
 * a folder with no database in it, naming the commands that make one.
 * `named` is how the command line names it ("--db x", or nothing for the default).
 */
export function refuseMissingDatabase(target: string, isDefault: boolean): void {
  if (!isFolder(target) || folderHoldsDatabase(target)) return;
  const db = isDefault ? '' : `--db ${/\s/.test(target) ? JSON.stringify(target) : target} `;
  throw new UsageError(`no database at ${target}; create one with \`pathway ${db}serve\` (with the demo hub: \`pathway ${db}serve --demo\`) or \`pathway ${db}applications submit <form.json>\``);
}
