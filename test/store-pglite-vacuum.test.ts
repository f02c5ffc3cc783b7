/**
 * A PGlite folder (npm start's default) does not grow without end: PGlite
 * runs no autovacuum worker and no checkpointer, so the store vacuums the
 * tables with many old row versions every so many commits
 * (store/vacuum.ts) and bounds the write-ahead log kept.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../store/db.js';
import { VACUUM_EVERY_COMMITS } from '../store/vacuum.js';

/** About 4 KB that Postgres cannot compress, so each version of a row is stored out of line (TOAST), as a snapshot is. */
function body(n: number): string {
  let out = '';
  let h = String(n);
  while (out.length < 4096) out += h = createHash('sha256').update(h).digest('base64');
  return out;
}

async function tableBytes(db: Db, table: string): Promise<number> {
  return Number((await db.query<{ n: string }>(`SELECT pg_total_relation_size('${table}')::text AS n`)).rows[0]!.n);
}

describe('PGlite keeps what one school rewrites on every event bounded', () => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('rows rewritten in transaction after transaction do not leave their old versions behind', async () => {
    db = await openDb('memory://');
    await db.exec('CREATE TABLE rewritten (id int PRIMARY KEY, body text NOT NULL)');
    const rows = 20;
    await db.tx(async (tx) => {
      for (let id = 0; id < rows; id++) await tx.query('INSERT INTO rewritten VALUES ($1, $2)', [id, body(id)]);
    });
    const live = await tableBytes(db, 'rewritten');
    // As the streams table takes a new snapshot for each event: several rounds of vacuuming's worth of commits.
    const commits = 1000;
    expect(commits).toBeGreaterThanOrEqual(VACUUM_EVERY_COMMITS * 4);
    for (let i = 0; i < commits; i++) {
      await db.tx((tx) => tx.query('UPDATE rewritten SET body = $2 WHERE id = $1', [i % rows, body(rows + i)]));
    }
    const after = await tableBytes(db, 'rewritten');
    // Every version kept would be about commits x 4 KB (5.7 MB measured without the vacuuming); reused space stays near one round's.
    expect(after, `live rows ${live} bytes, after ${commits} rewrites ${after} bytes`).toBeLessThan(live + 2_000_000);
    // Nothing written is lost to the vacuuming.
    const r = await db.query<{ id: number; body: string }>('SELECT id, body FROM rewritten ORDER BY id');
    expect(r.rows.map((x) => x.body)).toEqual(Array.from({ length: rows }, (_, id) => body(rows + commits - rows + id)));
  }, 120_000);

  it('checkpoints once the write-ahead log passes 48 MB and keeps 32 MB of it', async () => {
    db = await openDb('memory://');
    const r = await db.query<{ name: string; setting: string; unit: string }>("SELECT name, setting, unit FROM pg_settings WHERE name IN ('max_wal_size', 'min_wal_size') ORDER BY name");
    expect(r.rows).toEqual([
      { name: 'max_wal_size', setting: '48', unit: 'MB' },
      { name: 'min_wal_size', setting: '32', unit: 'MB' },
    ]);
  });
});
