/**
 * Replay bench (issue 3): read every stream back from the event log and fold
 * each event through the machines, beside the time Postgres takes only to
 * stream the same rows out (`COPY (SELECT ...) TO STDOUT`, bytes discarded),
 * measured in the same run. Two ways, each against the COPY of exactly the
 * columns it reads:
 *
 *  - store: the store's `readAll` (every column, position order) and `fold()`
 *    of machines/decide.ts per event from the school's persisted state, as
 *    the engine's history() replays;
 *  - verify --replay (store/replay.ts, what `pathway verify --replay`
 *    runs): the columns a fold needs in (urn, version) keyset batches, one
 *    school after another, a school's run of events in one fold, and every
 *    state kept for it (snapshots, the current state) compared with the
 *    fold; its COPY baseline streams the same columns in the same order.
 *
 * Every replayed state is then checked against the snapshot the host stored.
 * Targets: at most 2x the COPY time; 6M events in under 10 s. Not pure.
 */
import { fold, initialState, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent } from '../machines/events.js';
import { openDb, type Db } from '../store/db.js';
import { readAll } from '../store/event-log.js';
import { canonicalJson } from '../store/hash.js';
import { EVENT_COLUMNS } from './durable.js';
import { copyOutDiscarded } from './pg.js';
import { progress } from './progress.js';
import { TARGET_EVENTS, fmt, log, type BenchOptions, type BenchRow } from './report.js';
import { replayStreams } from '../store/replay.js';
import { upcastStates } from '../store/rules.js';

const TARGET_RATIO = 2;
const TARGET_SECONDS = 10;
/** Rows per readAll query. */
const STORE_BATCH = 2000;
/** The columns the replay check reads (store/replay.ts), in its order. */
const REPLAY_COLUMNS = 'urn, version, type, machine_version, payload, state';

interface Pass {
  name: string;
  columns: string;
  /** The order the pass reads in, which its COPY baseline uses too. */
  order: string;
  events: number;
  streams: number;
  ms: number;
  foldMs: number;
  copyMs: number;
  mismatches: string[];
}

export interface ReplayResult {
  rows: BenchRow[];
  passes: Pass[];
  mismatches: string[];
}

/** Each school's current state as the host stored it, its programme whole (a head keeps the rules by reference since 2026-12-04), as loadStream gives it. */
async function storedSnapshots(db: Db): Promise<Map<string, unknown>> {
  const r = await db.query<{ urn: string; snapshot: unknown }>('SELECT urn, snapshot FROM streams');
  const states = await upcastStates(db, r.rows.map((x) => x.snapshot));
  return new Map(r.rows.map((x, i) => [x.urn, states[i]]));
}

function differing(replayed: Map<string, unknown>, stored: Map<string, unknown>): string[] {
  const out: string[] = [];
  for (const [urn, snapshot] of stored) if (!replayed.has(urn) || canonicalJson(replayed.get(urn)) !== canonicalJson(snapshot)) out.push(urn);
  return out;
}

/** The store's way: readAll (all columns) and fold() per event from the persisted state. */
async function storePass(db: Db, expected: number, show: boolean): Promise<Omit<Pass, 'copyMs' | 'mismatches'> & { states: Map<string, unknown> }> {
  const bar = progress('replay (store readAll + fold per event)', expected, 'events', show);
  const states = new Map<string, PersistedPathway>();
  let events = 0;
  let foldMs = 0;
  const started = performance.now();
  for await (const e of readAll(db, { batch: STORE_BATCH })) {
    const t0 = performance.now();
    states.set(e.urn, fold(e.urn, [e.payload as PathwayEvent], states.get(e.urn) ?? initialState(e.urn)));
    foldMs += performance.now() - t0;
    if (++events % 1000 === 0) bar.update(events);
  }
  const ms = performance.now() - started;
  bar.update(events);
  bar.finish();
  return { name: 'store readAll + fold() per event', columns: EVENT_COLUMNS, order: 'position', events, streams: states.size, ms, foldMs, states };
}

/**
 * The product's replay check (`pathway verify --replay`, store/replay.ts): every school's events in (urn, version)
 * batches, folded school by school, each state kept (snapshots, streams) compared with the fold.
 */
