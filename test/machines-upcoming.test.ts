/**
 * `upcoming` as the school's state shows it (GET /schools/:urn, `pathway
 * schools status`): only what is still ahead of the service's clock; a past
 * session with no attendance recorded is "attendance to record". The stored
 * summary is written when an event is decided, so the service reads it at
 * its own time (machines/summary.ts upcomingAt, service/schools.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { schoolState } from '../service/schools.js';
import { startApi, type ApiHarness } from './api-harness.js';
import { dbTargets } from './helpers/db.js';
import { london } from './fixtures/programmes.js';

const programme = programmeFor('secondary', 'development', '2020/21')!;
const urn = '137123';
const meetings = ['2020-11-12', '2021-01-14', '2021-03-11', '2021-05-13'].map((d, i) => ({ id: `m${i + 1}`, kind: 'meeting' as const, at: london(d, '13:30'), place: 'online' }));

describe.each(dbTargets().slice(0, 1))('upcoming at the service clock ($name)', (target) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-06-01T09:00:00Z' });
    const school = { name: 'Riverside Academy', route: 'secondary', hub: 'Great North', headteacher: { name: 'T O', email: 'head@riverside.example' }, headOfDepartment: { name: 'P S', email: 'maths@riverside.example' } } as const;
    const teachers = [{ name: 'A', email: 'a@riverside.example', role: 'headOfDepartment' }, { name: 'B', email: 'b@riverside.example', role: 'teacher' }];
    const send = (e: object) => h.engine.send(urn, e as never, { actor: 'ops' });
    await send({ type: 'APPLY', at: london('2020-06-01'), programme, school, teachers });
    await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-06-10'), eligible: true });
    await send({ type: 'SELECTED', at: london('2020-06-20'), groupId: 'g', groupSize: 2 });
    await send({ type: 'COMMITMENT_SIGNED', at: london('2020-09-02'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    await send({ type: 'SCHEDULE_SET', at: london('2020-09-05'), sessions: meetings });
    await send({ type: 'ATTENDANCE_RECORDED', at: london('2020-11-12', '17:00'), sessionId: 'm1', teachersPresent: 2 });
  });
  afterAll(async () => h?.close());

  it('on 1 February 2021: meeting 2 (14 January, unrecorded) is attendance to record; meetings 3 and 4 are ahead; nothing past is listed as upcoming', async () => {
    h.clock.advanceTo('2021-02-01T09:00:00Z');
    const s = await schoolState(h.svc, h.principals.admin, urn);
    const sessions = s.summary.upcoming.filter((u) => /meeting/.test(u.what)).map((u) => u.what);
    expect(sessions).toEqual(['attendance to record: meeting m2 at online', 'meeting m3 at online', 'meeting m4 at online']);
    expect(s.summary.upcoming.filter((u) => !u.what.startsWith('attendance to record') && Date.parse(u.at) < Date.parse('2021-02-01T09:00:00Z'))).toEqual([]);
  });

  it('the school list (GET /schools) gives the same upcoming list as the school itself', async () => {
    const listed = await h.call('GET', '/schools', { as: 'admin' });
    const one = await h.call('GET', `/schools/${urn}`, { as: 'admin' });
    expect(listed.body.schools.find((s: { urn: string }) => s.urn === urn).upcoming).toEqual(one.body.upcoming);
  });

  it('a school that withdrew lists no sessions, in the list too, even from a summary stored before that rule', async () => {
    await h.engine.send(urn, { type: 'WITHDRAWN', at: london('2021-02-01'), reason: 'staff left' } as never, { actor: 'ops' });
    // A summary as written before withdrawn schools' sessions were left out: the sessions still listed.
    const stale = meetings.slice(2).map((m) => ({ what: `meeting ${m.id} at online`, at: m.at }));
    await h.svc.db.query(`UPDATE streams SET summary = jsonb_set(summary, '{upcoming}', $2::jsonb) WHERE urn = $1`, [urn, JSON.stringify(stale)]);
    const listed = await h.call('GET', '/schools', { as: 'admin' });
    const row = listed.body.schools.find((s: { urn: string }) => s.urn === urn);
    expect(row.status).toBe('withdrawn');
    expect(row.upcoming.filter((u: { what: string }) => /meeting/.test(u.what))).toEqual([]);
  });
});
