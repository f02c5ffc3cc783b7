/**
 * Token lifetimes (issue 12): a token expires (90 days by default, shown at
 * creation; another number of days when asked), an expired token is refused
 * with a 401 that says so; a revocation or an expiry moved by another process
 * on the same Postgres takes effect at once (LISTEN/NOTIFY), not after the
 * cache's 5 s; on PGlite (one process) a revocation empties the cache at once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { TOKEN_CACHE_MS, addUser, revoke, tokenHash } from '../service/users.js';
import { insertUser } from '../store/ops/users.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };
const DAY = 24 * 60 * 60 * 1000;
const STORE = fileURLToPath(new URL('../store/', import.meta.url));

/** Runs SQL on the database from a second Node process through the store (as `pathway users revoke` would). */
function inAnotherProcess(url: string, body: string): Promise<void> {
  const script = `
    import { openDb } from ${JSON.stringify(`${STORE}db.ts`)};
    import { revokeUser } from ${JSON.stringify(`${STORE}ops/users.ts`)};
    const db = await openDb(${JSON.stringify(url)});
    try { ${body} } finally { await db.close(); }
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`second process exited ${code}: ${err}`))));
  });
}

/** Milliseconds until GET /me with `token` answers 401, asking every 10 ms, at most `limit` ms. */
async function msUntilRefused(h: ApiHarness, token: string, limit: number): Promise<{ ms: number; body: any }> {
  const t0 = Date.now();
  for (;;) {
    const r = await h.call('GET', '/me', { token });
    if (r.status === 401) return { ms: Date.now() - t0, body: r.body };
    expect(r.status).toBe(200);
    if (Date.now() - t0 > limit) return { ms: Infinity, body: r.body };
    await new Promise((res) => setTimeout(res, 10));
  }
}

describe.each(dbTargets())('token expiry and revocation ($name)', (target) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi(target, { start: '2021-01-20T12:00:00Z' });
  });
  afterAll(async () => h?.close());

  it('a token made by the API expires after 90 days unless asked otherwise, and says when', async () => {
    const before = Date.now();
    const made = await h.call('POST', '/users', { as: 'admin', body: { name: 'Ninety Days', role: 'hub_staff', hubs: [HUB_A] } });
    expect(made.status).toBe(201);
    const expires = Date.parse(made.body.user.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 90 * DAY - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 90 * DAY + 1000);
    const week = await h.call('POST', '/users', { as: 'admin', body: { name: 'One Week', role: 'auditor', hubs: [HUB_A], days: 7 } });
    expect(Date.parse(week.body.user.expiresAt) - Date.parse(week.body.user.createdAt)).toBeGreaterThan(7 * DAY - 5000);
    expect(Date.parse(week.body.user.expiresAt) - Date.parse(week.body.user.createdAt)).toBeLessThan(7 * DAY + 5000);
    for (const days of [0.1, 0, -1, 3651, '7']) {
      const r = await h.call('POST', '/users', { as: 'admin', body: { name: 'Bad Days', role: 'admin', days } });
      expect(r.status, JSON.stringify(days)).toBe(400);
      expect(r.body.problems[0].path).toBe('days');
    }
    const listed = await h.call('GET', '/users', { as: 'admin' });
    expect(listed.body.users.every((u: { expiresAt: string }) => Date.parse(u.expiresAt) > Date.now())).toBe(true);
  });

  it('an expired token is refused with a 401 that says it expired, even when it was just used (cached)', async () => {
    const token = `mpt_${'e'.repeat(42)}${target.name === 'pglite' ? 'p' : 'q'}`;
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    await insertUser(h.svc.db, { id: `short-${target.name}`, name: 'Short Lived', role: 'hub_staff', hubs: [HUB_A], tokenHash: tokenHash(token), createdBy: 'test', expiresAt });
    expect((await h.call('GET', '/me', { token })).status).toBe(200);
    const { ms, body } = await msUntilRefused(h, token, 4000);
    expect(ms).toBeLessThan(4000);
    expect(body.error).toMatch(/^the API token expired on \d{4}-\d{2}-\d{2}: ask an admin for a new one/);
  });

  it('a revocation in this process is refused at once', async () => {
    const made = await addUser(h.svc, root, { name: 'Same Process', role: 'hub_staff', hubs: [HUB_A] });
    expect((await h.call('GET', '/me', { token: made.token })).status).toBe(200);
    await revoke(h.svc, root, made.user.id);
    expect((await h.call('GET', '/me', { token: made.token })).status).toBe(401);
  });

  it.runIf(target.name === 'postgres')('a revocation and an expiry moved by another process are refused at once, well inside the 5 s cache', async () => {
    const a = await addUser(h.svc, root, { name: 'Revoked Elsewhere', role: 'hub_staff', hubs: [HUB_A] });
    const b = await addUser(h.svc, root, { name: 'Expired Elsewhere', role: 'hub_staff', hubs: [HUB_A] });
    // Both tokens used, so both are cached in this process.
    expect((await h.call('GET', '/me', { token: a.token })).status).toBe(200);
    expect((await h.call('GET', '/me', { token: b.token })).status).toBe(200);
    await inAnotherProcess(h.dbUrl, `if (!(await revokeUser(db, ${JSON.stringify(a.user.id)}))) throw new Error('not revoked');`);
    const revoked = await msUntilRefused(h, a.token, TOKEN_CACHE_MS);
    expect(revoked.ms).toBeLessThan(1000);
    expect(revoked.body.error).toBe('the API token is unknown or was revoked');
    await inAnotherProcess(h.dbUrl, `await db.query("UPDATE api_users SET expires_at = created_at + interval '1 millisecond' WHERE id = $1", [${JSON.stringify(b.user.id)}]);`);
    const expired = await msUntilRefused(h, b.token, TOKEN_CACHE_MS);
    expect(expired.ms).toBeLessThan(1000);
    expect(expired.body.error).toMatch(/expired/);
    console.log(`refused after another process's change: revoked ${revoked.ms} ms, expired ${expired.ms} ms (cache ${TOKEN_CACHE_MS} ms)`);
  });
});
