/**
 * The harness for every database test: run the same tests against PGlite and
 * Postgres, each test file on its own fresh database. Not pure (creates and
 * drops databases).
 *
 *   describe.each(dbTargets())('thing on $name', (target) => {
 *     const t = useTestDb(target);           // fresh, migrated database for this block
 *     it('works', async () => { await t.db.query('select 1'); });
 *   });
 *
 * Postgres comes from TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 * (.ci/run starts it and sets this). A Postgres that cannot be reached makes
 * the tests FAIL with a message saying how to fix it; they never skip.
 * After each block: no pooled connection may still be checked out, and every
 * database the block created must be gone.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openDb, describePostgresUrl, dumpPgliteDataDir, type Db } from '../../store/db.js';
import { migrate, readMigrations } from '../../store/migrate.js';
import type { Store } from '../../store/index.js';
import { publishFolder } from './publish-folder.js';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The Postgres server's maintenance database URL for tests. */
export function postgresTestUrl(): string {
  const fromEnv = process.env.TEST_DATABASE_URL?.trim();
  return fromEnv ? fromEnv : DEFAULT_TEST_DATABASE_URL;
}

export interface DbTarget {
  name: 'pglite' | 'postgres';
  /** PGlite: "memory://"; Postgres: the maintenance database new test databases are created from. */
  url: string;
}

/** Both drivers, for describe.each. */
export function dbTargets(): DbTarget[] {
  return [
    { name: 'pglite', url: 'memory://' },
    { name: 'postgres', url: postgresTestUrl() },
  ];
}

export interface TestDatabase {
  target: DbTarget;
  /** What to pass to openDb/openStore: a fresh database's URL, or "memory://" (each open is a new, empty PGlite). */
  url: string;
  /** The Postgres database name, null for PGlite. */
  name: string | null;
  /** Drops the database (Postgres) and checks it is gone. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * A fresh PGlite takes seconds to start (initdb in WebAssembly); one loaded
 * from a dump of an initialised, migrated database takes a fraction of that.
 * Dumps are kept in the temp folder, keyed by the PGlite version and the
 * migration files, so a changed migration makes a new one.
 */
async function pgliteTemplate(migrated: boolean): Promise<{ blob: Blob; file: string }> {
  const kept = templates.get(migrated);
  if (kept) return kept;
  const made = await makePgliteTemplate(migrated);
  templates.set(migrated, made);
  return made;
}

/** The dumps this process has read, by "migrated": a test file opens dozens of databases from the same one. */
const templates = new Map<boolean, { blob: Blob; file: string }>();

/**
 * A dump held in memory whose bytes PGlite's loadDataDir reads at the cost of
 * one copy. Node 20's Blob.arrayBuffer() reads a 40 MB dump in 64 KB pieces
 * and joins them, about 0.3 s of CPU each time; with reading the file and
 * copying it into a new Blob that was over half of a test database's 1.2 s
 * (.scratch measurements, 2026-12-04). Each database gets its own copy: PGlite
 * keeps slices of it as its files.
 */
class TemplateDump extends Blob {
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    super([], { type: 'application/x-tar' });
    this.#bytes = bytes;
  }
  override get size(): number {
    return this.#bytes.byteLength;
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.#bytes.slice().buffer);
  }
}

async function makePgliteTemplate(migrated: boolean): Promise<{ blob: Blob; file: string }> {
  // The package's exports hide package.json; find it beside the resolved entry (…/pglite/dist/index.cjs).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const version = (JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as { version: string }).version;
  const key = createHash('sha256')
    .update(`${version}\n${migrated ? migrationsKey() : 'empty'}`)
    .digest('hex')
    .slice(0, 16);
  const file = join(tmpdir(), `pathway-pglite-template-${key}.tar`);
  if (existsSync(file)) return { blob: new TemplateDump(readFileSync(file)), file };
  const db = await openDb('memory://');
  try {
    if (migrated) await migrate(db);
    const blob = await dumpPgliteDataDir(db);
    // Write then rename, so a parallel test file never reads half a dump.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await blob.arrayBuffer()));
    renameSync(partial, file);
    return { blob: new TemplateDump(new Uint8Array(await blob.arrayBuffer())), file };
  } finally {
    await db.close();
  }
}

/**
 * Makes `folder` (which must not exist yet) a PGlite data folder migrated with
 * this code's migration files, as the first openStore(folder) would leave it,
 * by copying a template folder made once per PGlite version and set of
 * migration files (kept in the temp folder, like pgliteTemplate's dumps).
 * Copying skips PGlite's initdb and the migrations, the seconds a fresh folder
 * costs. For tests of a service on a PGlite folder (npm start's default).
 */
