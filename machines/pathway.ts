/**
 * The school pathway machine: a school's whole route through the phases,
 * primary ([TRG pilot ->] Readiness -> Development -> Embedding -> Sustaining)
 * and secondary (Development -> Embedding -> Sustaining, Sustaining yearly).
 * Pure: built from phaseStates() and the named rules of setup.ts.
 */
import type { PhaseKind } from '../domain/catalogue/schema.js';
import { emptyContext } from './context.js';
import { phaseStates } from './phase-states.js';
import { APPLICATION_PHASES } from './rules.js';
import { pathwaySetup } from './setup.js';

/** Version of the rules this machine applies; stored with every event it decides. */
// 1.1.0: schedule count and window guards, explicit back-dating (enteredAt), resumption where the school
// left, ADVANCED leaving the old work group, no application states in Embedding/Sustaining. 1.0.0 is kept
// frozen in machines/v1 for the Temporal runs pinned to it (workflows/rules.ts).
// 1.2.0: the action plan on the 5 Big Ideas, the school's Mastery Specialist or Readiness Lead (with the
// programme's load per leader), the Readiness year's Mastery Ready judgement, which ADVANCED into a
// Development programme that requires it checks. Additive: every event 1.1.0 took is decided as before
// (the requirement travels in the programme data, which older events do not carry). 1.1.0 is frozen in machines/v1_1.
// 1.3.0: a school given its group's dates after some were held (SCHEDULE_SET joinedLate, from giveGroupDates:
// selected late, or moved in by a cohort transition into a year already planned) holds those as "before the
// school joined": no attendance expected, no check or escalation, not its first workshop, and its minimum of
// sessions capped at the ones it could attend. The joining date is the `at` of the SELECTED, ADVANCED or
// RESUMED that gave it its group (context.joinedAt, kept from then on, which changes every snapshot after
// a selection), so 1.2.0 is frozen in machines/v1_2 and a history recorded under it folds as it did.
export const MACHINE_VERSION = 'pathway@1.3.0';

const PHASES: readonly PhaseKind[] = ['trg', 'readiness', 'development', 'embedding', 'sustaining'];

/** The phases a completed phase may lead to by cohort transition. */
const NEXT: Record<PhaseKind, PhaseKind> = {
  trg: 'readiness',
  readiness: 'development',
  development: 'embedding',
  embedding: 'sustaining',
  sustaining: 'sustaining',
};

const apply = APPLICATION_PHASES.map((phase) => ({
  guard: { type: 'canApply', params: { phase } },
  target: `#${phase}.applied`,
  actions: 'startPhase',
}));

const timerNoops = {
  REMINDER_DUE: { actions: 'forgetTimer' },
  SESSION_CHECK_DUE: { actions: 'forgetTimer' },
  EVALUATION_REMINDER_DUE: { actions: 'forgetTimer' },
  YEAR_ENDED: { actions: 'forgetTimer' },
} as const;

function phaseNode(kind: PhaseKind) {
  const next = NEXT[kind];
  return {
    id: kind,
    ...phaseStates(kind, {
      completed: {
        ADVANCED: { guard: { type: 'canAdvance', params: { phase: next } }, target: `#${next}.selected`, actions: 'advance', reenter: true },
        APPLY: apply,
      },
      declined: { APPLY: apply },
      withdrawn: { APPLY: apply },
    }),
  };
}

export const pathwayMachine = pathwaySetup.createMachine({
  id: 'pathway',
  description: "A school's Teaching for Mastery pathway",
  context: ({ input }) => emptyContext(input),
  initial: 'prospective',
  // A timer that fires after its phase has moved on changes nothing but the pending list.
  on: timerNoops,
  states: {
    prospective: { on: { APPLY: apply } },
    ...Object.fromEntries(PHASES.map((k) => [k, phaseNode(k)])),
  } as any,
});

export type PathwayMachine = typeof pathwayMachine;
