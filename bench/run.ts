/**
 * `npm run bench`: runs the benches in sequence (fold, durable, replay, api, web, start),
 * prints one table of figure / baseline / ratio / target / met? and writes
 * bench-results/latest.json. Progress goes to stderr, results to stdout.
 * Not pure.
 *
 *   npm run bench                               # 20,000 schools x 5 years
 *   npm run bench -- --only fold --schools 2000
 *   npm run bench -- --quick                    # smoke run at tiny sizes
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { runDurableBench, type DurableResult } from './durable.js';
import { FOLD_LEGEND, runFoldBench } from './fold.js';
import { RESULTS_DIR } from './history-file.js';
import { benchPostgresUrl } from './pg.js';
import { runReplayBench } from './replay.js';
import { FOLD_FULL_SCHOOLS, log, table, writeResults, type BenchOptions, type BenchRow } from './report.js';

export const BENCHES = ['fold', 'durable', 'replay', 'whatif', 'pglite', 'api', 'web', 'start'] as const;
export type BenchName = (typeof BENCHES)[number];

/** Sizes of a --quick smoke run. */
export const QUICK = { schools: 20, years: 2 };

export interface RunOutcome {
  rows: BenchRow[];
  errors: { bench: string; message: string }[];
  skipped: { bench: string; reason: string }[];
  file: string;
}

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1, not ${JSON.stringify(v)}`);
    return n;
  };
}

function benchList(v: string): BenchName[] {
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(BENCHES as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) throw new InvalidArgumentError(`--only takes ${BENCHES.join(', ')} (comma-separated), not ${JSON.stringify(v)}`);
  return names as BenchName[];
}

/** The API bench, when bench/api.ts exists and exports benchApi(opts) returning rows. */
async function apiBench(opts: BenchOptions): Promise<{ rows: BenchRow[] } | { skipped: string }> {
  const file = fileURLToPath(new URL('./api.ts', import.meta.url));
  if (!existsSync(file)) return { skipped: 'bench/api.ts does not exist yet' };
  // A computed specifier: the module may not exist when this file is type-checked.
  const specifier = './api.js';
  const mod = (await import(specifier)) as { benchApi?: (o: BenchOptions) => Promise<unknown> };
  if (typeof mod.benchApi !== 'function') return { skipped: 'bench/api.ts does not export benchApi(opts)' };
  const out = await mod.benchApi(opts);
  const rows = Array.isArray(out) ? out : (out as { rows?: unknown })?.rows;
  if (!Array.isArray(rows)) return { skipped: `benchApi(opts) returned ${JSON.stringify(out)?.slice(0, 200)}, not an array of rows` };
  return { rows: rows.map((r: BenchRow) => ({ ...r, bench: r.bench ?? 'api' })) };
}

export interface RunSettings {
  /** Where the table goes (default stdout). */
  out?: (s: string) => void;
  /** Where the JSON results go (default bench-results/latest.json). */
  resultsFile?: string;
}

/** Runs the chosen benches and prints their table; resolves with what happened. */
export async function runBenches(opts: BenchOptions, only: readonly BenchName[], settings: RunSettings = {}): Promise<RunOutcome> {
  const out = settings.out ?? ((s: string) => void process.stdout.write(s));
  const rows: BenchRow[] = [];
  const errors: RunOutcome['errors'] = [];
  const skipped: RunOutcome['skipped'] = [];
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const want = (b: BenchName) => only.includes(b);
  const fail = (bench: string, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    errors.push({ bench, message });
    log(`${bench} bench failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
  };

  if (want('fold')) {
    try {
      rows.push(...(await runFoldBench(opts)).rows);
    } catch (err) {
      fail('fold', err);
    }
  }

  if (want('durable') || want('replay') || want('whatif')) {
    let durable: DurableResult | null = null;
    try {
      if (!want('durable')) log('replay and whatif need a filled event log: running the durable simulation first (its rows are not reported)');
      durable = await runDurableBench(opts);
      if (want('durable')) rows.push(...durable.rows);
    } catch (err) {
      fail('durable', err);
    }
    if (durable && want('replay')) {
      try {
        const replay = await runReplayBench(opts, durable.database.url, durable.sim.events);
        if (replay.mismatches.length > 0) log(`replay: WARNING ${replay.mismatches.length} replayed state(s) differ from the stored snapshots`);
        rows.push(...replay.rows);
      } catch (err) {
        fail('replay', err);
      }
    } else if (want('replay')) skipped.push({ bench: 'replay', reason: 'the durable simulation did not complete' });
    if (durable && want('whatif')) {
      try {
        // Both what-if commands over the simulated schools (bench/whatif.ts), beside replaying them as recorded.
        rows.push(...(await (await import('./whatif.js')).benchWhatIf(opts, durable.database.url)).rows);
      } catch (err) {
        fail('whatif', err);
      }
    } else if (want('whatif')) skipped.push({ bench: 'whatif', reason: 'the durable simulation did not complete' });
    if (durable) await durable.database.drop().catch((err) => fail('durable (dropping the database)', err));
  }

  if (want('pglite')) {
    try {
      // The same simulation on a PGlite folder, at up to 2,000 schools (bench/pglite.ts).
      rows.push(...(await (await import('./pglite.js')).benchPglite(opts)).rows);
    } catch (err) {
      fail('pglite', err);
    }
  }

  if (want('api')) {
    try {
      const r = await apiBench(opts);
      if ('skipped' in r) {
        skipped.push({ bench: 'api', reason: r.skipped });
        log(`api bench skipped: ${r.skipped}`);
      } else rows.push(...r.rows);
    } catch (err) {
      fail('api', err);
    }
  }

  if (want('web')) {
    try {
      // The hub web pages at 2,000 schools (bench/web.ts), beside the JSON API in the same run.
      rows.push(...(await (await import('./web.js')).benchWeb(opts)).rows);
    } catch (err) {
      fail('web', err);
    }
  }

  if (want('start')) {
    try {
      // How long the pathway command takes to answer, beside node -e 0 (bench/start.ts).
      rows.push(...(await (await import('./start.js')).benchStart(opts)).rows);
    } catch (err) {
      fail('start', err);
    }
  }

  const load = { before: loadBefore, after: loadavg()[0]! };
  const size = `${opts.schools.toLocaleString('en-GB')} schools x ${opts.years} years, seed ${opts.seed}, ${opts.workers} worker threads${opts.quick ? ' (QUICK smoke run: targets not judged)' : ''}`;
  // Other work on the machine slows every figure: say how busy it was.
  const machine = `${availableParallelism()} cores, load average ${load.before.toFixed(1)} at start and ${load.after.toFixed(1)} at the end`;
  out(`\nMastery Pathway benchmarks: ${size}; ${machine}\n\n${table(rows)}\n`);
  if (rows.some((r) => r.bench === 'fold')) out(`\n${FOLD_LEGEND}\n`);
  for (const s of skipped) out(`skipped ${s.bench}: ${s.reason}\n`);
  for (const e of errors) out(`FAILED ${e.bench}: ${e.message}\n`);
  const file = settings.resultsFile ?? join(RESULTS_DIR, 'latest.json');
  writeResults(file, {
    startedAt,
    seconds: (performance.now() - started) / 1000,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    options: { ...opts, postgresUrl: undefined },
    only,
    machine: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), memoryGb: Math.round(totalmem() / 2 ** 30), loadAverage: load },
    rows,
    skipped,
    errors,
  });
  out(`results written to ${file}\n`);
  return { rows, errors, skipped, file };
}

