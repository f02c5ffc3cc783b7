/**
 * Opening the engine for a command: from the global `--db` option, else
 * DATABASE_URL, else the PGlite folder ./.pglite; saying on stderr where the
 * data (and the mail) lives; closing it when the command is done, whatever
 * happens. Errors of the hub service that come from what the caller asked are
 * turned into UsageError (exit 2). Not pure (opens databases, writes stderr).
 */
import type { Command } from 'commander';
import { openEngine } from '../host/open-engine.js';
import { createEmbeddedEngine, type EmbeddedEngine, type EmbeddedEngineOptions } from '../host/embedded.js';
import type { Engine } from '../host/engine.js';
import { defaultTarget } from '../store/db.js';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../domain/errors.js';
import { isCallerError } from '../service/errors.js';
import { UsageError } from './exit.js';

/** The database the command line names: --db, else DATABASE_URL, else ./.pglite. Reads the environment. */
export function cliTarget(command: Command): string {
  const root = rootOf(command);
  const db = root.opts<{ db?: string }>().db;
  return db !== undefined && db.trim() !== '' ? db.trim() : defaultTarget();
}

function rootOf(command: Command): Command {
  let c = command;
  while (c.parent) c = c.parent;
  return c;
}

function announce(engine: Engine): void {
  if (engine.kind === 'embedded') {
    const e = engine as EmbeddedEngine;
    process.stderr.write(`pathway: data in ${e.store.describe()}; mail to ${e.mailer.describe()}\n`);
  } else {
    process.stderr.write(`pathway: Temporal engine at ${process.env.TEMPORAL_ADDRESS ?? 'localhost:7233'}\n`);
  }
}

/** Errors the domain already maps to exit 2 pass through; the hub service's caller errors become UsageError. Pure. */
export function asCliError(err: unknown): unknown {
  if (err instanceof ValidationError || err instanceof EventRejectedError || err instanceof VersionConflictError || err instanceof UnknownSchoolError || err instanceof UsageError) return err;
  if (isCallerError(err)) return new UsageError((err as Error).message);
  return err;
}

/**
 * Runs `fn` with the engine the environment asks for (embedded unless
 * PATHWAY_ENGINE=temporal) on the command's database, and closes it after.
 */
export async function withEngine<T>(command: Command, fn: (engine: Engine) => Promise<T>): Promise<T> {
  return useEngine(await openEngine({ db: cliTarget(command) }), fn);
}

/** As withEngine, with the embedded engine (tick and simulate need its timer table and clock). */
export async function withEmbeddedEngine<T>(command: Command, options: Omit<EmbeddedEngineOptions, 'db' | 'store'>, fn: (engine: EmbeddedEngine) => Promise<T>): Promise<T> {
  return useEngine(await createEmbeddedEngine({ ...options, db: cliTarget(command) }), fn);
}

/** Announce the engine, run `fn` with it, map its errors to CLI errors, and close it whatever happens. */
async function useEngine<E extends Engine, T>(engine: E, fn: (engine: E) => Promise<T>): Promise<T> {
  announce(engine);
  try {
    return await fn(engine);
  } catch (err) {
    throw asCliError(err);
  } finally {
    await engine.close();
  }
}
