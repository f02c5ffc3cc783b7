/**
 * The schema migration runner: applies store/migrations/NNN_name.sql in order,
 * each in its own transaction, and records it in `schema_migrations` with a
 * checksum. Not pure (reads files, writes the database).
 *
 * Safe to run from several processes at once: every step holds one
 * transaction-scoped advisory lock, and a migration another process applied
 * meanwhile is skipped. A file changed after it was applied, or an applied
 * migration with no file, stops the run before anything changes.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';
import { DatabaseUnavailableError, MigrationError } from './errors.js';

/** The folder of the migration files shipped with this code. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** A stable number for pg_advisory_xact_lock: "pathway" schema migrations. */
const MIGRATION_LOCK_KEY = 7_280_001;

export interface MigrationFile {
  version: number;
  /** File name, e.g. "001_event_log.sql". */
  name: string;
  sql: string;
  /** sha256 (hex) of the file with line endings made \n. */
  checksum: string;
}

export interface MigrateResult {
  /** Files this run applied, in order. */
  applied: string[];
  /** Files that were applied before (by an earlier run or another process). */
  alreadyApplied: string[];
}

/** The sha256 of a migration's text, blind to CRLF versus LF. Pure. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/** Reads and orders the migration files of a folder; refuses badly named or duplicate numbers. Reads files. */
export function readMigrations(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Map<number, string>();
  return files.map((name) => {
    const m = /^(\d{3,})_[a-z0-9_]+\.sql$/.exec(name);
    if (!m) throw new MigrationError(`migration file ${name} in ${dir} must be named NNN_words.sql (digits, underscore, lower-case letters, digits or underscores)`, name);
    const version = Number(m[1]);
    const other = seen.get(version);
    if (other) throw new MigrationError(`migration files ${other} and ${name} share the number ${m[1]}: give each file its own number`, name);
    seen.set(version, name);
    const sql = readFileSync(`${dir}/${name}`, 'utf8');
    return { version, name, sql, checksum: migrationChecksum(sql) };
  });
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Brings the database's schema up to date with the migration files. Returns
 * what it applied. Throws MigrationError, changing nothing, when an applied
 * file was edited or is missing. Not pure.
 */
export async function migrate(db: Db, options: { dir?: string } = {}): Promise<MigrateResult> {
  const files = readMigrations(options.dir);
  const target = db.describe();

  const applied = await db.tx(async (tx) => {
    await lock(tx);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer     PRIMARY KEY,
      name       text        NOT NULL,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    return (await tx.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows;
  });
  for (const row of applied) checkApplied(row, files, target);

  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  const done = new Set(applied.map((r) => r.version));
  for (const file of files) {
    if (done.has(file.version)) {
      result.alreadyApplied.push(file.name);
      continue;
    }
    const ran = await db.tx(async (tx) => {
      await lock(tx);
      const now = await tx.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations WHERE version = $1', [file.version]);
      const row = now.rows[0];
      if (row) {
        checkApplied(row, files, target);
        return false;
      }
      try {
        await tx.exec(file.sql);
      } catch (err) {
        if (err instanceof DatabaseUnavailableError) throw err;
        throw new MigrationError(`migration ${file.name} failed on ${target}: ${err instanceof Error ? err.message : String(err)}; nothing of it was applied`, file.name);
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [file.version, file.name, file.checksum]);
      return true;
    });
    (ran ? result.applied : result.alreadyApplied).push(file.name);
  }
  return result;
}

async function lock(tx: Db): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
}

function checkApplied(row: AppliedRow, files: MigrationFile[], target: string): void {
  const file = files.find((f) => f.version === row.version);
  if (!file) {
    throw new MigrationError(
      `${target} has migration ${row.name} applied, but this code has no migration numbered ${row.version}: the database was migrated by a newer version of the code; run that version, or point DATABASE_URL at another database`,
      row.name,
    );
  }
  if (file.checksum !== row.checksum) {
    throw new MigrationError(
      `migration ${file.name} was changed after it was applied to ${target} (checksum recorded ${row.checksum.slice(0, 12)}..., file now ${file.checksum.slice(0, 12)}...): never edit an applied migration; put the change in a new numbered file in store/migrations/`,
      file.name,
    );
  }
}
