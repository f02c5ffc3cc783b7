/**
 * The compiled start (issue 13): bin/build.mjs and bin/pathway.mjs on a small
 * project that has this repository's launcher, build script, build config and
 * cli/lazy.ts, with two commands of its own (one reads a file beside its
 * sources, one says when it is imported). Proves: after the build the launcher
 * runs dist/ (also with tsx not installed), the top-level help loads no command
 * module and matches the sources' help, assets are found from dist/, and an
 * edited, added or removed source makes it run the sources through tsx until
 * the next build, which removes what no source produces any more. Then, when
 * this repository's own dist/ is built from its sources, that its help and
 * --version match the sources' and its assets mirror theirs.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The small project's files besides the ones copied from this repository. */
const PROJECT: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'mini', version: '9.8.7', type: 'module', private: true }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, types: ['node'] },
    include: ['cli', 'web', 'test'],
  }),
  'cli/main.ts': `
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCommands, type CommandLoader } from './lazy.js';

export const commandModules: CommandLoader[] = [() => import('./commands/hello.js'), () => import('./commands/heavy.js')];

export async function main(argv: string[]): Promise<void> {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const program = new Command('mini').version(version).option('--db <folder>', 'a database').exitOverride();
  try {
    await registerCommands(program, commandModules, argv);
    await program.parseAsync(argv);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    process.exitCode = err.exitCode;
  }
}
`,
  'cli/commands/hello.ts': `
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('hello')
    .description('greets NAME with the words in web/greeting.txt')
    .argument('<name>', 'who')
    .option('--loud', 'in capitals')
    .action((name: string) => {
      const words = readFileSync(new URL('../../web/greeting.txt', import.meta.url), 'utf8').trim();
      process.stdout.write(\`\${words} \${name} from \${import.meta.url}\\n\`);
    });
}
`,
  'cli/commands/heavy.ts': `
import type { Command } from 'commander';

process.stderr.write('heavy module imported\\n');

export function register(program: Command): void {
  program.command('heavy').description('stands for a command that imports fastify and PGlite').action(() => undefined);
}
`,
  'web/greeting.txt': 'Good morning',
  'test/ignored.test.ts': 'export {};',
};

let dir: string;

/** Runs the small project's launcher; stdout, stderr and status. */
function pathway(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'pathway.mjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATHWAY_SHOW_START: '1', COLUMNS: '100', ...env },
    timeout: 60_000,
  });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

