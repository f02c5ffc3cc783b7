#!/usr/bin/env node
// Runs the TypeScript benchmarks through tsx's loader (as bin/pathway.mjs does the CLI).
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../bench/run.ts');
process.exitCode = await main(process.argv.slice(2));
