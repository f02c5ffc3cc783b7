import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/sequencer.js';

// Many test files wait on child processes, Postgres, Chromium and timers, so
// there are more workers than cores: with cores + 1 the two cores here were
// still about a fifth idle (npm test 907 s), with cores + 2 the suite took
// 869 s; vitest's default (cores - 1) ran it one file at a time on 2 cores.
// `npm test -- --maxWorkers N` overrides it.
const workers = availableParallelism() + 2;

/**
 * Files that must each have a process of their own. Some would change the
 * process for the files after them: the Temporal tests fake the clock and
 * mock modules; api-cli, cli-at and people run the CLI in-process, whose
 * main() installs its settings for the rest of the process (config/load.ts),
 * so a later file's SMTP_URL or signing key went unread; web-audit-checks
 * sets an environment variable for its whole file. The others read such
 * settings and failed after one of those in the same worker. Every other file
 * shares its worker's modules with the files before it: importing the service
 * again for each file was about a fifth of the suite's CPU (run one after the
 * other on 2 cores: every file isolated 991.6 s and 1,448 CPU-seconds, these
 * two projects 821.6 s and 1,162; docs/measurements.md).
 */
const ISOLATED = [
  'test/temporal-*.test.ts',
  'test/api-cli.test.ts',
  'test/api-year.test.ts',
  'test/reminders-smtp.test.ts',
  'test/store-prepared.test.ts',
  'test/verify-tamper.test.ts',
  'test/web-audit-checks.test.ts',
  'test/cli-at.test.ts',
  'test/people.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ISOLATED, isolate: false } },
      { extends: true, test: { name: 'isolated', include: ISOLATED } },
    ],
    // `npm run test:cpu` (scripts/test-cpu.ts): each file's CPU and its children's, written when the file ends.
    setupFiles: process.env.PATHWAY_TEST_CPU_DIR ? ['test/helpers/cpu-probe.ts'] : [],
    // dist/ rebuilt if stale; one Chromium for the page tests of the run (test/global-browser.ts).
    globalSetup: ['test/global-setup.ts', 'test/global-browser.ts'],
    // Limits that only stop a hang: with more workers than cores a CPU-bound
    // test (the model walk takes about 15 s alone) ran past 60 s on a busy machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: workers,
    // PGlite's WebAssembly optimised by TurboFan pays off only in long runs; the
    // tests open hundreds of short-lived databases, and V8's baseline compiler
    // alone (Liftoff) cut their CPU by about a quarter (as bin/pathway.mjs does
    // for short commands). Postgres tests are unaffected.
    execArgv: ['--liftoff-only'],
    // The slowest files first, from test/durations.json on a fresh clone (test/sequencer.ts).
    sequence: { sequencer: SlowestFirst },
  },
});
