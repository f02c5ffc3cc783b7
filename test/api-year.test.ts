/**
 * Whole programme years through the HTTP API, on the real embedded engine
 * (PGlite and Postgres), with the engine's simulated clock moved by tick()
 * and every email received by a real SMTP server: a secondary Development
 * year (reminders counted, a meeting moved, funding, evaluation) and a
 * primary Readiness year in which the headteacher misses the first workshop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { dbTargets } from './helpers/db.js';
import { readinessForm, secondaryForm, startApi, type ApiHarness, type ReceivedMail } from './api-harness.js';

function plus(instant: string, o: { days?: number; hours?: number }): string {
  return DateTime.fromISO(instant, { setZone: true }).plus(o).toISO()!;
}

const byKey = (messages: ReceivedMail[], part: string) => messages.filter((m) => m.key.includes(part));

describe.each(dbTargets())('a secondary Development year through the API ($name)', (target) => {
  let h: ApiHarness;
  const lead = { name: 'Gina Lead', email: 'gina.lead@greatnorth.example' };
  const forms = [secondaryForm(1), secondaryForm(2)];
  const urns = forms.map((f) => f.school.urn as string);
  let groupId = '';
  let sessions: { id: string; kind: string; at: string; place: string }[] = [];
  let moved = { id: '', from: '', to: '' };

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-07-08T08:00:00Z', smtp: true });
  });
  afterAll(async () => h?.close());

  it('takes two applications, assesses them and forms a work group of two (the catalogue limit)', async () => {
    expect((await h.call('PUT', '/hubs/great-north/contact', { as: 'admin', body: lead })).status).toBe(200);
    for (const form of forms) {
      const r = await h.call('POST', '/applications', { as: 'staffA', body: form });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.summary).toMatchObject({ status: 'applied', programmeId: 'secondary-development-2020-21', hub: 'Great North' });
      expect(r.headers.etag).toBe('"1"');
      expect((await h.call('POST', `/applications/${form.school.urn}/eligibility`, { as: 'staffA', body: { eligible: true } })).status).toBe(200);
    }
    const g = await h.call('POST', '/groups', { as: 'staffA', body: { programmeId: 'secondary-development-2020-21', hub: 'great-north', lead: { name: 'Sam Specialist', email: 'sam@specialist.example' } } });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    expect(g.body.maxSchools).toBe(2);
    groupId = g.body.id;
    const sizes = [];
    for (const urn of urns) {
      const r = await h.call('POST', `/applications/${urn}/select`, { as: 'staffA', body: { groupId } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      sizes.push(r.body.groupSize);
    }
    expect(sizes).toEqual([1, 2]);

    // A third school does not fit: the group is full, and nothing is written for it.
    const third = secondaryForm(3);
    expect((await h.call('POST', '/applications', { as: 'staffA', body: third })).status).toBe(201);
    expect((await h.call('POST', `/applications/${third.school.urn}/eligibility`, { as: 'staffA', body: { eligible: true } })).status).toBe(200);
    const before = await h.eventCount();
    const full = await h.call('POST', `/applications/${third.school.urn}/select`, { as: 'staffA', body: { groupId } });
    expect(full.status).toBe(422);
    expect(full.body.error).toMatch(/full: 2 of 2 schools/);
    expect(await h.eventCount()).toBe(before);
    expect((await h.call('GET', `/applications?status=eligible`, { as: 'staffA' })).body.schools.map((s: any) => s.urn)).toEqual([third.school.urn]);
  });

  it('signs the commitments and generates the year of meetings for both schools', async () => {
    for (const urn of urns) {
      const r = await h.call('POST', `/schools/${urn}/commitment`, { as: 'staffA', body: { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.summary.status).toBe('active');
    }
    const r = await h.call('POST', `/groups/${groupId}/schedule`, { as: 'staffA', body: { weekday: 'thursday', time: '09:30', place: 'Kenton School' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.schools).toEqual(urns.map((urn) => expect.objectContaining({ urn, ok: true })));
    sessions = r.body.sessions;
    expect(sessions.map((s) => s.kind)).toEqual(['meeting', 'meeting', 'meeting', 'meeting']);
    // Nov 2020 to Jul 2021 (seed 003), Thursdays at 09:30 London time.
    for (const s of sessions) {
      const d = DateTime.fromISO(s.at, { setZone: true }).setZone('Europe/London');
      expect(d.weekday).toBe(4);
      expect(d.toFormat('HH:mm')).toBe('09:30');
      expect(d.toISODate()! >= '2020-11-01' && d.toISODate()! <= '2021-07-31').toBe(true);
    }
    const school = await h.call('GET', `/schools/${urns[0]}`, { as: 'auditorA' });
    expect(school.body.upcoming.filter((u: any) => u.what.startsWith('meeting'))).toHaveLength(4);
  });

  it('moves the second meeting by a week for both schools; its reminders follow', async () => {
    const second = sessions[1]!;
    moved = { id: second.id, from: second.at, to: plus(second.at, { days: 7 }) };
    const r = await h.call('POST', `/groups/${groupId}/sessions/${second.id}/move`, { as: 'staffA', body: { to: moved.to } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.schools.every((s: any) => s.ok)).toBe(true);
    const movedMail = byKey(h.smtp!.messages, `:moved:${second.id}:`);
    expect(movedMail).toHaveLength(2);
    expect(movedMail[0]!.subject).toMatch(/^Maths Hub: Work Group meeting 2 of 4 moved to \w{3} \d{1,2} \w{3}, (\d{1,2}(\.\d\d)?[ap]m|midday) to (\d{1,2}(\.\d\d)?[ap]m|midday)$/);
    expect(movedMail[0]!.text).toMatch(/It was: \w+day \d{1,2} \w+ 2021, /);
    sessions = sessions.map((s) => (s.id === second.id ? { ...s, at: moved.to } : s));
  });

  it('runs the year: reminders before each meeting, attendance after it, funding after the first', async () => {
    for (const s of sessions) {
      await h.engine.tick(plus(s.at, { hours: 3 }));
      for (const urn of urns) {
        const r = await h.call('POST', `/schools/${urn}/attendance`, { as: 'staffA', body: { sessionId: s.id, teachersPresent: 2 } });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      }
    }
    for (const urn of urns) {
      const s = (await h.call('GET', `/schools/${urn}`, { as: 'staffA' })).body.summary;
      expect(s).toMatchObject({ status: 'evaluating', sessionsHeld: 4, sessionsRequired: 4, fundingPaidPence: 200000, overdue: false });
    }
    // School 1 sends its evaluation in July; school 2 late in August, after the 14-day evaluation reminder.
    await h.engine.tick('2021-07-15T12:00:00Z');
    expect((await h.call('POST', `/schools/${urns[0]}/evaluation`, { as: 'staffA', body: { summary: 'done' } })).status).toBe(200);
    await h.engine.tick('2021-08-20T12:00:00Z');
    expect((await h.call('POST', `/schools/${urns[1]}/evaluation`, { as: 'staffA', body: {} })).status).toBe(200);
    await h.engine.tick('2021-09-10T00:00:00Z');
    for (const urn of urns) expect((await h.call('GET', `/schools/${urn}`, { as: 'auditorA' })).body.summary).toMatchObject({ phase: 'development', status: 'completed', evaluationSubmitted: true });
  });

  it('sent every reminder over SMTP once, to the right people, on the moved date', async () => {
    const mail = h.smtp!.messages;
    const reminders = byKey(mail, ':reminder:');
    // 2 schools x 4 meetings x (14 and 2 days before).
    expect(reminders).toHaveLength(16);
    for (const urn of urns) {
      const form = forms.find((f) => f.school.urn === urn)!;
      const mine = reminders.filter((m) => m.key.startsWith(`${urn}:`));
      expect(mine).toHaveLength(8);
      for (const m of mine) {
        expect(m.to.sort()).toEqual(form.teachers.map((t: any) => t.email).sort());
        expect(m.subject).toMatch(/^Maths Hub: Work Group meeting [1-4] of 4 on /);
        expect(m.text).toContain('Secondary Teaching for Mastery Development Work Group (2020/21)');
        expect(m.text).toContain('Kenton School');
      }
      // The moved meeting's reminders name its new time; none was sent for the old one.
      const forMoved = mine.filter((m) => m.key.includes(`:reminder:${moved.id}:`));
      expect(forMoved).toHaveLength(2);
      for (const m of forMoved) expect(m.key).toContain(DateTime.fromISO(moved.to, { setZone: true }).setZone('Europe/London').toISO({ suppressMilliseconds: true })!);
    }
    expect(byKey(mail, ':funding')).toHaveLength(2);
    expect(byKey(mail, ':funding')[0]!.subject).toMatch(/^Maths Hub: grant of £2,000 for /);
    expect(byKey(mail, ':evaluation-reminder:14').map((m) => m.key.split(':')[0])).toEqual([urns[1]]);
    expect(byKey(mail, ':evaluation')).toEqual(expect.arrayContaining([expect.objectContaining({ subject: expect.stringMatching(/please send your end-of-year evaluation by Tuesday 31 August 2021/) })]));
    // Nobody got the same message twice, and every message sent is on record.
    const keys = mail.map((m) => m.key);
    expect(new Set(keys).size).toBe(keys.length);
    const recorded = await h.svc.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sent_messages WHERE transport = 'smtp'");
    expect(recorded.rows[0]!.n).toBe(mail.length);
    // No escalation: every meeting's attendance was recorded the same day.
    expect(mail.filter((m) => /escalation/i.test(m.subject))).toEqual([]);
  });

  it("answers an auditor's question: what state was the school in on a date, and who did what", async () => {
    const r = await h.call('GET', `/schools/${urns[0]}/history?at=2021-01-15`, { as: 'auditorA' });
    expect(r.status).toBe(200);
    expect(r.body.stateAt).toMatchObject({ status: 'active', sessionsHeld: 1, fundingPaidPence: 200000 });
    expect(r.body.tampered).toBeNull();
    const types = r.body.entries.map((e: any) => e.type);
    expect(types.slice(0, 5)).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED', 'SELECTED', 'COMMITMENT_SIGNED', 'SCHEDULE_SET']);
    expect(r.body.entries.every((e: any) => e.occurredAt <= '2021-01-16')).toBe(true);
    expect(new Set(r.body.entries.map((e: any) => e.actor))).toEqual(new Set([h.principals.staffA.id, 'timer']));
    const all = await h.call('GET', `/schools/${urns[0]}/history`, { as: 'auditorA' });
    expect(all.body.stateAt.status).toBe('completed');
  });
});

describe.each(dbTargets())('a primary Readiness year where the headteacher misses the first workshop ($name)', (target) => {
  let h: ApiHarness;
  const form = readinessForm(1);
  const urn = form.school.urn as string;
  const hubLead = { name: 'Helen Ashworth', email: 'helen.ashworth@emeast.example' };
  let sessions: { id: string; kind: string; at: string }[] = [];

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-03-25T09:00:00Z', smtp: true });
  });
  afterAll(async () => h?.close());

  it('applies, is judged eligible on the criteria its form claimed, and is selected into a Readiness group', async () => {
    expect((await h.call('PUT', '/hubs/east-midlands-east/contact', { as: 'admin', body: hubLead })).status).toBe(200);
    expect((await h.call('POST', '/applications', { as: 'admin', body: form })).status).toBe(201);
    const e = await h.call('POST', `/applications/${urn}/eligibility`, { as: 'admin', body: { eligible: true } });
    expect(e.status, JSON.stringify(e.body)).toBe(200);
    expect(e.body.summary.status).toBe('eligible');
    const g = await h.call('POST', '/groups', { as: 'admin', body: { programmeId: 'primary-readiness-2020-21', hub: 'East Midlands East', lead: { name: 'Rita Readiness', email: 'rita@emeast.example' } } });
    expect(g.status).toBe(201);
    expect(g.body.maxSchools).toBe(8);
    // No group named: the service picks the hub's Readiness group with room.
    const s = await h.call('POST', `/applications/${urn}/select`, { as: 'admin', body: {} });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.groupId).toBe(g.body.id);
    expect((await h.call('POST', `/schools/${urn}/commitment`, { as: 'admin', body: { signatories: ['headteacher', 'teacher1', 'teacher2'] } })).status).toBe(200);
    const sched = await h.call('POST', `/groups/${g.body.id}/schedule`, { as: 'admin', body: {} });
    expect(sched.status, JSON.stringify(sched.body)).toBe(200);
    sessions = sched.body.sessions;
    expect(sessions.filter((x) => x.kind === 'workshop').length).toBeGreaterThanOrEqual(6);
  });

  it('reminds the headteacher of the first workshop, and escalates to the hub lead when they miss it', async () => {
    const first = sessions.find((s) => s.kind === 'workshop')!;
    await h.engine.tick(plus(first.at, { hours: 3 }));
    const reminders = byKey(h.smtp!.messages, `:reminder:${first.id}:`);
    expect(reminders).toHaveLength(2);
    for (const m of reminders) {
      expect(m.subject).toMatch(/^Maths Hub: first workshop on \w{3} \d{1,2} \w{3}, (\d{1,2}(\.\d\d)?[ap]m|midday) to (\d{1,2}(\.\d\d)?[ap]m|midday), headteacher to attend$/);
      expect(m.to).toContain(form.school.headteacher.email);
    }
    const r = await h.call('POST', `/schools/${urn}/attendance`, { as: 'admin', body: { sessionId: first.id, teachersPresent: 2, headteacherPresent: false } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const escalation = byKey(h.smtp!.messages, ':headteacher-absent-first');
    // Two messages: the escalation to the hub lead, and what is asked of the headteacher.
    expect(escalation).toHaveLength(2);
    const toHub = escalation.find((m) => m.key.endsWith(':hub'))!;
    const toHead = escalation.find((m) => !m.key.endsWith(':hub'))!;
    expect(toHub.to).toEqual([hubLead.email]);
    expect(toHub.subject).toBe(`Escalation: the headteacher of ${form.school.name} was not at the first workshop`);
    expect(toHub.text).toContain(`/hub/schools/${urn}`);
    expect(toHead.to).toEqual([form.school.headteacher.email]);
    expect(toHead.subject).toMatch(/^Maths Hub: we missed the headteacher at the first workshop of /);
    expect(toHead.text).toContain('East Midlands East Maths Hub');
    expect(toHead.text).not.toMatch(/follow up|arrange a meeting with the headteacher/i);
  });

  it('goes on through the year to Mastery Ready, with no further escalation', async () => {
    // The school's Readiness Lead and its action plan on the 5 Big Ideas, made with the lead during the year (seed 002).
    const lead = await h.call('POST', '/people', { as: 'admin', body: { hub: 'east-midlands-east', name: 'Rita Lead', email: 'rita.lead@hub.example', role: 'readinessLead' } });
    expect(lead.status, JSON.stringify(lead.body)).toBe(201);
    const aims = { coherence: 'small steps in every unit', representationAndStructure: 'bar models', mathematicalThinking: 'reasoning prompts', fluency: 'number facts', variation: 'varied practice' };
    for (const [path, body] of [['leader', { personId: 'rita-lead' }], ['action-plan', { aims }]] as const) {
      const r = await h.call('POST', `/schools/${urn}/${path}`, { as: 'admin', body });
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    for (const s of sessions.slice(sessions.findIndex((x) => x.kind === 'workshop') + 1)) {
      await h.engine.tick(plus(s.at, { hours: 3 }));
      const r = await h.call('POST', `/schools/${urn}/attendance`, { as: 'admin', body: { sessionId: s.id, teachersPresent: 2, headteacherPresent: s.kind === 'visit' } });
      expect(r.status, `${s.id}: ${JSON.stringify(r.body)}`).toBe(200);
      if (s.kind === 'workshop') expect((await h.call('POST', `/schools/${urn}/gap-tasks`, { as: 'admin', body: { task: `gap task after ${s.id}` } })).status).toBe(200);
    }
    await h.engine.tick('2021-07-16T12:00:00Z');
    expect((await h.call('POST', `/schools/${urn}/evaluation`, { as: 'admin', body: { summary: 'Mastery Ready' } })).status).toBe(200);
    const s = (await h.call('GET', `/schools/${urn}`, { as: 'admin' })).body.summary;
    expect(s).toMatchObject({ phase: 'readiness', status: 'completed', masteryReady: true, overdue: false });
    expect(h.smtp!.messages.filter((m) => m.subject.startsWith('Escalation'))).toHaveLength(1);
    // Every session reminded twice, no key twice.
    expect(byKey(h.smtp!.messages, ':reminder:').length).toBe(sessions.filter((x) => Date.parse(x.at) > Date.parse('2020-03-25T09:00:00Z')).length * 2);
    const keys = h.smtp!.messages.map((m) => m.key);
    expect(new Set(keys).size).toBe(keys.length);
    // Development needs the Readiness Lead's judgement that the school is Mastery Ready (rule masteryReady, seed 002).
    const notYet = await h.call('POST', '/cohorts/transition', { as: 'admin', body: { from: '2020/21', to: '2021/22', dryRun: true } });
    expect(notYet.body.rows).toEqual([expect.objectContaining({ urn, outcome: expect.not.stringMatching(/would move/) })]);
    expect(JSON.stringify(notYet.body.rows[0])).toContain('masteryReady');
    const judged = await h.call('POST', `/schools/${urn}/mastery-ready`, { as: 'admin', body: { ready: true } });
    expect(judged.status, JSON.stringify(judged.body)).toBe(200);
    const dry = await h.call('POST', '/cohorts/transition', { as: 'admin', body: { from: '2020/21', to: '2021/22', dryRun: true } });
    expect(dry.body.rows).toEqual([expect.objectContaining({ urn, outcome: 'would move', toPhase: 'development', toProgrammeId: 'primary-development-2021-22' })]);
  });
});
