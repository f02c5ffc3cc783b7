/**
 * Smoke test of `npm run bench`, the service benches (PGlite, the HTTP API,
 * the web pages, the command's start): each runs at tiny sizes and prints
 * every figure with its baseline, ratio and target (test/helpers/bench-smoke.ts).
 * The event log's benches are in bench-smoke.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { smokeRun } from './helpers/bench-smoke.js';

describe('npm run bench at tiny sizes: the services', () => {
  it('runs pglite, api, web and start, and prints every figure beside its baseline', async () => {
    const { names, printed } = await smokeRun(['pglite', 'api', 'web', 'start']);
    for (const expected of [
      'pglite: events through the embedded host on PGlite, 6 x 2',
      'pglite: peak RSS of the host process on PGlite, 6 x 2',
      'pglite: PGlite folder after the simulation, 6 x 2',
    ]) {
      expect(names).toContain(expected);
    }
    // The API bench either reports rows or says why it was skipped.
    expect(names.some((n) => n.startsWith('api: ')) || /skipped api: /.test(printed)).toBe(true);
    expect(names.some((n) => n.startsWith('web: ')), names.join('\n')).toBe(true);
    expect(names.some((n) => n.startsWith('start: ')), names.join('\n')).toBe(true);
  }, 600_000);
});
