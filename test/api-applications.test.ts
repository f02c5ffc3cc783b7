/**
 * Applications through the API on the real embedded engine (PGlite and
 * Postgres): a bad form gets every problem at once and writes nothing; a
 * form of one year applies for the catalogue's programme of another year
 * when asked; hub staff apply only to their own hub; group applications are
 * kept together where a group has room; a decline offers an alternative.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { readinessForm, startApi, type ApiHarness } from './api-harness.js';

/** The 2020 Readiness form, submitted in time for the 2026/27 programme (a form is submitted in its programme year or the year before). */
const form2026 = (n: number): Record<string, any> => ({ ...readinessForm(n), submittedOn: '2026-03-20' });

describe.each(dbTargets())('applications ($name)', (target) => {
  let h: ApiHarness;
  const programme = 'primary-readiness-2026-27';

  beforeAll(async () => {
    h = await startApi(target, { start: '2026-11-23T12:00:00Z' });
  });
  afterAll(async () => h?.close());

  it('a bad form: 400 with every problem, each naming the field, the rule and the value; nothing written', async () => {
    const bad = JSON.parse(readFileSync(new URL('../examples/forms/bad-readiness.json', import.meta.url), 'utf8'));
    const before = await h.eventCount();
    const r = await h.call('POST', '/applications', { as: 'admin', body: bad });
    expect(r.status).toBe(400);
    const paths = r.body.problems.filter((p: any) => p.severity === 'error').map((p: any) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['school.urn', 'school.phone', 'teachers.1.email']));
    expect(r.body.problems.find((p: any) => p.path === 'school.urn')).toMatchObject({ message: 'must be exactly 6 digits (the school URN)', value: '12345' });
    expect(r.body.error).toMatch(/^\d+ problems: /);
    expect(await h.eventCount()).toBe(before);
  });

  it("applies a 2020 form for this year's programme when asked, checked against that year's rules", async () => {
    const form = form2026(1);
    const r = await h.call('POST', `/applications?programme=${programme}`, { as: 'admin', body: form });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ programmeId: programme, summary: { academicYear: '2026/27', phase: 'readiness', status: 'applied' } });
    const wrong = await h.call('POST', '/applications?programme=secondary-development-2026-27', { as: 'admin', body: form2026(2) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.problems[0]).toMatchObject({ path: 'programme', message: expect.stringContaining('must be a primary readiness programme') });
    const unknown = await h.call('POST', '/applications?programme=primary-readiness-1999-00', { as: 'admin', body: form2026(2) });
    expect(unknown.status).toBe(400);
  });

  it('hub staff apply only to their own hub', async () => {
    const r = await h.call('POST', `/applications?programme=${programme}`, { as: 'staffA', body: form2026(3) });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/may not change applications to East Midlands East Maths Hub/);
  });

  it('keeps a group application together where a group has room', async () => {
    // Schools 10 and 11 applied together; 12 and 13 on their own.
    const forms = [10, 11, 12, 13].map((n) => form2026(n));
    const [a, b, c, d] = forms.map((f) => f.school.urn as string) as [string, string, string, string];
    forms[0]!.group = { applying: true, schools: [{ name: forms[1]!.school.name, urn: b }], relationship: 'same trust' };
    for (const f of forms) {
      expect((await h.call('POST', `/applications?programme=${programme}`, { as: 'admin', body: f })).status).toBe(201);
      const e = await h.call('POST', `/applications/${f.school.urn}/eligibility`, { as: 'admin', body: { eligible: true } });
      expect(e.status, JSON.stringify(e.body)).toBe(200);
    }
    const make = async () => (await h.call('POST', '/groups', { as: 'admin', body: { programmeId: programme, hub: 'east-midlands-east', lead: { name: 'L', email: 'l@emeast.example' } } })).body.id as string;
    const [g1, g2] = [await make(), await make()];
    expect((await h.call('POST', `/applications/${c}/select`, { as: 'admin', body: { groupId: g2 } })).status).toBe(200);
    expect((await h.call('POST', `/applications/${d}/select`, { as: 'admin', body: { groupId: g2 } })).status).toBe(200);
    expect((await h.call('POST', `/applications/${b}/select`, { as: 'admin', body: { groupId: g1 } })).status).toBe(200);
    // a names b: with no group named, a joins b's group, although g2 has more schools.
    const joined = await h.call('POST', `/applications/${a}/select`, { as: 'admin', body: {} });
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    expect(joined.body.groupId).toBe(g1);
    expect(joined.body.notes).toEqual([`placed with partner school(s) ${b} in ${g1}`]);
    const group = await h.call('GET', `/groups/${g1}`, { as: 'admin' });
    expect(group.body.schools.map((s: any) => s.urn).sort()).toEqual([a, b].sort());
  });

  it('declines with an alternative offered, and says so on the school', async () => {
    const f = form2026(20);
    expect((await h.call('POST', `/applications?programme=${programme}`, { as: 'admin', body: f })).status).toBe(201);
    const r = await h.call('POST', `/applications/${f.school.urn}/decline`, { as: 'admin', body: { reason: 'the groups are full', alternative: 'a place in 2027/28' } });
    expect(r.status).toBe(200);
    expect(r.body.summary).toMatchObject({ status: 'declined', alternativeOffered: 'a place in 2027/28', reason: 'the groups are full' });
    const again = await h.call('POST', `/applications/${f.school.urn}/waitlist`, { as: 'admin', body: { reason: 'x' } });
    expect(again.status).toBe(422);
    // The message names the state as the pages do; the fields keep the engine's names for programs.
    expect(again.body.error).toMatch(/^school \d+ \(Readiness: not offered a place\) cannot take WAITLISTED: /);
    expect(again.body).toMatchObject({ state: 'readiness/declined', phase: 'readiness', status: 'declined', event: 'WAITLISTED' });
  });
});
