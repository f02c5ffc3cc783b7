/**
 * The Temporal worker: registers the workflows (bundled from workflows/) and
 * the activities (the Postgres audit log, email, funding ledger, evaluation
 * requests, and the cohort transition's client calls) on one task queue, and
 * runs until SIGTERM or SIGINT, then finishes the tasks in hand and stops.
 * Logs with pino. Not pure.
 */
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type LogLevel, type LogMetadata, type Logger as TemporalLogger } from '@temporalio/worker';
import { pino, type Logger } from 'pino';
import type { PathwayActivities } from '../activities/types.js';
import type { StreamActivities } from '../workflows/messages.js';
import { withHeartbeat } from './heartbeat.js';
import { ServerTooOldError, judgeServerVersion, MIN_SERVER_VERSION } from './server-version.js';
import { TemporalUnavailableError, temporalOptionsFromEnv } from '../host/temporal-engine.js';
import { createCohortActivities } from './cohort-activities.js';
import { WORKFLOWS_PATH } from './paths.js';

export interface WorkerConfig {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /**
   * Worker Versioning: this build's id in the "mastery-pathway" deployment
   * (PATHWAY_BUILD_ID). Set, workflows are pinned to the build they started
   * on; a school moves to the current build at its year-end roll-over.
   */
  buildId?: string;
  /**
   * A workflow bundle built ahead (scripts/build-workflow-bundle.ts, at image
   * build; PATHWAY_WORKFLOW_BUNDLE): loaded instead of bundling workflows/ at
   * start.
   */
  workflowBundlePath?: string;
}

/** What the worker registers besides the cohort activities. */
export type WorkerActivities = PathwayActivities & StreamActivities;

/** The Worker Deployment name under which builds are versioned. */
export const DEPLOYMENT_NAME = 'mastery-pathway';

export interface RunWorkerOptions extends WorkerConfig {
  /**
   * The activities (the effects, and loadSchool over the same database: worker/stream-activities.ts),
   * or a function that makes them once Temporal is reached (so a missing server fails before the database is opened).
   */
  activities: WorkerActivities | (() => Promise<WorkerActivities>);
  logger?: Logger;
  /** Stops the worker gracefully when aborted (besides SIGTERM/SIGINT). */
  signal?: AbortSignal;
  /** How long tasks in hand may take to finish after a stop is asked for (default 30 s). */
  shutdownGraceMs?: number;
}

/** TEMPORAL_ADDRESS is missing: there is no server to work for. CLI exit 1. */
export class TemporalNotConfiguredError extends Error {
  override readonly name = 'TemporalNotConfiguredError';
  constructor() {
    super(
      'TEMPORAL_ADDRESS is not set, so there is no Temporal server to work for. Start the stack with `docker compose up -d` and set TEMPORAL_ADDRESS=localhost:7233 ' +
        '(TEMPORAL_NAMESPACE defaults to "default", TEMPORAL_TASK_QUEUE to "mastery-pathway"), or run the embedded host with `npm start`, which needs no worker.',
    );
  }
}

/** The worker's settings from the environment; throws TemporalNotConfiguredError without TEMPORAL_ADDRESS. Pure. */
export function workerConfigFromEnv(env: NodeJS.ProcessEnv): WorkerConfig {
  const o = temporalOptionsFromEnv(env);
  if (!o) throw new TemporalNotConfiguredError();
  const buildId = env.PATHWAY_BUILD_ID?.trim();
  const workflowBundlePath = env.PATHWAY_WORKFLOW_BUNDLE?.trim();
  return { ...o, ...(buildId ? { buildId } : {}), ...(workflowBundlePath ? { workflowBundlePath } : {}) };
}

/** PATHWAY_WORKFLOW_BUNDLE names a file that is not there. CLI exit 1. */
export class WorkflowBundleMissingError extends Error {
  override readonly name = 'WorkflowBundleMissingError';
  constructor(readonly path: string) {
    super(`PATHWAY_WORKFLOW_BUNDLE is ${JSON.stringify(path)}, but there is no file there. Build it with \`npm run build:workflow-bundle\` (writes dist/workflow-bundle.js), or unset PATHWAY_WORKFLOW_BUNDLE to bundle workflows/ at start.`);
  }
}

