/**
 * The Temporal host's engine: the `Engine` interface over a Temporal server,
 * selected with PATHWAY_ENGINE=temporal. A hub event is the `sendEvent`
 * Update of the school's workflow (update-with-start for an application);
 * state is a query; history and lists are read from the Postgres audit log
 * and its `streams` projection, which the worker's recordEvent keeps (Temporal's
 * own history is deleted after retention; a list must not depend on every
 * school's workflow answering a query). Not pure: network and database I/O.
 */
import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcServiceError,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Engine, History, HistoryEntry, SchoolFilter, SchoolState, SendOptions, SendResult } from './engine.js';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError, parseOrThrow, type Problem } from '../domain/errors.js';
import { Instant, type PathwayEvent, type PathwayEventInput } from '../machines/events.js';
import { fold, initialState, parseEvent, summaryOf, type PersistedPathway } from '../machines/decide.js';
import type { SchoolSummary } from '../machines/summary.js';
import type { Db } from '../store/db.js';
import { readStream, verifyStream } from '../store/event-log.js';
import { canonicalJson } from '../store/hash.js';
import { listStreams, loadStream } from '../store/streams.js';
import {
  DEFAULT_TASK_QUEUE,
  FailureType,
  cohortProgressQuery,
  schoolWorkflowId,
  searchAttributes,
  sendEventUpdate,
  stateQuery,
  syncWithLogUpdate,
  type CohortReport,
  type SchoolPathwayInput,
  type CohortTransitionInput,
  type ConflictDetails,
  type InvalidDetails,
  type RejectedDetails,
} from '../workflows/messages.js';
import type { schoolPathway } from '../workflows/school-pathway.js';
import type { cohortTransition } from '../workflows/cohort-transition.js';

export interface TemporalEngineOptions {
  /** host:port of the Temporal frontend, e.g. localhost:7233. */
  address: string;
  namespace?: string;
  taskQueue?: string;
  /** The Postgres audit log, for `history` (the worker's recordEvent activity writes it). */
  db?: Db;
  /** How long to wait for the server before giving up, in ms (default 10000). */
  connectTimeoutMs?: number;
}

export interface TemporalEngine extends Engine {
  readonly kind: 'temporal';
  readonly client: Client;
  /** Run a cohort transition as a workflow and wait for its report. */
  cohortTransition(input: CohortTransitionInput, options?: { workflowId?: string }): Promise<CohortReport>;
  /** A running cohort transition's report so far. */
  cohortProgress(workflowId: string): Promise<CohortReport>;
}

/** The Temporal server cannot be reached. CLI exit 1, HTTP 503. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  constructor(readonly address: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot reach the Temporal server at ${address}: ${reason}. Start it (docker compose up -d temporal) or set TEMPORAL_ADDRESS to a running server.`, options);
  }
}

/** The engine's options from the environment: TEMPORAL_ADDRESS (required), TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE. Pure. */
export function temporalOptionsFromEnv(env: NodeJS.ProcessEnv): { address: string; namespace: string; taskQueue: string } | null {
  const address = env.TEMPORAL_ADDRESS?.trim();
  if (!address) return null;
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE?.trim() || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE?.trim() || DEFAULT_TASK_QUEUE,
  };
}

/**
 * The domain error a failed Update or call stands for: EventRejectedError,
 * VersionConflictError, ValidationError, UnknownSchoolError; anything else is
 * returned as it is. Pure.
 */
export function engineErrorFrom(err: unknown, urn: string): unknown {
  if (err instanceof WorkflowNotFoundError) return new UnknownSchoolError(urn);
  if (isGrpcServiceError(err) && err.code === 5 /* NOT_FOUND */) return new UnknownSchoolError(urn);
  const failure = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  if (!(failure instanceof ApplicationFailure)) return err;
  const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
  switch (failure.type) {
    case FailureType.rejected: {
      const d = details as Partial<RejectedDetails>;
      return new EventRejectedError(d.urn ?? urn, d.eventType ?? '?', d.state ?? '?', d.why ?? failure.message);
    }
    case FailureType.conflict: {
      const d = details as Partial<ConflictDetails>;
      return new VersionConflictError(d.urn ?? urn, Number(d.expected), Number(d.actual));
    }
    case FailureType.invalid: {
      const problems = (details as Partial<InvalidDetails>).problems;
      return new ValidationError(Array.isArray(problems) && problems.length > 0 ? (problems as Problem[]) : [{ path: '(root)', message: failure.message, severity: 'error' }], 'event');
    }
    default:
      return new Error(failure.message, { cause: failure });
  }
}

