/**
 * Durable bench (issue 3): the hub simulation (N schools x Y years) through
 * the embedded host on a fresh Postgres database; events per second, wall
 * time and peak RSS, beside the rate at which Postgres takes the same event
 * rows by `COPY events FROM STDIN` into a scratch table of the same shape,
 * measured in the same run. Targets (20,000 schools x 5 years): under 60 s,
 * at least 0.25x the COPY rate, RSS under 1 GB. The database is kept for the
 * replay bench and dropped by the caller. Not pure.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR } from './history-file.js';
import { copyInFromFile, copyOutToFile, createBenchDatabase, execSql, type BenchDatabase } from './pg.js';
import { progress } from './progress.js';
import { fmt, log, type BenchOptions, type BenchRow } from './report.js';
import type { DurableSimMessage, DurableSimResult, DurableSimTask } from './durable-sim.js';
import { QUEUE_CHUNK, runGraphileBaseline, type GraphileResult } from './graphile.js';

/** The size the targets are stated for. */
export const TARGET_SCHOOLS = 20_000;
export const TARGET_YEARS = 5;
const TARGET_SECONDS = 60;
const TARGET_COPY_RATIO = 0.25;
const TARGET_RSS_MB = 1024;

/** The columns of an event row, in table order (the position is copied too, so the rows are the same). */
export const EVENT_COLUMNS = 'position, urn, version, type, payload, occurred_at, recorded_at, actor, machine_version, state, prev_hash, hash';

export interface DurableResult {
  rows: BenchRow[];
  database: BenchDatabase;
  sim: DurableSimResult;
  copy: { rows: number; ms: number; bytes: number };
  graphile: GraphileResult | null;
}

/**
 * The V8 options `npm start` gives the server (a young generation of 64 MB a
 * half instead of 16: a host's garbage is short-lived, and collecting it
 * every 16 MB cost the simulations measured 6-18% of their CPU), so that the
 * simulation's host runs as the service does. Read from package.json, not
 * copied.
 */
export function hostNodeOptions(): string[] {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start!.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('bin/pathway.mjs')).filter((w) => w.startsWith('--'));
}

