/**
 * Smoke test of `npm run bench`, the benches of the event log (fold,
 * durable, replay, whatif): each runs at tiny sizes and prints every figure
 * with its baseline, ratio and target (test/helpers/bench-smoke.ts); the
 * service benches are in bench-smoke-services.test.ts, so that the two halves
 * run side by side. Uses the test Postgres server (TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test); the bench creates and drops its
 * own database.
 */
import { describe, expect, it } from 'vitest';
import { benchPostgresUrl } from '../bench/pg.js';
import { main } from '../bench/run.js';
import { smokeRun } from './helpers/bench-smoke.js';

describe('npm run bench at tiny sizes', () => {
  it('runs fold, durable, replay and whatif, and prints every figure beside its baseline', async () => {
    const { names, rows } = await smokeRun(['fold', 'durable', 'replay', 'whatif']);
    for (const expected of [
      'fold: fold: decide per event, 1 thread',
      'fold: fold: live snapshot, 1 thread',
      'fold: fold: decide per event, 2 worker threads',
      'fold: fold: live snapshot, 2 worker threads',
      'fold: fold: 6M events on 2 cores (PROJECTED), decide per event',
      'fold: fold: 6M events on 2 cores (PROJECTED), live snapshot',
      'durable: events through the embedded host on Postgres',
      'durable: simulation wall time, 6 x 2 (measured)',
      'durable: simulation wall time, 20,000 x 2 (PROJECTED)',
      'durable: peak RSS of the host process',
      'replay: replay every stream (store readAll + fold() per event)',
      'replay: replay: 6M events (PROJECTED), store',
      'replay: replay every stream (verify --replay: school by school, every kept state compared)',
      'replay: replay: 6M events (PROJECTED), verify --replay',
    ]) {
      expect(names).toContain(expected);
    }
    // Each replay ends with every school's replayed state checked against the state its host stored (its programme whole).
    const replays = rows.filter((r) => r.bench === 'replay' && r.name.startsWith('replay every stream'));
    expect(replays).toHaveLength(2);
    for (const r of replays) expect(r.note).toMatch(/all 6 replayed states equal the stored snapshots/);
    expect(names.some((n) => /^whatif: whatif transition --from \d{4}\/\d{2}$/.test(n)), names.join('\n')).toBe(true);
    expect(names.some((n) => /^whatif: whatif --rules: \d+ Development grants \+£500$/.test(n)), names.join('\n')).toBe(true);
  }, 600_000);

  it('refuses an unknown bench name and a size that is not a whole number, with exit code 2', async () => {
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['--only', 'speed'])).toBe(2);
      expect(await main(['--schools', 'many'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err.join('')).toContain('--only takes fold, durable, replay, whatif, pglite, api');
    expect(err.join('')).toContain('--schools must be a whole number of at least 1, not "many"');
  });

  it('finds Postgres from TEST_DATABASE_URL, then DATABASE_URL, else the local test server', () => {
    expect(benchPostgresUrl({ TEST_DATABASE_URL: 'postgres://a@h:1/t', DATABASE_URL: 'postgres://b@h:2/d' })).toBe('postgres://a@h:1/t');
    expect(benchPostgresUrl({ DATABASE_URL: 'postgresql://b@h:2/d' })).toBe('postgresql://b@h:2/d');
    // A PGlite folder in DATABASE_URL is not a server the bench can create databases on.
    expect(benchPostgresUrl({ DATABASE_URL: './.pglite' })).toBe('postgres://postgres@127.0.0.1:5432/test');
  });
});
