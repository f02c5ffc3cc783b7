import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../store/db.js';
import { MigrationError } from '../store/errors.js';
import { openStore } from '../store/index.js';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../store/migrate.js';
import { dbTargets, withTestDb } from './helpers/db.js';

const shipped = readMigrations().map((m) => m.name);
const folders: string[] = [];
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

/** A copy of the shipped migrations folder that a test may change. */
function migrationsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pathway-migrations-'));
  folders.push(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function tables(db: Db): Promise<string[]> {
  const r = await db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  return r.rows.map((x) => x.tablename);
}

async function recorded(db: Db): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version')).rows.map((r) => r.name);
}

describe('migration files', () => {
  it('are every .sql file of the folder, in strictly increasing number order', () => {
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
    expect(shipped).toEqual(files);
    const versions = readMigrations().map((m) => m.version);
    expect(versions.slice(0, 4)).toEqual([1, 2, 3, 4]);
    versions.slice(1).forEach((v, i) => expect(v).toBeGreaterThan(versions[i]!));
  });

  it('refuses a badly named file and two files with one number', () => {
    const dir = migrationsCopy();
    writeFileSync(join(dir, '005 spaces.sql'), 'SELECT 1;');
    expect(() => readMigrations(dir)).toThrow(/migration file 005 spaces.sql .* must be named NNN_words.sql/);
    rmSync(join(dir, '005 spaces.sql'));
    writeFileSync(join(dir, '004_again.sql'), 'SELECT 1;');
    expect(() => readMigrations(dir)).toThrow(/share the number 004/);
  });
});

