/**
 * The statements marked prepared() (store/db.ts) are prepared once per
 * Postgres connection and their plans reused, inside a transaction or not;
 * PATHWAY_PG_PREPARED_STATEMENTS=off (for a pooler in transaction mode that
 * cannot keep them) sends every statement unnamed. Postgres only: PGlite has
 * one session and no pooler.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDb, prepared, type Db } from '../store/db.js';
import { createTestDatabase, dbTargets } from './helpers/db.js';

const SQL = prepared('SELECT $1::int + 1 AS n /* store-prepared test */');

/** The statements prepared on the session that answers (the pool holds one connection). */
async function preparedHere(db: Db): Promise<string[]> {
  const r = await db.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%store-prepared test%'");
  return r.rows.map((x) => x.statement);
}

describe('prepared statements on Postgres', () => {
  afterEach(() => vi.unstubAllEnvs());

  const withDb = async (fn: (db: Db) => Promise<void>) => {
    const database = await createTestDatabase(dbTargets()[1]!);
    const db = await openDb(database.url, { poolSize: 1 });
    try {
      await fn(db);
    } finally {
      await db.close();
      await database.drop();
    }
  };

  it('prepares a marked statement once on its connection and reuses it, in and out of a transaction', async () => {
    await withDb(async (db) => {
      expect((await db.query<{ n: number }>(SQL, [1])).rows[0]!.n).toBe(2);
      expect(await preparedHere(db)).toEqual([SQL]);
      expect((await db.tx((tx) => tx.query<{ n: number }>(SQL, [41]))).rows[0]!.n).toBe(42);
      expect(await preparedHere(db)).toEqual([SQL]);
    });
  });

  it('sends it unnamed when PATHWAY_PG_PREPARED_STATEMENTS is off', async () => {
    vi.stubEnv('PATHWAY_PG_PREPARED_STATEMENTS', 'off');
    await withDb(async (db) => {
      expect((await db.query<{ n: number }>(SQL, [1])).rows[0]!.n).toBe(2);
      expect((await db.tx((tx) => tx.query<{ n: number }>(SQL, [2]))).rows[0]!.n).toBe(3);
      expect(await preparedHere(db)).toEqual([]);
    });
  });
});
