/**
 * `schoolPathway`: one long-lived workflow per school (id `school-<urn>`), a
 * thin host over the pure core. Its state is the machine's persisted snapshot
 * plus the stream version of the Postgres event log.
 *
 * - Hub events arrive as the `sendEvent` Update (validated first, so a refused
 *   event never enters history) or the `event` Signal (fire-and-forget; a
 *   refused one is kept in the `rejections` query).
 * - Every decided event is recorded with the `recordEvent` activity: the
 *   Postgres log stays the audit record after Temporal deletes its history.
 * - Timers are the machine's own (`context.timers`): the loop sleeps until the
 *   next one with `condition(..., ms)` on workflow time and feeds its event
 *   back through `decide` as actor "timer".
 * - Every other effect is an activity with a retry policy.
 * - Continue-as-new at the end of the academic year and whenever Temporal
 *   suggests it, carrying snapshot, version, waiting events and unfinished effects.
 *   With Worker Versioning (PATHWAY_BUILD_ID) a school is pinned to the build it
 *   started the year on and moves to the current build at the year end.
 *
 * Deterministic: no Node built-ins, no clock but workflow time (`Date.now()`
 * inside a workflow is the activation's time).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  makeContinueAsNewFunc,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PathwayActivities } from '../activities/types.js';
import { EventRejectedError, ValidationError } from '../domain/errors.js';
import { decide, initialState, parseEvent, stateLabel, summaryOf, whyRejected, type PersistedPathway } from '../machines/decide.js';
import type { Effect } from '../machines/effects.js';
import { TIMER_EVENTS, type PathwayEvent } from '../machines/events.js';
import type { SchoolSummary } from '../machines/summary.js';
import { academicYearEnd, millis } from '../machines/time.js';
import {
  FailureType,
  NON_RETRYABLE_ERROR_TYPES,
  effectsQuery,
  eventSignal,
  rejectionsQuery,
  searchAttributes,
  sendEventUpdate,
  stateQuery,
  upcomingQuery,
  type FailedEffect,
  type InboxItem,
  type PendingTimerView,
  type Rejection,
  type SchoolPathwayInput,
  type SendEventInput,
  type SendEventResult,
} from './messages.js';
import { Serial } from './serial.js';

/** Recording must succeed before the state moves on; database outages are retried until they pass. */
const { recordEvent } = proxyActivities<Pick<PathwayActivities, 'recordEvent'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

/** Effects retry for as long as it takes (an SMTP outage must not lose a reminder); bad data fails at once. */
const effectActivities = proxyActivities<Pick<PathwayActivities, 'notify' | 'releaseFunding' | 'requestEvaluation'>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

/** How many refusals (and failed effects) the queries keep; the oldest go first. */
export const MAX_REJECTIONS = 50;
/** How long the year-end roll-over waits for running effects before handing them to the next run. */
const EFFECT_SETTLE_MS = 60_000;

