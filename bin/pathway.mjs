#!/usr/bin/env node
// The `pathway` command. Runs the compiled JavaScript in dist/ (npm run build,
// which npm install runs) when it was built from the sources as they are now;
// else the TypeScript sources through tsx's loader, so an edited source or a
// clone without a build still works, only slower to start (1-3 s instead of
// 0.1 s). PATHWAY_SHOW_START=1 says on stderr which one ran and why;
// PATHWAY_START=tsx runs the sources even when dist/ is fresh (the bench's
// figure without a build).
import { setFlagsFromString } from 'node:v8';
import { staleness } from './source-stamp.mjs';
import { useHostHeap } from './host-heap.mjs';

// Half the CPU of a short command (`pathway schools show`: 1.2 s of CPU by
// default, 0.65 s without) goes on V8 optimising PGlite's WebAssembly with
// TurboFan, which pays off only in long runs: the server, the worker and a
// simulation keep V8's default; every other command runs PGlite on V8's
// baseline compiler (Liftoff) alone.
const LONG_RUNNING = new Set(['serve', 'worker', 'temporal', 'simulate']);
/** The command word: the first argument that is not an option or the value of --db. */
function commandWord(args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--db') i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return undefined;
}
if (LONG_RUNNING.has(commandWord(process.argv.slice(2)))) useHostHeap();
else setFlagsFromString('--liftoff-only');

const stale = process.env.PATHWAY_START === 'tsx' ? 'PATHWAY_START=tsx' : staleness();
if (process.env.PATHWAY_SHOW_START === '1') {
  process.stderr.write(stale ? `pathway: running the sources through tsx: ${stale}\n` : 'pathway: running dist/ (compiled)\n');
}
let main;
if (stale) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
await main(process.argv);
