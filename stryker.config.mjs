// Mutation testing (issue 15): `npm run mutate`. StrykerJS 9 (10.x needs Node 22).
// Scoped to the modules that hold the rules and the trust: the rule machines,
// the form rules, the event hash and the funding ledger, who may read which
// hub, and the outbox and timer claims. Each mutant runs only the tests that
// cover it (coverageAnalysis perTest), taken from the test files listed here.
// Not part of `npm test` or .ci/run: a full run takes far longer than a test run.
// Reports go to reports/mutation/ (gitignored); incremental mode keeps its
// results there too, so a second run re-tests only mutants whose code or
// tests changed.

/**
 * Module groups: the code mutated and the test files that cover it. The test
 * lists are the fast, scoped ones each module's score was measured with
 * (README): with the slow files too (the model walk, the API access matrix,
 * the database-wide tests), each mutant covered by them re-ran them and a
 * whole run was projected at days instead of about an hour and a half.
 */
export const groups = {
  machines: {
    mutate: ['machines/rules.ts', 'machines/schedule-rules.ts', 'machines/backdating.ts', 'machines/steps.ts'],
    // Not machines-model (the xstate/graph walk) nor machines-golden: minutes a mutant, and the direct tests kill what they would.
    testFiles: [
      'test/machines-backdating.test.ts',
      'test/machines-fast.test.ts',
      'test/machines-fixes.test.ts',
      'test/machines-pathway.test.ts',
      'test/machines-people.test.ts',
      'test/machines-rules.test.ts',
      'test/machines-schedule-rules.test.ts',
      'test/machines-upcoming.test.ts',
      'test/mutation-machines*.test.ts',
    ],
  },
  forms: {
    mutate: ['domain/forms/**/*.ts'],
    testFiles: ['test/forms.test.ts', 'test/mutation-forms*.test.ts'],
  },
  hash: {
    mutate: ['store/hash.ts', 'store/ledger.ts', 'store/ledger-events.ts', 'store/merkle.ts'],
    testFiles: ['test/store-hash.test.ts', 'test/verify-hash-v2.test.ts', 'test/mutation-hash*.test.ts', 'test/merkle.test.ts', 'test/mutation-merkle*.test.ts', 'test/mutation-ledger.test.ts'],
  },
  access: {
    mutate: ['service/access.ts'],
    testFiles: ['test/mutation-access*.test.ts'],
  },
  claims: {
    mutate: ['store/outbox.ts', 'store/timers.ts'],
    testFiles: ['test/mutation-claims*.test.ts', 'test/mutation-outbox.test.ts'],
  },
};

// machines-people: the Mastery Ready rule and the people events' rules (leader, action plan) are only reached there.
const MACHINES_DIRECT = ['test/machines-rules.test.ts', 'test/machines-pathway.test.ts', 'test/machines-fixes.test.ts', 'test/machines-people.test.ts', 'test/mutation-machines*.test.ts'];
const FORMS = ['test/forms.test.ts', 'test/mutation-forms*.test.ts'];

/**
 * Each module of `npm run mutate` (scripts/mutate.mjs) with the test files it
 * is mutated against: one Stryker run a module, so that a static mutant (one
 * in a module-level constant, which Stryker cannot map to the tests that
 * cover it and so runs against every test of the run) re-runs only its own
 * module's tests. In one run of every module, 1,175 of 2,911 mutants were
 * static and each re-ran all 536 tests: projected at days.
 */
export const modules = {
  'service/access.ts': ['test/mutation-access*.test.ts'],
  'store/hash.ts': ['test/store-hash.test.ts', 'test/verify-hash-v2.test.ts', 'test/mutation-hash*.test.ts'],
  'store/merkle.ts': ['test/merkle.test.ts', 'test/mutation-merkle*.test.ts'],
  'store/ledger.ts': ['test/mutation-ledger.test.ts', 'test/verify-hash-v2.test.ts'],
  'store/ledger-events.ts': ['test/mutation-ledger.test.ts', 'test/funding-ledger.test.ts'],
  'store/timers.ts': ['test/mutation-claims-timers.test.ts'],
  'store/outbox.ts': ['test/mutation-outbox.test.ts'],
  'machines/backdating.ts': ['test/machines-backdating.test.ts', ...MACHINES_DIRECT],
  'machines/rules.ts': MACHINES_DIRECT,
  'machines/schedule-rules.ts': ['test/machines-schedule-rules.test.ts', ...MACHINES_DIRECT],
  // machines-golden: fifteen whole histories' effects, which the step score was measured with (2 s of tests; without it 111 of the first 467 mutants survived).
  'machines/steps.ts': [...groups.machines.testFiles, 'test/machines-golden.test.ts'],
  'domain/forms/validate.ts': FORMS,
  'domain/forms/checks.ts': FORMS,
  'domain/forms/fields.ts': FORMS,
  'domain/forms/schemas.ts': FORMS,
  'domain/forms/rules.ts': FORMS,
  'domain/forms/words.ts': FORMS,
  // Where a form file stops being JSON: the property tests feed it broken texts (the form tests never do).
  'domain/forms/json-error.ts': ['test/mutation-forms-json-error.test.ts', 'test/forms-property.test.ts'],
  'domain/forms/from-programme.ts': FORMS,
};

