// Mutation smoke run (issue 15): `npm run mutate:smoke`. One small module, the
// event hash, against its own fast tests: a few minutes, so the set-up can be
// checked without the full run. Its own report and incremental file, so it
// never mixes with the full run's.
import { base, withTests } from './stryker.config.mjs';

export default {
  ...base,
  mutate: ['store/hash.ts'],
  ...withTests(['test/store-hash.test.ts', 'test/verify-hash-v2.test.ts', 'test/mutation-hash*.test.ts']),
  htmlReporter: { fileName: 'reports/mutation/smoke/index.html' },
  jsonReporter: { fileName: 'reports/mutation/smoke/mutation.json' },
  incrementalFile: 'reports/mutation/smoke/stryker-incremental.json',
};
