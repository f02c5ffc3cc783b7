/**
 * One standalone machine per phase kind, for testing and charting a phase on
 * its own. Each starts with the phase's application recorded (`input`).
 * Pure.
 */
import type { PhaseKind, Programme } from '../domain/catalogue/schema.js';
import { emptyContext, freshPhase } from './context.js';
import type { SchoolDetails, Teacher } from './events.js';
import { phaseStates } from './phase-states.js';
import { pathwaySetup } from './setup.js';

export interface PhaseInput {
  urn: string;
  programme: Programme;
  school: SchoolDetails;
  teachers: Teacher[];
}

/** The statechart of one phase kind, starting at "applied". Pure. */
export function createPhaseMachine(kind: PhaseKind) {
  return pathwaySetup.createMachine({
    id: kind,
    context: ({ input }: { input: unknown }) => {
      const i = input as unknown as PhaseInput;
      return { ...emptyContext({ urn: i.urn }), ...freshPhase(i.programme), school: i.school, teachers: i.teachers };
    },
    on: {
      REMINDER_DUE: { actions: 'forgetTimer' },
      SESSION_CHECK_DUE: { actions: 'forgetTimer' },
      EVALUATION_REMINDER_DUE: { actions: 'forgetTimer' },
      YEAR_ENDED: { actions: 'forgetTimer' },
    },
    ...phaseStates(kind),
  } as any);
}

export const trgMachine = createPhaseMachine('trg');
export const readinessMachine = createPhaseMachine('readiness');
export const developmentMachine = createPhaseMachine('development');
export const embeddingMachine = createPhaseMachine('embedding');
export const sustainingMachine = createPhaseMachine('sustaining');

export const phaseMachines = {
  trg: trgMachine,
  readiness: readinessMachine,
  development: developmentMachine,
  embedding: embeddingMachine,
  sustaining: sustainingMachine,
} as const;
