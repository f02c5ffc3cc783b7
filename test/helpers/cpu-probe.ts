/**
 * Set up by vitest.config.ts only when PATHWAY_TEST_CPU_DIR is set (`npm run
 * test:cpu`): when a test file ends, writes the CPU its worker process used
 * (user + system, split into before and after this file's own imports
 * began) and the CPU of the child processes it started and waited for
 * (/proc/self/stat cutime + cstime: CLI commands, crash children, builds), so
 * scripts/test-cpu.ts can say which files cost the most. A file of the
 * `shared` project (vitest.config.ts) may run in a worker that ran other
 * files before it: its figures are then what the process used since this
 * file's setup. Not pure.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = process.env.PATHWAY_TEST_CPU_DIR;
const atSetup = process.cpuUsage();
const startedAt = performance.now();
const childrenAtSetup = childrenCpu();
// The first file in a worker also carries the worker's start; a later file in a shared worker only its own part.
const probe = globalThis as { pathwayCpuProbeRan?: boolean };
const firstInWorker = !probe.pathwayCpuProbeRan;
probe.pathwayCpuProbeRan = true;

/** CPU seconds of this process's waited-for children (Linux /proc; 0 elsewhere). */
function childrenCpu(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // Fields 16 and 17 of stat (cutime, cstime), counted from after the command name: indexes 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

// vitest hands a hook's suite as its second argument; the first must be a destructuring pattern.
afterAll(({}, suite) => {
  if (!dir) return;
  const file = (suite as { filepath?: string }).filepath ?? 'unknown';
  const u = process.cpuUsage();
  const record = {
    file,
    workerCpu: (u.user + u.system - (firstInWorker ? 0 : atSetup.user + atSetup.system)) / 1e6,
    beforeFileCpu: firstInWorker ? (atSetup.user + atSetup.system) / 1e6 : 0,
    childrenCpu: firstInWorker ? childrenCpu() : childrenCpu() - childrenAtSetup,
    wall: (performance.now() - startedAt) / 1000,
  };
  writeFileSync(join(dir, `${process.pid}-${file.replace(/[^a-z0-9.-]+/gi, '_')}.json`), JSON.stringify(record));
});
