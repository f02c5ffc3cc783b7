/**
 * The store: opens the database (Postgres or PGlite), brings its schema up to
 * date, and re-exports the table modules. Not pure.
 */
import { openDb, type Db, type OpenDbOptions } from './db.js';
import { migrate, type MigrateResult } from './migrate.js';

export interface Store {
  db: Db;
  /** What the migration run on opening did. */
  migrations: MigrateResult;
  describe(): string;
  close(): Promise<void>;
}

export interface OpenStoreOptions extends OpenDbOptions {
  /** Another folder of migration files (tests). */
  migrationsDir?: string;
}

/**
 * Opens the database at `target` (see openDb: a postgres:// URL, "memory://",
 * a PGlite folder, or by default DATABASE_URL else ./.pglite) and migrates it.
 * Closes it again if migrating fails. Not pure.
 */
export async function openStore(target?: string, options: OpenStoreOptions = {}): Promise<Store> {
  const db = await openDb(target, options);
  let migrations: MigrateResult;
  try {
    migrations = await migrate(db, { dir: options.migrationsDir });
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return { db, migrations, describe: () => db.describe(), close: () => db.close() };
}

export * from './db.js';
export * from './errors.js';
export * from './migrate.js';
export * from './event-log.js';
export * from './streams.js';
export * from './timers.js';
export * from './outbox.js';
export * from './ledger.js';
export * from './messages.js';
export * from './evaluations.js';
export { canonicalJson, eventHash, type HashedEventFields } from './hash.js';