/** The CLI: parses `args` (without node and script), runs, returns the exit code (0 ok, 1 a bench failed, 2 bad usage). */
export async function main(args: string[]): Promise<number> {
  const program = new Command('bench')
    .description('Mastery Pathway benchmarks: fold (issue 2), durable simulation and replay (issue 3), HTTP API')
    .option('--only <benches>', `run only these, comma-separated: ${BENCHES.join(', ')}`, benchList)
    .option('--schools <n>', 'schools (default 20000, and 50100 for the fold so that it folds 6M events; --quick: 20)', positiveInt('--schools'))
    .option('--years <n>', 'academic years per school (default 5; --quick: 2)', positiveInt('--years'))
    .option('--seed <n>', 'seed of the synthetic hub (default 1)', positiveInt('--seed'))
    .option('--workers <n>', 'worker threads for the parallel fold (default: one per core)', positiveInt('--workers'))
    .option('--db <postgres-url>', 'Postgres server to create the bench database on (default TEST_DATABASE_URL, DATABASE_URL, postgres://postgres@127.0.0.1:5432/test)')
    .option('--quick', 'smoke run at tiny sizes: every figure printed, targets not judged')
    .option('--no-progress', 'no progress lines on stderr')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(args, { from: 'user' });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts<{ only?: BenchName[]; schools?: number; years?: number; seed?: number; workers?: number; db?: string; quick?: boolean; progress: boolean }>();
  const quick = o.quick === true;
  const opts: BenchOptions = {
    schools: o.schools ?? (quick ? QUICK.schools : 20_000),
    // At the full size the fold folds 6M events, so that its 6M row is measured, not projected.
    ...(o.schools === undefined && !quick && (o.years ?? 5) === 5 ? { foldSchools: FOLD_FULL_SCHOOLS } : {}),
    years: o.years ?? (quick ? QUICK.years : 5),
    seed: o.seed ?? 1,
    workers: o.workers ?? availableParallelism(),
    postgresUrl: o.db ?? benchPostgresUrl(),
    progress: o.progress,
    quick,
  };
  const outcome = await runBenches(opts, o.only ?? BENCHES);
  return outcome.errors.length > 0 ? 1 : 0;
}
