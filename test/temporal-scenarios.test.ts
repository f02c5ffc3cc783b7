/**
 * The shared engine scenarios (test/scenarios/) against the Temporal host: a
 * real server at TEMPORAL_ADDRESS with the worker running (`docker compose up
 * -d`, or `npm run worker`) and the Postgres audit log at DATABASE_URL that
 * the worker writes. No Temporal server can run on the machines this project
 * is built on, so without TEMPORAL_ADDRESS the cases are skipped and the
 * reason printed.
 */
import { runScenarios } from './scenarios/index.js';
import { createTemporalEngine, temporalOptionsFromEnv } from '../host/temporal-engine.js';
import { openStore } from '../store/index.js';
import type { Engine } from '../host/engine.js';

const options = temporalOptionsFromEnv(process.env);
const skip = options
  ? null
  : 'TEMPORAL_ADDRESS is not set: no Temporal server can run here; run docker compose up and set TEMPORAL_ADDRESS=localhost:7233 to run these (with DATABASE_URL=postgres://pathway:pathway@localhost:5432/pathway for the audit log the worker writes)';

/** An engine over the server and the worker's audit log; closing it closes both. */
async function makeEngine(): Promise<Engine> {
  const store = await openStore(process.env.DATABASE_URL);
  const engine = await createTemporalEngine({ ...options!, db: store.db });
  const close = engine.close.bind(engine);
  engine.close = async () => {
    await close();
    await store.close();
  };
  return engine;
}

runScenarios(makeEngine, { name: 'Temporal engine', skip });
