// Entry of the benches' worker threads and child processes: registers tsx's
// loader, then runs the TypeScript module named by the first argument. (On
// Node 20 a worker given `execArgv: ['--import', 'tsx']` still cannot load a
// .ts entry file, and `--import tsx` resolves tsx from the working directory.)
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const target = process.argv[2];
if (!target) throw new Error('bench/ts-entry.mjs: name the TypeScript module to run as the first argument');
await import(pathToFileURL(target).href);
