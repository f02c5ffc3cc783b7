/**
 * How long the `pathway` command takes to answer (issue 13), called by
 * `npm run bench` as `benchStart(opts)`: the wall time of whole processes,
 * median of several runs, beside `node -e 0` measured in the same run,
 * interleaved with them (so a busy machine slows both alike):
 *   - `pathway --help` from the compiled dist/ (target under 0.3 s);
 *   - a single-school read, `pathway schools show <urn>` on a PGlite folder
 *     holding one school (target under 1 s);
 *   - `pathway --help` through tsx, as every start was before the build
 *     (no target: what the build saves);
 *   - the launcher's check that dist/ matches the sources (bin/source-stamp.mjs).
 * Builds dist/ first when it is missing or older than the sources. Not pure
 * (processes, files, the clock).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, log, type BenchOptions, type BenchRow } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PATHWAY = join(ROOT, 'bin', 'pathway.mjs');
const FORM = join(ROOT, 'examples', 'forms', 'primary-readiness-2020.json');
const URN = '122657';

/** Preloaded into every timed process: its CPU time (all threads), written to stderr at exit. */
const CPU_PROBE = `data:text/javascript,${encodeURIComponent("process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\ncpu-seconds ' + (u.user + u.system) / 1e6 + '\\n'); })")}`;

interface Run {
  seconds: number;
  cpu: number;
  status: number | null;
  stderr: string;
}

/**
 * Runs node with `args` in `cwd`: its wall time as the parent sees it (spawn
 * to exit) and the CPU time it reports. The wall time is the figure; the CPU
 * time says how much of it a busy machine added.
 */
function timeNode(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_PROBE, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = (performance.now() - started) / 1000;
  const cpu = Number(/cpu-seconds ([\d.]+)\s*$/.exec(r.stderr)?.[1] ?? NaN);
  return { seconds, cpu, status: r.status, stderr: r.stderr };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Measured {
  /** Median wall seconds of the command and of node -e 0. */
  command: number;
  node: number;
  /** Median CPU seconds of each. */
  commandCpu: number;
  nodeCpu: number;
}

/** Runs `pathway <args>` and `node -e 0` alternately `n` times; their medians. Throws when pathway fails. */
function measure(what: string, args: string[], cwd: string, n: number, env: NodeJS.ProcessEnv = {}): Measured {
  const command: Run[] = [];
  const node: Run[] = [];
  for (let i = 0; i < n; i++) {
    const r = timeNode([PATHWAY, ...args], cwd, env);
    if (r.status !== 0) throw new Error(`${what}: pathway ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().slice(0, 500)}`);
    command.push(r);
    node.push(timeNode(['-e', '0'], cwd));
  }
  return {
    command: median(command.map((r) => r.seconds)),
    node: median(node.map((r) => r.seconds)),
    commandCpu: median(command.map((r) => r.cpu)),
    nodeCpu: median(node.map((r) => r.cpu)),
  };
}

/** A row: the command's median against node -e 0's, the CPU times in the note. */
function row(name: string, m: Measured, n: number, target: number | undefined, note: string, quick: boolean): BenchRow {
  return {
    bench: 'start',
    name,
    figure: { label: `median of ${n}`, value: m.command, unit: 's' },
    baseline: { label: 'node -e 0', value: m.node, unit: 's' },
    ratio: { value: m.command / m.node, meaning: 'of node -e 0' },
    ...(target === undefined ? {} : { target: `< ${target} s`, met: quick ? null : m.command < target }),
    note: `${note}; CPU ${fmt(m.commandCpu)} s (node -e 0: ${fmt(m.nodeCpu)} s)`,
  };
}

/** bin/source-stamp.mjs: plain JavaScript shared with the launcher (a computed specifier keeps tsc from typing it). */
async function sourceStamp(): Promise<{ staleness(): string | null }> {
  const specifier = '../bin/source-stamp.mjs';
  return (await import(specifier)) as { staleness(): string | null };
}

/** Builds dist/ when the launcher would not run it. */
async function ensureBuilt(): Promise<void> {
  const { staleness } = await sourceStamp();
  const why = staleness();
  if (why === null) return;
  log(`start bench: ${why}: building`);
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  // Exit 1 with a fresh stamp means type errors only: dist/ runs.
  if (staleness() !== null) throw new Error(`npm run build failed (exit ${r.status}), so the compiled start cannot be measured`);
}

/** The launcher's freshness check, timed in this process: median of 20 calls, in milliseconds. */
async function freshnessCheckMs(): Promise<number> {
  const { staleness } = await sourceStamp();
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    staleness();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** Records one school (`pathway applications submit`) for the read to find. */
function applyOnce(db: string, cwd: string): void {
  const r = timeNode([PATHWAY, '--db', db, 'applications', 'submit', FORM], cwd);
  if (r.status !== 0) throw new Error(`could not record a school to read back: pathway applications submit: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
}

export async function benchStart(opts: BenchOptions): Promise<{ rows: BenchRow[] }> {
  const n = opts.quick ? 2 : 7;
  await ensureBuilt();
  const cwd = mkdtempSync(join(tmpdir(), 'pathway-start-bench-'));
  try {
    const rows: BenchRow[] = [];
    if (opts.progress) log(`start bench: pathway --help from dist/, ${n} runs`);
    rows.push(row('pathway --help (compiled dist/)', measure('help', ['--help'], cwd, n), n, 0.3, 'whole process, spawn to exit', opts.quick));

    const db = join(cwd, 'pglite');
    if (opts.progress) log(`start bench: one school on PGlite, then pathway schools show, ${n} runs`);
    applyOnce(db, cwd);
    rows.push(row(`pathway schools show ${URN} (PGlite, one school)`, measure('read', ['--db', db, 'schools', 'show', URN], cwd, n), n, 1, 'opens PGlite, checks the migrations, reads one school', opts.quick));

    const tsxRuns = opts.quick ? 1 : 3;
    if (opts.progress) log(`start bench: pathway --help through tsx, ${tsxRuns} runs`);
    rows.push(row('pathway --help through tsx (no build)', measure('help through tsx', ['--help'], cwd, tsxRuns, { PATHWAY_START: 'tsx' }), tsxRuns, undefined, 'how every start was before dist/, and is after editing a source until npm run build', opts.quick));

    const check = await freshnessCheckMs();
    rows.push({ bench: 'start', name: 'launcher check that dist/ matches the sources', figure: { label: 'median of 20', value: check, unit: 'ms' }, note: `a stat of every file in the source folders, ${fmt(check)} ms of each start` });
    return { rows };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
