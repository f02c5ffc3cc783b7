/**
 * Opens the engine the environment asks for: the embedded host by default,
 * the Temporal host when PATHWAY_ENGINE=temporal. Every interface (CLI, API)
 * opens its engine here. I/O.
 */
import type { Engine } from './engine.js';
import { settings } from '../config/load.js';
import { createEmbeddedEngine, type EmbeddedEngine, type EmbeddedEngineOptions } from './embedded.js';

export interface OpenEngineOptions extends EmbeddedEngineOptions {
  engine?: 'embedded' | 'temporal';
}

/** The engine named by options.engine, else the configuration's (PATHWAY_ENGINE), else embedded. */
export async function openEngine(options: OpenEngineOptions = {}): Promise<Engine> {
  const config = settings();
  const kind = options.engine ?? config.engine;
  if (kind === 'temporal') {
    const { createTemporalEngine } = await import('./temporal-engine.js');
    const { openStore } = await import('../store/index.js');
    // The Postgres audit log that the worker's recordEvent activity writes; history reads it.
    const store = options.store ?? (await openStore(options.db, { longRunning: options.longRunning ?? false }));
    const engine = await createTemporalEngine({
      address: config.temporalAddress ?? 'localhost:7233',
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      db: store.db,
    });
    const close = engine.close.bind(engine);
    engine.close = async () => {
      await close();
      if (!options.store) await store.close();
    };
    return engine;
  }
  if (kind !== 'embedded') throw new Error(`PATHWAY_ENGINE must be "embedded" or "temporal", not ${JSON.stringify(kind)}`);
  return createEmbeddedEngine(options);
}

/** The embedded engine, for commands that only it supports (tick, simulate). */
export async function openEmbeddedEngine(options: EmbeddedEngineOptions = {}): Promise<EmbeddedEngine> {
  return createEmbeddedEngine(options);
}
