#!/usr/bin/env node
// `npm run mutate [-- module ...]`: mutation testing, one Stryker run per
// module of the `modules` table in stryker.config.mjs (each against its own
// fast tests, so a static mutant re-runs only its module's tests), one after
// another. Says which module it is on and how long each took, then prints the
// score of every module as a Markdown table (also written to
// reports/mutation/summary.md) and exits 1 when a module is under 80%.
// Incremental: a second run re-tests only what changed (--force: all again).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { modules, moduleReportDir } from '../stryker.config.mjs';

const TARGET = 80;
const args = process.argv.slice(2);
const force = args.includes('--force');
const asked = args.filter((a) => !a.startsWith('--'));
for (const m of asked) {
  if (!(m in modules)) {
    process.stderr.write(`mutate: ${m} is not in the modules table of stryker.config.mjs; the modules are ${Object.keys(modules).join(', ')}\n`);
    process.exit(2);
  }
}
const chosen = asked.length ? asked : Object.keys(modules);

/** One module's Stryker run, its output kept in the module's report folder. */
function runStryker(file) {
  const dir = moduleReportDir(file);
  mkdirSync(dir, { recursive: true });
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'stryker.config.mjs', ...(force ? ['--force'] : [])], {
      env: { ...process.env, MUTATE_MODULE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    let shown = -1;
    const take = (chunk) => {
      log += chunk;
      // Stryker's progress lines, passed on at each tenth so a long module shows it is alive.
      for (const m of String(chunk).matchAll(/(\d+)\/(\d+) tested \((\d+) survived/g)) {
        const tenth = Math.floor((10 * Number(m[1])) / Number(m[2]));
        if (tenth > shown) {
          shown = tenth;
          process.stdout.write(`    ${m[1]} of ${m[2]} mutants tested, ${m[3]} survived so far\n`);
        }
      }
    };
    p.stdout.setEncoding('utf8').on('data', take);
    p.stderr.setEncoding('utf8').on('data', take);
    p.on('close', (code) => {
      writeFileSync(`${dir}/stryker.log`, log);
      resolve({ code, log, dir });
    });
  });
}

/** Killed (timeouts count: an endless loop is caught), survived, not covered and the score, from Stryker's JSON report. */
function scoreOf(dir, file) {
  const json = `${dir}/mutation.json`;
  if (!existsSync(json)) return null;
  const report = JSON.parse(readFileSync(json, 'utf8'));
  const mutants = Object.entries(report.files).filter(([path]) => path.endsWith(file)).flatMap(([, f]) => f.mutants);
  const n = (s) => mutants.filter((m) => m.status === s).length;
  const killed = n('Killed') + n('Timeout');
  const survived = n('Survived');
  const noCoverage = n('NoCoverage');
  const total = killed + survived + noCoverage;
  return { killed, survived, noCoverage, total, score: total === 0 ? 100 : (100 * killed) / total };
}

const rows = [];
const started = Date.now();
for (const [i, file] of chosen.entries()) {
  const t0 = Date.now();
  process.stdout.write(`[${i + 1}/${chosen.length}] ${file}: mutating against ${modules[file].join(', ')}\n`);
  const { code, log, dir } = await runStryker(file);
  const s = scoreOf(dir, file);
  const secs = Math.round((Date.now() - t0) / 1000);
  if (code !== 0 || !s) {
    const why = log.split('\n').filter((l) => /ERROR|Error:/.test(l)).slice(0, 3).join(' / ') || `stryker exited ${code}`;
    process.stdout.write(`    failed after ${secs} s: ${why} (whole log: ${dir}/stryker.log)\n`);
    rows.push({ file, failed: why, secs });
    continue;
  }
  process.stdout.write(`    ${s.killed} of ${s.total} killed (${s.score.toFixed(1)}%) in ${secs} s\n`);
  rows.push({ file, ...s, secs });
}

const table = [
  '| module | killed / total | score | survived | not covered | minutes |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) =>
    r.failed
      ? `| ${r.file} | – | run failed | – | – | ${(r.secs / 60).toFixed(1)} |`
      : `| ${r.file} | ${r.killed} / ${r.total} | ${r.score.toFixed(1)}%${r.score < TARGET ? ' (under 80%)' : ''} | ${r.survived} | ${r.noCoverage} | ${(r.secs / 60).toFixed(1)} |`,
  ),
].join('\n');
mkdirSync('reports/mutation', { recursive: true });
writeFileSync('reports/mutation/summary.md', `${table}\n`);
process.stdout.write(`\n${table}\n\n${rows.length} modules in ${((Date.now() - started) / 60000).toFixed(1)} minutes; reports in reports/mutation/module/<module>/index.html, this table in reports/mutation/summary.md\n`);
const under = rows.filter((r) => r.failed || r.score < TARGET);
if (under.length) process.stdout.write(`Under ${TARGET}% or failed: ${under.map((r) => r.file).join(', ')}\n`);
process.exit(under.length ? 1 : 0);