/** Runs the simulation in a child process (so its RSS is its own) and resolves with its report; `where` names the database for the progress bar. */
export function runSimChild(task: DurableSimTask, showProgress: boolean, where = 'Postgres'): Promise<DurableSimResult> {
  const entry = fileURLToPath(new URL('./ts-entry.mjs', import.meta.url));
  const file = fileURLToPath(new URL('./durable-sim.ts', import.meta.url));
  const bar = progress(`durable simulation: ${task.schools.toLocaleString('en-GB')} schools x ${task.years} years through the embedded host on ${where}`, 0, 'simulated days', showProgress);
  return new Promise((resolve, reject) => {
    const child = fork(entry, [file], { execArgv: hostNodeOptions(), env: { ...process.env, PATHWAY_BENCH_CHILD: 'durable-sim' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.on('message', (m: DurableSimMessage) => {
      if (m.type === 'progress') bar.update(m.daysDone, `${m.events.toLocaleString('en-GB')} events stored`, m.daysTotal);
      else if (m.type === 'done') {
        settled = true;
        bar.finish();
        resolve(m.result);
      } else {
        settled = true;
        reject(new Error(`durable simulation failed: ${m.message}`));
      }
    });
    child.on('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`durable simulation process exited (${signal ?? `code ${code}`}) before it reported`));
      settled = true;
    });
    child.send(task);
  });
}

/** Runs the durable bench on a fresh database on `opts.postgresUrl`; the caller must drop `result.database`. */
export async function runDurableBench(opts: BenchOptions): Promise<DurableResult> {
  const database = await createBenchDatabase(opts.postgresUrl);
  const work = join(RESULTS_DIR, `durable-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    log(`durable: fresh database ${database.name}; ${opts.schools.toLocaleString('en-GB')} schools x ${opts.years} years (host/simulate.ts through the embedded host)`);
    const sim = await runSimChild({ url: database.url, schools: opts.schools, years: opts.years, seed: opts.seed, mailbox: join(work, 'mailbox') }, opts.progress);
    if (sim.events === 0) throw new Error('durable simulation stored no events');

    // Baseline: the same rows, exported (not timed), then taken in by COPY into a table of the same shape (timed).
    const dump = join(work, 'events.copy');
    await copyOutToFile(database.url, `SELECT ${EVENT_COLUMNS} FROM events ORDER BY position`, dump);
    await execSql(database.url, 'CREATE TABLE events_copy (LIKE events INCLUDING ALL)');
    log(`durable: COPY baseline: ${sim.events.toLocaleString('en-GB')} rows, ${(statSync(dump).size / 1e6).toFixed(1)} MB`);
    const copy = await copyInFromFile(database.url, 'events_copy', dump, EVENT_COLUMNS);
    const bytes = statSync(dump).size;
    await execSql(database.url, 'DROP TABLE events_copy');
    if (copy.rows !== sim.events) throw new Error(`COPY took ${copy.rows} rows but the simulation stored ${sim.events}`);
    log(`durable: graphile-worker baseline: ${sim.timersFired.toLocaleString('en-GB')} no-op jobs queued and run on a fresh database`);
    const graphile = sim.timersFired > 0 ? await runGraphileBaseline(opts.postgresUrl, sim.timersFired, { progress: opts.progress }) : null;
    return { rows: [...durableRows(opts, sim, copy), ...timerRows(opts, sim, graphile)], database, sim, copy: { ...copy, bytes }, graphile };
  } catch (err) {
    await database.drop().catch(() => undefined);
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function durableRows(opts: BenchOptions, sim: DurableSimResult, copy: { rows: number; ms: number }): BenchRow[] {
  const rate = (sim.events / sim.simMs) * 1000;
  const copyRate = (copy.rows / copy.ms) * 1000;
  const fullSize = opts.schools === TARGET_SCHOOLS && opts.years === TARGET_YEARS;
  const judge = (ok: boolean) => (opts.quick ? null : ok);
  // The simulation's events grow with schools (each school's years are independent), so scale by schools; years change the mix and are not scaled.
  const projectedEvents = fullSize ? sim.events : (sim.events / opts.schools) * TARGET_SCHOOLS;
  const projectedSeconds = projectedEvents / rate;
  const sizes = `${opts.schools.toLocaleString('en-GB')} schools x ${opts.years} years: ${sim.events.toLocaleString('en-GB')} events (${sim.byHub.toLocaleString('en-GB')} hub, ${sim.byTimer.toLocaleString('en-GB')} timer) in ${sim.streams.toLocaleString('en-GB')} streams`;
  const perEvent =
    `per event: ${fmt(sim.simMs / sim.events)} ms wall, of which ${fmt(sim.cpuMs / sim.events)} ms host CPU (the rest waits, mostly on Postgres), ` +
    `${fmt(sim.commits / sim.events)} commits${sim.walSyncs === null ? '' : `, ${fmt(sim.walSyncs / sim.events)} WAL syncs (server-wide)`}`;
  const rows: BenchRow[] = [
    {
      bench: 'durable',
      name: 'events through the embedded host on Postgres',
      figure: { label: 'durable', value: rate, unit: 'events/s' },
      baseline: { label: 'COPY FROM STDIN, same rows', value: copyRate, unit: 'rows/s' },
      ratio: { value: rate / copyRate, meaning: 'of COPY rate' },
      target: `>= ${TARGET_COPY_RATIO}x COPY rate`,
      met: judge(rate / copyRate >= TARGET_COPY_RATIO),
      note: `${sizes}; ${perEvent}; ${sim.effectsDone.toLocaleString('en-GB')} effects carried out, ${sim.effectsFailed} failed, ${sim.rejected} hub events rejected`,
    },
    {
      bench: 'durable',
      name: `simulation wall time, ${opts.schools.toLocaleString('en-GB')} x ${opts.years} (measured)`,
      figure: { label: 'wall time', value: sim.simMs / 1000, unit: 's' },
      baseline: { label: 'COPY of the same rows', value: copy.ms / 1000, unit: 's' },
      ratio: { value: sim.simMs / copy.ms, meaning: 'of COPY time' },
      ...(fullSize ? { target: `< ${TARGET_SECONDS} s`, met: judge(sim.simMs / 1000 < TARGET_SECONDS) } : {}),
      note: sizes,
    },
  ];
  if (!fullSize) {
    rows.push({
      bench: 'durable',
      name: `simulation wall time, ${TARGET_SCHOOLS.toLocaleString('en-GB')} x ${opts.years} (PROJECTED)`,
      figure: { label: 'projected wall time', value: projectedSeconds, unit: 's' },
      baseline: { label: 'COPY of as many rows, projected', value: projectedEvents / copyRate, unit: 's' },
      ratio: { value: projectedSeconds / (projectedEvents / copyRate), meaning: 'of COPY time' },
      target: `< ${TARGET_SECONDS} s`,
      met: judge(projectedSeconds < TARGET_SECONDS),
      note: `projected, not measured: ${fmt(projectedEvents)} events (events per school at this size x ${TARGET_SCHOOLS.toLocaleString('en-GB')}) at the measured ${fmt(rate)} events/s`,
    });
  }
  rows.push({
    bench: 'durable',
    name: 'peak RSS of the host process',
    figure: { label: 'peak RSS', value: sim.peakRssMb, unit: 'MB' },
    target: `< ${TARGET_RSS_MB} MB`,
    met: judge(sim.peakRssMb < TARGET_RSS_MB),
    note: `sampled every 100 ms in the simulation's own process (maxRSS over its life: ${fmt(sim.maxRssMb)} MB)${fullSize ? '' : '; measured at this size only, RSS may grow with the number of schools'}`,
  });
  return rows;
}

/** Our timer firings per second of tick time beside graphile-worker's no-op jobs per second (queued and run). Target >= 1x, goal 2x. */
function timerRows(opts: BenchOptions, sim: DurableSimResult, g: GraphileResult | null): BenchRow[] {
  if (!g || sim.tickMs <= 0) return [];
  const ours = (sim.timersFired / sim.tickMs) * 1000;
  const theirs = (g.jobs / (g.queueMs + g.runMs)) * 1000;
  return [
    {
      bench: 'durable',
      name: 'timer firings through the embedded host (tick)',
      figure: { label: 'timers', value: ours, unit: 'timers/s' },
      baseline: { label: `graphile-worker ${g.version}, no-op jobs queued + run`, value: theirs, unit: 'jobs/s' },
      ratio: { value: ours / theirs, meaning: 'of graphile-worker' },
      target: '>= 1x (goal 2x)',
      met: opts.quick ? null : ours >= theirs,
      note:
        `${sim.timersFired.toLocaleString('en-GB')} timers fired in ${fmt(sim.tickMs / 1000)} s of tick (two lanes side by side, each its own schools; each timer decided, stored with its timers and outbox rows; their effects are carried out by the day's drain, ` +
        `as \`pathway simulate\` runs, and counted in the durable row's time, not here); ` +
        `graphile-worker ${g.version} (the last release for Node 20), same Postgres: ${g.jobs.toLocaleString('en-GB')} jobs queued by SQL add_jobs (${QUEUE_CHUNK.toLocaleString('en-GB')} a statement) in ${fmt(g.queueMs / 1000)} s ` +
        `(${fmt((g.jobs / g.queueMs) * 1000)} jobs/s), run by a worker of concurrency ${g.concurrency} in ${fmt(g.runMs / 1000)} s (${fmt((g.jobs / g.runMs) * 1000)} jobs/s)`,
    },
  ];
}
