/**
 * The API's front door against input that used to reach the database or the
 * clock arithmetic and answer 500 (issue 12): NUL anywhere in text, lone
 * UTF-16 surrogates, dates outside 1990-2100, offsets outside ±14:00,
 * impossible dates, non-integer counts, academic years out of range. Each is
 * refused with a 400 that names the field, and nothing is written. On PGlite
 * and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { signCommitment } from '../service/schools.js';
import { generateGroupSchedule } from '../service/schedule.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };

describe.each(dbTargets())('refused at the boundary, never a 500 ($name)', (target) => {
  let h: ApiHarness;
  let urn = '';
  let group = '';
  let session = '';

  beforeAll(async () => {
    h = await startApi(target, { start: '2021-01-20T12:00:00Z' });
    const form = secondaryForm(1);
    urn = form.school.urn;
    await submitApplication(h.svc, root, form);
    await assessEligibility(h.svc, root, urn, { eligible: true });
    group = (await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } })).id;
    await selectApplication(h.svc, root, urn, { groupId: group });
    await signCommitment(h.svc, root, urn, { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    session = (await generateGroupSchedule(h.svc, root, group, {})).sessions[0]!.id;
  });
  afterAll(async () => h?.close());

  /** Sends the request as admin; expects 400 naming `field` (and `words` in the message), and nothing written. */
  async function refused(method: string, url: string, body: string | undefined, field: string, words: RegExp) {
    const before = await h.eventCount();
    const users = (await h.svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_users')).rows[0]!.n;
    const res = await h.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${h.tokens.admin}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: body } : {}) });
    expect(res.statusCode, `${method} ${url} ${body ?? ''}: ${res.body}`).toBe(400);
    const reply = JSON.parse(res.body) as { error: string; problems?: { path: string; message: string }[] };
    const p = reply.problems?.find((x) => x.path === field);
    expect(p, `problems of ${res.body}`).toBeDefined();
    expect(p!.message).toMatch(words);
    expect(await h.eventCount()).toBe(before);
    expect((await h.svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_users')).rows[0]!.n).toBe(users);
  }

  const NUL = /NUL/;
  const SURROGATE = /surrogate/;

  it('NUL in a query filter: GET /schools?programme=a%00b', async () => {
    await refused('GET', '/schools?programme=a%00b', undefined, 'programme', NUL);
    await refused('GET', '/applications?programme=a%00b', undefined, 'programme', NUL);
    await refused('GET', '/groups?programme=a%00b', undefined, 'programme', NUL);
  });

  it("NUL in a group lead's name", async () => {
    await refused('POST', '/groups', JSON.stringify({ programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'a\u0000b', email: 'l@a.example' } }), 'lead.name', NUL);
  });

  it("NUL in a user's name", async () => {
    await refused('POST', '/users', JSON.stringify({ name: 'Ada\u0000', role: 'admin' }), 'name', NUL);
  });

  it('NUL in a hub contact', async () => {
    await refused('PUT', `/hubs/${HUB_A}/contact`, JSON.stringify({ name: 'Lead\u0000Person', email: 'lead@hub.example' }), 'name', NUL);
  });

  it('NUL in event text and in an object key', async () => {
    await refused('POST', `/schools/${urn}/gap-tasks`, JSON.stringify({ task: 'x\u0000y' }), 'task', NUL);
    await refused('POST', `/schools/${urn}/gap-tasks`, '{"task":"ok","a\\u0000b":1}', 'a\u0000b', NUL);
  });

  it('a lone UTF-16 surrogate in event text: {"task":"\\ud800"}', async () => {
    await refused('POST', `/schools/${urn}/gap-tasks`, '{"task":"\\ud800"}', 'task', SURROGATE);
    await refused('POST', `/schools/${urn}/evaluation`, '{"summary":"ok \\udfff"}', 'summary', SURROGATE);
    await refused('POST', `/schools/${urn}/withdraw`, '{"reason":"\\udc00\\ud800"}', 'reason', SURROGATE);
  });

  it('an astral character (a proper surrogate pair) is accepted', async () => {
    const res = await h.app.inject({ method: 'POST', url: `/schools/${urn}/gap-tasks`, headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' }, payload: '{"task":"Number bonds \\ud83d\\udcaf"}' });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('"at":"0001-01-01T00:00:00Z" and other instants outside 1990-2100', async () => {
    await refused('POST', `/schools/${urn}/gap-tasks`, JSON.stringify({ task: 't', at: '0001-01-01T00:00:00Z' }), 'at', /1990/);
    await refused('POST', `/schools/${urn}/gap-tasks`, JSON.stringify({ task: 't', at: '1989-12-31T23:59:59Z' }), 'at', /1990/);
    await refused('POST', `/groups/${group}/sessions/${session}/move`, JSON.stringify({ to: '2101-01-01T09:00:00Z' }), 'to', /2100/);
  });

  it('history?at=0000-01-01 and an impossible history date', async () => {
    await refused('GET', `/schools/${urn}/history?at=0000-01-01`, undefined, 'at', /1990/);
    await refused('GET', `/schools/${urn}/history?at=2021-02-30`, undefined, 'at', /February 2021 has 28 days/);
  });

  it('offsets outside ±14:00 (+99:99 was accepted and stored days off)', async () => {
    await refused('POST', `/schools/${urn}/gap-tasks`, JSON.stringify({ task: 't', at: '2021-01-05T09:00:00+99:99' }), 'at', /14:00/);
    await refused('POST', `/schools/${urn}/gap-tasks`, JSON.stringify({ task: 't', at: '2021-01-05T09:00:00-14:30' }), 'at', /14:00/);
    await refused('GET', `/schools/${urn}/history?at=2021-01-05T09:00:00%2B15:00`, undefined, 'at', /14:00/);
  });

  it('impossible dates say so: 2021-02-30', async () => {
    await refused('POST', `/schools/${urn}/gap-tasks`, JSON.stringify({ task: 't', at: '2021-02-30T09:00:00Z' }), 'at', /February 2021 has 28 days/);
    await refused('POST', `/schools/${urn}/gap-tasks`, JSON.stringify({ task: 't', at: '2021-01-05T24:00:00Z' }), 'at', /hour/);
  });

  it('academic years out of range (untilYear 9999/00) and non-integer or fractional counts (days 0.1)', async () => {
    await refused('POST', `/schools/${urn}/defer`, JSON.stringify({ reason: 'r', untilYear: '9999/00' }), 'untilYear', /2099\/00/);
    await refused('GET', '/schools?year=1899/00', undefined, 'year', /1990/);
    await refused('POST', `/schools/${urn}/release-days`, JSON.stringify({ days: 0.1 }), 'days', /half/);
    await refused('POST', `/schools/${urn}/attendance`, JSON.stringify({ sessionId: session, teachersPresent: 1.5 }), 'teachersPresent', /whole/);
    await refused('GET', '/schools?limit=2.5', undefined, 'limit', /whole/);
  });

  it('a status filter that names no status is refused with the choices, not answered with an empty list', async () => {
    await refused('GET', '/schools?status=bogus', undefined, 'status', /active/);
    const ok = await h.app.inject({ method: 'GET', url: '/schools?status=active', headers: { authorization: `Bearer ${h.tokens.admin}` } });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('a good instant with an offset inside ±14:00 is still accepted', async () => {
    const res = await h.app.inject({ method: 'POST', url: `/schools/${urn}/release-days`, headers: { authorization: `Bearer ${h.tokens.admin}` }, payload: { days: 0.5, at: '2021-01-06T09:00:00+14:00' } });
    expect(res.statusCode, res.body).toBe(200);
  });
});
