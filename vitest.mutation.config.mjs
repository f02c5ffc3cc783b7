// The vitest configuration of mutation runs (stryker.config.mjs): the shared
// one, with `include` narrowed to the test files of the group being mutated,
// which stryker.config.mjs hands over in MUTATION_TEST_FILES (its test-runner
// processes inherit its environment). Stryker's own `testFiles` option is not
// used for this: with it, Stryker 9.6.1 activates a static mutant (one in a
// module-level constant) only after the module has loaded, so such mutants
// survive falsely (stryker-js issue 6144; seen here on machines/backdating.ts).
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from './vitest.config.ts';

const files = process.env.MUTATION_TEST_FILES;
if (!files) throw new Error('MUTATION_TEST_FILES: not set; run through npm run mutate or mutate:smoke');

// Set after merging: mergeConfig would add these to the shared `include`, not replace it.
const config = mergeConfig(shared, defineConfig({}));
config.test.include = JSON.parse(files);
// One project of the named files: the shared config's projects (isolated and shared files) would each add every test file.
delete config.test.projects;
// Stryker's vitest runner runs the tests in worker threads, and a worker thread
// refuses V8 flags such as the shared config's --liftoff-only ("Failed to start
// threads worker" for every file): the flag is for forked processes only.
config.test.execArgv = [];
export default config;
