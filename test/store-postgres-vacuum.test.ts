/**
 * The vacuum a Postgres server without autovacuum lacks (store/vacuum.ts).
 * With autovacuum off (as on this project's CI machines) the rows every
 * event rewrites piled up as dead versions and a 20,000-school simulation
 * slowed sevenfold. A pass vacuums the tables past autovacuum's own
 * threshold and analyzes those past its analyze threshold; on a server
 * whose autovacuum is on it does nothing; the store runs passes by itself
 * after so many commits. On the real Postgres test server.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../store/db.js';
import { PostgresVacuum } from '../store/vacuum.js';
import { createTestDatabase, dbTargets, type TestDatabase } from './helpers/db.js';

const postgres = dbTargets().find((t) => t.name === 'postgres')!;

/** Runs `fn` on a connection of its own, then publishes that connection's table statistics (they are otherwise sent up to 10 s later). */
async function onOwnConnection(url: string, fn: (c: pg.Client) => Promise<void>): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await fn(c);
    await c.query('SELECT pg_stat_force_next_flush()');
    await c.query('SELECT 1');
  } finally {
    await c.end();
  }
}

async function tableStats(url: string, table: string): Promise<{ dead: number; vacuums: number; analyzes: number }> {
  let out = { dead: -1, vacuums: -1, analyzes: -1 };
  await onOwnConnection(url, async (c) => {
    const r = await c.query<{ dead: string; vacuums: string; analyzes: string }>(
      'SELECT n_dead_tup AS dead, vacuum_count AS vacuums, analyze_count AS analyzes FROM pg_stat_user_tables WHERE relname = $1',
      [table],
    );
    const row = r.rows[0]!;
    out = { dead: Number(row.dead), vacuums: Number(row.vacuums), analyzes: Number(row.analyzes) };
  });
  return out;
}

/** A table of 100 rows, each updated three times: up to 300 dead rows (fewer as updates prune pages), past the threshold of 50 + a fifth of 100. */
async function churn(url: string, table: string): Promise<void> {
  await onOwnConnection(url, async (c) => {
    await c.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`);
    await c.query(`INSERT INTO ${table} SELECT g, 0 FROM generate_series(1, 100) g`);
    for (let i = 0; i < 3; i++) await c.query(`UPDATE ${table} SET n = n + 1`);
  });
}

describe('the vacuum for a Postgres server without autovacuum', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(postgres);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('vacuums a table whose dead rows pass the threshold, and analyzes one only changed a little', async () => {
    await churn(database.url, 'churned');
    await onOwnConnection(database.url, async (c) => {
      await c.query('CREATE TABLE grown (id int PRIMARY KEY)');
      await c.query('INSERT INTO grown SELECT generate_series(1, 200)');
    });
    expect((await tableStats(database.url, 'churned')).dead).toBeGreaterThan(70);

    const pass = await new PostgresVacuum(database.url, 'test', { serverVacuums: false }).pass();
    expect(pass.serverVacuums).toBe(false);
    expect(pass.vacuumed).toContain('public.churned');
    // 200 rows inserted, none dead: past the analyze threshold (50 + a tenth), not the vacuum one.
    expect(pass.analyzed).toContain('public.grown');
    expect(pass.vacuumed).not.toContain('public.grown');
    const after = await tableStats(database.url, 'churned');
    expect(after).toMatchObject({ dead: 0, vacuums: 1 });
    expect((await tableStats(database.url, 'grown')).analyzes).toBe(1);

    // Nothing is due any more: a second pass does nothing.
    expect(await new PostgresVacuum(database.url, 'test', { serverVacuums: false }).pass()).toEqual({ serverVacuums: false, vacuumed: [], analyzed: [] });
  });

  it('leaves the work to the server when its autovacuum is on, and asks the server which it is', async () => {
    await churn(database.url, 'left_alone');
    const pass = await new PostgresVacuum(database.url, 'test', { serverVacuums: true }).pass();
    expect(pass).toEqual({ serverVacuums: true, vacuumed: [], analyzed: [] });
    expect((await tableStats(database.url, 'left_alone')).vacuums).toBe(0);

    let setting = '';
    await onOwnConnection(database.url, async (c) => {
      setting = (await c.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]!.autovacuum;
    });
    expect((await new PostgresVacuum(database.url, 'test').pass()).serverVacuums).toBe(setting === 'on');
  });

  it('runs a pass by itself after so many commits, when the server does not vacuum, and finishes it before close', async () => {
    await churn(database.url, 'by_commits');
    let autovacuumOn = false;
    await onOwnConnection(database.url, async (c) => {
      autovacuumOn = (await c.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]!.autovacuum === 'on';
    });
    const db = await openDb(database.url, { vacuumEveryCommits: 3 });
    for (let i = 0; i < 3; i++) await db.tx((tx) => tx.query('SELECT 1'));
    await db.close();
    // A manual vacuum (vacuum_count; the server's own counts as autovacuum_count) happened only if the server has none.
    expect((await tableStats(database.url, 'by_commits')).vacuums).toBe(autovacuumOn ? 0 : 1);
  });
});
