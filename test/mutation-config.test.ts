/**
 * `npm run mutate` runs the tests through Stryker's vitest runner, which puts
 * them in worker threads (pool: threads) with vitest.mutation.config.mjs. A
 * setting of the shared config that worker threads refuse (a V8 flag in
 * execArgv did: "Failed to start threads worker" for every file) breaks every
 * mutation run while npm test stays green; this runs one small test file the
 * way Stryker does, at the cost of one vitest start instead of a mutation run.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

it('the mutation runs’ vitest config runs a test file in worker threads, as Stryker’s runner does', async () => {
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.mutation.config.mjs', '--pool', 'threads', '--reporter', 'dot'],
      { cwd: root, env: { ...process.env, MUTATION_TEST_FILES: JSON.stringify(['test/place-words.test.ts']), NO_COLOR: '1', CI: 'true' } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
    );
  });
  expect(r.out).not.toContain('Failed to start threads worker');
  expect(r.code, r.out).toBe(0);
  expect(r.out).toMatch(/Test Files\s+1 passed \(1\)/);
});
