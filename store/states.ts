/**
 * The state of a school after its recorded events. Event rows written since
 * migration 023 hold no state, so it is the fold of the events, each by the
 * machine version it was recorded under (machines/versions.ts), starting from
 * the nearest snapshot (store/snapshots.ts); a row written before keeps the
 * state it was stored with, which is taken as it is. Not pure (reads the
 * database); the folding is the machines'.
 */
import { initialState, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent } from '../machines/events.js';
import { foldFor } from '../machines/versions.js';
import type { Db } from './db.js';
import { readStream, type StoredEvent } from './event-log.js';
import { nearestSnapshot } from './snapshots.js';

export interface FoldedStates {
  /** The state after each version folded (or stored), in version order. */
  states: Map<number, PersistedPathway>;
  /** The events read, upcast (store/rules.ts). */
  events: StoredEvent[];
  /** The first event that would not fold (a changed history), or null; no state is given from it on. */
  error: string | null;
}

/**
 * Folds stored events in order from `from` (the state before the first of
 * them): the state after each, a stored state where the row has one. Stops
 * at the first event that does not fold, and says which. Pure.
 */
export function foldStored(urn: string, events: readonly StoredEvent[], from: PersistedPathway): { states: Map<number, PersistedPathway>; error: string | null } {
  const states = new Map<number, PersistedPathway>();
  let state = from;
  for (const e of events) {
    if (e.state !== null && e.state !== undefined) state = e.state as PersistedPathway;
    else {
      try {
        state = foldFor(e.machineVersion)(urn, [e.payload as PathwayEvent], state);
      } catch (err) {
        return { states, error: `version ${e.version} (${e.type}) does not replay: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    states.set(e.version, state);
  }
  return { states, error: null };
}

/** The state after every event of a stream, up to `toVersion` when given, folded from version 1. Not pure. */
export async function statesOf(db: Db, urn: string, toVersion?: number): Promise<FoldedStates> {
  const events = await readStream(db, urn, toVersion === undefined ? {} : { toVersion });
  return { events, ...foldStored(urn, events, initialState(urn)) };
}

/**
 * The state after one version of a stream: from the nearest snapshot (or
 * stored state) at or before it, with the events after that folded. Null
 * when the stream has no such version or it does not fold. Not pure.
 */
export async function stateAt(db: Db, urn: string, version: number): Promise<PersistedPathway | null> {
  const snap = await nearestSnapshot(db, urn, version);
  if (snap?.version === version) return snap.state as PersistedPathway;
  const events = await readStream(db, urn, { fromVersion: (snap?.version ?? 0) + 1, toVersion: version });
  const { states } = foldStored(urn, events, snap ? (snap.state as PersistedPathway) : initialState(urn));
  return states.get(version) ?? null;
}
