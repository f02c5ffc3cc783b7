/**
 * Hardening of the API (issue 12): helmet's security headers on API replies
 * (errors included) and Cache-Control: no-store on authenticated ones; 429
 * after too many failed authentications from one address and too many writes
 * on one token; another hub's school answers 404 exactly like a URN that does
 * not exist (body and headers). On PGlite and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, HUB_B, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import { addUser } from '../service/users.js';
import type { Principal } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { signCommitment } from '../service/schools.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };
const BAD = `mpt_${'x'.repeat(43)}`;

describe.each(dbTargets())('API hardening ($name)', (target) => {
  let h: ApiHarness;
  let urn = '';

  beforeAll(async () => {
    h = await startApi(target, { start: '2021-01-20T12:00:00Z', api: { limits: { failedAuthPerMinute: 5, writesPerMinute: 4 } } });
    const form = secondaryForm(3);
    urn = form.school.urn;
    await submitApplication(h.svc, root, form);
    await assessEligibility(h.svc, root, urn, { eligible: true });
    const g = await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } });
    await selectApplication(h.svc, root, urn, { groupId: g.id });
    await signCommitment(h.svc, root, urn, { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
  });
  afterAll(async () => h?.close());

  const get = (url: string, token?: string, ip = '10.0.0.1') => h.app.inject({ method: 'GET', url, remoteAddress: ip, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('security headers on API replies, successes and errors alike; no-store on authenticated replies', async () => {
    for (const res of [await get('/me', h.tokens.staffA), await get('/me'), await get(`/schools/${urn}`, h.tokens.staffA), await get('/nowhere', h.tokens.staffA)]) {
      expect(res.headers['content-security-policy'], res.body).toMatch(/default-src 'none'/);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('the documentation page still loads its own scripts (no API policy on /docs)', async () => {
    let res = await get('/docs');
    for (let hops = 0; res.statusCode === 302 && hops < 3; hops++) res = await get(new URL(String(res.headers.location), 'http://x/docs/').pathname);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.headers['content-security-policy'] ?? '').not.toMatch(/default-src 'none'/);
  });

  it('failed authentications from one address: 401 up to the limit, then 429 with Retry-After, even for a good token; other addresses unaffected', async () => {
    const ip = '10.9.9.9';
    for (let i = 0; i < 5; i++) expect((await get('/me', BAD, ip)).statusCode).toBe(401);
    const blocked = await get('/me', BAD, ip);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(blocked.body).error).toMatch(/too many failed authentications from 10\.9\.9\.9/);
    expect((await get('/me', h.tokens.staffA, ip)).statusCode).toBe(429);
    expect((await get('/me', h.tokens.staffA, '10.9.9.10')).statusCode).toBe(200);
    // Good tokens never count: many successes from one address are all answered.
    for (let i = 0; i < 8; i++) expect((await get('/me', h.tokens.auditorA, '10.9.9.11')).statusCode).toBe(200);
  });

  it('writes per token: the limit, then 429 and nothing written; reads and other tokens go on', async () => {
    const write = (token: string) => h.app.inject({ method: 'POST', url: `/schools/${urn}/gap-tasks`, remoteAddress: '10.1.1.1', headers: { authorization: `Bearer ${token}` }, payload: { task: 'bar models' } });
    for (let i = 0; i < 4; i++) expect((await write(h.tokens.staffA)).statusCode).toBe(200);
    const before = await h.eventCount();
    const refused = await write(h.tokens.staffA);
    expect(refused.statusCode).toBe(429);
    expect(JSON.parse(refused.body).error).toMatch(/Sam Staff made more than 4 changes in a minute/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await h.eventCount()).toBe(before);
    expect((await get(`/schools/${urn}`, h.tokens.staffA)).statusCode).toBe(200);
    expect((await write(h.tokens.admin)).statusCode).toBe(200);
  });

  it("another hub's school answers 404 exactly like a URN that does not exist: body and headers", async () => {
    const missing = '999994';
    const pairs: [string, string | undefined, (u: string) => string][] = [
      ['GET', undefined, (u) => `/schools/${u}`],
      ['GET', undefined, (u) => `/schools/${u}/history`],
      ['POST', JSON.stringify({ task: 'x' }), (u) => `/schools/${u}/gap-tasks`],
      ['POST', JSON.stringify({ reason: 'x' }), (u) => `/applications/${u}/waitlist`],
      ['PUT', JSON.stringify({ email: 'h@x.example' }), (u) => `/schools/${u}/headteacher-contact`],
    ];
    for (const [method, payload, url] of pairs) {
      // Hub B staff with a token of their own for each pair (the write limit of this suite is 4 a minute).
      const token = (await addUser(h.svc, root, { name: 'Bea Staff', role: 'hub_staff', hubs: [HUB_B] })).token;
      const ask = (u: string) =>
        h.app.inject({ method: method as 'GET', url: url(u), headers: { authorization: `Bearer ${token}`, 'x-request-id': 'same-id', ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload } : {}) });
      const other = await ask(urn);
      const none = await ask(missing);
      expect(other.statusCode, `${method} ${url(urn)}: ${other.body}`).toBe(404);
      expect(none.statusCode).toBe(404);
      // The same words with the URN swapped, the same headers (the date aside).
      expect(other.body.replaceAll(urn, 'URN')).toBe(none.body.replaceAll(missing, 'URN'));
      const headers = (r: typeof other) => Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'date'));
      expect(headers(other)).toEqual(headers(none));
      expect(other.body).not.toMatch(/great.north|Great North|hub/i);
    }
  });
});
