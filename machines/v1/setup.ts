/**
 * The named guards and actions every pathway chart uses, bound with XState's
 * `setup()`, so a chart reads as the rules: `guard: 'allSigned'`,
 * `actions: 'releaseFundingIfDue'`. Pure: guards call the rule functions of
 * rules.ts; actions apply the steps of steps.ts and emit effects as named
 * actions (`timer.set`, `notify`, `funding.release`, ...) that `transition()`
 * returns as data and the host carries out.
 */
import { enqueueActions, setup } from 'xstate';
import type { PathwayContext, PathwayInput } from './context.js';
import type { Effect } from './effects.js';
import type { PathwayEvent } from './events.js';
import { rules } from './rules.js';
import * as steps from './steps.js';
import type { Step } from './steps.js';
import type { PhaseKind, Programme, Route } from '../../domain/catalogue/schema.js';

type Ctx = PathwayContext;
type Ev = PathwayEvent;

/** Build an action that applies a step: assign its patch, then emit its effects in order. */
// The result is typed loosely: XState's action types cannot be inferred outside setup().
function stepAction(fn: (c: Ctx, e: any) => Step): any {
  return enqueueActions(({ context, event, enqueue }: { context: Ctx; event: Ev; enqueue: any }) => {
    const { patch, effects } = fn(context, event);
    if (Object.keys(patch).length > 0) enqueue.assign(patch);
    for (const effect of effects) enqueue({ type: effect.type, params: effect });
  });
}

/** Apply a step only when a rule holds for the context as it is at that point of the transition. */
function stepIf(rule: (c: Ctx, e: any) => string | null, fn: (c: Ctx, e: any) => Step): any {
  return stepAction((c, e) => (rule(c, e) === null ? fn(c, e) : { patch: {}, effects: [] }));
}

const ok = (rule: (c: Ctx, e: any) => string | null) => ({ context, event }: { context: Ctx; event: Ev }) => rule(context, event) === null;

/** Effects leave the machine as these named actions; executing them inside XState does nothing. */
const effectActions = {
  'timer.set': (_: unknown, _effect: Effect) => {},
  'timer.cancel': (_: unknown, _effect: Effect) => {},
  notify: (_: unknown, _effect: Effect) => {},
  'funding.release': (_: unknown, _effect: Effect) => {},
  'evaluation.request': (_: unknown, _effect: Effect) => {},
};

export const EFFECT_ACTION_TYPES: ReadonlySet<string> = new Set(Object.keys(effectActions));

export const pathwaySetup = setup({
  types: {} as { context: Ctx; events: Ev; input: PathwayInput & { programme?: Programme; route?: Route } },
  guards: {
    canApply: ({ context, event }: { context: Ctx; event: Ev }, params: { phase: PhaseKind }) =>
      event.type === 'APPLY' && event.programme.phase === params.phase && rules.applicationFits(context, event) === null,
    eligibilityMet: ok(rules.eligibilityMet),
    judgedIneligible: ({ event }: { event: Ev }) => event.type === 'ELIGIBILITY_ASSESSED' && !event.eligible,
    groupHasRoom: ok(rules.groupHasRoom),
    allSigned: ok(rules.allSigned),
    scheduleFits: ok(rules.scheduleFits),
    sessionMovable: ok(rules.sessionMovable),
    sessionCancellable: ok(rules.sessionCancellable),
    attendanceFits: ok(rules.attendanceFits),
    obligationsMet: ok(rules.obligationsMet),
    sessionUnrecorded: ok(rules.sessionUnrecorded),
    deferralFits: ok(rules.deferralFits),
    resumeFits: ok(rules.resumeFits),
    canAdvance: ({ context, event }: { context: Ctx; event: Ev }, params: { phase: PhaseKind }) =>
      event.type === 'ADVANCED' && event.programme.phase === params.phase && rules.advanceFits(context, event) === null,
  },
  actions: {
    ...effectActions,
    startPhase: stepAction(steps.startPhase),
    recordEligibility: stepAction((_c, e) => ({ patch: { criteria: e.criteria }, effects: [] })),
    select: stepAction(steps.selected),
    waitlist: stepAction((_c, e) => ({ patch: { lastReason: e.reason }, effects: [] })),
    decline: stepAction(steps.declined),
    commit: stepAction(steps.committed),
    setSchedule: stepAction(steps.scheduleSet),
    moveSession: stepAction(steps.sessionMoved),
    cancelSession: stepAction(steps.sessionCancelled),
    recordAttendance: stepAction(steps.attendance),
    escalateIfHeadteacherAbsent: stepIf(
      (c, e) => rules.headteacherMissedFirst(c, e) ?? (c.escalations.includes('headteacher-first-workshop') ? 'already raised' : null),
      steps.headteacherAbsent,
    ),
    releaseFundingIfDue: stepIf(rules.fundingDue, steps.releaseFunding),
    recordGapTask: stepAction((c) => ({ patch: { gapTasks: Math.min(c.gapTasks + 1, 99) }, effects: [] })),
    recordReleaseDays: stepAction((c, e) => ({ patch: { releaseDays: c.releaseDays + e.days }, effects: [] })),
    remind: stepAction(steps.reminderDue),
    escalateUnrecorded: stepAction(steps.sessionCheckDue),
    requestEvaluation: stepAction(steps.requestEvaluation),
    remindEvaluation: stepAction(steps.evaluationReminder),
    escalateOverdue: stepAction(steps.yearEndedOverdue),
    completePhase: stepAction(steps.evaluationSubmitted),
    advance: stepAction(steps.advanced),
    defer: stepAction(steps.deferred),
    withdraw: stepAction(steps.withdrawn),
    replaceTeacher: stepAction(steps.teacherReplaced),
    forgetTimer: stepAction((c, e) => {
      const key = steps.timerKeyOf(e);
      return key ? steps.forgetTimer(c, key) : { patch: {}, effects: [] };
    }),
  },
});