/** The report folder of one module's run: reports/mutation/module/machines-rules. Pure. */
export function moduleReportDir(file) {
  return `reports/mutation/module/${file.replace(/\.ts$/, '').replace(/[/\\]/g, '-')}`;
}

/**
 * The test files of a run, handed to vitest.mutation.config.mjs through the
 * environment that Stryker's test-runner processes inherit. Not Stryker's
 * `testFiles` option: with it, static mutants survive falsely (stryker-js
 * issue 6144, Stryker 9.6.1).
 */
export function withTests(files) {
  process.env.MUTATION_TEST_FILES = JSON.stringify(files);
  return {};
}

/** The shared settings; the machine is shared, so few processes and long timeouts. */
export const base = {
  packageManager: 'npm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // vitest.mutation.config.mjs picks the tests (see withTests); vitest's
  // `related` would also pull in every slow test that reaches a module
  // through an index file.
  vitest: { configFile: 'vitest.mutation.config.mjs', related: false },
  coverageAnalysis: 'perTest',
  checkers: [],
  concurrency: 1,
  timeoutMS: 30_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 30,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  // Large outputs the tests never read: kept out of each sandbox copy.
  ignorePatterns: ['bench-results', 'test-screenshots', 'reports', 'data', 'mailbox', '.pglite', 'dist'],
  thresholds: { high: 90, low: 80, break: null },
};

// MUTATE_GROUP=machines npm run mutate: one group only, with its own report
// and incremental file (reports/mutation/<group>/), so it never overwrites the
// full run's.
// MUTATE_MODULE=machines/rules.ts: that module alone, against its own tests
// (the `modules` table), with its own report and incremental file.
const oneModule = process.env.MUTATE_MODULE;
if (oneModule !== undefined && !(oneModule in modules)) {
  throw new Error(`MUTATE_MODULE: ${JSON.stringify(oneModule)} is not in the modules table (known: ${Object.keys(modules).join(', ')})`);
}
const only = process.env.MUTATE_GROUP;
if (only !== undefined && !(only in groups)) {
  throw new Error(`MUTATE_GROUP: ${JSON.stringify(only)} is not a group (known: ${Object.keys(groups).join(', ')})`);
}
const chosen = oneModule !== undefined ? [{ mutate: [oneModule], testFiles: modules[oneModule] }] : only === undefined ? Object.values(groups) : [groups[only]];
// MUTATE_REPORT=reports/mutation/x: where this run's reports and incremental
// file go, so runs of single modules of one group keep their own.
const out = process.env.MUTATE_REPORT ?? (oneModule !== undefined ? moduleReportDir(oneModule) : only === undefined ? 'reports/mutation' : `reports/mutation/${only}`);
// MUTATE_TESTS='test/a.test.ts,test/b*.test.ts': run these test files instead
// of the group's, e.g. only the fast, database-free ones on a loaded machine
// (each mutant re-runs its covering test files, set-up included). A score so
// measured is a lower bound of the group's: more tests can only kill more.
const testsOverride = process.env.MUTATE_TESTS?.split(',').map((f) => f.trim()).filter(Boolean);
export default {
  ...base,
  mutate: chosen.flatMap((g) => g.mutate),
  ...withTests(testsOverride?.length ? testsOverride : chosen.flatMap((g) => g.testFiles)),
  htmlReporter: { fileName: `${out}/index.html` },
  jsonReporter: { fileName: `${out}/mutation.json` },
  incrementalFile: `${out}/stryker-incremental.json`,
};
