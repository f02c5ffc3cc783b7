import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/sequencer.js';

// Most test files wait far more than they compute (child processes, Postgres,
// Chromium, timers), so one worker per core plus one keeps both cores busy;
// vitest's default (cores - 1) ran the suite one file at a time on 2 cores.
// `npm test -- --maxWorkers N` overrides it.
const workers = availableParallelism() + 1;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
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
