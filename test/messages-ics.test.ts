/**
 * Calendar invites of session messages, from effects the real machine
 * decides (catalogue programme, calendar-generated schedule), rendered and
 * parsed with a real iCalendar parser (ical.js): one UID per session and
 * school for ever, SEQUENCE rising with each change, METHOD:CANCEL when
 * cancelled, the whole year in the schedule announcement. Pure (no database).
 */
import { describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule } from '../domain/calendar/schedule.js';
import { AT_THE_SCHOOL } from '../domain/catalogue/schema.js';
import { decide, initialState, parseEvent, type PersistedPathway } from '../machines/decide.js';
import type { Effect, Notify } from '../machines/effects.js';
import type { PathwayEventInput } from '../machines/events.js';
import { renderMessage } from '../activities/mail/render.js';
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { buildInvite, makeInvite, sequenceAt, sessionUid } from '../activities/mail/calendar.js';

const programme = programmeFor('secondary', 'development', '2025/26')!;
const sessions = generateSchedule(programme, '2025/26');
const meetings = sessions.filter((s) => s.kind === 'meeting');

class School {
  state: PersistedPathway;
  notices: Notify[] = [];
  constructor(readonly urn: string) {
    this.state = initialState(urn);
  }
  send(input: PathwayEventInput): Notify[] {
    const d = decide(this.state, parseEvent(input));
    this.state = d.snapshot;
    const n = d.effects.filter((e: Effect): e is Notify => e.type === 'notify');
    this.notices.push(...n);
    return n;
  }
  /** Fires the pending timer `key` as the host would. */
  fire(key: string): Notify[] {
    const t = this.state.context.timers[key];
    if (!t) throw new Error(`no timer ${key}; have ${Object.keys(this.state.context.timers).join(', ')}`);
    return this.send(t.event as PathwayEventInput);
  }
}

