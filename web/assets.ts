/**
 * The pages' stylesheet and static files. GOV.UK Frontend is compiled from its
 * Sass with Arial instead of GDS Transport (that typeface is only for services
 * on GOV.UK) and our few additions; the result is cached on disk by the
 * package version so a restart costs nothing. Not pure (file I/O).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The folder holding govuk-frontend's `dist/` (for Nunjucks macros and assets). */
export const GOVUK_DIST = join(dirname(require.resolve('govuk-frontend/package.json')), 'dist');
/** GOV.UK Frontend's fonts and images, served at /assets. */
export const GOVUK_ASSETS = join(GOVUK_DIST, 'govuk', 'assets');
/** Our own small files (the init script), served at /static. */
export const OWN_ASSETS = join(here, 'assets');

/** The compiled stylesheet: from the disk cache, else compiled with sass (about 1 s). Not pure. */
export async function stylesheet(): Promise<string> {
  const own = await stylesSource();
  const version = (require('govuk-frontend/package.json') as { version: string }).version;
  const key = createHash('sha256').update(version).update(own).digest('hex').slice(0, 16);
  const cacheDir = join(dirname(require.resolve('govuk-frontend/package.json')), '..', '.cache', 'mastery-pathway'); // node_modules/.cache, from the sources or dist/
  const cached = join(cacheDir, `app-${key}.css`);
  try {
    return await readFile(cached, 'utf8');
  } catch {
    // Not compiled yet for this version of the styles.
  }
  const { css, warnings } = await compileStyles(own);
  // A deprecation here would otherwise print Sass's multi-line warning on a user's first `npm start`.
  for (const w of warnings) process.stderr.write(`pathway: web/styles/app.scss: ${w}\n`);
  await mkdir(cacheDir, { recursive: true });
  await writeFile(cached, css);
  return css;
}

/** The stylesheet compiled from `source` (app.scss), with each warning Sass gave as one line instead of printing it. Not pure (reads govuk-frontend's Sass). */
export async function compileStyles(source: string): Promise<{ css: string; warnings: string[] }> {
  const sass = await import('sass');
  const warnings: string[] = [];
  const css = sass.compileString(source, {
    loadPaths: [join(dirname(require.resolve('govuk-frontend/package.json')), '..')],
    style: 'compressed',
    quietDeps: true,
    logger: { warn: (message) => void warnings.push(message.split('\n')[0]!) },
  }).css;
  return { css, warnings };
}

/** app.scss, as stylesheet() compiles it. Not pure. */
export function stylesSource(): Promise<string> {
  return readFile(join(here, 'styles', 'app.scss'), 'utf8');
}
