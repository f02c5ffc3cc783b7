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

const live = {
  WITHDRAWN: { target: 'withdrawn', actions: 'withdraw' },
  TEACHER_REPLACED: { actions: 'replaceTeacher' },
} as const;

const deferrable = {
  DEFERRED: { guard: 'deferralFits', target: 'deferred', actions: 'defer' },
} as const;

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

/** The statechart config of one phase kind. Pure. */
export function phaseStates(kind: PhaseKind, exits: PhaseExits = {}) {
  return {
    initial: 'applied',
    description: `${kind} phase`,
    states: {
      applied: {
        on: {
          ...live,
          ...deferrable,
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
          ...deferrable,
          SELECTED: { guard: 'groupHasRoom', target: 'selected', actions: 'select' },
          WAITLISTED: { target: 'waitlisted', actions: 'waitlist' },
          DECLINED: { target: 'declined', actions: 'decline' },
        },
      },
      waitlisted: {
        on: {
          ...live,
          ...deferrable,
          SELECTED: { guard: 'groupHasRoom', target: 'selected', actions: 'select' },
          DECLINED: { target: 'declined', actions: 'decline' },
        },
      },
      selected: {
        on: {
          ...live,
          ...deferrable,
          ...scheduling,
          COMMITMENT_SIGNED: { guard: 'allSigned', target: 'active', actions: 'commit' },
        },
      },
      active: {
        initial: 'running',
        on: {
          ...live,
          ...deferrable,
          ...scheduling,
          ATTENDANCE_RECORDED: { guard: 'attendanceFits', actions: ['recordAttendance', 'escalateIfHeadteacherAbsent', 'releaseFundingIfDue'] },
          SESSION_CHECK_DUE: [{ guard: 'sessionUnrecorded', actions: 'escalateUnrecorded' }, { actions: 'forgetTimer' }],
          GAP_TASK_COMPLETED: { actions: 'recordGapTask' },
          RELEASE_DAYS_RECORDED: { actions: 'recordReleaseDays' },
          EVALUATION_REMINDER_DUE: { actions: 'remindEvaluation' },
        },
        states: {
          running: {
            always: { guard: 'obligationsMet', target: 'evaluating' },
            on: { YEAR_ENDED: { target: 'overdue', actions: 'escalateOverdue' } },
          },
          evaluating: {
            entry: 'requestEvaluation',
            on: {
              EVALUATION_SUBMITTED: { target: '#' + kind + '.completed', actions: 'completePhase' },
              YEAR_ENDED: { target: 'overdue', actions: 'escalateOverdue' },
            },
          },
          overdue: {
            on: { EVALUATION_SUBMITTED: { guard: 'obligationsMet', target: '#' + kind + '.completed', actions: 'completePhase' } },
          },
        },
      },
      completed: { on: { ...(exits.completed ?? {}) } },
      declined: { on: { ...(exits.declined ?? {}) } },
      deferred: {
        on: {
          WITHDRAWN: { target: 'withdrawn', actions: 'withdraw' },
          RESUMED: { guard: 'resumeFits', target: 'selected', actions: 'advance' },
        },
      },
      withdrawn: { on: { ...(exits.withdrawn ?? {}) } },
    },
  };
}

/** The resting states of a phase: nothing more happens until a hub moves the school on. */
export const RESTING = ['completed', 'declined', 'withdrawn'] as const;
