/**
 * `schoolPathway`: one long-lived workflow per school (id `school-<urn>`), a
 * thin host over the pure core. Its state is the machine's persisted snapshot
 * plus the stream version of the Postgres event log.
 *
 * - Hub events arrive as the `sendEvent` Update (validated first, so a refused
 *   event never enters history) or the `event` Signal (fire-and-forget; a
 *   refused one is kept in the `rejections` query).
 * - Every decided event is recorded with the `recordEvent` activity: the
 *   Postgres log stays the audit record after Temporal deletes its history,
 *   and it is the truth: a run that starts without a snapshot (or at a new
 *   year) and a run whose recordEvent meets a version conflict load the
 *   school from it (`loadSchool`) and decide again.
 * - A run decides with the rules version it started with (workflows/rules.ts).
 * - Timers are the machine's own (`context.timers`): the loop sleeps until the
 *   next one with `condition(..., ms)` on workflow time and feeds its event
 *   back through `decide` as actor "timer".
 * - Every other effect is an activity with a retry policy.
 * - Continue-as-new at the end of the academic year (an idle school wakes for
 *   it too) and when Temporal suggests it because the history is large,
 *   carrying snapshot, version, waiting events and unfinished effects; the
 *   roll-over waits until no handler runs and the effects settled, in one condition.
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
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SuggestContinueAsNewReason } from '@temporalio/common';
import type { PathwayActivities } from '../activities/types.js';
import { EventRejectedError, ValidationError, rejectedMessage } from '../domain/errors.js';
import { parseEvent, type PersistedPathway } from '../machines/decide.js';
import type { Effect } from '../machines/effects.js';
import { TIMER_EVENTS, type PathwayEvent } from '../machines/events.js';
import type { SchoolSummary } from '../machines/summary.js';
import { academicYearAt, academicYearEnd, millis } from '../machines/time.js';
import { rulesFor, type Rules } from './rules.js';
import {
  FailureType,
  NON_RETRYABLE_ERROR_TYPES,
  effectsQuery,
  eventSignal,
  rejectionsQuery,
  searchAttributes,
  sendEventUpdate,
  stateQuery,
  syncWithLogUpdate,
  upcomingQuery,
  type FailedEffect,
  type InboxItem,
  type PendingTimerView,
  type Rejection,
  type SchoolPathwayInput,
  type SendEventInput,
  type SendEventResult,
  type StreamActivities,
} from './messages.js';
import { Serial } from './serial.js';

/** Recording must succeed before the state moves on; database outages are retried until they pass. */
const { recordEvent } = proxyActivities<Pick<PathwayActivities, 'recordEvent'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

/** Reading the log retries like recording: the school cannot go on without it. */
const { loadSchool } = proxyActivities<StreamActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

