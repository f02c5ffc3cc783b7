/** The pure core of Mastery Pathway: machines, events, effects and the decide/fold seam. */
export * from './events.js';
export type * from './effects.js';
export * from './context.js';
export * from './decide.js';
export * from './summary.js';
export { pathwayMachine, MACHINE_VERSION } from './pathway.js';
export { phaseMachines, createPhaseMachine } from './phase-machines.js';
export { nextPhase, ROUTES, APPLICATION_PHASES } from './rules.js';
