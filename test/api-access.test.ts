/**
 * Every route of the API against every kind of caller, table-driven, on the
 * real embedded engine (PGlite and Postgres): 401 without a token or with a
 * bad or revoked one, 403 outside one's hub or role (an auditor never
 * writes; 404 for a school of another hub, as for a URN that does not exist),
 * 2xx otherwise; and nothing written by a refused request. The table
 * is checked against the OpenAPI document, so a new route cannot be missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness, type RoleName } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { submitApplication, assessEligibility, selectApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { signCommitment, deferSchool, recordAttendance } from '../service/schools.js';
import { generateGroupSchedule } from '../service/schedule.js';
import { addUser, revoke } from '../service/users.js';
import { addPerson, allocateLeader, createActionPlan } from '../service/people.js';

type Caller = RoleName | 'none' | 'badToken' | 'revoked';
const CALLERS: Caller[] = ['none', 'badToken', 'revoked', 'admin', 'staffA', 'staffB', 'auditorA', 'auditorB'];

/** Who may: public (anyone), read (hub A readers), list (any signed-in caller; filtered), write (hub A writers), admin. */
type Kind = 'public' | 'read' | 'list' | 'write' | 'admin';

interface Req {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Case {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The route as OpenAPI names it. */
  route: string;
  kind: Kind;
  /** The status of a successful call. */
  ok: number;
  /** A request on a fresh fixture, ready to succeed for an allowed caller. */
  make: () => Promise<Req>;
  /** Expected status per caller where the kind's rule does not say it. */
  except?: Partial<Record<Caller, number>>;
}

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };
const SIGN = ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'];

function expected(c: Case, who: Caller): number {
  if (c.except?.[who] !== undefined) return c.except[who]!;
  const status = byKind(c, who);
  // A school of another hub is answered as a URN that does not exist (an auditor on a writing route is refused by role first).
  const outsider = who === 'staffB' || (who === 'auditorB' && c.kind !== 'write');
  return status === 403 && outsider && /^\/(schools|applications)\/\{urn\}/.test(c.route) ? 404 : status;
}

function byKind(c: Case, who: Caller): number {
  if (c.kind === 'public') return c.ok;
  if (who === 'none' || who === 'badToken' || who === 'revoked') return 401;
  if (c.kind === 'list') return c.ok;
  if (c.kind === 'admin') return who === 'admin' ? c.ok : 403;
  if (c.kind === 'read') return ['admin', 'staffA', 'auditorA'].includes(who) ? c.ok : 403;
  return ['admin', 'staffA'].includes(who) ? c.ok : 403;
}

