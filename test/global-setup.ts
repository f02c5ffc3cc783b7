/**
 * Before any test file: dist/ built from the sources as they are, so the
 * tests that run `pathway` as a user does (node bin/pathway.mjs) start the
 * compiled code in a tenth of a second, not the sources through tsx in 1-3 s.
 * A fresh clone has it from npm install; after an edit this rebuilds it once
 * (about 5 s) instead of every spawned command paying for tsx. Not pure.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs module of the launcher, without types.
import { staleness } from '../bin/source-stamp.mjs';

export default function setup(): void {
  const why = (staleness as () => string | null)();
  if (!why) return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`test setup: rebuilding dist/ (${why})\n`);
  execFileSync(process.execPath, ['bin/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
