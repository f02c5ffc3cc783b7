/**
 * PGlite bench (issue 10): the hub simulation through the embedded host on a
 * PGlite folder, the embedded default, at up to 2,000 schools (the size the
 * issue names; a smaller --schools runs smaller). Wall time and events per
 * second beside the rate at which PGlite takes the same event rows by `COPY
 * FROM` into a table of the same shape in the same folder, peak RSS of the
 * host process, and the folder's size beside the bytes of its event rows as
 * COPY moves them. Run in a child process, so its RSS is the host's own.
 * Not pure.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { EVENT_COLUMNS, runSimChild } from './durable.js';
import type { DurableSimResult } from './durable-sim.js';
import { RESULTS_DIR } from './history-file.js';
import { fmt, log, type BenchOptions, type BenchRow } from './report.js';

/** The size the issue states the PGlite figures for. */
export const PGLITE_SCHOOLS = 2_000;
const TARGET_RSS_MB = 1024;

/** Bytes of every file under `dir`. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

interface CopyBaseline {
  rows: number;
  ms: number;
  bytes: number;
}

/** The event rows out by COPY (not timed), then in by COPY FROM into a scratch table of the same shape (timed), which is dropped. */
async function copyBaseline(folder: string): Promise<CopyBaseline> {
  const pg = new PGlite(folder);
  try {
    const out = await pg.query(`COPY (SELECT ${EVENT_COLUMNS} FROM events ORDER BY position) TO '/dev/blob'`);
    if (!out.blob) throw new Error('PGlite gave no blob for COPY TO /dev/blob');
    await pg.exec('CREATE TABLE events_copy (LIKE events INCLUDING ALL)');
    const started = performance.now();
    const into = await pg.query(`COPY events_copy (${EVENT_COLUMNS}) FROM '/dev/blob'`, [], { blob: out.blob });
    const ms = performance.now() - started;
    await pg.exec('DROP TABLE events_copy');
    return { rows: into.affectedRows ?? 0, ms, bytes: out.blob.size };
  } finally {
    await pg.close();
  }
}

/** Runs the simulation on a fresh PGlite folder under bench-results/, which is removed afterwards. */
export async function benchPglite(opts: BenchOptions): Promise<{ rows: BenchRow[] }> {
  const schools = Math.min(opts.schools, PGLITE_SCHOOLS);
  const work = join(RESULTS_DIR, `pglite-${process.pid}`);
  const folder = join(work, 'data');
  try {
    log(`pglite: fresh folder ${folder}; ${schools.toLocaleString('en-GB')} schools x ${opts.years} years (host/simulate.ts through the embedded host)`);
    const sim = await runSimChild({ url: folder, schools, years: opts.years, seed: opts.seed, mailbox: join(work, 'mailbox') }, opts.progress, 'PGlite');
    if (sim.events === 0) throw new Error('the PGlite simulation stored no events');
    // Measured after the host closed the folder, before the COPY baseline adds to it.
    const bytes = folderBytes(folder);
    const copy = await copyBaseline(folder);
    if (copy.rows !== sim.events) throw new Error(`COPY took ${copy.rows} rows but the simulation stored ${sim.events}`);
    return { rows: pgliteRows(opts, schools, sim, copy, bytes) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function pgliteRows(opts: BenchOptions, schools: number, sim: DurableSimResult, copy: CopyBaseline, folderSize: number): BenchRow[] {
  const rate = (sim.events / sim.simMs) * 1000;
  const copyRate = (copy.rows / copy.ms) * 1000;
  const judge = (ok: boolean) => (opts.quick ? null : ok);
  const size = `${schools.toLocaleString('en-GB')} x ${opts.years}`;
  const sizes = `${schools.toLocaleString('en-GB')} schools x ${opts.years} years: ${sim.events.toLocaleString('en-GB')} events (${sim.byHub.toLocaleString('en-GB')} hub, ${sim.byTimer.toLocaleString('en-GB')} timer) in ${sim.streams.toLocaleString('en-GB')} streams`;
  return [
    {
      bench: 'pglite',
      name: `events through the embedded host on PGlite, ${size}`,
      figure: { label: 'pglite', value: rate, unit: 'events/s' },
      baseline: { label: 'COPY FROM into PGlite, same rows', value: copyRate, unit: 'rows/s' },
      ratio: { value: rate / copyRate, meaning: 'of COPY rate' },
      note: `${sizes}; per event ${fmt(sim.simMs / sim.events)} ms wall, ${fmt(sim.cpuMs / sim.events)} ms CPU (PGlite runs in the host's process); ${sim.effectsDone.toLocaleString('en-GB')} effects carried out, ${sim.effectsFailed} failed`,
    },
    {
      bench: 'pglite',
      name: `simulation wall time on PGlite, ${size} (measured)`,
      figure: { label: 'wall time', value: sim.simMs / 1000, unit: 's' },
      baseline: { label: 'COPY of the same rows into PGlite', value: copy.ms / 1000, unit: 's' },
      ratio: { value: sim.simMs / copy.ms, meaning: 'of COPY time' },
      note: sizes,
    },
    {
      bench: 'pglite',
      name: `peak RSS of the host process on PGlite, ${size}`,
      figure: { label: 'peak RSS', value: sim.peakRssMb, unit: 'MB' },
      target: `< ${TARGET_RSS_MB} MB`,
      met: judge(sim.peakRssMb < TARGET_RSS_MB),
      note: `sampled every 100 ms in the simulation's own process, PGlite's memory included (maxRSS over its life: ${fmt(sim.maxRssMb)} MB)`,
    },
    {
      bench: 'pglite',
      name: `PGlite folder after the simulation, ${size}`,
      figure: { label: 'folder', value: folderSize / 1e6, unit: 'MB' },
      baseline: { label: 'event rows as COPY moves them', value: copy.bytes / 1e6, unit: 'MB' },
      ratio: { value: folderSize / copy.bytes, meaning: 'of the rows' },
      note: 'every file in the folder (tables, indexes, write-ahead log, catalogue) once the host has closed it',
    },
  ];
}
