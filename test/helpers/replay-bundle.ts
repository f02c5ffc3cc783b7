/**
 * The replay bundle (worker/replay.ts bundleForReplay: the workflow code and
 * the replay probe, through webpack) made once for the whole test run rather
 * than once per test file: webpack takes seconds of CPU each time, and four
 * test files replay histories against the same bundle. Kept in the temp
 * folder under a key of every source file webpack could read (all .ts, .js,
 * .mjs, .cjs and .json files outside test/, node_modules/, dist/ and .git/,
 * which includes package-lock.json for webpack's and Temporal's versions),
 * so a change to any of them makes a new bundle: a test never replays on
 * code other than the checkout's. Not pure (reads and writes files).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForReplay } from '../../worker/replay.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'test', '.git', '.stryker-tmp', 'test-screenshots', 'reports', 'coverage', '.pglite', 'mailbox']);
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|json)$/;

/** sha256 over the path and content of every source file under the project root (sorted). */
function sourceKey(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && SOURCE.test(entry.name)) hash.update(`${relative(ROOT, path)}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(ROOT);
  return hash.digest('hex').slice(0, 16);
}

/** bundleForReplay() of this checkout, from the run's cache when another test file made it already. */
export async function replayBundle(): Promise<{ code: string }> {
  const file = join(tmpdir(), `pathway-replay-bundle-${sourceKey()}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8') };
  const bundle = await bundleForReplay();
  // Write then rename, so a parallel test file never reads half a bundle.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, bundle.code);
  renameSync(partial, file);
  return bundle;
}