export async function copyMigratedPgliteFolder(folder: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const version = (JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as { version: string }).version;
  const key = createHash('sha256').update(`folder\n${version}\n${migrationsKey()}`).digest('hex').slice(0, 16);
  const template = join(tmpdir(), `pathway-pglite-folder-${key}`);
  if (!existsSync(template)) {
    // Made beside it, then renamed into place, so a parallel test file never copies half a folder.
    await publishFolder(template, async (path) => {
      const db = await openDb(path);
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
    });
  }
  cpSync(template, folder, { recursive: true, errorOnExist: true, force: false });
}

/** The migration files' names and checksums: a template made from other files is another template. */
function migrationsKey(): string {
  return readMigrations().map((m) => `${m.name}:${m.checksum}`).join('\n');
}

/**
 * A PGlite in memory loaded from the migrated template (see pgliteTemplate),
 * then migrated, which on the template only checks that it matches the
 * migration files. A damaged template is dropped and the database made from scratch.
 */
async function openPgliteFromTemplate(migrated: boolean): Promise<Db> {
  const template = await pgliteTemplate(migrated);
  try {
    return await openDb('memory://', { pgliteDataDir: template.blob });
  } catch {
    // A damaged template: drop it (the next file makes a new one) and start from scratch.
    rmSync(template.file, { force: true });
    templates.delete(migrated);
    return openDb('memory://');
  }
}

