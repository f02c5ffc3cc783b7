/**
 * Every released version of the rules, by the machine version each one
 * records (MACHINE_VERSION): the Temporal workflow decides with the version a
 * run started with (workflows/rules.ts), and a replay folds each stored
 * event by the version it was recorded under, so a history stays replayable
 * after the machine changes.
 *
 * Releasing a rules change: copy the current machine to its own module
 * (machines/v<N>/...) and list it here under its old version, then bump
 * MACHINE_VERSION. Removing a version breaks every run still pinned to it and
 * every history recorded under it. Pure and deterministic (safe in the
 * workflow sandbox).
 */
import { decide, fold, initialState, stateLabel, summaryOf, whyRejected, type PersistedPathway } from './decide.js';
import type { PathwayEvent } from './events.js';
import { MACHINE_VERSION } from './pathway.js';
import * as v1 from './v1/decide.js';
import * as v1_1 from './v1_1/decide.js';
import * as v1_2 from './v1_2/decide.js';

/** What a host needs of one version of the rules. */
export interface Rules {
  version: string;
  decide: typeof decide;
  whyRejected: typeof whyRejected;
  summaryOf: typeof summaryOf;
  stateLabel: typeof stateLabel;
  initialState: typeof initialState;
}

/** Every released version, newest included. */
export const RULES: Readonly<Record<string, Rules>> = {
  [MACHINE_VERSION]: { version: MACHINE_VERSION, decide, whyRejected, summaryOf, stateLabel, initialState },
  // pathway@1.2.0, frozen in machines/v1_2 (the same event and snapshot types as 1.3.0 less the joining date and the sessions before it).
  [v1_2.MACHINE_VERSION]: { version: v1_2.MACHINE_VERSION, decide: v1_2.decide, whyRejected: v1_2.whyRejected, summaryOf: v1_2.summaryOf, stateLabel: v1_2.stateLabel, initialState: v1_2.initialState } as unknown as Rules,
  // pathway@1.1.0, frozen in machines/v1_1 (the same event and snapshot types as 1.2.0 less the action plan and people).
  [v1_1.MACHINE_VERSION]: { version: v1_1.MACHINE_VERSION, decide: v1_1.decide, whyRejected: v1_1.whyRejected, summaryOf: v1_1.summaryOf, stateLabel: v1_1.stateLabel, initialState: v1_1.initialState } as unknown as Rules,
  // pathway@1.0.0, frozen in machines/v1 (its own event and snapshot types, the same JSON shapes).
  [v1.MACHINE_VERSION]: { version: v1.MACHINE_VERSION, decide: v1.decide, whyRejected: v1.whyRejected, summaryOf: v1.summaryOf, stateLabel: v1.stateLabel, initialState: v1.initialState } as unknown as Rules,
};

/**
 * The fold of the machine version an event was recorded under: today's
 * machine folds by the fast fold; an older released version by its own
 * decide, which takes again what it took when it decided the event.
 * Snapshots keep one JSON shape across versions, so a history that spans a
 * release folds across it. A version this build does not have says so. Pure.
 */
export function foldFor(machineVersion: string): (urn: string, events: PathwayEvent[], from: PersistedPathway) => PersistedPathway {
  if (machineVersion === MACHINE_VERSION) return fold;
  const rules = RULES[machineVersion];
  if (!rules) throw new Error(`this build has no machine ${machineVersion} to replay with (it has ${Object.keys(RULES).join(', ')})`);
  return (_urn, events, from) => events.reduce((state, e) => rules.decide(state, e).snapshot, from);
}