/** Whether an error is one of the domain's refusals (a caller's mistake or a rule), not a failure of the system. Pure. */
export function isRefusal(err: unknown): err is EventRejectedError | VersionConflictError | ValidationError | UnknownSchoolError {
  return err instanceof EventRejectedError || err instanceof VersionConflictError || err instanceof ValidationError || err instanceof UnknownSchoolError;
}

/** The visibility query for a filter; values that cannot be quoted safely are left to `matches`. Pure. */
export function visibilityQuery(filter: SchoolFilter = {}): string {
  const clauses = [`WorkflowType = 'schoolPathway'`, `ExecutionStatus = 'Running'`];
  const keyword: [keyof SchoolFilter, string][] = [
    ['hub', searchAttributes.hub.name],
    ['phase', searchAttributes.phase.name],
    ['programmeId', searchAttributes.programme.name],
    ['academicYear', searchAttributes.academicYear.name],
    ['groupId', searchAttributes.group.name],
    ['status', searchAttributes.status.name],
  ];
  for (const [field, attribute] of keyword) {
    const v = filter[field];
    if (typeof v === 'string' && quotable(v)) clauses.push(`${attribute} = '${v}'`);
  }
  if (filter.overdue !== undefined) clauses.push(`${searchAttributes.overdue.name} = ${filter.overdue ? 'true' : 'false'}`);
  return clauses.join(' AND ');
}

function quotable(v: string): boolean {
  return !/['"\\]/.test(v);
}

/** Whether a summary passes every field of the filter (the check after the visibility list, which may lag). Pure. */
export function matches(s: SchoolSummary, f: SchoolFilter): boolean {
  return (
    (f.hub === undefined || s.hub === f.hub) &&
    (f.phase === undefined || s.phase === f.phase) &&
    (f.programmeId === undefined || s.programmeId === f.programmeId) &&
    (f.academicYear === undefined || s.academicYear === f.academicYear) &&
    (f.groupId === undefined || s.groupId === f.groupId) &&
    (f.status === undefined || s.status === f.status) &&
    (f.overdue === undefined || s.overdue === f.overdue)
  );
}

import { historyFromLog, type CheckedHistory } from './history.js';

export { historyFromLog, type CheckedHistory };

/**
 * How a school's workflow is started (update-with-start of an application,
 * `pathway temporal adopt`): with the urn only, so the run takes the school
 * from the Postgres log when it has a stream there (never from scratch);
 * a running workflow is used as it is; a closed one may be started again
 * (it loads the log too). Pure.
 */
export function schoolStartOptions(urn: string, taskQueue: string, conflict: 'USE_EXISTING' | 'FAIL' = 'USE_EXISTING'): WorkflowStartOptions<typeof schoolPathway> & { workflowIdConflictPolicy: 'USE_EXISTING' | 'FAIL' } {
  const input: SchoolPathwayInput = { urn };
  return { workflowId: schoolWorkflowId(urn), taskQueue, args: [input], workflowIdConflictPolicy: conflict, workflowIdReusePolicy: 'ALLOW_DUPLICATE' };
}

/** The schools of a list, from the `streams` projection of the Postgres log: one query, whatever any workflow is doing. Not pure. */
export async function schoolsFromLog(db: Db, filter: SchoolFilter = {}): Promise<SchoolSummary[]> {
  const rows = await listStreams<SchoolSummary>(db, { ...filter, limit: filter.limit ?? 500 });
  return rows.map((r) => r.summary).filter((s) => matches(s, filter));
}

/** What `pathway temporal adopt` did: workflows started for schools the log holds, and those already running. */
export interface AdoptReport {
  started: string[];
  running: string[];
}

/**
 * Start a workflow for every school the Postgres log holds that has none
 * running (a database the embedded host wrote, now served by Temporal): each
 * run takes its school from the log. `start` starts one, returning false when
 * it was running already. Not pure.
 */
export async function adoptSchools(db: Db, start: (urn: string) => Promise<boolean>, options: { pageSize?: number } = {}): Promise<AdoptReport> {
  const report: AdoptReport = { started: [], running: [] };
  const pageSize = options.pageSize ?? 200;
  for (let after: string | undefined; ; ) {
    const page = await listStreams(db, { limit: pageSize, ...(after !== undefined ? { afterUrn: after } : {}) });
    for (const s of page) (await start(s.urn) ? report.started : report.running).push(s.urn);
    if (page.length < pageSize) return report;
    after = page.at(-1)!.urn;
  }
}

/** Starts one school's workflow with a client; false when one is running already. Not pure. */
export function workflowStarter(client: Pick<Client, 'workflow'>, taskQueue: string): (urn: string) => Promise<boolean> {
  return async (urn) => {
    try {
      await client.workflow.start('schoolPathway', schoolStartOptions(urn, taskQueue, 'FAIL'));
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
  };
}

/** What sendToSchool needs of a Temporal client. */
export type SchoolClient = { workflow: Pick<Client['workflow'], 'getHandle' | 'executeUpdateWithStart'> };

/**
 * Send one hub event to a school's workflow as the `sendEvent` Update
 * (update-with-start for an application), in the domain's typed errors. A
 * refusal on a state the Postgres log has passed (a reset; an update the
 * server failed after its event was recorded) makes the workflow take the
 * log's state (`syncWithLog`) and the event is sent once more. Not pure.
 */
export async function sendToSchool(client: SchoolClient, db: Db | undefined, taskQueue: string, urn: string, input: PathwayEventInput, opts: SendOptions): Promise<SendResult> {
  const event = parseEvent(input);
  const args: [{ event: PathwayEventInput; actor: string; expectedVersion?: number }] = [
    { event, actor: opts.actor, ...(opts.expectedVersion !== undefined ? { expectedVersion: opts.expectedVersion } : {}) },
  ];
  const handle = client.workflow.getHandle(schoolWorkflowId(urn));
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw engineErrorFrom(err, urn);
    }
  };
  // The caller's check of the school as the workflow holds it, before anything is sent to it.
  if (opts.authorize) opts.authorize((await call(() => handle.query(stateQuery))).summary);
  const once = () =>
    call(() => {
      if (event.type !== 'APPLY') return handle.executeUpdate(sendEventUpdate, { args });
      // An application starts the school's workflow if it has none (taking the school from the log if it is there).
      const startWorkflowOperation = new WithStartWorkflowOperation<typeof schoolPathway>('schoolPathway', schoolStartOptions(urn, taskQueue));
      return client.workflow.executeUpdateWithStart(sendEventUpdate, { args, startWorkflowOperation });
    });
  try {
    return await once();
  } catch (err) {
    if (!db || !(err instanceof EventRejectedError || err instanceof VersionConflictError)) throw err;
    const stored = await loadStream(db, urn);
    const held = err instanceof VersionConflictError ? err.actual : (await call(() => handle.query(stateQuery))).version;
    if (!stored || stored.version <= held) throw err;
    await call(() => handle.executeUpdate(syncWithLogUpdate, { args: [] }));
    return once();
  }
}

