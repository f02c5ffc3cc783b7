/**
 * Faults below us (issue 12): GET /health says whether the database answers.
 * The service's Postgres database is made unreachable without touching the
 * shared server (its connections refused with ALLOW_CONNECTIONS false and its
 * sessions ended): /health answers 503 with a plain reason while it is, and
 * 200 again once it is back.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApi, type ApiHarness } from './api-harness.js';
import { postgresTestUrl } from './helpers/db.js';

let h: ApiHarness;
let admin: pg.Client;
beforeAll(async () => {
  h = await startApi({ name: 'postgres', url: postgresTestUrl() }, { start: '2025-06-01T09:00:00Z' });
  admin = new pg.Client({ connectionString: postgresTestUrl() });
  await admin.connect();
});
afterAll(async () => {
  const name = new URL(h.dbUrl).pathname.slice(1);
  await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
  await admin.end();
  await h.close();
});

it('/health is 200 while the database answers, 503 with the reason while it does not, 200 again after', async () => {
  const name = new URL(h.dbUrl).pathname.slice(1);
  expect(await h.call('GET', '/health')).toMatchObject({ status: 200, body: { ok: true, database: 'up' } });
  await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  const down = await h.call('GET', '/health');
  expect(down.status).toBe(503);
  expect(down.body).toEqual({ ok: false, database: 'down', reason: expect.stringMatching(new RegExp(`^the database \\(Postgres at 127\\.0\\.0\\.1:\\d+/${name} \\(user postgres\\)\\) does not answer: .*${name}.* not currently accepting connections`)) });
  await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
  expect(await h.call('GET', '/health')).toMatchObject({ status: 200, body: { ok: true, database: 'up' } });
});

it('answers many /health requests at once from its one probe connection, without queueing queries on it', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.call('GET', '/health')));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    // Let a warning emitted on the last tick arrive.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  // pg 8 warns when a client is given a query while another runs on it; pg 9 refuses it.
  expect(warnings.filter((w) => /already executing a query/.test(w))).toEqual([]);
});
