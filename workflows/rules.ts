/**
 * Every released version of the rules the school workflow can decide with,
 * by the machine version each one records (MACHINE_VERSION). A run decides
 * with the version it started with (its input, or the worker's newest when it
 * started without one, recorded in history through the loadSchool activity's
 * result) until its year-end continue-as-new, so a worker whose newest rules
 * are N+1 still replays a history that rules N decided: rules ship safely
 * without patched() and without build ids (docs/temporal.md).
 *
 * Releasing a rules change: copy the current machine to its own module
 * (machines/v<N>/...) and list it here under its old version, then bump
 * MACHINE_VERSION. Removing a version breaks every run still pinned to it.
 * Deterministic: safe in the workflow sandbox.
 */
import { decide, initialState, stateLabel, summaryOf, whyRejected } from '../machines/decide.js';
import { MACHINE_VERSION } from '../machines/pathway.js';
import * as v1 from '../machines/v1/decide.js';
import * as v1_1 from '../machines/v1_1/decide.js';

/** What the workflow needs of one version of the rules. */
export interface Rules {
  version: string;
  decide: typeof decide;
  whyRejected: typeof whyRejected;
  summaryOf: typeof summaryOf;
  stateLabel: typeof stateLabel;
  initialState: typeof initialState;
}

/** The version runs started before the workflow recorded its rules version were decided with. */
export const FIRST_RULES_VERSION = 'pathway@1.0.0';

/** The newest rules in this build. */
export const CURRENT_RULES_VERSION: string = MACHINE_VERSION;

/** Every released version, newest included. */
export const RULES: Readonly<Record<string, Rules>> = {
  [MACHINE_VERSION]: { version: MACHINE_VERSION, decide, whyRejected, summaryOf, stateLabel, initialState },
  // pathway@1.1.0, frozen in machines/v1_1 (the same event and snapshot types as 1.2.0 less the action plan and people).
  [v1_1.MACHINE_VERSION]: { version: v1_1.MACHINE_VERSION, decide: v1_1.decide, whyRejected: v1_1.whyRejected, summaryOf: v1_1.summaryOf, stateLabel: v1_1.stateLabel, initialState: v1_1.initialState } as unknown as Rules,
  // pathway@1.0.0, frozen in machines/v1 (its own event and snapshot types, the same JSON shapes).
  [v1.MACHINE_VERSION]: { version: v1.MACHINE_VERSION, decide: v1.decide, whyRejected: v1.whyRejected, summaryOf: v1.summaryOf, stateLabel: v1.stateLabel, initialState: v1.initialState } as unknown as Rules,
};

/** The rules of a version, or an error that names it and the versions this build has. Pure. */
export function rulesFor(version: string, registry: Readonly<Record<string, Rules>> = RULES): Rules {
  const r = registry[version];
  if (!r) {
    throw new Error(
      `this worker has no rules version ${version} (it has ${Object.keys(registry).join(', ')}): a run decides with the rules it started with, ` +
        'so every released version must stay listed in workflows/rules.ts until no run uses it',
    );
  }
  return r;
}
