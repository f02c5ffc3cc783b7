/**
 * Every released version of the rules the school workflow can decide with,
 * by the machine version each one records (MACHINE_VERSION). A run decides
 * with the version it started with (its input, or the worker's newest when it
 * started without one, recorded in history through the loadSchool activity's
 * result) until its year-end continue-as-new, so a worker whose newest rules
 * are N+1 still replays a history that rules N decided: rules ship safely
 * without patched() and without build ids (docs/temporal.md).
 *
 * The registry itself is machines/versions.ts (replay needs it too).
 * Deterministic: safe in the workflow sandbox.
 */
import { MACHINE_VERSION } from '../machines/pathway.js';
import { RULES, type Rules } from '../machines/versions.js';

export { RULES, type Rules };

/** The version runs started before the workflow recorded its rules version were decided with. */
export const FIRST_RULES_VERSION = 'pathway@1.0.0';

/** The newest rules in this build. */
export const CURRENT_RULES_VERSION: string = MACHINE_VERSION;

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