/**
 * Where the worker's workflow code comes from: the prebuilt bundle when the
 * config names one (checked to exist, so a bad path fails at start, not at
 * the first task), else workflows/ bundled at start. Not pure: stats a file.
 */
export function workflowSource(config: Pick<WorkerConfig, 'workflowBundlePath'>): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  if (!config.workflowBundlePath) return { workflowsPath: WORKFLOWS_PATH };
  if (!existsSync(config.workflowBundlePath)) throw new WorkflowBundleMissingError(config.workflowBundlePath);
  return { workflowBundle: { codePath: config.workflowBundlePath } };
}

/** Temporal's logger interface over a pino logger, so SDK and workflow log lines share one stream. Pure. */
export function temporalLoggerFrom(logger: Logger): TemporalLogger {
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => {
    const fields = meta ?? {};
    if (level === 'TRACE') logger.trace(fields, message);
    else if (level === 'DEBUG') logger.debug(fields, message);
    else if (level === 'INFO') logger.info(fields, message);
    else if (level === 'WARN') logger.warn(fields, message);
    else logger.error(fields, message);
  };
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}

/**
 * Connect, register workflows and activities, and run until a stop is asked
 * for (SIGTERM, SIGINT, or `signal`). Resolves once the worker has stopped and
 * its connections are closed. Throws TemporalUnavailableError when the server
 * cannot be reached. Not pure.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const logger = options.logger ?? pino({ name: 'pathway-worker' });
  let ownSignals = false;
  try {
    // Runtime.install is once per process; its shutdown hook stops every worker on these signals.
    Runtime.install({ logger: temporalLoggerFrom(logger), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  } catch {
    ownSignals = true; // a runtime exists already (tests, or an embedding process): watch the signals ourselves
  }

  let connection: NativeConnection;
  let clientConnection: Connection;
  try {
    connection = await NativeConnection.connect({ address: options.address });
  } catch (err) {
    throw new TemporalUnavailableError(options.address, (err as Error).message, { cause: err });
  }
  try {
    clientConnection = await Connection.connect({ address: options.address });
  } catch (err) {
    await connection.close();
    throw new TemporalUnavailableError(options.address, (err as Error).message, { cause: err });
  }
  const client = new Client({ connection: clientConnection, namespace: options.namespace });

  try {
    const { serverVersion } = await clientConnection.workflowService.getSystemInfo({});
    const judged = judgeServerVersion(serverVersion);
    if (judged === 'too-old') throw new ServerTooOldError(serverVersion, options.address);
    if (judged === 'unknown') logger.warn({ address: options.address, serverVersion }, `the Temporal server does not say its version; the worker needs ${MIN_SERVER_VERSION} or later`);
    const given = typeof options.activities === 'function' ? await options.activities() : options.activities;
    // Sends can be slow: they heartbeat, so a dead worker's attempt is retried after a minute, a live one is left alone.
    const activities = { ...given, notify: withHeartbeat(given.notify), requestEvaluation: withHeartbeat(given.requestEvaluation) };
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      ...workflowSource(options),
      activities: { ...activities, ...createCohortActivities(client) },
      shutdownGraceTime: options.shutdownGraceMs ?? 30_000,
      ...(options.buildId
        ? { workerDeploymentOptions: { version: { deploymentName: DEPLOYMENT_NAME, buildId: options.buildId }, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' as const } }
        : {}),
    });
    const stop = () => {
      logger.info('stopping: finishing the tasks in hand');
      worker.shutdown();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    if (ownSignals) {
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    }
    logger.info({ address: options.address, namespace: options.namespace, taskQueue: options.taskQueue, buildId: options.buildId ?? null, workflowBundle: options.workflowBundlePath ?? null }, 'worker polling');
    try {
      await worker.run();
    } finally {
      options.signal?.removeEventListener('abort', stop);
      if (ownSignals) {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
    }
    logger.info('worker stopped');
  } finally {
    await clientConnection.close();
    await connection.close();
  }
}
