/**
 * The autovacuum a database may lack. The rows every event rewrites (a
 * school's stream with its snapshot, the outbox, the timers, the message
 * claims) leave their old versions behind until a vacuum clears them:
 *
 *  - PGlite is one Postgres backend in this process, with no autovacuum
 *    worker: a PGlite folder held about 60 times its event rows after a
 *    simulated hub's five years (npm run bench -- --only pglite).
 *  - A Postgres server may run with `autovacuum = off` (this project's CI
 *    machines do). At 20,000 schools x 5 years the outbox then held 1.6M
 *    dead rows beside 0.8M live ones, the timers 1.0M beside 0.2M, and the
 *    outbox's due check took 130-220 ms: the simulation fell from about
 *    1,400 events a second to under 200.
 *
 * After every so many commits the store looks at the tables' statistics and
 * vacuums each table whose dead rows pass autovacuum's own default threshold
 * (and, on Postgres, analyzes each whose changed rows pass its analyze
 * threshold, since the planner's statistics go stale the same way). On a
 * Postgres server whose autovacuum is on, it does nothing. Not pure (SQL).
 */
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Commits between two looks at the dead rows: a look costs one query, a vacuum of a table a few milliseconds (seconds for a large one). */
export const VACUUM_EVERY_COMMITS = 200;

/** Postgres's autovacuum defaults: vacuum a table once its dead rows pass 50 plus a fifth of its live rows. */
const VACUUM_DUE = 'n_dead_tup > 50 + 0.2 * n_live_tup';
/** And analyze it once the rows changed since the last analyze pass 50 plus a tenth of the live rows. */
const ANALYZE_DUE = 'n_mod_since_analyze > 50 + 0.1 * n_live_tup';

const DEAD_ROWS_SQL = `SELECT format('%I.%I', schemaname, relname) AS name
  FROM pg_stat_user_tables WHERE ${VACUUM_DUE} ORDER BY n_dead_tup DESC`;

const DUE_SQL = `SELECT format('%I.%I', schemaname, relname) AS name, ${VACUUM_DUE} AS vacuum
  FROM pg_stat_user_tables WHERE ${VACUUM_DUE} OR ${ANALYZE_DUE} ORDER BY n_dead_tup DESC`;

/** Vacuums each table past the threshold. Must run outside a transaction, with nothing else on the connection. */
export async function vacuumDeadRows(pglite: PGlite): Promise<void> {
  // A lone backend publishes its table statistics only when idle, which PGlite seldom is: ask for them now.
  await pglite.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await pglite.query<{ name: string }>(DEAD_ROWS_SQL);
  for (const { name } of rows) await pglite.exec(`VACUUM ${name}`);
}

/** What one pass on Postgres did. */
export interface VacuumPass {
  /** Whether the server's own autovacuum is on (then the pass did nothing). */
  serverVacuums: boolean;
  vacuumed: string[];
  analyzed: string[];
}

/**
 * The vacuum a Postgres server without autovacuum lacks, for one PgPoolDb:
 * `commit()` after each commit; every VACUUM_EVERY_COMMITS of them a pass
 * runs in the background on a connection of its own (not one of the pool's:
 * a large table's vacuum takes seconds), one pass at a time. Whether the
 * server vacuums is asked once, on the first pass, so a short command pays
 * nothing. A table another session is vacuuming is skipped (SKIP_LOCKED),
 * so several hosts on one database do not queue behind each other. A failed
 * pass fails no write: it is said once as a warning.
 */
export class PostgresVacuum {
  #commits = 0;
  #running: Promise<unknown> | null = null;
  #serverVacuums: boolean | null;
  #warned = false;
  #closed = false;
  readonly every: number;

  constructor(
    private readonly url: string,
    private readonly label: string,
    options: { every?: number; serverVacuums?: boolean } = {},
  ) {
    this.every = options.every ?? VACUUM_EVERY_COMMITS;
    this.#serverVacuums = options.serverVacuums ?? null;
  }

  /** Counts a commit; starts a pass in the background when one is due and none is running. */
  commit(): void {
    if (++this.#commits % this.every !== 0 || this.#running || this.#closed || this.#serverVacuums === true) return;
    const pass = this.pass().catch((err: unknown) => {
      if (this.#closed || this.#warned) return;
      this.#warned = true;
      process.emitWarning(`${this.label}: vacuuming the tables' old row versions failed, so queries may slow as they accumulate (${err instanceof Error ? err.message : String(err)})`, 'PathwayWarning');
    });
    this.#running = pass.finally(() => (this.#running = null));
  }

  /** One pass now: vacuums and analyzes the tables past the thresholds, unless the server's autovacuum is on. */
  async pass(): Promise<VacuumPass> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'mastery-pathway-vacuum' });
    client.on('error', () => undefined);
    const done: VacuumPass = { serverVacuums: false, vacuumed: [], analyzed: [] };
    try {
      await client.connect();
      this.#serverVacuums ??= (await client.query<{ on: boolean }>("SELECT current_setting('autovacuum') = 'on' AS on")).rows[0]!.on;
      if (this.#serverVacuums) return { ...done, serverVacuums: true };
      const due = await client.query<{ name: string; vacuum: boolean }>(DUE_SQL);
      for (const t of due.rows) {
        await client.query(t.vacuum ? `VACUUM (ANALYZE, SKIP_LOCKED) ${t.name}` : `ANALYZE (SKIP_LOCKED) ${t.name}`);
        (t.vacuum ? done.vacuumed : done.analyzed).push(t.name);
      }
      return done;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Stops starting passes, and waits for one under way (so that no VACUUM is left running on the server after close). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#running;
  }
}
