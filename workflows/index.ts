/**
 * The workflows the worker registers (its `workflowsPath`). Deterministic code
 * only: this module and everything it imports is bundled into the sandbox.
 */
export { schoolPathway } from './school-pathway.js';
export { cohortTransition } from './cohort-transition.js';
