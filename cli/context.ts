/**
 * The configuration this run of the CLI loaded at start (cli/main.ts loads it
 * from the environment and the flags before any command runs), kept here so
 * that commands read it without importing the parser again. Types only at
 * import time, so starting the CLI stays fast.
 */
import type { Config } from '../config/schema.js';

let current: Config | undefined;

/** Sets the configuration of this run (cli/main.ts, at start). */
export function setCliConfig(config: Config): void {
  current = config;
}

/** The configuration of this run. Throws if asked before main loaded it (a programming error). */
export function cliConfig(): Config {
  if (!current) throw new Error('the CLI configuration is read before cli/main.ts loaded it');
  return current;
}
