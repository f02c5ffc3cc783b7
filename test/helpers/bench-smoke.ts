/**
 * The smoke run of `npm run bench` shared by test/bench-smoke*.test.ts: runs
 * the named benches at tiny sizes and checks that each prints every figure
 * with its baseline and ratio, judges no target, and saves what it printed.
 * No timing is asserted (speed targets live in the benches only). Not pure.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { BenchRow } from '../../bench/report.js';
import { runBenches, type BenchName } from '../../bench/run.js';
import { postgresTestUrl } from './db.js';

/** Runs `benches` at tiny sizes and checks every row; resolves with the rows' "bench: name" and what was printed. */
export async function smokeRun(benches: readonly BenchName[]): Promise<{ names: string[]; rows: BenchRow[]; printed: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pathway-bench-smoke-'));
  try {
    let printed = '';
    const resultsFile = join(dir, 'latest.json');
    const outcome = await runBenches(
      { schools: 6, years: 2, seed: 7, workers: 2, postgresUrl: postgresTestUrl(), progress: false, quick: true },
      benches,
      { out: (s) => (printed += s), resultsFile },
    );
    expect(outcome.errors).toEqual([]);
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
    expect(printed).toMatch(/\| figure +\| value +\| baseline +\| ratio +\| target +\| met\?/);
    const saved = JSON.parse(readFileSync(resultsFile, 'utf8')) as { rows: BenchRow[]; errors: unknown[] };
    expect(saved.rows).toHaveLength(outcome.rows.length);
    expect(saved.errors).toEqual([]);
    return { names: outcome.rows.map((r) => `${r.bench}: ${r.name}`), rows: outcome.rows, printed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