function started(urn: string): School {
  const s = new School(urn);
  const email = (who: string) => `${who}@s${urn}.example`;
  s.send({
    type: 'APPLY',
    at: '2025-06-10T10:00:00+01:00',
    programme,
    school: { name: `School ${urn}`, route: 'secondary', hub: 'East Midlands East', headteacher: { name: 'Priya Patel', email: email('head') }, headOfDepartment: { name: 'Ben Clarke', email: email('hod') } },
    teachers: [
      { name: 'Ben Clarke', email: email('hod'), role: 'headOfDepartment' },
      { name: 'Zara Khan', email: email('zk'), role: 'aspiringLeader' },
    ],
  });
  s.send({ type: 'ELIGIBILITY_ASSESSED', at: '2025-06-20T10:00:00+01:00', eligible: true });
  s.send({ type: 'SELECTED', at: '2025-07-01T10:00:00+01:00', groupId: 'emeast-development-2025-a', groupSize: 2 });
  s.send({ type: 'COMMITMENT_SIGNED', at: '2025-09-03T10:00:00+01:00', signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
  s.send({ type: 'SCHEDULE_SET', at: '2025-09-05T10:00:00+01:00', sessions });
  return s;
}

function calendar(n: Notify, urn: string) {
  const m = renderMessage({ template: n.template, urn, data: n.data }, { hubLead: { name: 'Priya Shah', email: 'priya@hub.example' } });
  expect(m.ics, `${n.template} carries an invite`).toBeDefined();
  const comp = new ICAL.Component(ICAL.parse(m.ics!.content));
  const events = comp.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  return { method: comp.getFirstPropertyValue('method'), events, message: m };
}

describe('calendar invites, parsed with ical.js', () => {
  const a = started('137001');
  const b = started('137002');
  const m2 = meetings[1]!;
  const m3 = meetings[2]!;

  it('the schedule announcement carries the whole year, one event per session', () => {
    const announce = a.notices.find((n) => n.template === 'schedule-announced')!;
    const cal = calendar(announce, a.urn);
    expect(cal.method).toBe('PUBLISH');
    expect(cal.events).toHaveLength(sessions.length);
    expect(cal.events.map((e) => e.startDate.toJSDate().toISOString())).toEqual(sessions.map((s) => new Date(s.at).toISOString()));
    expect(new Set(cal.events.map((e) => e.uid)).size).toBe(sessions.length);
    for (const e of cal.events) expect(e.endDate.toJSDate().getTime() - e.startDate.toJSDate().getTime()).toBeGreaterThanOrEqual(150 * 60_000);
    // A visit held at the school names the school in the calendar, where "your school" means nothing.
    const atSchool = sessions.filter((s) => s.place === AT_THE_SCHOOL).map((s) => new Date(s.at).toISOString());
    expect(atSchool.length).toBeGreaterThan(0);
    for (const e of cal.events.filter((x) => atSchool.includes(x.startDate.toJSDate().toISOString()))) expect(e.location).toBe('School 137001');
    expect(cal.events.map((e) => e.location)).not.toContain('your school');
    expect(cal.message.text).toContain('Here are the dates of Secondary');
    expect(cal.message.subject).toBe(`Maths Hub: your ${sessions.length} dates for ${programme.name.replace(/ \d{4}\/\d{2}.*$/, '')}, 2025/26`);
  });

  it('a session keeps its UID through reminder, move and cancellation; SEQUENCE rises; the cancellation is METHOD:CANCEL', () => {
    const year = calendar(a.notices.find((n) => n.template === 'schedule-announced')!, a.urn);
    const uidInYear = year.events.find((e) => e.startDate.toJSDate().toISOString() === new Date(m2.at).toISOString())!.uid;

    const reminder = a.fire(`reminder:${m2.id}:14`).find((n) => n.template === 'session-reminder')!;
    const before = calendar(reminder, a.urn);
    expect(before.events).toHaveLength(1);
    expect(before.events[0]!.uid).toBe(uidInYear);

    const to = new Date(Date.parse(m2.at) + 7 * 86_400_000).toISOString();
    const moved = a.send({ type: 'SESSION_MOVED', at: new Date(Date.parse(m2.at) - 10 * 86_400_000).toISOString(), sessionId: m2.id, to, place: 'Kingsmead Academy, room 4' }).find((n) => n.template === 'session-moved')!;
    const after = calendar(moved, a.urn);
    expect(after.method).toBe('PUBLISH');
    expect(after.events[0]!.uid).toBe(uidInYear);
    expect(after.events[0]!.sequence).toBeGreaterThan(before.events[0]!.sequence);
    expect(year.events[0]!.sequence).toBeLessThan(before.events[0]!.sequence);
    expect(after.events[0]!.startDate.toJSDate().toISOString()).toBe(to);
    expect(after.events[0]!.location).toBe('Kingsmead Academy, room 4');

    const cancelled = a.send({ type: 'SESSION_CANCELLED', at: new Date(Date.parse(m3.at) - 3 * 86_400_000).toISOString(), sessionId: m3.id, reason: 'the venue is closed' }).find((n) => n.template === 'session-cancelled')!;
    const gone = calendar(cancelled, a.urn);
    expect(gone.method).toBe('CANCEL');
    expect(gone.events[0]!.uid).toBe(year.events.find((e) => e.startDate.toJSDate().toISOString() === new Date(m3.at).toISOString())!.uid);
    expect(gone.events[0]!.component.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(gone.events[0]!.sequence).toBeGreaterThan(year.events[0]!.sequence);
  });

  it('another school has other UIDs for the same sessions', () => {
    const ua = calendar(a.notices.find((n) => n.template === 'schedule-announced')!, a.urn).events.map((e) => e.uid);
    const ub = calendar(b.notices.find((n) => n.template === 'schedule-announced')!, b.urn).events.map((e) => e.uid);
    expect(ub.filter((u) => ua.includes(u))).toEqual([]);
  });

  it('messages that are not about one session carry no invite', () => {
    const selected = a.notices.find((n) => n.template === 'selected')!;
    expect(renderMessage({ template: selected.template, urn: a.urn, data: selected.data }).ics).toBeUndefined();
  });
});

describe('invites made again for the next school of a group', () => {
  it("are the bytes ical-generator writes for that school, under the school's own UIDs, stamp and sequence", () => {
    const description = 'Bring the gap task from the last meeting — the bar models, with your class’s work — and £10 for lunch. '.repeat(3);
    const list = meetings.slice(0, 3).map((s, i) => ({ sessionId: s.id, startsAt: s.at, endsAt: s.at, title: `Work group meeting ${i + 1}`, location: 'Ash Grove Academy, Leicester', description }));
    for (const cancel of [false, true]) {
      for (const sessionsOf of [list.slice(0, 1), list]) {
        const base = { sessions: sessionsOf, decidedAt: '2025-09-05T10:00:00+01:00', cancel, calendarName: 'East Midlands East Maths Hub', organizer: { name: 'Ann Smith', email: 'ann@hub.example' } };
        const first = makeInvite({ ...base, urn: '100001' });
        const next = makeInvite({ ...base, urn: '100002' });
        // Each school of a group is selected, and so sent its dates, at a moment of its own.
        const later = { ...base, urn: '100003', decidedAt: '2025-09-12T16:47:31.250+01:00' };
        expect(first).toEqual(buildInvite({ ...base, urn: '100001' }));
        expect(next).toEqual(buildInvite({ ...base, urn: '100002' }));
        expect(makeInvite(later)).toEqual(buildInvite(later));
        expect(makeInvite(later).content).toContain('\r\nDTSTAMP:20250912T154731Z\r\n');
        expect(next.content).not.toContain('zzzz');
        const uids = (c: string) => [...c.matchAll(/^UID:(.+)$/gm)].map((m) => m[1]!.trim());
        expect(uids(next.content)).toEqual(sessionsOf.map((s) => sessionUid('100002', s.sessionId)));
        expect(uids(first.content)).not.toEqual(uids(next.content));
      }
    }
  });
});

describe('lines folded as ical-generator folds them', () => {
  it('at 75 octets, counting multi-byte characters, the same text as with the real TextEncoder', () => {
    const o = {
      urn: '100009',
      sessions: [{ sessionId: 's1', startsAt: '2025-10-01T08:00:00Z', endsAt: '2025-10-01T11:00:00Z', title: 'Maths Hub: Work group meeting 1 — “bar models” £10 lunch 😀 ' + 'é'.repeat(90), location: 'Ash Grove Academy, Leicester', description: 'Pupils’ work — £10 — 数学 '.repeat(12) }],
      decidedAt: '2025-09-05T10:00:00+01:00',
      calendarName: 'East Midlands East Maths Hub',
      organizer: { name: 'Ann Smith', email: 'ann@hub.example' },
    };
    const ours = buildInvite(o).content;
    // ical-generator's own output, its TextEncoder left as it is.
    const cal = ical({ name: o.calendarName, method: ICalCalendarMethod.PUBLISH, prodId: { company: 'Maths Hubs', product: 'Mastery Pathway', language: 'EN' } });
    cal.createEvent({ id: sessionUid(o.urn, 's1'), sequence: sequenceAt(o.decidedAt), stamp: new Date(o.decidedAt), start: new Date(o.sessions[0]!.startsAt), end: new Date(o.sessions[0]!.endsAt), summary: o.sessions[0]!.title, location: o.sessions[0]!.location, description: o.sessions[0]!.description, organizer: o.organizer, status: ICalEventStatus.CONFIRMED });
    expect(ours).toBe(cal.toString());
    for (const line of ours.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(globalThis.TextEncoder).toBe(TextEncoder);
    expect(new TextEncoder().encode('£')).toBeInstanceOf(Uint8Array);
  });
});
