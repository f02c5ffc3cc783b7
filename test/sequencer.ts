/**
 * The order test files start in: the slowest first, so that on two cores the
 * long files (crash children, CLI runs, Chromium) overlap the many short ones
 * instead of running alone at the end. vitest's own order uses the durations
 * it remembers from the last run on this machine, and falls back to file size
 * on a fresh clone, where a 120-line crash test that runs three minutes
 * started last. This one falls back to test/durations.json (committed;
 * `npm run test:durations` refreshes it from the last run). Failed files
 * still go first, as in vitest's. Not pure (reads the file and vitest's cache).
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Seconds each test file took in a full run, by path from the project root. */
export function recordedDurations(root: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(join(root, 'test/durations.json'), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const recorded = recordedDurations(root);
    const weight = (f: TestSpecification) => {
      const path = relative(root, f.moduleId);
      const last = this.ctx.cache.getFileTestResults(`${f.project.name}:${path}`);
      return { failed: last?.failed ?? false, ms: last?.duration ?? (recorded[path] ?? 0) * 1000 };
    };
    const weights = new Map(files.map((f) => [f, weight(f)]));
    return [...files].sort((a, b) => {
      const wa = weights.get(a)!;
      const wb = weights.get(b)!;
      if (wa.failed !== wb.failed) return wa.failed ? -1 : 1;
      return wb.ms - wa.ms;
    });
  }
}