/** Connect to Temporal and return the engine. Throws TemporalUnavailableError when the server cannot be reached. Not pure. */
export async function createTemporalEngine(options: TemporalEngineOptions): Promise<TemporalEngine> {
  const namespace = options.namespace ?? 'default';
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: options.address, connectTimeout: options.connectTimeoutMs ?? 10_000 });
  } catch (err) {
    throw new TemporalUnavailableError(options.address, (err as Error).message, { cause: err });
  }
  const client = new Client({ connection, namespace });
  const db = options.db;

  async function call<T>(urn: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw engineErrorFrom(err, urn);
    }
  }

  const engine: TemporalEngine = {
    kind: 'temporal',
    client,

    async send(urn: string, input: PathwayEventInput, opts: SendOptions): Promise<SendResult> {
      return sendToSchool(client, db, taskQueue, urn, input, opts);
    },

    async state(urn: string): Promise<SchoolState> {
      const s = await call(urn, () => client.workflow.getHandle(schoolWorkflowId(urn)).query(stateQuery));
      return { urn: s.urn, version: s.version, summary: s.summary, snapshot: s.snapshot };
    },

    async history(urn: string, opts: { at?: string } = {}): Promise<CheckedHistory> {
      if (!db) throw new Error('the Temporal engine reads history from the Postgres event log: open it with a database (DATABASE_URL or --db)');
      return historyFromLog(db, urn, opts.at);
    },

    async schools(filter: SchoolFilter = {}): Promise<SchoolSummary[]> {
      if (!db) throw new Error('the Temporal engine lists schools from the Postgres log: open it with a database (DATABASE_URL or --db)');
      return schoolsFromLog(db, filter);
    },

    async cohortTransition(input: CohortTransitionInput, opts: { workflowId?: string } = {}): Promise<CohortReport> {
      const workflowId = opts.workflowId ?? `cohort-${input.from}-${input.to}-${input.groupId ?? 'all'}${input.dryRun ? '-dry-run' : ''}`.replace(/[^A-Za-z0-9._-]/g, '-');
      return client.workflow.execute<typeof cohortTransition>('cohortTransition', { workflowId, taskQueue, args: [input] });
    },

    async cohortProgress(workflowId: string): Promise<CohortReport> {
      return client.workflow.getHandle(workflowId).query(cohortProgressQuery);
    },

    async close(): Promise<void> {
      await connection.close();
    },
  };
  return engine;
}
