/**
 * The autovacuum PGlite lacks. PGlite is one Postgres backend in this
 * process, with no autovacuum worker, so the rows every event rewrites (a
 * school's stream with its snapshot, the outbox, the timers) leave their old
 * versions behind for good: a PGlite folder held about 60 times its event
 * rows after a simulated hub's five years (npm run bench -- --only pglite).
 * After every so many commits the embedded store vacuums the tables whose
 * dead rows pass autovacuum's own default threshold, so their space is used
 * again instead of the files growing. Not pure (runs SQL).
 */
import type { PGlite } from '@electric-sql/pglite';

/** Commits between two looks at the dead rows: a look costs one query, a vacuum of a table a few milliseconds. */
export const VACUUM_EVERY_COMMITS = 200;

/** Postgres's autovacuum defaults: vacuum a table once its dead rows pass 50 plus a fifth of its live rows. */
const DEAD_ROWS_SQL = `SELECT format('%I.%I', schemaname, relname) AS name
  FROM pg_stat_user_tables
 WHERE n_dead_tup > 50 + 0.2 * n_live_tup
 ORDER BY n_dead_tup DESC`;

/** Vacuums each table past the threshold. Must run outside a transaction, with nothing else on the connection. */
export async function vacuumDeadRows(pglite: PGlite): Promise<void> {
  // A lone backend publishes its table statistics only when idle, which PGlite seldom is: ask for them now.
  await pglite.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await pglite.query<{ name: string }>(DEAD_ROWS_SQL);
  for (const { name } of rows) await pglite.exec(`VACUUM ${name}`);
}
