/**
 * Smoke test of `npm run bench`: every bench runs at tiny sizes and prints
 * every figure with its baseline, ratio and target. No timing is asserted
 * (speed targets live in the benches only). Uses the test Postgres server
 * (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test); the
 * bench creates and drops its own database.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchPostgresUrl } from '../bench/pg.js';
import type { BenchRow } from '../bench/report.js';
import { BENCHES, main, runBenches } from '../bench/run.js';
import { postgresTestUrl } from './helpers/db.js';

const dir = mkdtempSync(join(tmpdir(), 'pathway-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run bench at tiny sizes', () => {
  it('runs fold, durable, replay, whatif, pglite and api, and prints every figure beside its baseline', async () => {
    let printed = '';
    const resultsFile = join(dir, 'latest.json');
    const outcome = await runBenches(
      { schools: 6, years: 2, seed: 7, workers: 2, postgresUrl: postgresTestUrl(), progress: false, quick: true },
      BENCHES,
      { out: (s) => (printed += s), resultsFile },
    );
    expect(outcome.errors).toEqual([]);

    const names = outcome.rows.map((r) => `${r.bench}: ${r.name}`);
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
      'replay: replay every stream (lean: (position, urn, payload) + state kept per stream)',
      'replay: replay: 6M events (PROJECTED), lean',
      'pglite: events through the embedded host on PGlite, 6 x 2',
      'pglite: peak RSS of the host process on PGlite, 6 x 2',
      'pglite: PGlite folder after the simulation, 6 x 2',
    ]) {
      expect(names).toContain(expected);
    }
    for (const r of outcome.rows as BenchRow[]) {
      expect(Number.isFinite(r.figure.value) && r.figure.value > 0, `${r.name}: ${r.figure.value}`).toBe(true);
      // The table shows the figure, and the baseline and ratio wherever the row has one.
      expect(printed).toContain(r.name);
      if (r.baseline) {
        expect(Number.isFinite(r.baseline.value) && r.baseline.value > 0, `${r.name} baseline: ${r.baseline.value}`).toBe(true);
        expect(r.ratio && Number.isFinite(r.ratio.value)).toBe(true);
      }
      // A smoke run judges no target.
      expect(r.met ?? null).toBeNull();
    }
    expect(names.some((n) => /^whatif: whatif transition --from \d{4}\/\d{2}$/.test(n)), names.join('\n')).toBe(true);
    expect(names.some((n) => /^whatif: whatif --rules: \d+ Development grants \+£500$/.test(n)), names.join('\n')).toBe(true);
    // The API bench either reports rows or says why it was skipped.
    expect(outcome.rows.some((r) => r.bench === 'api') || /skipped api: /.test(printed)).toBe(true);
    expect(printed).toMatch(/\| figure +\| value +\| baseline +\| ratio +\| target +\| met\?/);

    const saved = JSON.parse(readFileSync(resultsFile, 'utf8')) as { rows: BenchRow[]; errors: unknown[] };
    expect(saved.rows).toHaveLength(outcome.rows.length);
    expect(saved.errors).toEqual([]);
  }, 300_000);

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
