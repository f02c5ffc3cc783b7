/**
 * The job-queue baseline of the durable bench (issue 10): graphile-worker, a
 * well-kept Postgres job queue, on the same Postgres, queueing and running as
 * many jobs as the simulation fired timers, each a no-op task. Its version is
 * the last one for Node 20 (0.16.6: 0.17 on needs Node 22.18), a
 * devDependency used only here. The jobs are queued due at once through its
 * batch SQL function add_jobs (1,000 a statement), then a worker with
 * `concurrency` runs them until none is left. Not pure.
 */
import { createRequire } from 'node:module';
import pg from 'pg';
import { createBenchDatabase } from './pg.js';
import { progress } from './progress.js';

export interface GraphileResult {
  /** graphile-worker's version, from its package.json. */
  version: string;
  jobs: number;
  concurrency: number;
  /** Queueing every job through SQL add_jobs, ms. */
  queueMs: number;
  /** Running every job with a no-op task, from the worker's start to the last completion, ms. */
  runMs: number;
}

/** Jobs queued by one add_jobs statement. */
export const QUEUE_CHUNK = 1000;

/** graphile-worker's installed version. */
function graphileVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('graphile-worker/package.json') as { version: string }).version;
}

/**
 * Queues `jobs` due no-op jobs and runs them with a worker of `concurrency` (default 8), on a fresh database on `serverUrl`;
 * at the full size this takes a quarter of an hour, so both steps show their progress on stderr unless `progress` is false.
 */
export async function runGraphileBaseline(
  serverUrl: string,
  jobs: number,
  { concurrency = 8, progress: showProgress = true }: { concurrency?: number; progress?: boolean } = {},
): Promise<GraphileResult> {
  const { run, runMigrations, Logger } = await import('graphile-worker');
  const version = graphileVersion();
  let closing = false;
  const logger = quietLogger(Logger, () => closing);
  const database = await createBenchDatabase(serverUrl);
  try {
    await runMigrations({ connectionString: database.url, logger });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    let queueMs: number;
    try {
      const started = performance.now();
      const queued = progress(`durable: graphile-worker ${version} baseline, queueing`, jobs, 'jobs', showProgress);
      // graphile-worker's batch entry point, QUEUE_CHUNK jobs a statement: its one-at-a-time add_job slows as the queue fills (375 a second at 70,000 jobs).
      for (let from = 1; from <= jobs; from += QUEUE_CHUNK) {
        await client.query(
          `SELECT count(*) FROM graphile_worker.add_jobs(array(
             SELECT ROW('noop', json_build_object('n', n), NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec FROM generate_series($1::int, $2::int) n))`,
          [from, Math.min(jobs, from + QUEUE_CHUNK - 1)],
        );
        queued.update(Math.min(jobs, from + QUEUE_CHUNK - 1));
      }
      queueMs = performance.now() - started;
      queued.finish();
    } finally {
      await client.end();
    }
    let done = 0;
    const ran = progress(`durable: graphile-worker ${version} baseline, running (concurrency ${concurrency})`, jobs, 'jobs', showProgress);
    const started = performance.now();
    let finished = 0;
    // The worker's pool is ours, so it is ended before the database is dropped (a drop WITH (FORCE) under a live pool kills its connections, and an unheard pool error ends the process).
    const pool = new pg.Pool({ connectionString: database.url, max: concurrency + 2 });
    pool.on('error', () => undefined);
    const runner = await run({
      pgPool: pool,
      concurrency,
      noHandleSignals: true,
      pollInterval: 100,
      logger,
      taskList: { noop: async () => undefined },
    });
    await new Promise<void>((resolve, reject) => {
      runner.events.on('job:success', () => {
        ran.update(++done);
        if (done === jobs) {
          finished = performance.now();
          ran.finish();
          resolve();
        }
      });
      runner.events.on('job:error', ({ error }: { error: unknown }) => reject(new Error(`graphile-worker job failed: ${String(error)}`)));
    });
    await runner.stop();
    await pool.end();
    return { version, jobs, concurrency, queueMs, runMs: finished - started };
  } finally {
    closing = true;
    await database.drop().catch(() => undefined);
  }
}

/**
 * A logger that keeps graphile-worker's per-job lines out of the bench's output (Logger takes a factory of scoped log
 * functions); once `closing`, its errors too: dropping the database ends a connection it may still hold, which is not news.
 */
function quietLogger(Logger: typeof import('graphile-worker').Logger, closing: () => boolean) {
  return new Logger(() => (level: string, message: string) => {
    if (level === 'error' && !closing()) process.stderr.write(`graphile-worker: ${message}\n`);
  });
}
