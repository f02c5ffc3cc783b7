/**
 * Two operators at once, on the real embedded engine (PGlite and Postgres):
 * If-Match lets exactly one of two writes made from the same version through
 * (the other gets 409 and the version now); two operators filling the last
 * place of a work group cannot overfill it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { assessEligibility, submitApplication, selectApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { signCommitment } from '../service/schools.js';
import { generateGroupSchedule } from '../service/schedule.js';
import { placesOf } from '../store/ops/groups.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };

describe.each(dbTargets())('two operators on one school ($name)', (target) => {
  let h: ApiHarness;
  let n = 500;
  const eligible = async () => {
    const form = secondaryForm(++n);
    await submitApplication(h.svc, root, form);
    await assessEligibility(h.svc, root, form.school.urn, { eligible: true });
    return form.school.urn as string;
  };
  const group = async () => (await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } })).id;

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-09-10T12:00:00Z' });
  });
  afterAll(async () => h?.close());

  it('same version, two writes: one 200, one 409 with the version now; one event written', async () => {
    const urn = await eligible();
    const g = await group();
    await selectApplication(h.svc, root, urn, { groupId: g });
    await signCommitment(h.svc, root, urn, { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    const seen = await h.call('GET', `/schools/${urn}`, { as: 'staffA' });
    const version = seen.body.version as number;
    expect(seen.headers.etag).toBe(`"${version}"`);
    const before = await h.eventCount();
    const [a, b] = await Promise.all([
      h.call('POST', `/schools/${urn}/gap-tasks`, { as: 'staffA', body: { task: 'first operator' }, headers: { 'if-match': `"${version}"` } }),
      h.call('POST', `/schools/${urn}/release-days`, { as: 'admin', body: { days: 2 }, headers: { 'if-match': `"${version}"` } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const lost = a.status === 409 ? a : b;
    expect(lost.body.currentVersion).toBe(version + 1);
    expect(lost.body.error).toMatch(new RegExp(`school ${urn} is at version ${version + 1}, not ${version}: someone else changed it`));
    expect(await h.eventCount()).toBe(before + 1);
    // The loser reloads and tries again with the new version: it goes through.
    const retry = await h.call('POST', `/schools/${urn}/gap-tasks`, { as: 'staffA', body: { task: 'second try' }, headers: { 'if-match': String(version + 1) } });
    expect(retry.status).toBe(200);
    expect(retry.headers.etag).toBe(`"${version + 2}"`);
    // A malformed If-Match is bad input, not a conflict.
    const bad = await h.call('POST', `/schools/${urn}/gap-tasks`, { as: 'staffA', body: { task: 'x' }, headers: { 'if-match': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems[0]).toMatchObject({ path: 'if-match', in: 'headers' });
  });

  it('two operators taking the last place of a work group: one gets it, the other hears the group is full', async () => {
    const g = await group();
    await selectApplication(h.svc, root, await eligible(), { groupId: g });
    const [x, y] = [await eligible(), await eligible()];
    const [a, b] = await Promise.all([
      h.call('POST', `/groups/${g}/schools`, { as: 'staffA', body: { urn: x } }),
      h.call('POST', `/applications/${y}/select`, { as: 'admin', body: { groupId: g } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 422]);
    expect((a.status === 422 ? a : b).body.error).toMatch(/is full: 2 of 2 schools/);
    expect((await placesOf(h.svc.db, g)).length).toBe(2);
    const members = await h.call('GET', `/schools?group=${g}`, { as: 'staffA' });
    expect(members.body.schools.map((s: any) => s.status)).toEqual(['selected', 'selected']);
  });

  it("two operators moving a group's session from the same group version: one 200, one 409", async () => {
    const g = await group();
    const urn = await eligible();
    await selectApplication(h.svc, root, urn, { groupId: g });
    await signCommitment(h.svc, root, urn, { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    const sched = await generateGroupSchedule(h.svc, root, g, {});
    const session = sched.sessions[0]!;
    const seen = await h.call('GET', `/groups/${g}`, { as: 'staffA' });
    const version = seen.body.group.version as number;
    const before = await h.eventCount();
    const [a, b] = await Promise.all([
      h.call('POST', `/groups/${g}/sessions/${session.id}/move`, { as: 'staffA', body: { to: '2020-12-10T09:00:00Z' }, headers: { 'if-match': `"${version}"` } }),
      h.call('POST', `/groups/${g}/sessions/${session.id}/move`, { as: 'admin', body: { to: '2020-12-17T09:00:00Z' }, headers: { 'if-match': `"${version}"` } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((a.status === 409 ? a : b).body.currentVersion).toBe(version + 1);
    expect(await h.eventCount()).toBe(before + 1);
    const winner = a.status === 200 ? '2020-12-10T09:00:00+00:00' : '2020-12-17T09:00:00+00:00';
    expect((await h.call('GET', `/groups/${g}`, { as: 'staffA' })).body.sessions[0]).toMatchObject({ sessionId: session.id, at: winner });
    expect((await h.engine.state(urn)).summary.upcoming[0]).toMatchObject({ at: winner });
  });
});
