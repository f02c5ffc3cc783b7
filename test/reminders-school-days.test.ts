/**
 * Reminders go out on days the school is open. The machine moves a reminder
 * timer off a closed day when the SCHEDULE_SET records the school's open
 * days (schoolDays), and a SCHEDULE_SET recorded without them, as every one
 * before them, folds to the very timers it did: the frozen pathway@1.1.0
 * sets the same. The host (service/schedule.ts) records each school's open
 * days, and the school page counts a reminder's days from the day it goes
 * out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule } from '../domain/calendar/schedule.js';
import { isSchoolDay } from '../domain/calendar/terms.js';
import { londonDateOf, londonTimeOf } from '../domain/calendar/london.js';
import { schoolDaysForYear } from '../domain/calendar/school-days.js';
import { decide, fold, type PersistedPathway } from '../machines/decide.js';
import type { Notify } from '../machines/effects.js';
import { renderMessage } from '../activities/mail/render.js';
import * as v1_1 from '../machines/v1_1/decide.js';
import { PathwayEvent, type PathwayEventInput } from '../machines/events.js';
import { daysBefore } from '../machines/time.js';
import { allSignatures, london, secondarySchool, twoTeachers } from './fixtures/programmes.js';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { signCommitment } from '../service/schools.js';
import { generateGroupSchedule, moveGroupSession } from '../service/schedule.js';
import { schoolPage } from '../service/school-page.js';
import { schoolEvents } from '../store/board.js';

const YEAR = '2026/27';
const programme = programmeFor('secondary', 'development', YEAR)!;
// The generated year, with meeting 3 on Thursday 14 January 2027: its 14-day reminder is counted back to 31 December.
const generated = generateSchedule(programme, YEAR);
const sessions = generated.map((s, i) => (s.kind === 'meeting' && generated.filter((x) => x.kind === 'meeting').indexOf(s) === 2 ? { ...s, at: london('2027-01-14', '13:30') } : s)).map((s, i) => ({ ...s, id: `s${i + 1}` }));
const urn = '137999';

function history(withDays: boolean): PathwayEvent[] {
  const inputs: PathwayEventInput[] = [
    { type: 'APPLY', at: london('2026-06-01'), programme, school: secondarySchool, teachers: twoTeachers },
    { type: 'ELIGIBILITY_ASSESSED', at: london('2026-06-10'), eligible: true },
    { type: 'SELECTED', at: london('2026-06-20'), groupId: 'g1', groupSize: 2 },
    { type: 'COMMITMENT_SIGNED', at: london('2026-07-01'), signatories: allSignatures(programme) },
    { type: 'SCHEDULE_SET', at: london('2026-07-02'), sessions, ...(withDays ? { schoolDays: schoolDaysForYear(YEAR) } : {}) },
  ];
  // Through JSON, as a recorded history is read back.
  return inputs.map((e) => PathwayEvent.parse(JSON.parse(JSON.stringify(e))));
}

const reminderTimers = (s: PersistedPathway) => Object.entries(s.context.timers).filter(([k]) => k.startsWith('reminder:'));

describe('the machine: reminder timers on school days', () => {
  it('the test year has a session whose 14-day reminder is counted back into the Christmas holiday', () => {
    expect(sessions.some((s) => s.at === london('2027-01-14', '13:30'))).toBe(true);
    expect(sessions.length).toBeGreaterThanOrEqual(4);
  });

  it('a scheduled year with the school’s open days never puts a reminder timer on a closed day, nor on or after its session’s day, and keeps the session’s time of day', () => {
    const state = fold(urn, history(true));
    const timers = reminderTimers(state);
    expect(timers.length).toBe(sessions.length * 2);
    for (const [key, t] of timers) {
      const s = sessions.find((x) => key.startsWith(`reminder:${x.id}:`))!;
      expect(isSchoolDay(londonDateOf(t.at)), `${key} on ${t.at}`).toBe(true);
      expect(londonDateOf(t.at) < londonDateOf(s.at)).toBe(true);
      expect(londonTimeOf(t.at)).toBe(londonTimeOf(s.at));
      // The firing event carries the moved instant: the email's "in N days" is counted from it.
      expect(t.event).toMatchObject({ type: 'REMINDER_DUE', at: t.at, sessionId: s.id });
    }
    const christmas = sessions.find((s) => s.at === london('2027-01-14', '13:30'))!;
    expect(state.context.timers[`reminder:${christmas.id}:14`]!.at).toBe(london('2027-01-04', '13:30'));
  });

  it('a session on Tuesday 5 January: its 14-day reminder does not join the 2-day one on Monday 4 January, but goes on the last day of the autumn term', () => {
    // Meeting 3 moved from Thursday 14 to Tuesday 5 January.
    const moved = sessions.map((s) => (s.at === london('2027-01-14', '13:30') ? { ...s, id: 'tue', at: london('2027-01-05', '13:30') } : s));
    const events = history(true);
    const state = fold(urn, events.map((e) => (e.type === 'SCHEDULE_SET' ? ({ ...e, sessions: moved } as PathwayEvent) : e)));
    const two = state.context.timers['reminder:tue:2']!.at;
    const fourteen = state.context.timers['reminder:tue:14']!.at;
    expect(londonDateOf(two)).toBe('2027-01-04');
    expect(londonDateOf(fourteen)).not.toBe(londonDateOf(two));
    expect(londonDateOf(fourteen)).toBe('2026-12-18');
  });

  it('an old SCHEDULE_SET (no open days recorded) folds to the timers it always did: counted back plainly, holidays included, as pathway@1.1.0 sets them', () => {
    const events = history(false);
    const now = fold(urn, events);
    const plain = Object.fromEntries(sessions.flatMap((s) => [14, 2].map((d) => [`reminder:${s.id}:${d}`, daysBefore(s.at, d)])));
    expect(Object.fromEntries(reminderTimers(now).map(([k, t]) => [k, t.at]))).toEqual(plain);
    expect(now.context.timers[`reminder:${sessions.find((s) => s.at === london('2027-01-14', '13:30'))!.id}:14`]!.at).toBe(london('2026-12-31', '13:30'));
    expect(now.context.schoolDays).toBeUndefined();
    // The frozen release before this one: the same timers, every one (checks too).
    const old = events.reduce((s, e) => v1_1.decide(s, e as never).snapshot, v1_1.initialState(urn));
    expect(now.context.timers).toEqual(old.context.timers);
  });

  it('the evaluation reminder, 14 days before 31 August (summer holiday), is set on the last day of the summer term', () => {
    let state = fold(urn, history(true));
    // Every session held: the school's obligations are met and the evaluation is requested.
    const held = sessions.map((s) => PathwayEvent.parse({ type: 'ATTENDANCE_RECORDED', at: s.at, sessionId: s.id, teachersPresent: 2, headteacherPresent: true }));
    state = fold(urn, held, state);
    const t = state.context.timers['evaluation-reminder:14'];
    expect(t, `timers: ${Object.keys(state.context.timers).join(', ')}`).toBeDefined();
    expect(londonDateOf(t!.at)).toBe('2027-07-22');
    // Without open days recorded it would be 17 August, as before.
    const plain = fold(urn, held, fold(urn, history(false)));
    expect(londonDateOf(plain.context.timers['evaluation-reminder:14']!.at)).toBe('2027-08-17');
  });
});

describe('the emails: what the school reads', () => {
  const ctx = { publicUrl: 'https://pathway.example.org', schoolLink: 'https://pathway.example.org/for-schools/abc', hubLead: { name: 'Priya Shah', email: 'p@hub.example' } };
  const christmas = sessions.find((s) => s.at === london('2027-01-14', '13:30'))!;

  it('the 14-day reminder moved to Monday 4 January says the meeting is in 10 days, not 14', () => {
    const state = fold(urn, history(true));
    const timer = state.context.timers[`reminder:${christmas.id}:14`]!;
    const fired = decide(state, timer.event);
    const mail = fired.effects.find((e): e is Notify => e.type === 'notify' && e.kind === 'reminder')!;
    const m = renderMessage({ template: mail.template, urn, data: mail.data }, ctx);
    expect(m.text.replace(/\s+/g, ' ')).toContain('is in 10 days');
    expect(m.text).not.toMatch(/in 14 days/);
  });

  it('the dates email says reminders come on school days only when the schedule recorded the school’s open days', () => {
    const announced = (withDays: boolean) => {
      const events = history(withDays);
      const before = fold(urn, events.slice(0, -1));
      const mail = decide(before, events.at(-1)!).effects.find((e): e is Notify => e.type === 'notify' && e.template === 'schedule-announced')!;
      return renderMessage({ template: mail.template, urn, data: mail.data }, ctx);
    };
    const now = announced(true);
    expect(now.text.replace(/\s+/g, ' ')).toContain('We will remind you 14 days and 2 days before each date, on a day your school is open');
    expect(now.html.replace(/\s+/g, ' ')).toContain('on a day your school is open');
    expect(announced(false).text).not.toContain('on a day your school is open');
  });
});

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };

describe.each(dbTargets().slice(0, 1))('the host records each school’s open days with its schedule ($name)', (target) => {
  let h: ApiHarness;
  const form = secondaryForm(3);
  const schoolUrn = form.school.urn as string;

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-07-10T12:00:00Z' });
    await submitApplication(h.svc, root, form);
    await assessEligibility(h.svc, root, schoolUrn, { eligible: true });
    const group = (await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } })).id;
    await selectApplication(h.svc, root, schoolUrn, { groupId: group });
    await signCommitment(h.svc, root, schoolUrn, { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    const planned = await generateGroupSchedule(h.svc, root, group, {});
    // The generated dates keep clear of holidays; two moves put reminders on closed days: a meeting on Thursday
    // 14 January 2021 (14 days before: 31 December) and one on Monday 8 February (2 days before: Saturday 6 February).
    const meetings = planned.sessions.filter((x) => x.kind === 'meeting');
    await moveGroupSession(h.svc, root, group, meetings[1]!.id, { to: london('2021-01-14', '13:30') });
    await moveGroupSession(h.svc, root, group, meetings[2]!.id, { to: london('2021-02-08', '13:30') });
  });
  afterAll(async () => h?.close());

  it('the SCHEDULE_SET sent records the school’s term dates for the year and the one before, and no reminder timer falls on a closed day', async () => {
    const set = (await schoolEvents(h.svc.db, schoolUrn)).find((e) => e.type === 'SCHEDULE_SET')!;
    const days = (set.payload as { schoolDays?: { from: string; to: string; source?: string } }).schoolDays;
    expect(days).toMatchObject({ from: '2019-09-01', to: '2021-08-31', source: 'default England pattern' });
    const c = ((await h.svc.engine.state(schoolUrn)).snapshot as PersistedPathway).context;
    const reminders = Object.entries(c.timers).filter(([k]) => k.startsWith('reminder:') || k.startsWith('evaluation-reminder:'));
    expect(reminders.length).toBeGreaterThan(0);
    for (const [key, t] of reminders) expect(isSchoolDay(londonDateOf(t.at)), `${key} on ${t.at}`).toBe(true);
    // At least one was moved off a closed day (else this test would prove nothing).
    const moved = reminders.filter(([key, t]) => {
      const r = /^reminder:(.+):(\d+)$/.exec(key);
      const s = r && c.sessions.find((x) => x.id === r[1]);
      return s && t.at !== daysBefore(s.at, Number(r[2]));
    });
    expect(moved.length).toBeGreaterThan(0);
    const at = (start: string, d: number) => Object.entries(c.timers).find(([k]) => k === `reminder:${c.sessions.find((x) => x.at === start)!.id}:${d}`)![1].at;
    expect(at(london('2021-01-14', '13:30'), 14)).toBe(london('2021-01-04', '13:30'));
    expect(at(london('2021-02-08', '13:30'), 2)).toBe(london('2021-02-05', '13:30'));
  });

  it('the school page’s Coming up counts each reminder’s days from the day it goes out', async () => {
    const page = await schoolPage(h.svc, root, schoolUrn);
    const c = ((await h.svc.engine.state(schoolUrn)).snapshot as PersistedPathway).context;
    const reminders = page.upcoming.filter((u) => u.kind === 'reminder' && /Meeting|Workshop|visit|day/i.test(u.title) && !/evaluation/.test(u.title));
    expect(reminders.length).toBeGreaterThan(0);
    for (const r of reminders) {
      const timer = Object.entries(c.timers).find(([k, t]) => k.startsWith('reminder:') && t.at === r.at)!;
      const s = c.sessions.find((x) => x.id === /^reminder:(.+):\d+$/.exec(timer[0])![1])!;
      const days = Math.round((Date.parse(`${londonDateOf(s.at)}T00:00:00Z`) - Date.parse(`${londonDateOf(r.at)}T00:00:00Z`)) / 86_400_000);
      expect(r.title).toMatch(days === 1 ? / tomorrow$/ : new RegExp(` in ${days} days$`));
    }
    expect(reminders.some((r) => !/ in (14|2) days$/.test(r.title))).toBe(true);
  });
});
