/**
 * Child process of the durable bench: runs the hub simulation (host/simulate.ts)
 * through the embedded host on a Postgres database or a PGlite folder and
 * reports events, time, peak RSS and (on Postgres) the database's commit and
 * WAL-sync counts. A process of its
 * own, so its peak RSS is the host's and not the earlier benches'. Started by
 * durable.ts through bench/ts-entry.mjs (tsx's loader). Not pure.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { SimulatedClock } from '../host/clock.js';
import { createEmbeddedEngine } from '../host/embedded.js';
import { keepsMailbox, SIMULATION_DISPATCH, simulateHub } from '../host/simulate.js';
import { createMailer, noMailer } from '../activities/mail/mailer.js';
import { openStore } from '../store/index.js';
import type { Db } from '../store/db.js';
import { useHostHeap } from '../bin/host-heap.mjs';

export interface DurableSimTask {
  url: string;
  schools: number;
  years: number;
  seed: number;
  mailbox: string;
}

export interface DurableSimResult {
  events: number;
  byHub: number;
  byTimer: number;
  simMs: number;
  /** CPU time (user + system) the host process used during the simulation, ms: the rest of simMs is waiting, mostly on Postgres. */
  cpuMs: number;
  /** Largest RSS seen by sampling every 100 ms during the simulation, MB. */
  peakRssMb: number;
  /** process.resourceUsage().maxRSS at the end (the whole child's life), MB. */
  maxRssMb: number;
  /** Transactions committed in the database during the simulation (pg_stat_database). */
  commits: number;
  /** WAL flushes to disk during the simulation (pg_stat_wal.wal_sync; null when the server does not report it). */
  walSyncs: number | null;
  rejected: number;
  rejections: string[];
  effectsDone: number;
  effectsFailed: number;
  streams: number;
  /** Wall time spent inside the engine's tick (firing due timers: each timer's event decided and stored with its timers and outbox rows; the effects are carried out by the day's drain), ms. */
  tickMs: number;
  /** Timers the ticks fired. */
  timersFired: number;
}

export type DurableSimMessage =
  | { type: 'progress'; daysDone: number; daysTotal: number; events: number }
  | { type: 'done'; result: DurableSimResult }
  | { type: 'error'; message: string };

async function counters(db: Db): Promise<{ commits: number; walSyncs: number | null }> {
  // PGlite is one backend in this process with no statistics collector: nothing to count.
  if (db.kind !== 'postgres') return { commits: NaN, walSyncs: null };
  const c = await db.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()');
  let walSyncs: number | null = null;
  try {
    const w = await db.query<{ n: string }>('SELECT wal_sync::text AS n FROM pg_stat_wal');
    walSyncs = Number(w.rows[0]?.n ?? NaN);
  } catch {
    walSyncs = null;
  }
  return { commits: Number(c.rows[0]?.n ?? NaN), walSyncs };
}

/** Runs the simulation described by `task`; progress goes to `report`. */
export async function runDurableSim(task: DurableSimTask, report: (m: DurableSimMessage) => void = () => undefined): Promise<DurableSimResult> {
  // As `pathway simulate` and the server run (bin/pathway.mjs): a long-running host's heap growth.
  useHostHeap();
  mkdirSync(task.mailbox, { recursive: true });
  const store = await openStore(task.url);
  // The simulation's first applications open up to 14 months before its first year (2018/19).
  // As `pathway simulate` runs it: effects once a simulated day; above its school limit (keepsMailbox) each email is
  // rendered and recorded in sent_messages but no copy is kept (a mailbox file each would be most of the time).
  const mailer = keepsMailbox(task.schools) ? createMailer({ mailboxDir: task.mailbox }) : noMailer();
  const engine = await createEmbeddedEngine({ store, clock: new SimulatedClock('2017-01-01T00:00:00Z'), mailer, dispatch: SIMULATION_DISPATCH });
  // Time the ticks, which fire the timers: the figure set beside a job queue's jobs per second.
  let tickMs = 0;
  let timersFired = 0;
  const tick = engine.tick.bind(engine);
  engine.tick = async (...args: Parameters<typeof tick>) => {
    const t0 = performance.now();
    const r = await tick(...args);
    tickMs += performance.now() - t0;
    timersFired += r.fired;
    return r;
  };
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  try {
    const before = await counters(store.db);
    let lastReport = 0;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const summary = await simulateHub({
      engine,
      schools: task.schools,
      years: task.years,
      seed: task.seed,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastReport < 500 && p.daysDone < p.daysTotal) return;
        lastReport = now;
        report({ type: 'progress', daysDone: p.daysDone, daysTotal: p.daysTotal, events: p.events + p.timersFired });
      },
    });
    const simMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    peak = Math.max(peak, process.memoryUsage.rss());
    // The statistics collector reports at transaction end; a moment later they are visible.
    await new Promise((r) => setTimeout(r, 600));
    const after = await counters(store.db);
    const streams = Number((await store.db.query<{ n: string }>('SELECT count(*)::text AS n FROM streams')).rows[0]?.n ?? 0);
    return {
      events: summary.events.total,
      byHub: summary.events.byHub,
      byTimer: summary.events.byTimer,
      simMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMb: peak / 2 ** 20,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      commits: after.commits - before.commits,
      walSyncs: after.walSyncs === null || before.walSyncs === null ? null : after.walSyncs - before.walSyncs,
      rejected: summary.run.rejected,
      rejections: summary.run.rejections,
      effectsDone: summary.run.effectsDone,
      effectsFailed: summary.run.effectsFailed,
      streams,
      tickMs,
      timersFired,
    };
  } finally {
    clearInterval(sampler);
    await engine.close();
    await store.close();
    rmSync(task.mailbox, { recursive: true, force: true });
  }
}

// As a forked child: take the task from the first IPC message, answer with the result.
if (process.send && process.env.PATHWAY_BENCH_CHILD === 'durable-sim') {
  process.once('message', (task: DurableSimTask) => {
    runDurableSim(task, (m) => process.send!(m))
      .then((result) => process.send!({ type: 'done', result } satisfies DurableSimMessage))
      .catch((err: unknown) => process.send!({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies DurableSimMessage))
      .finally(() => process.disconnect());
  });
}
