import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PGLITE_LOCK_FILE, TransactionAbortedError, defaultTarget, describePostgresUrl, isRetryableError, openDb, type Db } from '../store/db.js';
import { DatabaseUnavailableError } from '../store/errors.js';
import { openStore } from '../store/index.js';
import { dbTargets, postgresTestUrl, useTestDb } from './helpers/db.js';

describe('openDb targets', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('uses DATABASE_URL when set, else the ./.pglite folder', () => {
    expect(defaultTarget({ DATABASE_URL: 'postgres://u@h:1/d' })).toBe('postgres://u@h:1/d');
    expect(defaultTarget({ DATABASE_URL: '  ' })).toBe('./.pglite');
    expect(defaultTarget({})).toBe('./.pglite');
  });

  it('describes a Postgres URL without its password', () => {
    const shown = describePostgresUrl('postgresql://alice:s3cret@db.example:6543/pathway');
    expect(shown).toBe('db.example:6543/pathway (user alice)');
    expect(shown).not.toContain('s3cret');
  });

  it('says what it tried and how to fix it when Postgres is not running', async () => {
    const err = await openDb('postgres://postgres:pw@127.0.0.1:1/nowhere', { connectTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    const message = (err as Error).message;
    expect(message).toContain('Postgres at 127.0.0.1:1/nowhere');
    expect(message).toMatch(/ECONNREFUSED/);
    expect(message).toMatch(/Start Postgres/);
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).not.toContain(':pw@');
  });

  it('names a missing database and how to create it', async () => {
    const u = new URL(postgresTestUrl());
    u.pathname = '/pathway_no_such_database';
    const err = await openDb(u.toString()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(/pathway_no_such_database" does not exist/);
    expect((err as Error).message).toMatch(/create database pathway_no_such_database/);
  });

  it('keeps PGlite data in its folder, refuses a second opener while open, and takes over a stale claim', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathway-pglite-'));
    dirs.push(dir);
    const folder = join(dir, 'data');
    const lock = join(folder, PGLITE_LOCK_FILE);
    const first = await openStore(folder);
    expect(first.describe()).toBe(`PGlite at ${folder}`);
    expect(first.migrations.applied.length).toBeGreaterThan(0);
    await first.db.query('INSERT INTO timers (urn, key, due_at, event, created_by_version) VALUES ($1, $2, $3, $4::jsonb, 1)', ['100001', 'k', '2021-01-01T00:00:00Z', '{}']);

    // PGlite has one user at a time: a second open would corrupt the folder.
    const err = await openDb(folder).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toContain(`already open in process ${process.pid} (this one)`);
    expect((err as Error).message).toMatch(/use Postgres \(DATABASE_URL\)/);
    await first.close();
    expect(existsSync(lock)).toBe(false);

    // A claim left by a process that died (a pid far above Linux's pid_max of 2^22) is taken over.
    writeFileSync(lock, '99999999\n');
    const second = await openStore(folder);
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    expect(second.migrations.applied).toEqual([]);
    const rows = (await second.db.query<{ key: string }>('SELECT key FROM timers WHERE urn = $1', ['100001'])).rows;
    await second.close();
    expect(rows).toEqual([{ key: 'k' }]);
  });

  it('opens PGlite for a short command with a small buffer pool, and for the service with the full one, on the same folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathway-pglite-buffers-'));
    dirs.push(dir);
    const folder = join(dir, 'data');
    const buffers = async (db: Db) => (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]!.shared_buffers;
    const short = await openStore(folder);
    await short.db.query('INSERT INTO timers (urn, key, due_at, event, created_by_version) VALUES ($1, $2, $3, $4::jsonb, 1)', ['100002', 'k', '2021-01-01T00:00:00Z', '{}']);
    expect(await buffers(short.db)).toBe('16MB');
    await short.close();
    const long = await openStore(folder, { longRunning: true });
    // The setting is the process's, not written into the folder: the service's open keeps PGlite's own pool.
    expect(Number.parseInt(await buffers(long.db), 10)).toBeGreaterThanOrEqual(128);
    expect((await long.db.query('SELECT key FROM timers WHERE urn = $1', ['100002'])).rows).toEqual([{ key: 'k' }]);
    await long.close();
  });
});

