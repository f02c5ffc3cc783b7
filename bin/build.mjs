#!/usr/bin/env node
// `npm run build`: compiles the CLI, server and worker to dist/ with tsc
// (tsconfig.build.json), copies the files they read at run time (templates,
// migrations, styles, package.json) beside the compiled code, writes the CLI's
// command index (cli/lazy.ts) and last the stamp that bin/pathway.mjs checks
// (bin/source-stamp.mjs). `npm install` and `npm ci` run it through the
// prepare script with --if-possible: then a failed build (TypeScript not
// installed, a module that cannot be loaded) prints why and leaves dist/
// unstamped, and the CLI runs the sources through tsx as before, instead of
// failing the install. Type errors do not stop the build (see below) but make
// `npm run build` exit 1.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFIG_FILES, DIST, ROOT, STAMP, measure, staleness } from './source-stamp.mjs';

const ifPossible = process.argv.includes('--if-possible');
const say = (line) => process.stderr.write(`build: ${line}\n`);
const started = performance.now();

class BuildError extends Error {}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}

/**
 * The folders tsconfig.build.json compiles: its included folders that are not
 * excluded (an asset-only folder too), and the top folder of each source file.
 */
function sourceFolders(ts) {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new BuildError(`tsconfig.build.json: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  });
  const top = (path) => relative(ROOT, path).split(/[\\/]/)[0];
  const excluded = new Set((parsed.raw.exclude ?? []).map((e) => e.replace(/[\\/]+$/, '')));
  const included = Object.keys(parsed.wildcardDirectories ?? {}).map(top).filter((f) => f && !f.startsWith('..') && !excluded.has(f));
  const folders = new Set([...included, ...parsed.fileNames.map(top)].filter((f) => !f.endsWith('.ts')));
  if (folders.size === 0) throw new BuildError('tsconfig.build.json names no source files');
  return [...folders].sort();
}

/** Removes from dist/ what no source produces any more (a deleted module, a renamed migration). */
function prune(folders) {
  for (const folder of folders) {
    for (const rel of filesUnder(join(DIST, folder))) {
      const source = join(ROOT, folder, rel);
      const fromTs = source.replace(/\.js(\.map)?$/, '.ts');
      if (!existsSync(source) && !(fromTs !== source && existsSync(fromTs))) rmSync(join(DIST, folder, rel));
    }
  }
}

/** The compiled files dist/ lacks: one per TypeScript source (not declaration files). */
function missingOutputs(folders) {
  return folders.flatMap((folder) =>
    filesUnder(join(ROOT, folder))
      .filter((rel) => rel.endsWith('.ts') && !rel.endsWith('.d.ts'))
      .map((rel) => join('dist', folder, rel.replace(/\.ts$/, '.js')))
      .filter((out) => !existsSync(join(ROOT, out))),
  );
}

/** Copies the non-TypeScript files of the source folders into dist/, and package.json (the CLI's --version). */
function copyAssets(folders) {
  let copied = 0;
  for (const folder of folders) {
    for (const rel of filesUnder(join(ROOT, folder))) {
      if (rel.endsWith('.ts') || rel.split(sep).pop() === 'README.md') continue;
      const to = join(DIST, folder, rel);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(ROOT, folder, rel), to);
      copied++;
    }
  }
  copyFileSync(join(ROOT, 'package.json'), join(DIST, 'package.json'));
  return copied;
}

async function build() {
  const require = createRequire(import.meta.url);
  let ts;
  try {
    ts = require('typescript');
  } catch {
    throw new BuildError('TypeScript is not installed (a production install, npm ci --omit=dev): build with the dev dependencies, then prune them');
  }
  const folders = sourceFolders(ts);
  // The stamp goes first, so a failed build leaves dist/ unrunnable rather than half new.
  rmSync(STAMP, { force: true });
  // Measured before compiling: a file saved during the build leaves dist/ stale.
  const sources = measure([...folders, ...CONFIG_FILES]);

  const compile = () => spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  let tsc = compile();
  // An incremental build trusts dist/.tsbuildinfo: if compiled files were
  // deleted by hand since, compile everything again.
  if (tsc.status !== 1 && missingOutputs(folders).length > 0) {
    rmSync(join(DIST, '.tsbuildinfo'), { force: true });
    tsc = compile();
  }
  // tsc exits 2 when it found type errors but wrote every file: that JavaScript
  // is what tsx would run from the same sources (tsx does not type-check either).
  const typeErrors = tsc.status === 2;
  if (tsc.status !== 0 && !typeErrors) throw new BuildError(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal})`);
  const missing = missingOutputs(folders);
  if (missing.length > 0) throw new BuildError(`tsc wrote no ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ''}`);
  prune(folders);
  const copied = copyAssets(folders);

  const { commandModules } = await import(pathToFileURL(join(DIST, 'cli', 'main.js')).href);
  const { commandIndex } = await import(pathToFileURL(join(DIST, 'cli', 'lazy.js')).href);
  const index = await commandIndex(commandModules);
  writeFileSync(join(DIST, 'cli', 'command-index.json'), `${JSON.stringify(index, null, 2)}\n`);

  writeFileSync(STAMP, `${JSON.stringify({ roots: [...folders, ...CONFIG_FILES], files: sources.files, newestMs: sources.newestMs, builtAt: new Date().toISOString() }, null, 2)}\n`);
  say(`dist/ built from ${sources.files} files in ${folders.join(', ')} (${copied} copied as they are, ${index.length} commands indexed) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (typeErrors) throw new BuildError('dist/ is built, but tsc reported the type errors above: fix them (npm run typecheck)');
}

try {
  // npm install runs this every time: nothing to do when dist/ matches the sources.
  if (ifPossible && staleness() === null) say('dist/ is up to date with the sources');
  else await build();
  process.exit(0);
} catch (err) {
  say(err instanceof BuildError ? err.message : (err?.stack ?? String(err)));
  if (ifPossible) {
    if (staleness() !== null) say('dist/ not built: pathway runs the TypeScript sources through tsx (slower to start); run npm run build to retry');
    process.exit(0);
  }
  process.exit(1);
}