/** Opens the fresh database (from a PGlite template when it can) and migrates it unless told not to. */
async function openFresh(database: TestDatabase, migrated: boolean): Promise<Db> {
  let db: Db;
  if (database.target.name === 'postgres') {
    db = await openDb(database.url, { poolSize: 10 });
  } else {
    db = await openPgliteFromTemplate(migrated);
  }
  try {
    // On a template (PGlite or Postgres) this checks that it matches the migration files.
    if (migrated) await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

let counter = 0;
const created = new Set<string>();

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = postgresTestUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(
      `the Postgres tests need a server at ${describePostgresUrl(url)} (TEST_DATABASE_URL, default ${DEFAULT_TEST_DATABASE_URL}) and could not connect: ` +
        `${err instanceof Error ? err.message : String(err)}. Run bash .ci/run (it starts Postgres and creates the database), ` +
        `or start Postgres yourself and create the database, or set TEST_DATABASE_URL to one that works.`,
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A number for pg_advisory_lock: making the migrated template database. */
const TEMPLATE_LOCK_KEY = 7_280_002;

/**
 * The name of a Postgres database migrated with this code's migration files
 * that test databases are copied from (CREATE DATABASE ... TEMPLATE), made
 * once per set of migration files on first use: copying it is much cheaper
 * than running every migration again for each test file. Nobody connects to
 * it after it is made (a template must have no connections to be copied).
 * Made under a name of its own and renamed when complete, under an advisory
 * lock, so parallel test files neither make it twice nor copy half of it.
 */
let postgresTemplateName: Promise<string> | null = null;
function postgresTemplate(): Promise<string> {
  postgresTemplateName ??= (async () => {
    const name = `pathway_template_${createHash('sha256').update(migrationsKey()).digest('hex').slice(0, 16)}`;
    await admin(async (c) => {
      await c.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
      try {
        const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount) return;
        const building = `${name}_${process.pid}`;
        await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
        await c.query(`CREATE DATABASE "${building}"`);
        try {
          const db = await openDb(withDatabase(postgresTestUrl(), building), { poolSize: 2 });
          try {
            await migrate(db);
          } finally {
            await db.close();
          }
          // The pool's server processes may take a moment to go after it closed; a database with a connection cannot be renamed.
          for (let attempt = 1; ; attempt++) {
            try {
              await c.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
              break;
            } catch (err) {
              if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        } catch (err) {
          await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`).catch(() => undefined);
          throw err;
        }
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
      }
    });
    return name;
  })();
  // A failure is not kept: the next caller tries again (and reports its own error).
  postgresTemplateName.catch(() => {
    postgresTemplateName = null;
  });
  return postgresTemplateName;
}

/**
 * Creates a fresh database for `target` (Postgres: pathway_test_<pid>_<n>):
 * empty, or with `migrated: true` already migrated (Postgres: a copy of the
 * migrated template database; PGlite: openMigratedStore loads the migrated template).
 */
export async function createTestDatabase(target: DbTarget, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  if (target.name === 'pglite') return { target, url: 'memory://', name: null, drop: async () => undefined };
  const template = options.migrated ? await postgresTemplate() : null;
  const name = `pathway_test_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  await admin(async (c) => {
    // A leftover of a crashed run could only have this name if it had this pid, so it is dead.
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(template ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`);
  });
  created.add(name);
  let dropped = false;
  return {
    target,
    url: withDatabase(target.url, name),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        const left = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1::text[])', [[...created]]);
        created.delete(name);
        const still = left.rows.map((r) => r.datname).filter((n) => n === name);
        if (still.length > 0) throw new Error(`test database ${name} was not dropped`);
      });
    },
  };
}

/**
 * The store of a database made with createTestDatabase(target, { migrated: true }),
 * opened and migrated as openStore does (which on a template only checks it
 * matches the migration files). PGlite: a new in-memory database loaded from
 * the migrated template. Pass it to openService/createEmbeddedEngine as `store`.
 */
export async function openMigratedStore(database: TestDatabase): Promise<Store> {
  const db = database.target.name === 'postgres' ? await openDb(database.url) : await openPgliteFromTemplate(true);
  try {
    const migrations = await migrate(db);
    return { db, migrations, describe: () => db.describe(), close: () => db.close() };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** A new PGlite store in memory loaded from the migrated template: openStore('memory://') without its initdb and migrations. */
export async function openMigratedPglite(): Promise<Store> {
  return openMigratedStore(await createTestDatabase(dbTargets()[0]!, { migrated: true }));
}

/** Fails when a Postgres pool still has connections lent out (a transaction or client never released). */
export function assertNoLeakedConnections(db: Db, where: string): void {
  const s = db.stats();
  if (s.total - s.idle !== 0 || s.waiting !== 0) {
    throw new Error(`${where}: ${s.total - s.idle} database connection(s) still checked out and ${s.waiting} waiting after the tests (${db.describe()}): a transaction or query was left running`);
  }
}

/** The names of test databases this process created and has not dropped (should be empty after each block). */
export async function undroppedTestDatabases(): Promise<string[]> {
  if (created.size === 0) return [];
  return admin(async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1::text[])', [[...created]])).rows.map((r) => r.datname));
}

/**
 * Opens a fresh database for `target`, migrated unless told otherwise, runs
 * `cb`, then checks for leaked connections, closes and drops it.
 */
export async function withTestDb<T>(target: DbTarget, cb: (db: Db, database: TestDatabase) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const database = await createTestDatabase(target, { migrated: options.migrate !== false });
  let db: Db | undefined;
  try {
    db = await openFresh(database, options.migrate !== false);
    const result = await cb(db, database);
    assertNoLeakedConnections(db, `withTestDb(${target.name})`);
    return result;
  } finally {
    await db?.close();
    await database.drop();
  }
}

export interface TestDbHandle {
  /** The open database (available inside tests, after beforeAll). */
  readonly db: Db;
  /** The fresh database, e.g. to open a second connection pool to it. */
  readonly database: TestDatabase;
}

/**
 * Registers beforeAll/afterAll in the current describe block: one fresh
 * database for the block (migrated unless `migrate: false`), closed, checked
 * for leaks and dropped at the end.
 */
export function useTestDb(target: DbTarget, options: { migrate?: boolean } = {}): TestDbHandle {
  let db: Db | undefined;
  let database: TestDatabase | undefined;
  // A setup failure (Postgres unreachable, ...) is kept and thrown by every
  // test that asks for the database, so each one FAILS with the reason:
  // a throwing beforeAll would make vitest report the tests as skipped.
  let setupError: unknown;
  beforeAll(async () => {
    try {
      database = await createTestDatabase(target, { migrated: options.migrate !== false });
      db = await openFresh(database, options.migrate !== false);
    } catch (err) {
      setupError = err;
    }
  });
  afterAll(async () => {
    const problems: string[] = [];
    if (db) {
      try {
        assertNoLeakedConnections(db, `tests on ${target.name}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
      await db.close();
    }
    if (database) await database.drop();
    const left = target.name === 'postgres' ? await undroppedTestDatabases() : [];
    if (left.length > 0) problems.push(`test databases not dropped: ${left.join(', ')}`);
    if (problems.length > 0) throw new Error(problems.join('; '));
  });
  return {
    get db(): Db {
      if (setupError) throw setupError;
      if (!db) throw new Error('the test database is not open: use t.db inside a test, not at collection time');
      return db;
    },
    get database(): TestDatabase {
      if (setupError) throw setupError;
      if (!database) throw new Error('the test database is not created yet: use t.database inside a test');
      return database;
    },
  };
}
