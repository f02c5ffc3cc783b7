/**
 * The Temporal host's messages, shared by the workflows and their callers
 * (host/temporal-engine.ts, worker/): the Update, Signal and Queries of a
 * school's workflow, the typed search attribute keys, the failure types a
 * refused event carries, and the input shapes. Definitions only: safe in the
 * workflow sandbox and in Node.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Effect } from '../machines/effects.js';
import type { PathwayEvent, PathwayEventInput } from '../machines/events.js';
import type { PersistedPathway } from '../machines/decide.js';
import type { SchoolSummary } from '../machines/summary.js';
import type { Problem } from '../domain/errors.js';
import type { SchoolState } from '../host/engine.js';

/** The task queue the worker polls unless TEMPORAL_TASK_QUEUE says otherwise. */
export const DEFAULT_TASK_QUEUE = 'mastery-pathway';

/** One workflow per school: its id. Pure. */
export function schoolWorkflowId(urn: string): string {
  return `school-${urn}`;
}

// ---------------------------------------------------------------------------
// Search attributes: what hub lists filter on. No personal data: no names, no emails.

export const searchAttributes = {
  phase: defineSearchAttributeKey('PathwayPhase', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('PathwayStatus', SearchAttributeType.KEYWORD),
  programme: defineSearchAttributeKey('PathwayProgramme', SearchAttributeType.KEYWORD),
  hub: defineSearchAttributeKey('PathwayHub', SearchAttributeType.KEYWORD),
  academicYear: defineSearchAttributeKey('PathwayAcademicYear', SearchAttributeType.KEYWORD),
  group: defineSearchAttributeKey('PathwayGroup', SearchAttributeType.KEYWORD),
  overdue: defineSearchAttributeKey('PathwayOverdue', SearchAttributeType.BOOL),
} as const;

// ---------------------------------------------------------------------------
// The school workflow's messages

export interface SendEventInput {
  event: PathwayEventInput;
  /** Who did it (a user id). */
  actor: string;
  /** The stream version the caller last saw; a different current version refuses the event. */
  expectedVersion?: number;
}

/** What an accepted event returns: the engine's SendResult. */
export interface SendEventResult {
  urn: string;
  version: number;
  summary: SchoolSummary;
  effects: Effect[];
}

export interface SignalEventInput {
  /** Checked inside the workflow; a malformed or refused event lands in `rejections`. */
  event: unknown;
  actor: string;
}

/** A signalled or timer event the school's state refused (signals cannot answer the sender). */
export interface Rejection {
  /** Workflow time when it was refused, ISO UTC. */
  at: string;
  type: string;
  actor: string;
  source: 'signal' | 'timer';
  reason: string;
}

export interface PendingTimerView {
  key: string;
  /** When it fires, ISO instant. */
  at: string;
  /** The event it sends back to the machine. */
  event: string;
  what: string;
}

export interface FailedEffect {
  effect: Effect;
  error: string;
  /** Workflow time when it was given up, ISO UTC. */
  at: string;
}

export interface EffectsView {
  /** Effects whose activity has not finished yet (retrying, or running). */
  inFlight: Effect[];
  /** Effects whose activity failed for good (bad data); they need a person. */
  failed: FailedEffect[];
}

/** What the `state` query returns: the engine's SchoolState. */
export type SchoolWorkflowState = SchoolState & { snapshot: PersistedPathway };

/** An event waiting in the workflow for its turn (carried across continue-as-new). */
export interface InboxItem {
  event: PathwayEvent;
  actor: string;
}

/** The workflow's input: empty for a new school, or the state carried over by continue-as-new. */
export interface SchoolPathwayInput {
  urn: string;
  snapshot?: PersistedPathway;
  /** The stream version in the Postgres event log (0 for a new school). */
  version?: number;
  inbox?: InboxItem[];
  /** Effects started but not finished when the previous run ended; run again (they are idempotent). */
  pendingEffects?: Effect[];
  rejections?: Rejection[];
  failedEffects?: FailedEffect[];
  /** Timers (`key@at`) that fired and were refused, so they are not fired again. */
  dismissedTimers?: string[];
  /** The academic year whose end this workflow has already rolled over. */
  rolledOverYear?: string;
  /**
   * The rules version this run decides with (workflows/rules.ts). Carried over
   * a continue-as-new within a year; absent at a new year or a new school,
   * where the run asks the worker for its newest (loadSchool).
   */
  rulesVersion?: string;
}

export const sendEventUpdate = defineUpdate<SendEventResult, [SendEventInput]>('sendEvent');
/**
 * Take the school's state from the Postgres log if the log is ahead of the
 * workflow (after a reset, or an update the server failed after its event was
 * recorded); returns the version the workflow holds afterwards. The engine
 * sends it when a refused event finds the log at another version.
 */
export const syncWithLogUpdate = defineUpdate<{ version: number; from: number }, []>('syncWithLog');
export const eventSignal = defineSignal<[SignalEventInput]>('event');
export const stateQuery = defineQuery<SchoolWorkflowState>('state');
export const upcomingQuery = defineQuery<PendingTimerView[]>('upcoming');
export const rejectionsQuery = defineQuery<Rejection[]>('rejections');
export const effectsQuery = defineQuery<EffectsView>('effects');

/**
 * ApplicationFailure types of a refused `sendEvent` update. The engine turns
 * them back into the domain's typed errors; `details[0]` carries their fields.
 */
export const FailureType = {
  /** details: RejectedDetails */
  rejected: 'EventRejected',
  /** details: ConflictDetails */
  conflict: 'VersionConflict',
  /** details: { problems: Problem[] } */
  invalid: 'ValidationError',
  /** The event was decided but the audit log refused it; nothing changed. details: { reason } */
  notRecorded: 'EventNotRecorded',
} as const;

export interface RejectedDetails {
  urn: string;
  eventType: string;
  state: string;
  why: string;
}

export interface ConflictDetails {
  urn: string;
  expected: number;
  actual: number;
}

export interface InvalidDetails {
  problems: Problem[];
}

/**
 * Error types an activity throws for bad data: retrying cannot help, so the
 * retry policies name them non-retryable. The SDK types a thrown error by
 * `error.constructor?.name ?? error.name`, so each is the name of a class
 * (domain/errors.ts, activities/index.ts, activities/mail/template-errors.ts,
 * store/tamper.ts);
 * an Error with only its `name` set is retried for ever.
 */
export const NON_RETRYABLE_ERROR_TYPES = [
  'ValidationError',
  'EventRejectedError',
  'VersionConflictError',
  'UnknownSchoolError',
  'BadEffectError',
  'UnknownTemplateError',
  'TamperedSchoolError',
] as const;

// ---------------------------------------------------------------------------
// The school's stream in Postgres, read by the workflow

/** A school's state as the Postgres event log holds it (the `streams` projection that recordEvent keeps). */
export interface StoredSchool {
  version: number;
  snapshot: PersistedPathway;
  /** The events after `afterVersion` (oldest first, at most MAX_MISSED_EVENTS), when one was asked for. */
  missed: { version: number; payload: unknown; actor: string }[];
}

/** How many events after its own version a workflow re-decides for their effects when it finds the log ahead. */
export const MAX_MISSED_EVENTS = 50;

/** Activities that read the Postgres log for the workflow; implemented in worker/stream-activities.ts. */
export interface StreamActivities {
  /**
   * The school's stored state (null when the log has no stream for it), and
   * the newest rules version of the worker that answered, which a run that
   * starts without one decides with.
   */
  loadSchool(input: { urn: string; afterVersion?: number }): Promise<{ rulesVersion: string; school: StoredSchool | null }>;
}

// ---------------------------------------------------------------------------
// The cohort transition workflow

/**
 * The event every school of a cohort is sent. A programme travels by its id
 * (`programmeId` instead of `programme`), so the input stays a few hundred
 * bytes however many schools there are; activities load the programme.
 */
export type CohortEvent = PathwayEventInput | (Omit<Extract<PathwayEventInput, { type: 'ADVANCED' }>, 'programme'> & { programmeId: string });

/** Whether a cohort event names its programme by id. Pure. */
export function byProgrammeId(event: CohortEvent): event is Extract<CohortEvent, { programmeId: string }> {
  return typeof (event as { programmeId?: unknown }).programmeId === 'string';
}

export interface CohortTransitionInput {
  /** Labels of the move, e.g. academic years "2020/21" -> "2021/22". */
  from: string;
  to: string;
  groupId?: string;
  /** The schools to move, by URN. */
  urns: string[];
  /** What each is sent: usually ADVANCED with next year's programme id. */
  event: CohortEvent;
  dryRun: boolean;
  /** Who asked for it; recorded as each school event's actor. Default "cohort-transition". */
  actor?: string;
  /** Outcomes already reached (carried over by continue-as-new). */
  done?: CohortOutcome[];
}

export type CohortOutcome =
  | { urn: string; ok: true; phase: string; status: string; version: number | null }
  | { urn: string; ok: false; reason: string };

export interface CohortReport {
  from: string;
  to: string;
  groupId: string | null;
  dryRun: boolean;
  total: number;
  succeeded: number;
  failed: number;
  outcomes: CohortOutcome[];
}

export const cohortProgressQuery = defineQuery<CohortReport>('progress');

/** Activities the cohort workflow calls; implemented in worker/cohort-activities.ts with a Temporal client. */
export interface CohortActivities {
  /** The event in full (its programme loaded by id), for a dry run's decisions. */
  loadCohortEvent(event: CohortEvent): Promise<PathwayEventInput>;
  /** A school's state from its workflow, or null when the school has no workflow. */
  readSchoolState(urn: string): Promise<SchoolWorkflowState | null>;
  /**
   * Send one event to a school's workflow as an Update with the given id, so a
   * retried activity does not send it twice. A refusal is an outcome, not an error.
   */
  sendSchoolEvent(input: { urn: string; event: CohortEvent; actor: string; updateId: string }): Promise<CohortOutcome>;
}