/** The Temporal host of one school's pathway. */
export async function schoolPathway(input: SchoolPathwayInput): Promise<void> {
  const urn = input.urn;
  let snapshot: PersistedPathway = input.snapshot ?? initialState(urn);
  let version = input.version ?? 0;
  const inbox: InboxItem[] = [...(input.inbox ?? [])];
  const rejections: Rejection[] = [...(input.rejections ?? [])];
  const failedEffects: FailedEffect[] = [...(input.failedEffects ?? [])];
  const dismissed = new Set(input.dismissedTimers ?? []);
  const inFlight = new Map<string, Effect>();
  const serial = new Serial();
  let rolledOverYear = input.rolledOverYear;
  let rollOver = false;
  /** Bumped on every change of state, so the main loop re-reads its next deadline. */
  let revision = 0;
  let lastSearch = '';

  const nowIso = () => new Date(Date.now()).toISOString();
  const stopping = () => rollOver || workflowInfo().continueAsNewSuggested;

  function reject(source: Rejection['source'], type: string, actor: string, reason: string): void {
    rejections.push({ at: nowIso(), type, actor, source, reason });
    if (rejections.length > MAX_REJECTIONS) rejections.splice(0, rejections.length - MAX_REJECTIONS);
    log.warn('event refused', { urn, type, source, reason });
  }

  function pendingTimers(): { key: string; at: string; event: PathwayEvent }[] {
    return Object.entries(snapshot.context.timers)
      .filter(([key, t]) => !dismissed.has(`${key}@${t.at}`))
      .map(([key, t]) => ({ key, at: t.at, event: t.event }))
      .sort((a, b) => millis(a.at) - millis(b.at) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The end of the current programme's academic year, unless this workflow already rolled it over. */
  function yearBoundary(): string | null {
    const year = snapshot.context.programme?.academicYear;
    return year && year !== rolledOverYear ? academicYearEnd(year) : null;
  }

  function nextDeadline(): number | null {
    const times = [pendingTimers()[0]?.at, yearBoundary()].filter((t): t is string => t !== undefined && t !== null).map(millis);
    return times.length === 0 ? null : Math.min(...times);
  }

  function upsertSearch(s: SchoolSummary): void {
    const pairs = [
      { key: searchAttributes.phase, value: s.phase },
      { key: searchAttributes.status, value: s.status },
      { key: searchAttributes.programme, value: s.programmeId },
      { key: searchAttributes.hub, value: s.hub },
      { key: searchAttributes.academicYear, value: s.academicYear },
      { key: searchAttributes.group, value: s.groupId },
      { key: searchAttributes.overdue, value: s.overdue },
    ];
    const seen = JSON.stringify(pairs.map((p) => p.value));
    if (seen === lastSearch) return;
    lastSearch = seen;
    // Each upsert is a history event: only when something a list filters on changed.
    upsertSearchAttributes(pairs as Parameters<typeof upsertSearchAttributes>[0]);
  }

  function startEffect(effect: Effect): void {
    if (effect.type === 'timer.set' || effect.type === 'timer.cancel') return; // the snapshot's timers are the timers
    inFlight.set(effect.key, effect);
    const run =
      effect.type === 'notify' ? effectActivities.notify(effect)
      : effect.type === 'funding.release' ? effectActivities.releaseFunding(effect)
      : effectActivities.requestEvaluation(effect);
    run.then(
      () => inFlight.delete(effect.key),
      (err: unknown) => {
        inFlight.delete(effect.key);
        failedEffects.push({ effect, error: messageOf(err), at: nowIso() });
        if (failedEffects.length > MAX_REJECTIONS) failedEffects.splice(0, failedEffects.length - MAX_REJECTIONS);
        log.error('effect failed for good', { urn, effect: effect.type, key: effect.key, error: messageOf(err) });
      },
    );
  }

  /** Decide, record, then move on: the state changes only once the audit log has the event. */
  async function apply(event: PathwayEvent, actor: string): Promise<SendEventResult> {
    const decision = decide(snapshot, event);
    const recorded = await recordEvent({
      urn,
      expectedVersion: version,
      type: event.type,
      payload: event,
      occurredAt: event.at,
      actor,
      machineVersion: decision.machineVersion,
      snapshot: decision.snapshot,
      summary: decision.summary,
    });
    snapshot = decision.snapshot;
    version = recorded.version;
    revision++;
    for (const effect of decision.effects) startEffect(effect);
    upsertSearch(decision.summary);
    if (event.type === 'YEAR_ENDED') {
      rollOver = true;
      rolledOverYear = event.academicYear;
    }
    return { urn, version, summary: decision.summary, effects: decision.effects };
  }

  /** Fire every timer due by workflow time, earliest first. */
  async function fireDueTimers(): Promise<void> {
    for (;;) {
      const due = pendingTimers()[0];
      if (!due || millis(due.at) > Date.now()) return;
      try {
        await apply(due.event, 'timer');
      } catch (err) {
        dismissed.add(`${due.key}@${due.at}`);
        revision++;
        reject('timer', due.event.type, 'timer', messageOf(err));
      }
    }
  }

  async function applyQueued(item: InboxItem): Promise<void> {
    try {
      await apply(item.event, item.actor);
    } catch (err) {
      reject('signal', item.event.type, item.actor, messageOf(err));
    }
  }

  setHandler(stateQuery, () => ({ urn, version, summary: summaryOf(snapshot), snapshot }));
  setHandler(upcomingQuery, (): PendingTimerView[] =>
    pendingTimers().map((t) => ({ key: t.key, at: t.at, event: t.event.type, what: describeTimer(t.key) })),
  );
  setHandler(rejectionsQuery, () => [...rejections]);
  setHandler(effectsQuery, () => ({ inFlight: [...inFlight.values()], failed: [...failedEffects] }));

  setHandler(eventSignal, ({ event, actor }) => {
    const type = typeof (event as { type?: unknown } | null)?.type === 'string' ? (event as { type: string }).type : '(no type)';
    try {
      const parsed = parseEvent(event);
      if (TIMER_EVENTS.includes(parsed.type)) throw new Error(`${parsed.type} is sent only by the school's own timers`);
      inbox.push({ event: parsed, actor: actor || 'unknown' });
    } catch (err) {
      reject('signal', type, actor || 'unknown', messageOf(err));
    }
  });

  setHandler(
    sendEventUpdate,
    (req: SendEventInput) =>
      serial.run(async () => {
        await fireDueTimers();
        const event = parseForUpdate(req);
        checkVersion(urn, req.expectedVersion, version);
        try {
          return await apply(event, req.actor);
        } catch (err) {
          throw toUpdateFailure(err, urn, snapshot);
        }
      }),
    {
      // Runs before the update is accepted: a refused event leaves no trace in history.
      validator: (req: SendEventInput) => {
        const event = parseForUpdate(req);
        checkVersion(urn, req.expectedVersion, version);
        const why = whyRejected(snapshot, event);
        if (why !== null) throw rejectedFailure(urn, event.type, stateLabel(snapshot), why);
      },
    },
  );

  upsertSearch(summaryOf(snapshot));
  for (const effect of input.pendingEffects ?? []) startEffect(effect);

  while (!stopping()) {
    const seen = revision;
    const deadline = nextDeadline();
    const wait = deadline === null ? null : deadline - Date.now();
    if (inbox.length === 0 && (wait === null || wait > 0)) {
      const woken = () => inbox.length > 0 || revision !== seen || stopping();
      if (wait === null) await condition(woken);
      else await condition(woken, wait);
    }
    await serial.run(async () => {
      if (stopping()) return; // what is waiting goes to the next run
      await fireDueTimers();
      while (inbox.length > 0 && !stopping()) {
        await applyQueued(inbox.shift()!);
        await fireDueTimers();
      }
      const boundary = yearBoundary();
      if (boundary !== null && millis(boundary) <= Date.now()) {
        rollOver = true;
        rolledOverYear = snapshot.context.programme!.academicYear;
      }
    });
  }

  // Let running updates finish, give running effects a moment, then start afresh with the state.
  await condition(allHandlersFinished);
  if (inFlight.size > 0) await condition(() => inFlight.size === 0, EFFECT_SETTLE_MS);
  const timerKeys = new Set(Object.entries(snapshot.context.timers).map(([k, t]) => `${k}@${t.at}`));
  const next: SchoolPathwayInput = {
    urn,
    snapshot,
    version,
    inbox,
    pendingEffects: [...inFlight.values()],
    rejections,
    failedEffects,
    dismissedTimers: [...dismissed].filter((d) => timerKeys.has(d)),
    rolledOverYear,
  };
  // A school keeps the worker build (the rules) it started the year on; at the year end it moves to the current one.
  if (rollOver && workflowInfo().targetWorkerDeploymentVersionChanged) {
    await makeContinueAsNewFunc<typeof schoolPathway>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(next);
  }
  await continueAsNew<typeof schoolPathway>(next);
}

function parseForUpdate(req: SendEventInput): PathwayEvent {
  let event: PathwayEvent;
  try {
    event = parseEvent(req.event);
  } catch (err) {
    if (err instanceof ValidationError) {
      throw ApplicationFailure.create({ type: FailureType.invalid, message: err.message, nonRetryable: true, details: [{ problems: err.problems }] });
    }
    throw err;
  }
  if (TIMER_EVENTS.includes(event.type)) {
    const problems = [{ path: 'type', message: 'is sent only by the school\'s own timers, not by a caller', value: event.type, severity: 'error' as const }];
    throw ApplicationFailure.create({ type: FailureType.invalid, message: `event.type ${event.type} is sent only by the school's own timers`, nonRetryable: true, details: [{ problems }] });
  }
  if (typeof req.actor !== 'string' || req.actor.trim() === '') {
    const problems = [{ path: 'actor', message: 'must name who did it', value: req.actor, severity: 'error' as const }];
    throw ApplicationFailure.create({ type: FailureType.invalid, message: 'actor must name who did it', nonRetryable: true, details: [{ problems }] });
  }
  return event;
}

function checkVersion(urn: string, expected: number | undefined, actual: number): void {
  if (expected === undefined || expected === actual) return;
  throw ApplicationFailure.create({
    type: FailureType.conflict,
    message: `school ${urn} is at version ${actual}, not ${expected}`,
    nonRetryable: true,
    details: [{ urn, expected, actual }],
  });
}

function rejectedFailure(urn: string, eventType: string, state: string, why: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.rejected,
    message: `school ${urn} cannot take ${eventType} while ${state}: ${why}`,
    nonRetryable: true,
    details: [{ urn, eventType, state, why }],
  });
}

function toUpdateFailure(err: unknown, urn: string, snapshot: PersistedPathway): unknown {
  if (err instanceof EventRejectedError) return rejectedFailure(err.urn, err.eventType, err.state, err.why);
  if (err instanceof ActivityFailure) {
    const reason = messageOf(err);
    return ApplicationFailure.create({
      type: FailureType.notRecorded,
      message: `school ${urn} (${stateLabel(snapshot)}): the event was not recorded, nothing changed: ${reason}`,
      nonRetryable: true,
      details: [{ reason }],
    });
  }
  return err;
}

/** The innermost message of an error chain (an ActivityFailure wraps the activity's own error). */
function messageOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

function describeTimer(key: string): string {
  if (key.startsWith('year-end:')) return `end of academic year ${key.slice(9)}`;
  if (key.startsWith('evaluation-reminder:')) return `evaluation reminder, ${key.slice(20)} days before it is due`;
  if (key.startsWith('check:')) return `attendance check for session ${key.slice(6)}`;
  if (key.startsWith('reminder:')) {
    const [session, days] = key.slice(9).split(':');
    return `reminder of session ${session}, ${days} days before`;
  }
  return key;
}
