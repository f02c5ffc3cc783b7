/**
 * Writes test/durations.json: how many seconds each test file took in the
 * last full `npm test` on this machine, read from vitest's results cache
 * (node_modules/.vite/vitest). test/sequencer.ts starts the slowest files
 * first on a fresh clone, where that cache is empty. Run after a full
 * `npm test`: `npm run test:durations`. Not pure: reads and writes files.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const cacheDir = join(root, 'node_modules/.vite/vitest');
const caches = existsSync(cacheDir) ? readdirSync(cacheDir).map((d) => join(cacheDir, d, 'results.json')).filter((f) => existsSync(f)) : [];
if (caches.length === 0) {
  process.stderr.write(`test:durations: no vitest results under ${cacheDir}; run npm test first\n`);
  process.exit(1);
}
const durations: Record<string, number> = {};
for (const file of caches) {
  const { results } = JSON.parse(readFileSync(file, 'utf8')) as { results: [string, { duration?: number }][] };
  for (const [key, r] of results) {
    const path = key.slice(key.indexOf(':') + 1);
    if (typeof r.duration === 'number' && existsSync(join(root, path))) durations[path] = Math.round(r.duration / 100) / 10;
  }
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(join(root, 'test/durations.json'), `${JSON.stringify(sorted, null, 2)}\n`);
process.stdout.write(`test/durations.json: ${Object.keys(sorted).length} test files, ${Math.round(Object.values(sorted).reduce((a, b) => a + b, 0))} s in all\n`);
