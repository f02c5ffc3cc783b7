/**
 * The life of one phase (TRG pilot, Readiness, Development, Embedding,
 * Sustaining) as a statechart config: applied -> eligible -> selected |
 * waitlisted | declined -> (commitment signed) active -> evaluation ->
 * completed; withdrawal and deferral from any live state. Pure data.
 *
 * The same config is the body of each standalone phase machine
 * (phase-machines.ts) and of each phase state of the pathway machine
 * (pathway.ts), which adds the moves between phases.
 */
import type { PhaseKind } from '../../domain/catalogue/schema.js';
import type { DeferredFrom } from './context.js';
import { APPLICATION_PHASES } from './rules.js';

const live = {
  WITHDRAWN: { target: 'withdrawn', actions: 'withdraw' },
  TEACHER_REPLACED: { actions: 'replaceTeacher' },
} as const;

const deferrable = (from: DeferredFrom) => ({
  DEFERRED: { guard: 'deferralFits', target: 'deferred', actions: { type: 'defer', params: { from } } },
});

/** The school's leader and its action plan (seeds 001, 002): once selected, and through the year. */
const people = {
  LEADER_ALLOCATED: { guard: 'leaderFits', actions: 'allocateLeader' },
  ACTION_PLAN_CREATED: { guard: 'actionPlanFits', actions: 'createActionPlan' },
} as const;

/** The Readiness year's Mastery Ready judgement, at its end (002). */
const judgement = { MASTERY_READY_JUDGED: { guard: 'masteryReadyJudgeable', actions: 'judgeMasteryReady' } } as const;

const scheduling = {
  SCHEDULE_SET: { guard: 'scheduleFits', actions: 'setSchedule' },
  SESSION_MOVED: { guard: 'sessionMovable', actions: 'moveSession' },
  SESSION_CANCELLED: { guard: 'sessionCancellable', actions: 'cancelSession' },
  REMINDER_DUE: { actions: 'remind' },
} as const;

/** Extra transitions the pathway adds to the phase's resting states. */
export interface PhaseExits {
  completed?: Record<string, unknown>;
  declined?: Record<string, unknown>;
  withdrawn?: Record<string, unknown>;
}

/**
 * The statechart config of one phase kind. Phases schools apply for (TRG,
 * Readiness, Development) start at `applied`; the others (Embedding,
 * Sustaining) are entered by cohort transition or resumption at `selected`
 * and have no application states at all. Pure.
 */
export function phaseStates(kind: PhaseKind, exits: PhaseExits = {}) {
  const applies = APPLICATION_PHASES.includes(kind);
  const application = {
    applied: {
      on: {
        ...live,
        ...deferrable('applied'),
        ELIGIBILITY_ASSESSED: [
          { guard: 'eligibilityMet', target: 'eligible', actions: 'recordEligibility' },
          { guard: 'judgedIneligible', target: 'declined', actions: 'decline' },
        ],
        DECLINED: { target: 'declined', actions: 'decline' },
      },
    },
    eligible: {
      on: {
        ...live,
        ...deferrable('eligible'),
        SELECTED: { guard: 'groupHasRoom', target: 'selected', actions: 'select' },
        WAITLISTED: { target: 'waitlisted', actions: 'waitlist' },
        DECLINED: { target: 'declined', actions: 'decline' },
      },
    },
    waitlisted: {
      on: {
        ...live,
        ...deferrable('waitlisted'),
        SELECTED: { guard: 'groupHasRoom', target: 'selected', actions: 'select' },
        DECLINED: { target: 'declined', actions: 'decline' },
      },
    },
    declined: { on: { ...(exits.declined ?? {}) } },
  };
  // Resuming returns to the state the school left (recorded when it deferred), in the new year's programme.
  const resumeTargets = (applies ? (['applied', 'eligible', 'waitlisted'] as const) : []).map((to) => ({
    guard: { type: 'resumesTo', params: { to } },
    target: to,
    actions: { type: 'resume', params: { to } },
  }));
  return {
    initial: applies ? 'applied' : 'selected',
    description: `${kind} phase`,
    states: {
      ...(applies ? application : {}),
      selected: {
        on: {
          ...live,
          ...deferrable('selected'),
          ...scheduling,
          ...people,
          COMMITMENT_SIGNED: { guard: 'allSigned', target: 'active', actions: 'commit' },
        },
      },
      active: {
        initial: 'running',
        on: {
          ...live,
          ...deferrable('active'),
          ...scheduling,
          ...people,
          ACTION_PLAN_REVIEWED: { guard: 'actionPlanReviewable', actions: 'reviewActionPlan' },
          ...(kind === 'readiness' ? judgement : {}),
          ATTENDANCE_RECORDED: { guard: 'attendanceFits', actions: ['recordAttendance', 'escalateIfHeadteacherAbsent', 'releaseFundingIfDue'] },
          SESSION_CHECK_DUE: [{ guard: 'sessionUnrecorded', actions: 'escalateUnrecorded' }, { actions: 'forgetTimer' }],
          GAP_TASK_COMPLETED: { actions: 'recordGapTask' },
          RELEASE_DAYS_RECORDED: { actions: 'recordReleaseDays' },
          EVALUATION_REMINDER_DUE: { actions: 'remindEvaluation' },
        },
        states: {
          running: {
            always: { guard: 'obligationsMet', target: 'evaluating' },
            // Only this phase's year end makes it overdue; a late firing of an old year's timer is forgotten (root).
            on: { YEAR_ENDED: { guard: 'ownYearEnded', target: 'overdue', actions: 'escalateOverdue' } },
          },
          evaluating: {
            entry: 'requestEvaluation',
            on: {
              EVALUATION_SUBMITTED: { target: '#' + kind + '.completed', actions: 'completePhase' },
              YEAR_ENDED: { guard: 'ownYearEnded', target: 'overdue', actions: 'escalateOverdue' },
            },
          },
          overdue: {
            on: { EVALUATION_SUBMITTED: { guard: 'obligationsMet', target: '#' + kind + '.completed', actions: 'completePhase' } },
          },
        },
      },
      completed: { on: { ...(kind === 'readiness' ? judgement : {}), ...(exits.completed ?? {}) } },
      deferred: {
        on: {
          WITHDRAWN: { target: 'withdrawn', actions: 'withdraw' },
          RESUMED: [...resumeTargets, { guard: { type: 'resumesTo', params: { to: 'selected' } }, target: 'selected', actions: { type: 'resume', params: { to: 'selected' } } }],
        },
      },
      withdrawn: { on: { ...(exits.withdrawn ?? {}) } },
    },
  };
}

/** The resting states of a phase: nothing more happens until a hub moves the school on. */
export const RESTING = ['completed', 'declined', 'withdrawn'] as const;
