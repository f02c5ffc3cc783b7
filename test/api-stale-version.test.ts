/**
 * Every school write route (and every work group write route) asked by
 * another hub's staff (404, as for a URN that does not exist; 403 by name for a
 * work group's own schedule, whose id names its hub), by the hub's
 * own auditor (403), and with a stale If-Match (409 with the version now):
 * nothing written anywhere — every
 * table of the database dumped before and after and compared. Then the same
 * request with the right version succeeds, so the fixture was one the write
 * would otherwise take. On PGlite and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, readinessForm, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { deferSchool, recordAttendance, signCommitment } from '../service/schools.js';
import { generateGroupSchedule } from '../service/schedule.js';
import { addPerson, allocateLeader, createActionPlan } from '../service/people.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };
const SIGN = ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] as const;
const AIMS = { coherence: 'small steps in every unit', representationAndStructure: 'bar models', mathematicalThinking: 'reasoning prompts', fluency: 'number facts', variation: 'varied practice' };

interface Case {
  route: string;
  /** A request that would succeed with the right version; `version` is the one If-Match must carry. */
  make: () => Promise<{ method?: 'POST' | 'PUT'; url: string; body: unknown; version: number }>;
}

describe.each(dbTargets())('stale If-Match on every write route ($name)', (target) => {
  let h: ApiHarness;
  let n = 500;

  /** Every row of every table of the public schema, as one comparable text. */
  async function dump(): Promise<string> {
    const tables = await h.svc.db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
    const out: string[] = [];
    for (const { t } of tables.rows) {
      const rows = await h.svc.db.query(`SELECT * FROM "${t}"`);
      out.push(`${t}: ${rows.rows.map((r) => JSON.stringify(r)).sort().join('\n')}`);
    }
    return out.join('\n\n');
  }

  const version = async (urn: string) => (await h.svc.engine.state(urn)).version;
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
  const groupVersion = async (id: string) => Number((await h.call('GET', `/groups/${id}`, { as: 'admin' })).body.group.version);
  const selected = async () => {
    const urn = await eligible();
    const g = await group();
    await selectApplication(h.svc, root, urn, { groupId: g });
    return { urn, g };
  };
  const active = async () => {
    const x = await selected();
    await signCommitment(h.svc, root, x.urn, { signatories: [...SIGN] });
    return x;
  };
  const scheduled = async () => {
    const x = await active();
    const r = await generateGroupSchedule(h.svc, root, x.g, {});
    return { ...x, sessions: r.sessions };
  };
  /** A hub person of HUB_A with the role, new for each case (a specialist leads at most 2 departments). */
  const person = async (role: 'specialist' | 'readinessLead') => (await addPerson(h.svc, root, { hub: HUB_A, name: `Leader ${++n}`, email: `leader${n}@hub.example`, role })).id;
  /** A primary Readiness school of HUB_A, committed and scheduled, with its Readiness Lead and action plan. */
  const readiness = async () => {
    const form = readinessForm(++n, 'Great North Maths Hub');
    await submitApplication(h.svc, root, form);
    const urn = form.school.urn as string;
    await assessEligibility(h.svc, root, urn, { eligible: true });
    const g = (await createGroup(h.svc, root, { programmeId: 'primary-readiness-2020-21', hub: HUB_A, lead: { name: 'Lead', email: 'lead@a.example' } })).id;
    await selectApplication(h.svc, root, urn, { groupId: g });
    await signCommitment(h.svc, root, urn, { signatories: ['headteacher', 'teacher1', 'teacher2'] });
    const sessions = (await generateGroupSchedule(h.svc, root, g, {})).sessions;
    await allocateLeader(h.svc, root, urn, { personId: await person('readinessLead') });
    await createActionPlan(h.svc, root, urn, { aims: AIMS });
    return { urn, sessions };
  };
  const school = (route: string, body: (urn: string) => unknown, state: () => Promise<string>): Case => ({
    route,
    make: async () => {
      const urn = await state();
      return { url: route.replace('{urn}', urn), body: body(urn), version: await version(urn) };
    },
  });

  const cases: Case[] = [
    school('/applications/{urn}/eligibility', () => ({ eligible: true }), applied),
    { route: '/applications/{urn}/select', make: async () => { const urn = await eligible(); return { url: `/applications/${urn}/select`, body: { groupId: await group() }, version: await version(urn) }; } },
    school('/applications/{urn}/waitlist', () => ({ reason: 'the group is full' }), eligible),
    school('/applications/{urn}/decline', () => ({ reason: 'full', alternative: 'next year' }), applied),
    school('/schools/{urn}/commitment', () => ({ signatories: SIGN }), async () => (await selected()).urn),
    { route: '/schools/{urn}/attendance', make: async () => { const x = await scheduled(); return { url: `/schools/${x.urn}/attendance`, body: { sessionId: x.sessions[0]!.id, teachersPresent: 2 }, version: await version(x.urn) }; } },
    school('/schools/{urn}/gap-tasks', () => ({ task: 'bar models in Year 7' }), async () => (await active()).urn),
    school('/schools/{urn}/release-days', () => ({ days: 1.5 }), async () => (await active()).urn),
    {
      route: '/schools/{urn}/evaluation',
      make: async () => {
        const x = await scheduled();
        for (const s of x.sessions) await recordAttendance(h.svc, root, x.urn, { sessionId: s.id, teachersPresent: 2 });
        return { url: `/schools/${x.urn}/evaluation`, body: { summary: 'went well' }, version: await version(x.urn) };
      },
    },
    school('/schools/{urn}/withdraw', () => ({ reason: 'staff left' }), async () => (await active()).urn),
    school('/schools/{urn}/defer', () => ({ reason: 'new head', untilYear: '2021/22' }), async () => (await active()).urn),
    school('/schools/{urn}/resume', () => ({ academicYear: '2021/22' }), async () => {
      const x = await active();
      await deferSchool(h.svc, root, x.urn, { reason: 'new head', untilYear: '2021/22' });
      return x.urn;
    }),
    school('/schools/{urn}/teachers/{slot}'.replace('{slot}', '2'), () => ({ teacher: { name: 'New Teacher', email: 'new@school.example', role: 'teacher' } }), async () => (await active()).urn),
    // The leader, the action plan and the Mastery Ready judgement (pathway@1.2.0).
    {
      route: '/schools/{urn}/leader',
      make: async () => {
        const urn = (await active()).urn;
        return { url: `/schools/${urn}/leader`, body: { personId: await person('specialist') }, version: await version(urn) };
      },
    },
    {
      route: '/schools/{urn}/action-plan',
      make: async () => {
        const urn = (await active()).urn;
        await allocateLeader(h.svc, root, urn, { personId: await person('specialist') });
        return { url: `/schools/${urn}/action-plan`, body: { aims: AIMS }, version: await version(urn) };
      },
    },
    {
      route: '/schools/{urn}/action-plan/reviews',
      make: async () => {
        const x = await readiness();
        const visit = x.sessions.find((s) => s.kind === 'visit')!;
        await recordAttendance(h.svc, root, x.urn, { sessionId: visit.id, teachersPresent: 2 });
        return { url: `/schools/${x.urn}/action-plan/reviews`, body: { sessionId: visit.id, progress: { coherence: 'developing' } }, version: await version(x.urn) };
      },
    },
    {
      route: '/schools/{urn}/mastery-ready',
      make: async () => {
        const x = await readiness();
        for (const s of x.sessions.filter((s) => s.kind === 'workshop' || s.kind === 'meeting')) await recordAttendance(h.svc, root, x.urn, { sessionId: s.id, teachersPresent: 2, headteacherPresent: true });
        return { url: `/schools/${x.urn}/mastery-ready`, body: { ready: true }, version: await version(x.urn) };
      },
    },
    // Work group writes: If-Match is the group's version.
    { route: '/groups/{id}/schools', make: async () => { const g = await group(); return { url: `/groups/${g}/schools`, body: { urn: await eligible() }, version: await groupVersion(g) }; } },
    { route: '/groups/{id}/schedule', make: async () => { const x = await active(); return { url: `/groups/${x.g}/schedule`, body: {}, version: await groupVersion(x.g) }; } },
    { route: '/groups/{id}/sessions/{sessionId}/move', make: async () => { const x = await scheduled(); return { url: `/groups/${x.g}/sessions/${x.sessions[0]!.id}/move`, body: { to: '2021-07-08T09:00:00+01:00', at: '2021-06-01T09:00:00+01:00' }, version: await groupVersion(x.g) }; } }, // a move its school takes (in the meetings' months)
    { route: '/groups/{id}/sessions/{sessionId}/cancel', make: async () => { const x = await scheduled(); return { url: `/groups/${x.g}/sessions/${x.sessions[0]!.id}/cancel`, body: { reason: 'snow' }, version: await groupVersion(x.g) }; } },
  ];

  beforeAll(async () => {
    h = await startApi(target, { start: '2021-08-01T12:00:00Z' });
  });
  afterAll(async () => h?.close());

  it('covers every documented write route that takes If-Match', async () => {
    const doc = (await h.call('GET', '/docs/json')).body as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
    const withIfMatch = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => op.parameters?.some((p) => p.in === 'header' && p.name === 'if-match')).map(([m]) => `${m.toUpperCase()} ${path}`));
    // POST /applications takes If-Match for a school that applies again; its stale case is below.
    expect(new Set(withIfMatch.filter((r) => r !== 'POST /applications'))).toEqual(new Set(cases.map((c) => `POST ${c.route.replace('/teachers/2', '/teachers/{slot}')}`)));
  });

  for (const c of cases) {
    it(`POST ${c.route}: another hub's staff get 404, an auditor 403, a stale If-Match 409, each writing nothing; the right one succeeds`, async () => {
      const req = await c.make();
      const before = await dump();
      // Another hub's staff meet the school (or group) as if it did not exist; the hub's own auditor is refused a change.
      const foreign = await h.call(req.method ?? 'POST', req.url, { as: 'staffB', body: req.body, headers: { 'if-match': `"${req.version}"` } });
      // A work group is not a secret (its id names its hub), so its own writes are refused by name (403).
      const groupWrite = /^\/groups\/\{id\}\/(schedule|sessions)/.test(c.route);
      expect(foreign.status, JSON.stringify(foreign.body)).toBe(groupWrite ? 403 : 404);
      if (!groupWrite) expect(JSON.stringify(foreign.body)).not.toMatch(/great.north/i);
      const auditor = await h.call(req.method ?? 'POST', req.url, { as: 'auditorA', body: req.body, headers: { 'if-match': `"${req.version}"` } });
      expect(auditor.status, JSON.stringify(auditor.body)).toBe(403);
      expect(await dump()).toBe(before);
      const stale = await h.call(req.method ?? 'POST', req.url, { as: 'admin', body: req.body, headers: { 'if-match': `"${req.version - 1}"` } });
      expect(stale.status, JSON.stringify(stale.body)).toBe(409);
      expect(stale.body.currentVersion).toBe(req.version);
      expect(await dump()).toBe(before);
      const fresh = await h.call(req.method ?? 'POST', req.url, { as: 'admin', body: req.body, headers: { 'if-match': `"${req.version}"` } });
      expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    });
  }

  it('POST /applications for a school already on the service, with a stale If-Match: 409, nothing written', async () => {
    const form = secondaryForm(++n);
    await submitApplication(h.svc, root, form);
    await h.call('POST', `/applications/${form.school.urn}/decline`, { as: 'admin', body: { reason: 'full' } });
    const v = await version(form.school.urn);
    const before = await dump();
    const stale = await h.call('POST', '/applications', { as: 'admin', body: form, headers: { 'if-match': `"${v - 1}"` } });
    expect(stale.status, JSON.stringify(stale.body)).toBe(409);
    expect(await dump()).toBe(before);
  });
});
