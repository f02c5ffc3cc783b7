/**
 * `pathway worker`: runs the Temporal worker for the pathway workflows until
 * SIGTERM or SIGINT. Needs TEMPORAL_ADDRESS (exit 1 with a message saying how
 * to get a server when it is missing) and the Postgres audit log
 * (DATABASE_URL or --db); mail goes over SMTP_URL (or into ./mailbox).
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import { createActivities, createMailer } from '../../activities/index.js';
import { createStreamActivities } from '../../worker/stream-activities.js';
import { openStore } from '../../store/index.js';
import { runWorker, TemporalNotConfiguredError, type WorkerConfig } from '../../worker/main.js';
import { settings } from '../../config/load.js';

/** The worker's settings from the configuration (config/): TEMPORAL_ADDRESS is required. Throws TemporalNotConfiguredError. */
export function workerConfig(): WorkerConfig {
  const c = settings();
  if (!c.temporalAddress) throw new TemporalNotConfiguredError();
  return {
    address: c.temporalAddress,
    namespace: c.temporalNamespace,
    taskQueue: c.temporalTaskQueue,
    ...(c.buildId ? { buildId: c.buildId } : {}),
    ...(c.workflowBundle ? { workflowBundlePath: c.workflowBundle } : {}),
  };
}

/** Run the worker; once Temporal is reached, open the store and the mailer for the activities. Closes them when it stops. Not pure. */
export async function startWorker(options: { db?: string }): Promise<void> {
  const config = workerConfig();
  const logger = pino({ name: 'pathway-worker' });
  const opened: { close(): Promise<void> }[] = [];
  try {
    await runWorker({
      ...config,
      logger,
      activities: async () => {
        const store = await openStore(options.db, { longRunning: true });
        opened.push(store);
        const mailer = createMailer();
        opened.push(mailer);
        logger.info({ store: store.describe(), mail: mailer.describe() }, 'audit log and mail ready');
        return { ...createActivities({ db: store.db, mailer }), ...createStreamActivities(store.db) };
      },
    });
  } finally {
    for (const o of opened.reverse()) await o.close();
  }
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run the Temporal worker (needs TEMPORAL_ADDRESS, e.g. localhost:7233 with `docker compose up -d`); stops cleanly on SIGTERM/SIGINT.')
    .action(async () => {
      await startWorker({ db: settings().db });
    });
}
