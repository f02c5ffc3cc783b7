// Whether dist/ was built from the sources as they are now. The build writes
// dist/.build-stamp.json holding the folders it compiled, how many files they
// held and the newest modification time among them, measured before compiling;
// bin/pathway.mjs compares that with a stat walk of the same folders (about
// 300 files: a few milliseconds). An edited, added or removed file makes dist/
// stale, and the launcher then runs the sources through tsx.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const STAMP = join(DIST, '.build-stamp.json');

/** Files that shape dist/ beside the source folders. */
export const CONFIG_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'bin/build.mjs'];

/** How many files `roots` (folders or files under ROOT) hold and the newest modification time among them. */
export function measure(roots) {
  let files = 0;
  let newestMs = 0;
  const visit = (path) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return; // removed meanwhile, or a configuration file this checkout lacks
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
      return;
    }
    files++;
    if (st.mtimeMs > newestMs) newestMs = st.mtimeMs;
  };
  for (const r of roots) visit(join(ROOT, r));
  return { files, newestMs };
}

/** Why dist/ cannot be run, or null when it was built from the sources as they are. */
export function staleness() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return 'dist/ is not built (npm run build)';
  }
  // The configuration files this launcher knows of too: one added since the build makes the counts differ.
  const now = measure([...new Set([...stamp.roots, ...CONFIG_FILES])]);
  if (now.newestMs > stamp.newestMs) return 'a source file is newer than dist/ (npm run build)';
  if (now.files !== stamp.files) return `the source folders hold ${now.files} files, dist/ was built from ${stamp.files} (npm run build)`;
  return null;
}