describe.each(dbTargets())('Db on $name', (target) => {
  const t = useTestDb(target, { migrate: false });

  async function table(db: Db, name: string): Promise<void> {
    await db.query(`CREATE TABLE ${name} (id integer PRIMARY KEY, note text)`);
  }

  it('says what it is and where, without a password', () => {
    expect(t.db.kind).toBe(target.name);
    if (target.name === 'pglite') expect(t.db.describe()).toBe('PGlite in memory');
    else expect(t.db.describe()).toBe(`Postgres at ${describePostgresUrl(t.database.url)}`);
    expect(t.db.inTransaction).toBe(false);
  });

  it('returns the same JavaScript types from both drivers', async () => {
    const r = await t.db.query<Record<string, unknown>>(
      `SELECT 9007199254740991::bigint AS big, 12345678901234567890::numeric::text AS huge,
              '2021-03-01T09:30:00+01:00'::timestamptz AS ts, '2021-03-01'::date AS d,
              ARRAY['a', 'b,c']::text[] AS arr, '{"b":[1,2],"a":null}'::jsonb AS j, count(*) AS n`,
    );
    expect(r.rows[0]).toEqual({ big: 9007199254740991, huge: '12345678901234567890', ts: '2021-03-01T08:30:00.000Z', d: '2021-03-01', arr: ['a', 'b,c'], j: { a: null, b: [1, 2] }, n: 1 });
    expect(r.rowCount).toBe(1);
    // Sessions run in UTC, so a bare date or local time means the same on both drivers.
    expect((await t.db.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz")).rows[0]!.tz).toBe('UTC');
  });

  it('commits a transaction, and rolls all of it back when the callback throws', async () => {
    await table(t.db, 'tx_commit');
    await t.db.tx(async (tx) => {
      await tx.query('INSERT INTO tx_commit VALUES (1, $1)', ['kept']);
    });
    const err = await t.db.tx(async (tx) => {
      await tx.query('INSERT INTO tx_commit VALUES (2, $1)', ['lost']);
      // A nested call joins the same transaction, so its failure undoes the outer insert too.
      await tx.tx(async (inner) => {
        await inner.query('INSERT INTO tx_commit VALUES (3, $1)', ['lost too']);
        throw new Error('boom');
      });
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('boom');
    const rows = (await t.db.query<{ id: number }>('SELECT id FROM tx_commit ORDER BY id')).rows;
    expect(rows).toEqual([{ id: 1 }]);
  });

  it('keeps other callers out of an open transaction', async () => {
    await table(t.db, 'tx_isolation');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((r) => (inserted = r));
    const writer = t.db.tx(async (tx) => {
      await tx.query('INSERT INTO tx_isolation VALUES (1, $1)', ['uncommitted']);
      inserted();
      await gate;
      throw new Error('changed my mind');
    }).catch((e: unknown) => e);
    await insertedYet;
    // On Postgres this reader has its own connection; on PGlite it waits for the writer.
    const reader = t.db.query<{ n: number }>('SELECT count(*) AS n FROM tx_isolation');
    setTimeout(release, 50);
    expect((await reader).rows[0]!.n).toBe(0);
    expect(((await writer) as Error).message).toBe('changed my mind');
  });

  it('reports a transaction whose failed statement was caught inside the callback as rolled back, not committed', async () => {
    await table(t.db, 'tx_aborted');
    const err = await t.db.tx(async (tx) => {
      await tx.query('INSERT INTO tx_aborted VALUES (1, $1)', ['first']);
      await tx.query('INSERT INTO tx_aborted VALUES (1, $1)', ['duplicate']).catch(() => undefined);
      return 'looked fine';
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionAbortedError);
    expect((err as Error).message).toMatch(/was rolled back, not committed/);
    expect((await t.db.query('SELECT * FROM tx_aborted')).rows).toEqual([]);
  });

  it('refuses a transaction handle used after its transaction ended', async () => {
    let leaked: Db | undefined;
    await t.db.tx(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.query('SELECT 1')).rejects.toThrow(/transaction has already ended/);
  });

  it('runs many concurrent transactions without losing any', async () => {
    await table(t.db, 'tx_many');
    await Promise.all(Array.from({ length: 25 }, (_, i) => t.db.tx(async (tx) => {
      await tx.query('INSERT INTO tx_many VALUES ($1, $2)', [i, `n${i}`]);
    })));
    expect((await t.db.query<{ n: number }>('SELECT count(*) AS n FROM tx_many')).rows[0]!.n).toBe(25);
  });

  it('runs several statements with exec', async () => {
    await t.db.exec('CREATE TABLE exec_a (x int); INSERT INTO exec_a VALUES (1); INSERT INTO exec_a VALUES (2);');
    expect((await t.db.query<{ n: number }>('SELECT sum(x) AS n FROM exec_a')).rows[0]!.n).toBe(3);
  });

  it('classes deadlocks and serialization failures as retryable, other errors not', async () => {
    const err = await t.db.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(isRetryableError(err)).toBe(false);
    expect(isRetryableError(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true);
  });
});