describe.each(dbTargets())('migrations on $name', (target) => {
  it('creates every table once and does nothing the second time', async () => {
    await withTestDb(target, async (db) => {
      const first = await migrate(db);
      expect(first).toEqual({ applied: shipped, alreadyApplied: [] });
      expect(await tables(db)).toEqual(expect.arrayContaining(['evaluation_requests', 'events', 'funding_ledger', 'outbox', 'schema_migrations', 'sent_messages', 'streams', 'timers']));
      const second = await migrate(db);
      expect(second).toEqual({ applied: [], alreadyApplied: shipped });
      expect(await recorded(db)).toEqual(shipped);
    }, { migrate: false });
  });

  it('stores large states with lz4 where the server has it (Postgres), and keeps the default where it has not (PGlite)', async () => {
    await withTestDb(target, async (db) => {
      const r = await db.query<{ col: string; compression: string }>(
        `SELECT attrelid::regclass::text || '.' || attname AS col, attcompression::text AS compression FROM pg_attribute
          WHERE (attrelid = 'streams'::regclass AND attname = 'snapshot') OR (attrelid = 'snapshots'::regclass AND attname = 'state') OR (attrelid = 'outbox'::regclass AND attname = 'payload')
          ORDER BY 1`,
      );
      const want = target.name === 'postgres' ? 'l' : '';
      expect(r.rows).toEqual(['outbox.payload', 'snapshots.state', 'streams.snapshot'].map((col) => ({ col, compression: want })));
    });
  });

  it('applies only the new file when one is added', async () => {
    await withTestDb(target, async (db) => {
      const dir = migrationsCopy();
      await migrate(db, { dir });
      writeFileSync(join(dir, '999_add_notes.sql'), 'CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL);');
      expect(await migrate(db, { dir })).toEqual({ applied: ['999_add_notes.sql'], alreadyApplied: shipped });
      expect(await tables(db)).toContain('notes');
    }, { migrate: false });
  });

  it('refuses to run when an applied migration file was edited, and changes nothing', async () => {
    await withTestDb(target, async (db) => {
      const dir = migrationsCopy();
      const [first, ...rest] = readMigrations(dir);
      await migrate(db, { dir: dir });
      // Edit an applied file and add a new one: neither may run.
      writeFileSync(join(dir, first!.name), `${first!.sql}\nCREATE TABLE sneaky (id int);\n`);
      writeFileSync(join(dir, '999_new.sql'), 'CREATE TABLE brand_new (id int);');
      const err = await migrate(db, { dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(new RegExp(`migration ${first!.name} was changed after it was applied to .*never edit an applied migration`));
      expect(await tables(db)).not.toContain('sneaky');
      expect(await tables(db)).not.toContain('brand_new');
      expect(await recorded(db)).toEqual([first!.name, ...rest.map((m) => m.name)]);
    }, { migrate: false });
  });

  it('accepts an applied file whose only change is CRLF line endings', async () => {
    await withTestDb(target, async (db) => {
      const dir = migrationsCopy();
      await migrate(db, { dir });
      const [first] = readMigrations(dir);
      writeFileSync(join(dir, first!.name), first!.sql.replace(/\n/g, '\r\n'));
      expect((await migrate(db, { dir })).applied).toEqual([]);
    }, { migrate: false });
  });

  it('refuses a database migrated by newer code (an applied migration with no file)', async () => {
    await withTestDb(target, async (db) => {
      const dir = migrationsCopy();
      writeFileSync(join(dir, '999_future.sql'), 'CREATE TABLE future (id int);');
      await migrate(db, { dir });
      const err = await migrate(db).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(/has migration 999_future.sql applied, but this code has no migration numbered 999/);
    }, { migrate: false });
  });

  it('rolls back a failing migration entirely and records nothing of it', async () => {
    await withTestDb(target, async (db) => {
      const dir = migrationsCopy();
      writeFileSync(join(dir, '999_broken.sql'), 'CREATE TABLE half_done (id int);\nCREATE TABLE broken (id int REFERENCES nowhere(id));');
      const err = await migrate(db, { dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(/migration 999_broken.sql failed on .*relation "nowhere" does not exist.*nothing of it was applied/);
      expect(await tables(db)).not.toContain('half_done');
      expect(await recorded(db)).toEqual(shipped);
    }, { migrate: false });
  });

  it('lets two migrators run at once: each file is applied exactly once', async () => {
    await withTestDb(target, async (db, database) => {
      // Postgres: a second pool to the same database, so the two runs really overlap.
      // PGlite: one process owns the database, so both runs share its connection.
      const second = target.name === 'postgres' ? await openDb(database.url) : db;
      try {
        const [a, b] = await Promise.all([migrate(db), migrate(second)]);
        expect([...a.applied, ...b.applied].sort()).toEqual(shipped);
        expect([...a.alreadyApplied, ...b.alreadyApplied].sort()).toEqual(shipped);
        expect(await recorded(db)).toEqual(shipped);
      } finally {
        if (second !== db) await second.close();
      }
    }, { migrate: false });
  });
});

describe('migrations on postgres, more', () => {
  const target = dbTargets().find((x) => x.name === 'postgres')!;

  // (PGlite: store-db.test.ts opens a store on a folder and checks what it migrated.)
  it('migrates when the store is opened, once', async () => {
    await withTestDb(target, async (_db, database) => {
      const store = await openStore(database.url);
      try {
        expect(store.migrations.applied).toEqual(shipped);
        const u = new URL(database.url);
        expect(store.describe()).toBe(`Postgres at ${u.hostname}:${u.port || '5432'}/${database.name} (user ${u.username})`);
      } finally {
        await store.close();
      }
      const again = await openStore(database.url);
      await again.close();
      expect(again.migrations).toEqual({ applied: [], alreadyApplied: shipped });
    }, { migrate: false });
  });

  it('applies each file once with five pools racing', async () => {
    await withTestDb(target, async (db, database) => {
      const pools = await Promise.all(Array.from({ length: 5 }, () => openDb(database.url, { poolSize: 2 })));
      try {
        const results = await Promise.all(pools.map((p) => migrate(p)));
        const applied = results.flatMap((r) => r.applied).sort();
        expect(applied).toEqual(shipped);
        expect(await recorded(db)).toEqual(shipped);
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
    }, { migrate: false });
  });
});