function build() {
  return spawnSync(process.execPath, [join(dir, 'bin', 'build.mjs')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
}

/** Sets a file's modification time `seconds` from now. */
function touch(file: string, seconds: number): void {
  const t = new Date(Date.now() + seconds * 1000);
  utimesSync(join(dir, file), t, t);
}

describe('the compiled start on a small project', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pathway-start-build-'));
    for (const f of ['bin/pathway.mjs', 'bin/build.mjs', 'bin/source-stamp.mjs', 'bin/host-heap.mjs', 'tsconfig.build.json', 'cli/lazy.ts']) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      copyFileSync(join(REPO, f), join(dir, f));
    }
    for (const [f, text] of Object.entries(PROJECT)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    // The packages the launcher and the build use, one by one, so that tsx can be taken away.
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    for (const p of ['commander', 'typescript', 'tsx', 'esbuild', 'get-tsconfig', 'resolve-pkg-maps', '@esbuild', '@types/node', 'undici-types']) {
      if (existsSync(join(REPO, 'node_modules', p))) symlinkSync(join(REPO, 'node_modules', p), join(dir, 'node_modules', p));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the sources through tsx before any build', () => {
    const r = pathway(['hello', 'Ada']);
    expect(r.err).toContain('running the sources through tsx: dist/ is not built');
    expect(r.out).toMatch(/^Good morning Ada from file:.*\/cli\/commands\/hello\.ts$/m);
  });

  it('builds dist/ with the assets, package.json, the command index and the stamp, and leaves the tests out', () => {
    const r = build();
    expect(r.stderr).toMatch(/dist\/ built from 9 files in cli, web /);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'dist', 'web', 'greeting.txt'), 'utf8')).toBe('Good morning');
    expect(existsSync(join(dir, 'dist', 'package.json'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'test'))).toBe(false);
    const index = JSON.parse(readFileSync(join(dir, 'dist', 'cli', 'command-index.json'), 'utf8'));
    expect(index).toEqual([
      { name: 'hello', aliases: [], description: 'greets NAME with the words in web/greeting.txt', summary: '', args: ['<name>'], hasOptions: true, hidden: false, module: 0 },
      { name: 'heavy', aliases: [], description: 'stands for a command that imports fastify and PGlite', summary: '', args: [], hasOptions: false, hidden: false, module: 1 },
    ]);
  });

  it('then runs dist/, which finds its assets and version there', () => {
    const r = pathway(['--db', 'x', 'hello', 'Ada']);
    expect(r.err).toBe('pathway: running dist/ (compiled)\n');
    expect(r.out).toMatch(/^Good morning Ada from file:.*\/dist\/cli\/commands\/hello\.js$/m);
    expect(pathway(['--version']).out).toBe('9.8.7\n');
  });

  it('answers --help from dist/ without importing a command module, with the help the sources give', () => {
    const compiled = pathway(['--help']);
    expect(compiled.err).toBe('pathway: running dist/ (compiled)\n');
    expect(compiled.out).toContain('hello [options] <name>');
    const sources = pathway(['--help'], { PATHWAY_START: 'tsx' });
    expect(sources.err).toContain('heavy module imported');
    expect(compiled.out).toBe(sources.out);
    // An unknown command gets the same suggestion from the placeholders.
    expect(pathway(['helo']).err).toContain('(Did you mean one of hello, help?)');
    // A command imports its own module only.
    expect(pathway(['help', 'hello']).err).not.toContain('heavy module imported');
    expect(pathway(['heavy']).err).toContain('heavy module imported');
  });

  it('runs dist/ with tsx not installed', () => {
    rmSync(join(dir, 'node_modules', 'tsx'));
    try {
      const r = pathway(['hello', 'Ada']);
      expect(r.status).toBe(0);
      expect(r.out).toContain('/dist/cli/commands/hello.js');
      expect(pathway(['--version']).out).toBe('9.8.7\n');
    } finally {
      symlinkSync(join(REPO, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'));
    }
  });

  it('runs the sources through tsx when a source is newer than dist/, a file is added or removed, or package.json changes', () => {
    touch('cli/commands/hello.ts', 60);
    let r = pathway(['hello', 'Ada']);
    expect(r.err).toContain('running the sources through tsx: a source file is newer than dist/');
    expect(r.out).toMatch(/\/cli\/commands\/hello\.ts$/m);
    touch('cli/commands/hello.ts', -3600);

    writeFileSync(join(dir, 'web', 'old.txt'), 'gone soon');
    touch('web/old.txt', -3600);
    expect(pathway(['hello', 'Ada']).err).toContain('the source folders hold 10 files, dist/ was built from 9');
    expect(build().status).toBe(0);
    expect(existsSync(join(dir, 'dist', 'web', 'old.txt'))).toBe(true);
    rmSync(join(dir, 'web', 'old.txt'));
    expect(pathway(['hello', 'Ada']).err).toContain('the source folders hold 9 files, dist/ was built from 10');

    touch('package.json', 60);
    expect(pathway(['--version']).err).toContain('a source file is newer than dist/');
  });

  it('rebuilds: drops what no source produces any more, compiles again what was deleted, and runs dist/ again', () => {
    writeFileSync(join(dir, 'dist', 'cli', 'commands', 'removed.js'), 'export {};');
    rmSync(join(dir, 'dist', 'cli', 'commands', 'hello.js'));
    const r = build();
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'dist', 'cli', 'commands', 'hello.js'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'web', 'old.txt'))).toBe(false);
    expect(existsSync(join(dir, 'dist', 'cli', 'commands', 'removed.js'))).toBe(false);
    expect(pathway(['hello', 'Ada']).err).toBe('pathway: running dist/ (compiled)\n');
  });

  it('npm install skips the build when dist/ matches the sources', () => {
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'build.mjs'), '--if-possible'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('build: dist/ is up to date with the sources\n');
  });
});

/** This repository's dist/, when it is built from the sources as they are (npm ci, npm run build). */
async function repoDistIsFresh(): Promise<string | null> {
  const specifier = '../bin/source-stamp.mjs';
  const { staleness } = (await import(specifier)) as { staleness(): string | null };
  return staleness();
}
const stale = await repoDistIsFresh();

describe.skipIf(stale !== null)(`this repository's dist/${stale ? ` (skipped: ${stale})` : ''}`, () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(REPO, 'bin', 'pathway.mjs'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, COLUMNS: '100', NO_COLOR: '1', ...env }, timeout: 60_000 });

  it('gives the help and version the sources give', () => {
    const compiled = run(['--help'], { PATHWAY_SHOW_START: '1' });
    expect(compiled.stderr).toBe('pathway: running dist/ (compiled)\n');
    const sources = run(['--help'], { PATHWAY_START: 'tsx' });
    expect(compiled.stdout).toBe(sources.stdout);
    expect(run(['--version']).stdout).toBe(`${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}\n`);
  });

  it('holds every template, migration, style and static file the sources hold', () => {
    const files = (root: string, folder: string) =>
      readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => relative(root, join(e.parentPath, e.name)))
        .sort();
    for (const folder of ['store/migrations', 'activities/mail/templates', 'web/views', 'web/styles', 'web/assets']) {
      expect(files(join(REPO, 'dist'), folder), folder).toEqual(files(REPO, folder));
    }
  });
});
