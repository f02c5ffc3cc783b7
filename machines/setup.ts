/**
 * The named guards and actions every pathway chart uses, bound with XState's
 * `setup()`, so a chart reads as the rules: `guard: 'allSigned'`,
 * `actions: 'releaseFundingIfDue'`. Pure: guards call the rule functions of
 * rules.ts; actions apply the steps of steps.ts and emit effects as named
 * actions (`timer.set`, `notify`, `funding.release`, ...) that `transition()`
 * returns as data and the host carries out.
 */
import { enqueueActions, setup } from 'xstate';
import type { DeferredFrom, PathwayContext, PathwayInput } from './context.js';
import type { Effect } from './effects.js';
import type { PathwayEvent } from './events.js';
import { obligationsMetNow, resumesAt, rules } from './rules.js';
import * as steps from './steps.js';
import type { Fresh, Step } from './steps.js';
import type { PhaseKind, Programme, Route } from '../domain/catalogue/schema.js';

type Ctx = PathwayContext;
type Ev = PathwayEvent;

/** A guard: a rule of (context, event, params) -> may the transition be taken. */
export type GuardFn = (c: Ctx, e: Ev, params: any) => boolean;
/**
 * An action: a step of (context, event, params) -> the context patch and the
 * effects; `quiet` when the caller drops the effects (steps.ts's Quiet);
 * `fresh`, the timer tables a fold made, which it may change in place
 * (steps.ts's Fresh).
 */
export type StepFn = (c: Ctx, e: any, params: any, quiet?: boolean, fresh?: Fresh) => Step;

const ok = (rule: (c: Ctx, e: any) => string | null): GuardFn => (c, e) => rule(c, e) === null;
const none: Step = { patch: {}, effects: [] };

/**
 * Every named guard of the charts. XState's setup() below and the fast fold
 * (fast.ts) both take their guards from here, so the rules exist once.
 */
export const GUARDS = {
  canApply: (c, e, params: { phase: PhaseKind }) => e.type === 'APPLY' && e.programme.phase === params.phase && rules.applicationFits(c, e) === null,
  eligibilityMet: ok(rules.eligibilityMet),
  judgedIneligible: (_c, e) => e.type === 'ELIGIBILITY_ASSESSED' && !e.eligible,
  groupHasRoom: ok(rules.groupHasRoom),
  allSigned: ok(rules.allSigned),
  scheduleFits: ok(rules.scheduleFits),
  sessionMovable: ok(rules.sessionMovable),
  sessionCancellable: ok(rules.sessionCancellable),
  attendanceFits: ok(rules.attendanceFits),
  // The rule as a yes or no: an eventless transition asks it after every event, and its refusal was never read.
  obligationsMet: (c) => obligationsMetNow(c),
  sessionUnrecorded: ok(rules.sessionUnrecorded),
  deferralFits: ok(rules.deferralFits),
  ownYearEnded: (c, e) => e.type === 'YEAR_ENDED' && e.academicYear === c.programme?.academicYear,
  resumesTo: (c, e, params: { to: ReturnType<typeof resumesAt> }) => e.type === 'RESUMED' && rules.resumeFits(c, e) === null && resumesAt(c) === params.to,
  canAdvance: (c, e, params: { phase: PhaseKind }) => e.type === 'ADVANCED' && e.programme.phase === params.phase && rules.advanceFits(c, e) === null,
  leaderFits: ok(rules.leaderFits),
  actionPlanFits: ok(rules.actionPlanFits),
  actionPlanReviewable: ok(rules.actionPlanReviewable),
  masteryReadyJudgeable: ok(rules.masteryReadyJudgeable),
} satisfies Record<string, GuardFn>;

/**
 * Every named action of the charts, as the step it applies. XState's
 * setup() below and the fast fold (fast.ts) both take their actions from
 * here. A step that depends on a rule checks it against the context as it is
 * at that point of the transition (after the actions before it).
 */