/** Effects retry for as long as it takes (an SMTP outage must not lose a reminder); bad data fails at once. */
const effectActivities = proxyActivities<Pick<PathwayActivities, 'notify' | 'releaseFunding' | 'requestEvaluation'>>({
  startToCloseTimeout: '10 minutes',
  // A send that stops heartbeating (its worker died) is retried after a minute, not after the whole timeout (worker/heartbeat.ts).
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

/** How many refusals (and failed effects) the queries keep; the oldest go first. */
export const MAX_REJECTIONS = 50;
/** How long the year-end roll-over waits for running effects before handing them to the next run. */
const EFFECT_SETTLE_MS = 60_000;

/** The Temporal host of one school's pathway. */
export async function schoolPathway(input: SchoolPathwayInput): Promise<void> {
  const urn = input.urn;
  let carried: PersistedPathway | undefined = input.snapshot;
  let version = input.version ?? 0;
  let rulesVersion = input.rulesVersion;
  if (carried === undefined || rulesVersion === undefined) {
    // The log is the truth: a school adopted from the embedded host, restarted after a terminate or a
    // reset, or starting a new year takes its state from Postgres; the worker names its newest rules,
    // and that answer, kept in history, pins this run's rules for replays on newer workers.
    const loaded = await loadSchool({ urn });
    rulesVersion ??= loaded.rulesVersion;
    if (loaded.school && (carried === undefined || loaded.school.version >= version)) {
      carried = loaded.school.snapshot;
      version = loaded.school.version;
    }
  }
  const rules: Rules = rulesFor(rulesVersion);
  const { decide, whyRejected, summaryOf, stateLabel } = rules;
  let snapshot: PersistedPathway = carried ?? rules.initialState(urn);
  const inbox: InboxItem[] = [...(input.inbox ?? [])];
  const rejections: Rejection[] = [...(input.rejections ?? [])];
  const failedEffects: FailedEffect[] = [...(input.failedEffects ?? [])];
  const dismissed = new Set(input.dismissedTimers ?? []);
  const inFlight = new Map<string, Effect>();
  const serial = new Serial();
  let rolledOverYear = input.rolledOverYear;
  /** Set at the year end: the next run starts the new year (and picks up the newest rules and build). */
  let rollOver = false;
  /** Set when Temporal asks for a new run because this one's history is large: same year, same rules. */
  let historyFull = false;
  /** Bumped on every change of state, so the main loop re-reads its next deadline. */
  let revision = 0;
  let lastSearch = '';

  const nowIso = () => new Date(Date.now()).toISOString();
  const stopping = () => rollOver || historyFull || (historyFull = historyTooLarge());

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

  /**
   * The next academic year end this run rolls over at: its programme's year,
   * unless already rolled over; otherwise (an idle school: never applied, or
   * its year already ended) the end of the year now running, so every school
   * starts a new run each year and old builds drain.
   */
  function yearBoundary(): { year: string; at: string } {
    const own = snapshot.context.programme?.academicYear;
    if (own && (rolledOverYear === undefined || own > rolledOverYear)) return { year: own, at: academicYearEnd(own) };
    let year = academicYearAt(nowIso());
    if (rolledOverYear !== undefined && year <= rolledOverYear) year = academicYearAt(nextYearStart(rolledOverYear));
    return { year, at: academicYearEnd(year) };
  }

  function nextDeadline(): number {
    const timer = pendingTimers()[0]?.at;
    const boundary = millis(yearBoundary().at);
    return timer === undefined ? boundary : Math.min(millis(timer), boundary);
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
    if (inFlight.has(effect.key)) return;
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

  /**
   * The log holds events this run has not applied (an update the server failed
   * after its recordEvent ran, a reset, another run): take the log's state, and
   * start the effects of the events this run missed (each is idempotent on its
   * key, so one that already ran does nothing).
   */
  async function converge(): Promise<boolean> {
    const from = version;
    const { school } = await loadSchool({ urn, afterVersion: version });
    if (!school || school.version <= version) return false;
    let s = snapshot;
    for (const m of school.missed) {
      try {
        const d = decide(s, parseEvent(m.payload));
        s = d.snapshot;
        for (const effect of d.effects) startEffect(effect);
      } catch (err) {
        log.warn('a missed event does not decide here; its effects are left to the log', { urn, version: m.version, error: messageOf(err) });
        break;
      }
    }
    snapshot = school.snapshot;
    version = school.version;
    revision++;
    upsertSearch(summaryOf(snapshot));
    log.warn('took the school from the Postgres log', { urn, from, to: version });
    return true;
  }

  /**
   * Decide, record, then move on: the state changes only once the audit log
   * has the event. When the log is ahead (version conflict) the run converges
   * to it and, with `again`, decides the event again on the log's state
   * (refused if the caller's expectedVersion is no longer current); without
   * `again` it returns null.
   */
  async function apply(event: PathwayEvent, actor: string, options: { again: boolean; expectedVersion?: number }): Promise<SendEventResult | null> {
    for (let attempt = 1; ; attempt++) {
      const decision = decide(snapshot, event);
      let recorded: { version: number };
      try {
        recorded = await recordEvent({
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
      } catch (err) {
        // A conflict the log does not explain (its version is not ahead of this run's) is not retried.
        if (!isVersionConflict(err) || attempt > 1 || !(await converge())) throw err;
        if (!options.again) return null;
        if (options.expectedVersion !== undefined) checkVersion(urn, options.expectedVersion, version);
        continue;
      }
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
  }

  /** Fire every timer due by workflow time, earliest first. */
  async function fireDueTimers(): Promise<void> {
    for (;;) {
      const due = pendingTimers()[0];
      if (!due || millis(due.at) > Date.now()) return;
      try {
        await apply(due.event, 'timer', { again: false }); // null: the log was ahead; the loop reads its timers
      } catch (err) {
        dismissed.add(`${due.key}@${due.at}`);
        revision++;
        reject('timer', due.event.type, 'timer', messageOf(err));
      }
    }
  }

  async function applyQueued(item: InboxItem): Promise<void> {
    try {
      await apply(item.event, item.actor, { again: true });
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
        const event = parseForUpdate(req);
        // The caller's version first, against the state it saw: the school's own timers may move it next.
        checkVersion(urn, req.expectedVersion, version);
        await fireDueTimers();
        try {
          return (await apply(event, req.actor, { again: true, ...(req.expectedVersion !== undefined ? { expectedVersion: version } : {}) }))!;
        } catch (err) {
          throw toUpdateFailure(err, urn, stateLabel(snapshot));
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

  setHandler(syncWithLogUpdate, () =>
    serial.run(async () => {
      const from = version;
      await converge();
      return { version, from };
    }),
  );

  upsertSearch(summaryOf(snapshot));
  for (const effect of input.pendingEffects ?? []) startEffect(effect);

  while (!stopping()) {
    const seen = revision;
    const wait = nextDeadline() - Date.now();
    if (inbox.length === 0 && wait > 0) {
      await condition(() => inbox.length > 0 || revision !== seen || stopping(), wait);
    }
    await serial.run(async () => {
      if (stopping()) return; // what is waiting goes to the next run
      await fireDueTimers();
      while (inbox.length > 0 && !stopping()) {
        await applyQueued(inbox.shift()!);
        await fireDueTimers();
      }
      const boundary = yearBoundary();
      if (millis(boundary.at) <= Date.now()) {
        rollOver = true;
        rolledOverYear = boundary.year;
      }
    });
  }

  // One condition, so no update is accepted between the check and the continue-as-new: every
  // handler finished, and the effects settled (or had a minute; the next run starts those again).
  let settleTimeUp = inFlight.size === 0;
  if (!settleTimeUp) void sleep(EFFECT_SETTLE_MS).then(() => (settleTimeUp = true));
  await condition(() => allHandlersFinished() && (inFlight.size === 0 || settleTimeUp));
  const timerKeys = new Set(Object.entries(snapshot.context.timers).map(([k, t]) => `${k}@${t.at}`));
  const next: SchoolPathwayInput = {
    urn,
    snapshot,
    version,
    // A new year takes the newest rules (the next run asks the worker); a large history keeps this run's.
    ...(rollOver ? {} : { rulesVersion }),
    inbox,
    pendingEffects: [...inFlight.values()],
    rejections,
    failedEffects,
    dismissedTimers: [...dismissed].filter((d) => timerKeys.has(d)),
    ...(rolledOverYear !== undefined ? { rolledOverYear } : {}),
  };
  // A school keeps the worker build (the rules) it started the year on; at the year end it moves to the current one.
  if (rollOver && workflowInfo().targetWorkerDeploymentVersionChanged) {
    await makeContinueAsNewFunc<typeof schoolPathway>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(next);
  }
  await continueAsNew<typeof schoolPathway>(next);
}

/** History-size reasons for a new run; not a change of target build (temporalio/temporal#9239). */
const HISTORY_REASONS: readonly string[] = [SuggestContinueAsNewReason.HISTORY_SIZE_TOO_LARGE, SuggestContinueAsNewReason.TOO_MANY_HISTORY_EVENTS, SuggestContinueAsNewReason.TOO_MANY_UPDATES];
/** Past this many events a run continues as new even on a server that gives no reasons. */
const HISTORY_EVENTS_LIMIT = 20_000;

/**
 * Whether Temporal asks for a new run because the history is large. A server
 * at v1.30.0 also sets continueAsNewSuggested when a pinned run's target build
 * changed; continuing then loops for ever, so only the history reasons count.
 */
function historyTooLarge(): boolean {
  const info = workflowInfo();
  if (!info.continueAsNewSuggested) return false;
  const reasons = info.suggestedContinueAsNewReasons;
  if (reasons === undefined || reasons.length === 0) return info.historyLength > HISTORY_EVENTS_LIMIT;
  return reasons.some((r) => HISTORY_REASONS.includes(r));
}

/** The first day of the academic year after "2020/21", as an ISO date. Pure. */
function nextYearStart(year: string): string {
  return `${Number(year.slice(0, 4)) + 1}-09-01`;
}

/** Whether an activity failed because the log's version is not the one this run holds. */
function isVersionConflict(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'VersionConflictError';
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
    // Worded as the embedded host words it, the state as the pages name it.
    message: rejectedMessage(urn, eventType, state, why),
    nonRetryable: true,
    details: [{ urn, eventType, state, why }],
  });
}

function toUpdateFailure(err: unknown, urn: string, state: string): unknown {
  if (err instanceof EventRejectedError) return rejectedFailure(err.urn, err.eventType, err.state, err.why);
  if (err instanceof ActivityFailure) {
    const reason = messageOf(err);
    return ApplicationFailure.create({
      type: FailureType.notRecorded,
      message: `school ${urn} (${state}): the event was not recorded, nothing changed: ${reason}`,
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
