/**
 * A host on Postgres holds its liveness lock (store/effect-hosts.ts) in a
 * transaction left open for as long as it runs. That transaction must keep
 * no snapshot: one would hold back the removal of every row that dies while
 * the host runs, in every table of the database, so the outbox, the streams
 * and the timers would grow without end and each drain's probe would read
 * more of them (found 2026-12-02: a parameterised statement's portal kept
 * its snapshot open). VACUUM VERBOSE says how many dead rows it could not
 * remove yet; with a host running, that must be none.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { holdLiveness } from '../store/effect-hosts.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const postgres = dbTargets().find((x) => x.name === 'postgres')!;

/** VACUUM VERBOSE of `table` on a connection of its own; the "N are dead but not yet removable" figure of its report. */
async function deadNotRemovable(url: string, table: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  try {
    await c.query(`VACUUM (VERBOSE) ${table}`);
  } finally {
    await c.end();
  }
  const report = notices.join('\n');
  const m = /(\d+) are dead but not yet removable/.exec(report);
  if (!m) throw new Error(`VACUUM VERBOSE ${table} did not say how many dead rows it left: ${report.slice(0, 300)}`);
  return Number(m[1]);
}

describe('a running host on Postgres and vacuum', () => {
  const t = useTestDb(postgres, { migrate: false });

  it('lets vacuum remove the rows that die while the host runs', async () => {
    await t.db.query('CREATE TABLE churn (id int PRIMARY KEY, n int NOT NULL)');
    await t.db.query('INSERT INTO churn SELECT g, 0 FROM generate_series(1, 50) g');
    const release = await holdLiveness(t.db);
    try {
      // Rows die after the host's lock is taken: 50 rows updated 10 times leave 500 dead versions.
      for (let i = 0; i < 10; i++) await t.db.query('UPDATE churn SET n = n + 1');
      expect(await deadNotRemovable(t.database.url, 'churn')).toBe(0);
      // And no session of the host shows an oldest snapshot that holds the horizon back.
      const pinned = await t.db.query<{ pid: number; state: string }>(
        "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND state LIKE 'idle%'",
      );
      expect(pinned.rows).toEqual([]);
    } finally {
      await release();
    }
  });
});
