/**
 * Opening the engine for a command on the configured database (--db, else
 * DATABASE_URL, else ./.pglite), refusing a missing one for commands that only
 * read; saying on stderr where the data (and the mail) lives; closing it when
 * the command is done, whatever happens. The engine is imported when a command
 * runs. Not pure (opens databases, writes stderr).
 */
import type { Command } from 'commander';
import type { EmbeddedEngine, EmbeddedEngineOptions } from '../host/embedded.js';
import type { Engine } from '../host/engine.js';
import { cliConfig as settings } from './context.js';
import { checkDatabase, cliTarget, type Access } from './support.js';

export { cliTarget };

function announce(engine: Engine): void {
  if (engine.kind === 'embedded') {
    const e = engine as EmbeddedEngine;
    process.stderr.write(`pathway: data in ${e.store.describe()}; mail to ${e.mailer.describe()}\n`);
  } else {
    process.stderr.write(`pathway: Temporal engine at ${settings().temporalAddress ?? 'localhost:7233'}\n`);
  }
}

/** Runs `fn` with the configured engine (embedded unless PATHWAY_ENGINE=temporal) on the command's database, and closes it after. */
export async function withEngine<T>(_command: Command, fn: (engine: Engine) => Promise<T>, access: Access = {}): Promise<T> {
  const db = checkDatabase(access);
  const { openEngine } = await import('../host/open-engine.js');
  return useEngine(await openEngine({ db }), fn);
}

/** As withEngine, with the embedded engine (tick and simulate need its timer table and clock). */
export async function withEmbeddedEngine<T>(_command: Command, options: Omit<EmbeddedEngineOptions, 'db' | 'store'>, fn: (engine: EmbeddedEngine) => Promise<T>, access: Access = {}): Promise<T> {
  const db = checkDatabase(access);
  const { createEmbeddedEngine } = await import('../host/embedded.js');
  return useEngine(await createEmbeddedEngine({ ...options, db }), fn);
}

/** Announce the engine, run `fn` with it, and close it whatever happens. */
async function useEngine<E extends Engine, T>(engine: E, fn: (engine: E) => Promise<T>): Promise<T> {
  announce(engine);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}