describe.each(dbTargets())('every route x every caller ($name)', (target) => {
  let h: ApiHarness;
  let n = 100;
  let revokedToken = '';

  // Fixtures in hub A (Great North), made through the service as an admin.
  const applied = async () => {
    const form = secondaryForm(++n);
    await submitApplication(h.svc, root, form);
    return form.school.urn as string;
  };
  const eligible = async () => {
    const urn = await applied();
    await assessEligibility(h.svc, root, urn, { eligible: true });
    return urn;
  };
  const group = async () => (await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'Lead', email: 'lead@a.example' } })).id;
  const selected = async () => {
    const urn = await eligible();
    const g = await group();
    await selectApplication(h.svc, root, urn, { groupId: g });
    return { urn, g };
  };
  const active = async () => {
    const x = await selected();
    await signCommitment(h.svc, root, x.urn, { signatories: SIGN as never });
    return x;
  };
  const scheduled = async () => {
    const x = await active();
    const r = await generateGroupSchedule(h.svc, root, x.g, {});
    return { ...x, sessions: r.sessions };
  };

  // A selected school with its own Secondary Mastery Specialist (one each, so no load is reached), and its action plan.
  const led = async () => {
    const x = await selected();
    const person = await addPerson(h.svc, root, { hub: HUB_A, name: `Specialist ${++n}`, email: `specialist${n}@hub.example`, role: 'specialist' });
    await allocateLeader(h.svc, root, x.urn, { personId: person.id });
    return x;
  };
  const AIMS = { coherence: 'c', representationAndStructure: 'r', mathematicalThinking: 'm', fluency: 'f', variation: 'v' };

  const cases: Case[] = [
    { method: 'GET', route: '/health', kind: 'public', ok: 200, make: async () => ({ url: '/health' }) },
    { method: 'GET', route: '/me', kind: 'list', ok: 200, make: async () => ({ url: '/me' }) },
    { method: 'POST', route: '/applications', kind: 'write', ok: 201, make: async () => ({ url: '/applications', body: secondaryForm(++n) }) },
    { method: 'GET', route: '/applications', kind: 'list', ok: 200, make: async () => ({ url: '/applications' }) },
    { method: 'POST', route: '/applications/{urn}/eligibility', kind: 'write', ok: 200, make: async () => ({ url: `/applications/${await applied()}/eligibility`, body: { eligible: true } }) },
    { method: 'POST', route: '/applications/{urn}/select', kind: 'write', ok: 200, make: async () => ({ url: `/applications/${await eligible()}/select`, body: { groupId: await group() } }) },
    { method: 'POST', route: '/applications/{urn}/waitlist', kind: 'write', ok: 200, make: async () => ({ url: `/applications/${await eligible()}/waitlist`, body: { reason: 'the group is full' } }) },
    { method: 'POST', route: '/applications/{urn}/decline', kind: 'write', ok: 200, make: async () => ({ url: `/applications/${await applied()}/decline`, body: { reason: 'full', alternative: 'next year' } }) },
    { method: 'POST', route: '/groups', kind: 'write', ok: 201, make: async () => ({ url: '/groups', body: { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } } }) },
    { method: 'GET', route: '/groups', kind: 'list', ok: 200, make: async () => ({ url: '/groups' }) },
    { method: 'GET', route: '/groups/{id}', kind: 'read', ok: 200, make: async () => ({ url: `/groups/${await group()}` }) },
    // The school named in the body is of hub A: to hub B's staff it is a URN that does not exist (404).
    { method: 'POST', route: '/groups/{id}/schools', kind: 'write', ok: 200, make: async () => ({ url: `/groups/${await group()}/schools`, body: { urn: await eligible() } }), except: { staffB: 404 } },
    { method: 'POST', route: '/groups/{id}/schedule', kind: 'write', ok: 200, make: async () => ({ url: `/groups/${(await active()).g}/schedule`, body: {} }) },
    {
      method: 'POST',
      route: '/groups/{id}/sessions/{sessionId}/move',
      kind: 'write',
      ok: 200,
      make: async () => {
        const x = await scheduled();
        // A move its school takes: into July 2021, the last month of the programme's meetings, recorded as made in June (it is August now).
        return { url: `/groups/${x.g}/sessions/${x.sessions[0]!.id}/move`, body: { to: '2021-07-08T09:00:00+01:00', at: '2021-06-01T09:00:00+01:00' } };
      },
    },
    {
      method: 'POST',
      route: '/groups/{id}/sessions/{sessionId}/cancel',
      kind: 'write',
      ok: 200,
      make: async () => {
        const x = await scheduled();
        return { url: `/groups/${x.g}/sessions/${x.sessions[0]!.id}/cancel`, body: { reason: 'snow' } };
      },
    },
    { method: 'GET', route: '/schools', kind: 'list', ok: 200, make: async () => ({ url: '/schools?year=2020/21&limit=5' }) },
    { method: 'GET', route: '/schools/{urn}', kind: 'read', ok: 200, make: async () => ({ url: `/schools/${await applied()}` }) },
    { method: 'GET', route: '/schools/{urn}/history', kind: 'read', ok: 200, make: async () => ({ url: `/schools/${await applied()}/history?at=2020-07-31` }) },
    { method: 'POST', route: '/schools/{urn}/commitment', kind: 'write', ok: 200, make: async () => ({ url: `/schools/${(await selected()).urn}/commitment`, body: { signatories: SIGN } }) },
    {
      method: 'POST',
      route: '/schools/{urn}/attendance',
      kind: 'write',
      ok: 200,
      make: async () => {
        const x = await scheduled();
        return { url: `/schools/${x.urn}/attendance`, body: { sessionId: x.sessions[0]!.id, teachersPresent: 2 } };
      },
    },
    { method: 'POST', route: '/schools/{urn}/gap-tasks', kind: 'write', ok: 200, make: async () => ({ url: `/schools/${(await active()).urn}/gap-tasks`, body: { task: 'bar models in Year 7' } }) },
    { method: 'POST', route: '/schools/{urn}/release-days', kind: 'write', ok: 200, make: async () => ({ url: `/schools/${(await active()).urn}/release-days`, body: { days: 1.5 } }) },
    {
      method: 'POST',
      route: '/schools/{urn}/evaluation',
      kind: 'write',
      ok: 200,
      make: async () => {
        const x = await scheduled();
        for (const s of x.sessions) await recordAttendance(h.svc, root, x.urn, { sessionId: s.id, teachersPresent: 2 });
        return { url: `/schools/${x.urn}/evaluation`, body: { summary: 'went well' } };
      },
    },
    { method: 'POST', route: '/schools/{urn}/withdraw', kind: 'write', ok: 200, make: async () => ({ url: `/schools/${(await active()).urn}/withdraw`, body: { reason: 'staff left' } }) },
    { method: 'POST', route: '/schools/{urn}/defer', kind: 'write', ok: 200, make: async () => ({ url: `/schools/${(await active()).urn}/defer`, body: { reason: 'new head', untilYear: '2021/22' } }) },
    {
      method: 'POST',
      route: '/schools/{urn}/resume',
      kind: 'write',
      ok: 200,
      make: async () => {
        const x = await active();
        await deferSchool(h.svc, root, x.urn, { reason: 'new head', untilYear: '2021/22' });
        return { url: `/schools/${x.urn}/resume`, body: { academicYear: '2021/22' } };
      },
    },
    {
      method: 'POST',
      route: '/schools/{urn}/teachers/{slot}',
      kind: 'write',
      ok: 200,
      make: async () => ({ url: `/schools/${(await active()).urn}/teachers/2`, body: { teacher: { name: 'New Teacher', email: 'new@school.example', role: 'teacher' } } }),
    },
    { method: 'PUT', route: '/schools/{urn}/headteacher-contact', kind: 'write', ok: 200, make: async () => ({ url: `/schools/${await applied()}/headteacher-contact`, body: { email: 'new.head@school.example' } }) },
    // A dry run is a read (hub staff of B see an empty cohort); a real run is a write, refused to auditors.
    { method: 'POST', route: '/cohorts/transition', kind: 'list', ok: 200, make: async () => ({ url: '/cohorts/transition', body: { from: '2019/20', to: '2020/21', dryRun: true } }) },
    { method: 'POST', route: '/cohorts/transition', kind: 'list', ok: 200, make: async () => ({ url: '/cohorts/transition', body: { from: '2019/20', to: '2020/21' } }), except: { auditorA: 403, auditorB: 403 } },
    { method: 'POST', route: '/users', kind: 'admin', ok: 201, make: async () => ({ url: '/users', body: { name: 'New Person', role: 'auditor', hubs: [HUB_A] } }) },
    { method: 'GET', route: '/users', kind: 'admin', ok: 200, make: async () => ({ url: '/users?revoked=true' }) },
    {
      method: 'DELETE',
      route: '/users/{id}',
      kind: 'admin',
      ok: 200,
      make: async () => ({ url: `/users/${(await addUser(h.svc, root, { name: 'Leaving Soon', role: 'auditor', hubs: [HUB_A] })).user.id}` }),
    },
    { method: 'GET', route: '/hubs/contacts', kind: 'admin', ok: 200, make: async () => ({ url: '/hubs/contacts' }) },
    { method: 'GET', route: '/people', kind: 'list', ok: 200, make: async () => ({ url: '/people' }) },
    { method: 'POST', route: '/people', kind: 'write', ok: 201, make: async () => ({ url: '/people', body: { hub: HUB_A, name: `Person ${++n}`, email: `person${n}@hub.example`, role: 'readinessLead' } }) },
    {
      method: 'POST',
      route: '/schools/{urn}/leader',
      kind: 'write',
      ok: 200,
      make: async () => {
        const x = await selected();
        const person = await addPerson(h.svc, root, { hub: HUB_A, name: `Specialist ${++n}`, email: `specialist${n}@hub.example`, role: 'specialist' });
        return { url: `/schools/${x.urn}/leader`, body: { personId: person.id } };
      },
    },
    { method: 'POST', route: '/schools/{urn}/action-plan', kind: 'write', ok: 200, make: async () => ({ url: `/schools/${(await led()).urn}/action-plan`, body: { aims: AIMS } }) },
    // Reviewed at a visit, and a Secondary Development year has none; judged Mastery Ready only in Readiness: the rules refuse (422) whoever may write.
    {
      method: 'POST',
      route: '/schools/{urn}/action-plan/reviews',
      kind: 'write',
      ok: 422,
      make: async () => {
        const x = await led();
        await createActionPlan(h.svc, root, x.urn, { aims: AIMS });
        return { url: `/schools/${x.urn}/action-plan/reviews`, body: { sessionId: 'm1', progress: { fluency: 'developing' } } };
      },
    },
    { method: 'POST', route: '/schools/{urn}/mastery-ready', kind: 'write', ok: 422, make: async () => ({ url: `/schools/${(await active()).urn}/mastery-ready`, body: { ready: true } }) },
    // Admins and auditors verify the log; hub staff may not (issue 12).
    { method: 'GET', route: '/verify', kind: 'list', ok: 200, except: { staffA: 403, staffB: 403 }, make: async () => ({ url: '/verify' }) },
    // Lists scoped to the caller's hubs: another hub's staff get an empty list, not a refusal.
    { method: 'GET', route: '/effects', kind: 'list', ok: 200, make: async () => ({ url: '/effects' }) },
    // Who may retry which effect, and a retry that sends, are in embedded-effects-api.test.ts; here, the door: auditors
    // are refused by role, and an effect nobody may see is answered as unknown to every other caller.
    { method: 'POST', route: '/effects/retry', kind: 'write', ok: 404, except: { staffB: 404 }, make: async () => ({ url: '/effects/retry', body: { key: 'no-such-effect' } }) },
    { method: 'GET', route: '/funding', kind: 'list', ok: 200, make: async () => ({ url: '/funding' }) },
    { method: 'GET', route: '/audit/funding', kind: 'list', ok: 200, make: async () => ({ url: '/audit/funding' }) },
    // Admin only; a school whose history is intact has nothing to sign off (422), which only an admin gets to learn.
    // Refused by role before the school is looked up, so another hub's staff learn nothing of the URN (403, not 404).
    { method: 'POST', route: '/schools/{urn}/tamper-sign-off', kind: 'admin', ok: 422, except: { staffB: 403, auditorB: 403 }, make: async () => ({ url: `/schools/${await applied()}/tamper-sign-off`, body: { reason: 'the DBA restored the row from the backup of 3 May' } }) },
    { method: 'GET', route: '/hubs/{hub}/contact', kind: 'read', ok: 200, make: async () => ({ url: `/hubs/${HUB_A}/contact` }) },
    { method: 'PUT', route: '/hubs/{hub}/contact', kind: 'admin', ok: 200, make: async () => ({ url: `/hubs/${HUB_A}/contact`, body: { name: 'Gina Lead', email: 'gina@greatnorth.example' } }) },
  ];

  beforeAll(async () => {
    h = await startApi(target, { start: '2021-08-01T12:00:00Z' });
    const leaving = await addUser(h.svc, root, { name: 'Former Staff', role: 'hub_staff', hubs: [HUB_A] });
    await revoke(h.svc, root, leaving.user.id);
    revokedToken = leaving.token;
  });
  afterAll(async () => h?.close());

  it('the table covers every route in the OpenAPI document', async () => {
    const doc = (await h.call('GET', '/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(new Set(cases.map((c) => `${c.method} ${c.route}`))).toEqual(new Set(documented));
  });

  for (const c of cases) {
    it(`${c.method} ${c.route}${c.except ? ' (real run)' : ''}`, async () => {
      const seen: Record<string, number> = {};
      const want: Record<string, number> = {};
      let shared: Req | null = null;
      for (const who of CALLERS) {
        const allowed = expected(c, who) < 400;
        // An allowed caller gets a fresh fixture (its call changes it); the others share one that must not change.
        const req = allowed ? await c.make() : (shared ??= await c.make());
        const token = who === 'badToken' ? 'mpt_' + 'x'.repeat(43) : who === 'revoked' ? revokedToken : undefined;
        const before = await h.eventCount();
        const r = await h.call(c.method, req.url, { ...(who === 'none' || who === 'badToken' || who === 'revoked' ? { as: 'none' as const } : { as: who }), ...(token ? { token } : {}), ...(req.body !== undefined ? { body: req.body } : {}) });
        seen[who] = r.status;
        want[who] = expected(c, who);
        if (r.status >= 400) {
          expect(await h.eventCount(), `${who}: a refused request wrote events`).toBe(before);
          expect(typeof r.body.error, `${who}: error body ${JSON.stringify(r.body)}`).toBe('string');
        }
      }
      expect(seen).toEqual(want);
    });
  }

  it('lists show only the hubs a caller may read', async () => {
    const a = await h.call('GET', '/schools', { as: 'staffA' });
    expect(a.body.count).toBeGreaterThan(0);
    expect(new Set(a.body.schools.map((s: any) => s.hub))).toEqual(new Set(['Great North']));
    for (const who of ['staffB', 'auditorB'] as const) {
      expect((await h.call('GET', '/schools', { as: who })).body.count).toBe(0);
      expect((await h.call('GET', '/groups', { as: who })).body.count).toBe(0);
      expect((await h.call('GET', '/applications', { as: who })).body.count).toBe(0);
      expect((await h.call('GET', `/schools?hub=${HUB_A}`, { as: who })).status).toBe(403);
    }
    expect((await h.call('GET', '/schools', { as: 'auditorA' })).body.count).toBe(a.body.count);
  });

  it('a revoked token is refused at once, even right after it was used', async () => {
    const made = await addUser(h.svc, root, { name: 'Short Stay', role: 'hub_staff', hubs: [HUB_A] });
    expect((await h.call('GET', '/me', { token: made.token })).status).toBe(200);
    expect((await h.call('DELETE', `/users/${made.user.id}`, { as: 'admin' })).status).toBe(200);
    const after = await h.call('GET', '/me', { token: made.token });
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('the API token is unknown or was revoked');
  });

  it('401 says how to authenticate; 403 says why not', async () => {
    const none = await h.call('GET', '/schools');
    expect(none.body.error).toMatch(/Authorization: Bearer <token>.*pathway users add/);
    const basic = await h.call('GET', '/schools', { headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
    const aud = await h.call('POST', '/groups', { as: 'auditorA', body: {} });
    expect(aud.status).toBe(403);
    expect(aud.body.error).toMatch(/auditors can read but never change anything/);
  });
});
