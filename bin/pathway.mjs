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

// Most of a short command's CPU goes on V8 optimising PGlite's WebAssembly
// (TurboFan, 0.3 s of a 0.7 s `pathway status`), which pays off only in long
// runs. A budget 100 times the default lets only code that stays hot (the
// server, the worker, a simulation) be optimised.
setFlagsFromString('--wasm-tiering-budget=180000000');

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