export const STEPS = {
  startPhase: steps.startPhase,
  recordEligibility: (_c, e) => ({ patch: { criteria: e.criteria }, effects: [] }),
  select: steps.selected,
  waitlist: steps.waitlisted,
  decline: steps.declined,
  commit: steps.committed,
  setSchedule: (c, e, _p, quiet, fresh) => steps.scheduleSet(c, e, quiet, fresh),
  moveSession: (c, e, _p, quiet) => steps.sessionMoved(c, e, quiet),
  cancelSession: (c, e, _p, quiet) => steps.sessionCancelled(c, e, quiet),
  recordAttendance: (c, e, _p, quiet, fresh) => steps.attendance(c, e, quiet, fresh),
  escalateIfHeadteacherAbsent: (c, e) =>
    (rules.headteacherMissedFirst(c, e) ?? (c.escalations.includes('headteacher-first-workshop') ? 'already raised' : null)) === null ? steps.headteacherAbsent(c, e) : none,
  releaseFundingIfDue: (c, e) => (rules.fundingDue(c, e) === null ? steps.releaseFunding(c, e) : none),
  recordGapTask: (c) => ({ patch: { gapTasks: Math.min(c.gapTasks + 1, 99) }, effects: [] }),
  recordReleaseDays: (c, e) => ({ patch: { releaseDays: c.releaseDays + e.days }, effects: [] }),
  remind: (c, e, _p, quiet, fresh) => steps.reminderDue(c, e, quiet, fresh),
  escalateUnrecorded: (c, e, _p, quiet) => steps.sessionCheckDue(c, e, quiet),
  requestEvaluation: steps.requestEvaluation,
  remindEvaluation: (c, e, _p, quiet) => steps.evaluationReminder(c, e, quiet),
  escalateOverdue: steps.yearEndedOverdue,
  completePhase: steps.evaluationSubmitted,
  advance: steps.advanced,
  defer: (c, e, p: { from: DeferredFrom }) => steps.deferred(c, e, p.from),
  resume: (c, e, p: { to: ReturnType<typeof resumesAt> }) => steps.resumed(c, e, p.to),
  withdraw: steps.withdrawn,
  replaceTeacher: steps.teacherReplaced,
  allocateLeader: steps.leaderAllocated,
  createActionPlan: steps.actionPlanCreated,
  reviewActionPlan: steps.actionPlanReviewed,
  judgeMasteryReady: steps.masteryReadyJudged,
  forgetTimer: (c, e, _p, _quiet, fresh) => {
    const key = steps.timerKeyOf(e);
    return key ? steps.forgetTimer(c, key, fresh) : none;
  },
} satisfies Record<string, StepFn>;

/** Build an XState action that applies a step: assign its patch, then emit its effects in order. */
// The result is typed loosely: XState's action types cannot be inferred outside setup().
function stepAction(fn: StepFn): any {
  return enqueueActions(({ context, event, enqueue }: { context: Ctx; event: Ev; enqueue: any }, params: unknown) => {
    const { patch, effects } = fn(context, event, params);
    if (Object.keys(patch).length > 0) enqueue.assign(patch);
    for (const effect of effects) enqueue({ type: effect.type, params: effect });
  });
}

/** Effects leave the machine as these named actions; executing them inside XState does nothing. */
const effectActions = {
  'timer.set': (_: unknown, _effect: Effect) => {},
  'timer.cancel': (_: unknown, _effect: Effect) => {},
  notify: (_: unknown, _effect: Effect) => {},
  'funding.release': (_: unknown, _effect: Effect) => {},
  'evaluation.request': (_: unknown, _effect: Effect) => {},
};

export const EFFECT_ACTION_TYPES: ReadonlySet<string> = new Set(Object.keys(effectActions));

const xstateGuards = Object.fromEntries(
  Object.entries(GUARDS).map(([name, fn]) => [name, ({ context, event }: { context: Ctx; event: Ev }, params: unknown) => (fn as GuardFn)(context, event, params)]),
) as { [K in keyof typeof GUARDS]: (args: { context: Ctx; event: Ev }, params: any) => boolean };

const xstateActions = Object.fromEntries(Object.entries(STEPS).map(([name, fn]) => [name, stepAction(fn as StepFn)])) as { [K in keyof typeof STEPS]: any };

export const pathwaySetup = setup({
  types: {} as { context: Ctx; events: Ev; input: PathwayInput & { programme?: Programme; route?: Route } },
  guards: xstateGuards,
  actions: { ...effectActions, ...xstateActions },
});
