/**
 * Where npm test's CPU goes, file by file: runs the suite (or the files
 * named) with test/helpers/cpu-probe.ts, which records when each file ends
 * the CPU of its worker process (its imports and tests) and of the child
 * processes it waited for (CLI commands, crash children, builds). Prints the
 * costliest files and the totals, and writes them all as JSON. The shared
 * Chromium and the Postgres server are not in these figures: they serve
 * every file at once (the README's Tests section gives their share).
 *
 *   npm run test:cpu                       # the whole suite
 *   npm run test:cpu -- test/web-board.test.ts --top 10
 *
 * Exit code: vitest's. Not pure (processes, files).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

interface FileCpu {
  file: string;
  workerCpu: number;
  beforeFileCpu: number;
  childrenCpu: number;
  wall: number;
}

const program = new Command('test:cpu')
  .description('run the tests and say which files cost the most CPU')
  .argument('[files...]', 'test files (default: the whole suite)')
  .option('--top <n>', 'how many files to list', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--top must be a whole number of at least 1, not ${JSON.stringify(v)}`);
    return n;
  }, 30)
  .option('--out <file>', 'where to write every file\'s figures as JSON', 'test-results/cpu.json')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
program.parse();
const files = program.args;
const opts = program.opts<{ top: number; out: string }>();

const dir = mkdtempSync(join(tmpdir(), 'pathway-test-cpu-'));
const started = performance.now();
const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...files], {
  stdio: 'inherit',
  env: { ...process.env, PATHWAY_TEST_CPU_DIR: dir },
});
const wall = (performance.now() - started) / 1000;

const root = process.cwd();
const records: FileCpu[] = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as FileCpu);
rmSync(dir, { recursive: true, force: true });
const total = (r: FileCpu) => r.workerCpu + r.childrenCpu;
records.sort((a, b) => total(b) - total(a));

const sum = (f: (r: FileCpu) => number) => records.reduce((s, r) => s + f(r), 0);
const s1 = (n: number) => n.toFixed(1);
const lines = [
  '',
  `CPU-seconds by test file (worker = the file's imports and tests in its worker process, and the worker's start for the first file in it; children = the processes it started and waited for)`,
  `${'total'.padStart(7)} ${'worker'.padStart(7)} ${'children'.padStart(8)} ${'wall s'.padStart(7)}  file`,
  ...records.slice(0, opts.top).map((r) => `${s1(total(r)).padStart(7)} ${s1(r.workerCpu).padStart(7)} ${s1(r.childrenCpu).padStart(8)} ${s1(r.wall).padStart(7)}  ${relative(root, r.file)}`),
  '',
  `${records.length} files: ${s1(sum(total))} CPU-seconds (workers ${s1(sum((r) => r.workerCpu))}, of which ${s1(sum((r) => r.beforeFileCpu))} starting vitest in each worker; children ${s1(sum((r) => r.childrenCpu))}), ${s1(wall)} s wall`,
  'Not counted: the shared Chromium and the Postgres server.',
];
process.stdout.write(`${lines.join('\n')}\n`);
mkdirSync(join(opts.out, '..'), { recursive: true });
writeFileSync(opts.out, `${JSON.stringify({ wall, files: records.map((r) => ({ ...r, file: relative(root, r.file) })) }, null, 2)}\n`);
process.stdout.write(`every file's figures: ${opts.out}\n`);
process.exit(run.status ?? 1);
