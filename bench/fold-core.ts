/**
 * The measured work of the fold bench, for one shard of the histories (the
 * main thread runs it for all, each worker thread for its share). Three
 * timed passes over the same text, chunk by chunk (the live pass reads it again):
 *
 *  - parse (the baseline): JSON.parse of each school's serialized events;
 *  - decide: `fold()` of machines/decide.ts, i.e. `decide()` per event from
 *    the persisted snapshot, restoring and persisting it each time, exactly
 *    as both hosts do for every event they take;
 *  - live: XState's `transition()` on the live snapshot kept between events
 *    (with the same "does the state accept it" check, `can()`), persisting
 *    only at the end. This is what a bulk replay of a whole stream needs; it
 *    is fair only because its final state is checked to equal decide's for
 *    every school (a mismatch fails the bench).
 *
 * Only the passes are timed; reading the file is not, nor a first untimed
 * fold of up to 20 schools (warm-up). Not pure (files, clock).
 */
import { createHash } from 'node:crypto';
import { initialTransition, transition } from 'xstate';
import { fold, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent } from '../machines/events.js';
import { pathwayMachine } from '../machines/pathway.js';
import { canonicalJson } from '../store/hash.js';
import { historyLines, type HistoryManifest } from './history-file.js';
import type { RecordedEvent } from './histories.js';

/** Chunks (of 100 schools) a shard folds untimed as well before its timed pass reaches them. */
const WARM_CHUNKS = 3;

export interface StoredHistory {
  urn: string;
  route: string;
  events: RecordedEvent[];
}

export interface FoldTotals {
  schools: number;
  events: number;
  parseMs: number;
  decideMs: number;
  liveMs: number;
  /** Schools whose live-snapshot fold ended in another state than decide's (must be none). */
  mismatches: string[];
}

/** Replay with the live XState snapshot; throws when a stored event is not accepted. Pure. */
export function foldLive(urn: string, events: readonly PathwayEvent[]): PersistedPathway {
  let [s] = initialTransition(pathwayMachine, { urn });
  for (const e of events) {
    if (!s.can(e)) throw new Error(`school ${urn}: the state ${JSON.stringify(s.value)} does not accept ${e.type} at ${e.at} on replay`);
    [s] = transition(pathwayMachine, s, e);
  }
  return pathwayMachine.getPersistedSnapshot(s) as unknown as PersistedPathway;
}

/**
 * The three timed passes over this shard's schools; `onProgress` gets the schools done (both reads counted half).
 * The live pass reads the histories again after the parse and decide passes rather than taking turns with
 * them chunk by chunk: XState's garbage, collected during the next chunk's decide pass, was charged to it.
 */
export async function foldShard(manifest: HistoryManifest, shard: number, shards: number, onProgress?: (schools: number) => void): Promise<FoldTotals> {
  const t: FoldTotals = { schools: 0, events: 0, parseMs: 0, decideMs: 0, liveMs: 0, mismatches: [] };
  // Each school's decided final state, as a digest: compared with the live pass's without holding every state.
  const decidedDigest = new Map<string, string>();
  let chunks = 0;
  for await (const chunk of historyLines(manifest, { shard, shards, chunk: 100 })) {
    let t0 = performance.now();
    const parsed = chunk.map((line) => JSON.parse(line) as StoredHistory);
    t.parseMs += performance.now() - t0;

    const streams = parsed.map((h) => h.events.map((e) => e.event));
    if (chunks++ < WARM_CHUNKS) {
      // V8 compiles the fold on its first calls, on threads that share the 2 cores with the folding threads:
      // the first chunks are also folded once untimed, so that a shard is measured at the rate of a long replay,
      // which pays that compilation once (at 2,000 schools on 2 threads, one chunk of warm-up left each
      // thread's timed pass at 122,000 events/s, three at 140,000-160,000; 6M events would spend 1% warming).
      for (let i = 0; i < parsed.length; i++) fold(parsed[i]!.urn, streams[i]!);
    }
    t0 = performance.now();
    const decided = parsed.map((h, i) => fold(h.urn, streams[i]!));
    t.decideMs += performance.now() - t0;

    for (let i = 0; i < parsed.length; i++) {
      decidedDigest.set(parsed[i]!.urn, digest(decided[i]!));
      t.events += streams[i]!.length;
    }
    t.schools += parsed.length;
    onProgress?.(Math.round(t.schools / 2));
  }
  let liveSchools = 0;
  for await (const chunk of historyLines(manifest, { shard, shards, chunk: 100 })) {
    const parsed = chunk.map((line) => JSON.parse(line) as StoredHistory);
    const streams = parsed.map((h) => h.events.map((e) => e.event));
    if (liveSchools === 0) for (let i = 0; i < Math.min(20, parsed.length); i++) foldLive(parsed[i]!.urn, streams[i]!);
    const t0 = performance.now();
    const live = parsed.map((h, i) => foldLive(h.urn, streams[i]!));
    t.liveMs += performance.now() - t0;
    for (let i = 0; i < parsed.length; i++) if (decidedDigest.get(parsed[i]!.urn) !== digest(live[i]!)) t.mismatches.push(parsed[i]!.urn);
    liveSchools += parsed.length;
    onProgress?.(Math.round((t.schools + liveSchools) / 2));
  }
  return t;
}

function digest(state: PersistedPathway): string {
  return createHash('sha256').update(canonicalJson(state)).digest('base64');
}
