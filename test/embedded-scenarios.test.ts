/**
 * The shared engine scenarios (test/scenarios/) against the embedded host,
 * on PGlite and on Postgres: the same cases the Temporal host must pass,
 * through the Engine interface only. Each case opens its own engine (on the
 * system clock, as a user's would) over the block's database and closes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { createEmbeddedEngine } from '../host/embedded.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { runScenarios } from './scenarios/index.js';
import { dbTargets, useTestDb } from './helpers/db.js';

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

const mailbox = mkdtempSync(join(tmpdir(), 'pathway-scenarios-mail-'));
afterAll(() => rmSync(mailbox, { recursive: true, force: true }));

describe.each(dbTargets())('embedded engine on $name', (target) => {
  const t = useTestDb(target);
  runScenarios(() => createEmbeddedEngine({ store: storeOf(t.db), mailbox }), { name: `embedded engine on ${target.name}` });
});