async function replayCheckPass(db: Db, expected: number, show: boolean): Promise<Omit<Pass, 'copyMs' | 'mismatches'> & { states: Map<string, unknown>; problems: string[] }> {
  const bar = progress('replay (verify --replay: school by school, every kept state compared)', expected, 'events', show);
  const states = new Map<string, unknown>();
  const problems: string[] = [];
  let events = 0;
  const started = performance.now();
  for await (const r of replayStreams(db, { onProgress: (n) => bar.update(n) })) {
    events += r.events;
    states.set(r.urn, r.state);
    if (r.problem) problems.push(`${r.urn} at version ${r.problem.version}: ${r.problem.what}`);
  }
  const ms = performance.now() - started;
  bar.finish();
  // The fold is not timed apart here: reading runs beside it (the next batch is read while this one is folded).
  return { name: 'verify --replay: school by school, every kept state compared', columns: REPLAY_COLUMNS, order: 'urn, version', events, streams: states.size, ms, foldMs: NaN, states, problems };
}

/** Replays the database at `url` (filled by the durable bench) both ways, each against COPY TO STDOUT of its columns. */
export async function runReplayBench(opts: BenchOptions, url: string, expectedEvents: number): Promise<ReplayResult> {
  const db = await openDb(url, { poolSize: 2 });
  try {
    const stored = await storedSnapshots(db);
    const passes: Pass[] = [];
    for (const run of [storePass, replayCheckPass]) {
      const { states, problems, ...p } = { problems: [] as string[], ...(await run(db, expectedEvents, opts.progress)) };
      if (p.events !== expectedEvents) throw new Error(`replay (${p.name}) read ${p.events} events but the simulation stored ${expectedEvents}`);
      if (problems.length > 0) throw new Error(`replay (${p.name}) found ${problems.length} school(s) whose kept states differ from their events, e.g. ${problems.slice(0, 3).join('; ')}`);
      const copy = await copyOutDiscarded(url, `SELECT ${p.columns} FROM events ORDER BY ${p.order}`);
      log(`replay: COPY TO STDOUT of (${p.columns}) in ${p.order} order streamed ${(copy.bytes / 1e6).toFixed(1)} MB in ${fmt(copy.ms / 1000)} s`);
      passes.push({ ...p, copyMs: copy.ms, mismatches: differing(states, stored) });
    }
    const mismatches = [...new Set(passes.flatMap((p) => p.mismatches))];
    return { rows: passes.flatMap((p) => replayRows(opts, p)), passes, mismatches };
  } finally {
    await db.close();
  }
}

function replayRows(opts: BenchOptions, p: Pass): BenchRow[] {
  const judge = (ok: boolean) => (opts.quick ? null : ok);
  const rate = (p.events / p.ms) * 1000;
  const copyRate = (p.events / p.copyMs) * 1000;
  const split = Number.isNaN(p.foldMs) ? 'reading beside folding' : `reading ${fmt((p.ms - p.foldMs) / 1000)} s, folding ${fmt(p.foldMs / 1000)} s`;
  const check =
    p.mismatches.length === 0
      ? `all ${p.streams.toLocaleString('en-GB')} replayed states equal the stored snapshots`
      : `${p.mismatches.length} replayed state(s) differ from the stored snapshot, e.g. ${p.mismatches.slice(0, 3).join(', ')}`;
  const short = p.name.startsWith('store') ? 'store' : 'verify --replay';
  return [
    {
      bench: 'replay',
      name: `replay every stream (${p.name})`,
      figure: { label: 'replay time', value: p.ms / 1000, unit: 's' },
      baseline: { label: `COPY TO STDOUT of (${p.columns === EVENT_COLUMNS ? 'all columns' : p.columns}) in ${p.order} order, discarded`, value: p.copyMs / 1000, unit: 's' },
      ratio: { value: p.ms / p.copyMs, meaning: 'of COPY-out time' },
      target: `<= ${TARGET_RATIO}x COPY-out time`,
      met: judge(p.ms / p.copyMs <= TARGET_RATIO),
      note: `${p.events.toLocaleString('en-GB')} events in ${p.streams.toLocaleString('en-GB')} streams, ${fmt(rate)} events/s (${split}); ${check}`,
    },
    {
      bench: 'replay',
      name: `replay: 6M events (PROJECTED), ${short}`,
      figure: { label: 'projected time', value: TARGET_EVENTS / rate, unit: 's' },
      baseline: { label: 'COPY-out of 6M rows, projected', value: TARGET_EVENTS / copyRate, unit: 's' },
      ratio: { value: copyRate / rate, meaning: 'of COPY-out time' },
      target: `< ${TARGET_SECONDS} s`,
      met: judge(TARGET_EVENTS / rate < TARGET_SECONDS),
      note: `projected from ${fmt(rate)} events/s over ${p.events.toLocaleString('en-GB')} events; one thread`,
    },
  ];
}
