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
 *  - lean (bench code, what the product could do): only (position, urn,
 *    payload) in keyset batches, each stream's state kept between its
 *    events and folded by the fast fold (machines/fast.ts, proved equal to
 *    XState's transition()), a batch's events of one stream in one fold.
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
import { upcastRows } from '../store/rules.js';

const TARGET_RATIO = 2;
const TARGET_SECONDS = 10;
/** Rows per readAll query. */
const STORE_BATCH = 2000;
/** Rows per lean query: small enough that reading the next batch overlaps the fold of this one from the start. */
const LEAN_BATCH = 2000;
const LEAN_COLUMNS = 'position, urn, payload';

interface Pass {
  name: string;
  columns: string;
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

async function storedSnapshots(db: Db): Promise<Map<string, unknown>> {
  const r = await db.query<{ urn: string; snapshot: unknown }>('SELECT urn, snapshot FROM streams');
  return new Map(r.rows.map((x) => [x.urn, x.snapshot]));
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
  return { name: 'store readAll + fold() per event', columns: EVENT_COLUMNS, events, streams: states.size, ms, foldMs, states };
}

/** The lean way: three columns in keyset batches, each stream's state kept between its events (the fast fold, no persisting per event). */
async function leanPass(db: Db, expected: number, show: boolean): Promise<Omit<Pass, 'copyMs' | 'mismatches'> & { states: Map<string, unknown> }> {
  const bar = progress('replay (lean: payload only, state kept per stream)', expected, 'events', show);
  const live = new Map<string, PersistedPathway>();
  let events = 0;
  let foldMs = 0;
  const read = (after: number) => db.query<{ position: number; urn: string; payload: PathwayEvent; state: unknown }>(`SELECT ${LEAN_COLUMNS}, NULL AS state FROM events WHERE position > $1 ORDER BY position LIMIT $2`, [after, LEAN_BATCH]);
  const started = performance.now();
  let next = read(-1);
  for (;;) {
    const r = await next;
    const full = r.rows.length === LEAN_BATCH;
    // The next batch is read while this one is folded, as store readAll does.
    if (full) next = read(r.rows[r.rows.length - 1]!.position);
    // A row refers to its programme's rules by reference (store/rules.ts): fold the programme it names.
    await upcastRows(db, r.rows);
    const t0 = performance.now();
    // Each stream's events of the batch folded in one call, in their order: streams do not depend on each other,
    // and a fold of several events keeps its own copy of the state between them instead of copying it each time.
    const byStream = new Map<string, PathwayEvent[]>();
    for (const row of r.rows) {
      const list = byStream.get(row.urn);
      if (list) list.push(row.payload);
      else byStream.set(row.urn, [row.payload]);
    }
    for (const [urn, list] of byStream) live.set(urn, fold(urn, list, live.get(urn) ?? initialState(urn)));
    foldMs += performance.now() - t0;
    events += r.rows.length;
    bar.update(events);
    if (!full) break;
  }
  const ms = performance.now() - started;
  bar.finish();
  return { name: 'lean: (position, urn, payload) + state kept per stream', columns: LEAN_COLUMNS, events, streams: live.size, ms, foldMs, states: live };
}

/** Replays the database at `url` (filled by the durable bench) both ways, each against COPY TO STDOUT of its columns. */
export async function runReplayBench(opts: BenchOptions, url: string, expectedEvents: number): Promise<ReplayResult> {
  const db = await openDb(url, { poolSize: 2 });
  try {
    const stored = await storedSnapshots(db);
    const passes: Pass[] = [];
    for (const run of [storePass, leanPass]) {
      const { states, ...p } = await run(db, expectedEvents, opts.progress);
      if (p.events !== expectedEvents) throw new Error(`replay (${p.name}) read ${p.events} events but the simulation stored ${expectedEvents}`);
      const copy = await copyOutDiscarded(url, `SELECT ${p.columns} FROM events ORDER BY position`);
      log(`replay: COPY TO STDOUT of (${p.columns}) streamed ${(copy.bytes / 1e6).toFixed(1)} MB in ${fmt(copy.ms / 1000)} s`);
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
  const split = `reading ${fmt((p.ms - p.foldMs) / 1000)} s, folding ${fmt(p.foldMs / 1000)} s`;
  const check =
    p.mismatches.length === 0
      ? `all ${p.streams.toLocaleString('en-GB')} replayed states equal the stored snapshots`
      : `${p.mismatches.length} replayed state(s) differ from the stored snapshot, e.g. ${p.mismatches.slice(0, 3).join(', ')}`;
  const short = p.name.startsWith('store') ? 'store' : 'lean';
  return [
    {
      bench: 'replay',
      name: `replay every stream (${p.name})`,
      figure: { label: 'replay time', value: p.ms / 1000, unit: 's' },
      baseline: { label: `COPY TO STDOUT of (${p.columns === EVENT_COLUMNS ? 'all columns' : p.columns}), discarded`, value: p.copyMs / 1000, unit: 's' },
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
