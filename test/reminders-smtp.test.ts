/**
 * Reminders and escalations received by a real SMTP server (smtp-server,
 * SMTP_URL pointing at it), on the real embedded engine (PGlite and
 * Postgres): a cancelled meeting takes its reminders with it; attendance not
 * recorded is escalated the day after to the hub lead (the default address
 * until an admin sets one, then theirs); the weekly hub digest lists the
 * overdue schools, once per hub per ISO week however often the job runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import { runWeeklyDigest, digestDue, startDigestJob } from '../service/digest.js';
import { listDigests } from '../store/ops/digests.js';
import { DEFAULT_REMINDER_POLICY, machinePolicy } from '../host/reminder-policy.js';

function plus(instant: string, o: { days?: number; hours?: number }): string {
  return DateTime.fromISO(instant, { setZone: true }).plus(o).toISO()!;
}

describe('the reminder policy as data', () => {
  it('is 14 and 2 days before each session, 14 before the evaluation, escalation the next day, digest Monday 08:00', () => {
    expect(machinePolicy()).toEqual({ daysBefore: [14, 2], escalateAfterDays: 1, evaluationDaysBefore: [14] });
    expect(DEFAULT_REMINDER_POLICY.digest).toEqual({ weekday: 'monday', time: '08:00' });
  });

  it('the digest is due from Monday 08:00 London time until the week ends', () => {
    expect(digestDue('2021-03-01T07:59:00Z')).toBe(false); // Monday 07:59 GMT
    expect(digestDue('2021-03-01T08:00:00Z')).toBe(true);
    expect(digestDue('2021-03-07T23:00:00Z')).toBe(true); // Sunday night
    expect(digestDue('2021-06-07T07:30:00Z')).toBe(true); // Monday 08:30 BST
    expect(digestDue('2021-06-07T06:30:00Z')).toBe(false); // Monday 07:30 BST
  });
});

describe.each(dbTargets())('reminders, escalations and the hub digest over SMTP ($name)', (target) => {
  let h: ApiHarness;
  const forms = [secondaryForm(41), secondaryForm(42)];
  const [x, y] = forms.map((f) => f.school.urn as string) as [string, string];
  let groupId = '';
  let sessions: { id: string; at: string }[] = [];
  const mail = () => h.smtp!.messages;

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-09-01T08:00:00Z', smtp: true });
    const g = await h.call('POST', '/groups', { as: 'staffA', body: { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'S', email: 's@specialist.example' } } });
    groupId = g.body.id;
    for (const form of forms) {
      expect((await h.call('POST', '/applications', { as: 'staffA', body: form })).status).toBe(201);
      expect((await h.call('POST', `/applications/${form.school.urn}/eligibility`, { as: 'staffA', body: { eligible: true } })).status).toBe(200);
      expect((await h.call('POST', `/applications/${form.school.urn}/select`, { as: 'staffA', body: { groupId } })).status).toBe(200);
      expect((await h.call('POST', `/schools/${form.school.urn}/commitment`, { as: 'staffA', body: { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] } })).status).toBe(200);
    }
    const r = await h.call('POST', `/groups/${groupId}/schedule`, { as: 'staffA', body: {} });
    expect(r.status).toBe(200);
    sessions = r.body.sessions;
  });
  afterAll(async () => h?.close());

  it('cancelling a meeting tells the schools and drops its reminders', async () => {
    const first = sessions[0]!;
    const r = await h.call('POST', `/groups/${groupId}/sessions/${first.id}/cancel`, { as: 'staffA', body: { reason: 'the venue is closed' } });
    expect(r.status).toBe(200);
    const cancelled = mail().filter((m) => m.key.includes(`:cancelled:${first.id}`));
    expect(cancelled).toHaveLength(2);
    expect(cancelled[0]!.text).toContain('the venue is closed');
    await h.engine.tick(plus(first.at, { days: 3 }));
    expect(mail().filter((m) => m.key.includes(`:reminder:${first.id}:`))).toEqual([]);
    // No escalation for a cancelled meeting either.
    expect(mail().filter((m) => m.subject.startsWith('Escalation'))).toEqual([]);
  });

  it('attendance not recorded: the hub lead hears the day after, at the default address until one is set', async () => {
    const second = sessions[1]!;
    await h.engine.tick(plus(second.at, { hours: 3 }));
    expect(mail().filter((m) => m.key.includes(`:reminder:${second.id}:`))).toHaveLength(4); // 2 schools x 14 and 2 days
    expect((await h.call('POST', `/schools/${y}/attendance`, { as: 'staffA', body: { sessionId: second.id, teachersPresent: 2 } })).status).toBe(200);
    await h.engine.tick(plus(second.at, { days: 1, hours: 1 }));
    const escalations = mail().filter((m) => m.key.includes(`:unrecorded:${second.id}`));
    expect(escalations.map((m) => m.key.split(':')[0])).toEqual([x]);
    expect(escalations[0]!.to).toEqual([`lead@${HUB_A}.mathshub.invalid`]);
    expect(escalations[0]!.subject).toMatch(/^Escalation: attendance not recorded for Tynebridge School 41, Work Group meeting \d+ of \d+ on \w{3} \d{1,2} \w{3}, (\d{1,2}(\.\d\d)?[ap]m|midday) to (\d{1,2}(\.\d\d)?[ap]m|midday)$/);
    expect(escalations[0]!.text).toContain(`http://localhost:3000/hub/schools/${x}`);
    expect(escalations[0]!.text).not.toMatch(/pathway |GET \//);
    expect((await h.call('GET', `/schools/${x}`, { as: 'auditorA' })).body.summary.overdue).toBe(true);
    expect((await h.call('GET', `/schools/${y}`, { as: 'auditorA' })).body.summary.overdue).toBe(false);
  });

  it("once an admin sets the hub's lead, escalations go there", async () => {
    expect((await h.call('PUT', `/hubs/${HUB_A}/contact`, { as: 'admin', body: { name: 'Gina Lead', email: 'gina@greatnorth.example' } })).status).toBe(200);
    const third = sessions[2]!;
    await h.engine.tick(plus(third.at, { hours: 3 }));
    // School y sent nobody: a missed meeting, escalated at once to the hub lead and told to the headteacher, in separate messages.
    expect((await h.call('POST', `/schools/${y}/attendance`, { as: 'staffA', body: { sessionId: third.id, teachersPresent: 0 } })).status).toBe(200);
    const missed = mail().filter((m) => m.key.includes(`:missed:${third.id}`));
    expect(missed).toHaveLength(2);
    const toHub = missed.find((m) => m.to.includes('gina@greatnorth.example'))!;
    const toSchool = missed.find((m) => m.to.includes(forms[1]!.school.headteacher.email))!;
    expect(toHub.to).toEqual(['gina@greatnorth.example']);
    expect(toSchool.to).toEqual([forms[1]!.school.headteacher.email]);
    expect(toHub.subject).toMatch(/^Escalation: Tynebridge School 42 missed Work Group meeting \d of \d on /);
    expect(toHub.text).toContain(`/hub/schools/${y}`);
    expect(toSchool.subject).toMatch(/^Maths Hub: we missed Tynebridge School 42 at Work Group meeting \d of \d$/);
    expect(toSchool.text).not.toMatch(/follow up with the school/i);
    // Every message answers to the hub's contact.
    expect(toSchool.replyTo).toContain('gina@greatnorth.example');
  });

  it("the weekly digest lists the hub's overdue schools to its lead, once a week however often the job runs", async () => {
    const monday = '2021-05-03T09:00:00+01:00';
    h.clock.advanceTo(monday);
    const before = mail().length;
    const first = await runWeeklyDigest(h.svc);
    expect(first).toMatchObject({ isoWeek: '2021-W18', sent: [{ hub: HUB_A, to: 'gina@greatnorth.example', schools: 1 }], alreadySent: [] });
    const again = await runWeeklyDigest(h.svc);
    expect(again).toMatchObject({ sent: [], alreadySent: [HUB_A] });
    const job = startDigestJob(h.svc, { warn: () => undefined, info: () => undefined }, 60_000);
    expect(await job.check()).toMatchObject({ sent: [], alreadySent: [HUB_A] });
    await job.stop();
    const digests = mail().slice(before).filter((m) => m.key.startsWith('digest:'));
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ to: ['gina@greatnorth.example'], key: `digest:${HUB_A}:2021-W18` });
    expect(digests[0]!.subject).toBe('Great North Maths Hub: 1 school overdue, week of Monday 3 May 2021');
    expect(digests[0]!.text).toContain(`http://localhost:3000/hub/schools/${x}`);
    expect(digests[0]!.text).not.toMatch(/GET \/|pathway /);
    // x has a meeting with no attendance recorded; y recorded its missed meeting, so it is not overdue.
    expect(digests[0]!.text).toContain(`Tynebridge School 41 (URN ${x})`);
    // The board's words: which session, when, and the school page's list of what is overdue.
    const unfolded = digests[0]!.text.replace(/=\r?\n/g, '');
    expect(unfolded).toMatch(/Attendance at Meeting \d of \d on \w+ \d+ \w+ 2021, \S+ has not been recorded\./);
    expect(unfolded).toContain(`http://localhost:3000/hub/schools/${x}#overdue`);
    expect(digests[0]!.text).not.toContain(`URN ${y}`);
    // The next week, a new digest.
    h.clock.advanceTo('2021-05-10T09:00:00+01:00');
    expect((await runWeeklyDigest(h.svc)).sent).toHaveLength(1);
    expect((await listDigests(h.svc.db)).map((d) => [d.hub, d.isoWeek, d.status])).toEqual([
      [HUB_A, '2021-W18', 'sent'],
      [HUB_A, '2021-W19', 'sent'],
    ]);

    // A week with a meeting: the digest lists it under "Due this week", with both schools.
    const later = sessions.find((x) => Date.parse(x.at) > Date.parse('2021-05-24T00:00:00Z'))!;
    const weekOf = DateTime.fromISO(later.at).setZone('Europe/London').startOf('week').set({ hour: 8, minute: 30 });
    h.clock.advanceTo(weekOf.toISO()!);
    const week = await runWeeklyDigest(h.svc);
    expect(week.sent).toHaveLength(1);
    const sent = mail().filter((m) => m.key === `digest:${HUB_A}:${week.isoWeek}`);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toMatch(/, 1 session this week, week of Monday \d+ \w+ 2021$/);
    const body = sent[0]!.text.replace(/=\r?\n/g, '');
    expect(body).toMatch(/Due this week \(1 session\):\r?\n- \w+day \d+ \w+ 2021, [^:]+: Meeting \d( of \d)? at [^\r\n]+ \(Development 2020\/21, group 1\)\. 2 schools: Tynebridge School 41, Tynebridge School 42\./);
  });

  it('nobody got the same message twice', () => {
    const keys = mail().map((m) => m.key);
    expect(keys.length).toBeGreaterThan(10);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
