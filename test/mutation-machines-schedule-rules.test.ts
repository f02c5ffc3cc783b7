/**
 * machines/schedule-rules.ts called directly (issue 15's mutation score): the
 * words of each refusal exactly as an operator reads them (months, kinds,
 * seeds), the first and last day of a year and of a window both inside,
 * a second window counting, the count of a kind alone (other kinds, cancelled
 * and missed sessions left out of the cap), and a move of a session the school
 * does not have left to the machine's other rules. Pure, database-free.
 */
import { describe, expect, it } from 'vitest';
import { programmeById } from '../domain/catalogue/programmes.js';
import type { Programme, SessionRule } from '../domain/catalogue/schema.js';
import { emptyContext, type PathwayContext, type SessionRecord } from '../machines/context.js';
import type { EventOf } from '../machines/events.js';
import { moveKeepsRules, scheduleKeepsRules, sessionBounds } from '../machines/schedule-rules.js';

const base = programmeById('secondary-development-2020-21');
const rule = (r: Partial<SessionRule> & Pick<SessionRule, 'kind' | 'min'>): SessionRule => ({ lengthHalfDays: 1, cadence: 'spread', headteacherAttendsFirst: false, gapTasksBetween: false, source: ['001'], ...r });
const programme = (sessions: SessionRule[], over: Partial<Programme> = {}): Programme => ({ ...base, name: 'Test Work Group 2020/21', sessions, ...over });
const context = (p: Programme | null, sessions: SessionRecord[] = []): PathwayContext => ({ ...emptyContext({ urn: '100000' }), programme: p, sessions });
const session = (id: string, kind: SessionRecord['kind'], day: string, status: SessionRecord['status'] = 'scheduled'): SessionRecord => ({ id, kind, at: `${day}T09:00:00Z`, place: 'hub', status, teachersPresent: 0, headteacherPresent: false });
const set = (...sessions: SessionRecord[]): EventOf<'SCHEDULE_SET'> => ({ type: 'SCHEDULE_SET', at: '2020-09-01T08:00:00Z', sessions: sessions.map(({ id, kind, at, place }) => ({ id, kind, at, place })) }) as EventOf<'SCHEDULE_SET'>;
const move = (sessionId: string, day: string): EventOf<'SESSION_MOVED'> => ({ type: 'SESSION_MOVED', at: '2020-09-01T08:00:00Z', sessionId, to: `${day}T09:00:00Z` }) as EventOf<'SESSION_MOVED'>;

describe('schedule rules: windows and the year, in words', () => {
  it('names every month of the year in a refusal', () => {
    const p = programme([rule({ kind: 'visit', min: 0, window: { from: '2030-01', to: '2030-01' } })]);
    const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
    months.forEach((name, i) => {
      const day = `2031-${String(i + 1).padStart(2, '0')}-15`;
      expect(scheduleKeepsRules(context(p), set(session('v', 'visit', day)))).toBe(
        `visit v on 15 ${name} 2031 is outside the months Test Work Group 2020/21 holds its support visits: January 2030 to January 2030 (rule sessions.visit.window, seed 001)`,
      );
    });
  });

  it('takes a date in any of a kind’s windows, first and last month included, and lists them all when outside', () => {
    const p = programme([
      rule({ kind: 'inSchoolDay', min: 0, window: { from: '2020-04', to: '2020-07' }, source: ['002'] }),
      rule({ kind: 'inSchoolDay', min: 0, window: { from: '2020-09', to: '2021-07' }, source: ['web'] }),
    ]);
    for (const day of ['2020-04-01', '2020-07-31', '2020-09-01', '2021-07-20']) expect(scheduleKeepsRules(context(p), set(session('d', 'inSchoolDay', day))), day).toBeNull();
    expect(scheduleKeepsRules(context(p), set(session('d', 'inSchoolDay', '2020-08-10')))).toBe(
      'inSchoolDay d on 10 August 2020 is outside the months Test Work Group 2020/21 holds its in-school days: April 2020 to July 2020 or September 2020 to July 2021 (rule sessions.inSchoolDay.window, seed 002, the Maths Hubs web pages)',
    );
  });

  it('without a window, takes the first and last day of the academic year (or its early start) and refuses the days beyond', () => {
    const p = programme([rule({ kind: 'visit', min: 0 })]);
    expect(scheduleKeepsRules(context(p), set(session('v', 'visit', '2020-09-01')))).toBeNull();
    expect(scheduleKeepsRules(context(p), set(session('v', 'visit', '2021-08-31')))).toBeNull();
    expect(scheduleKeepsRules(context(p), set(session('v', 'visit', '2020-08-31')))).toBe(
      "visit v on 31 August 2020 is outside Test Work Group 2020/21's year, 1 September 2020 to 31 August 2021 (rule academicYear, seed 001)",
    );
    expect(scheduleKeepsRules(context(p), set(session('v', 'visit', '2021-09-01')))).toMatch(/^visit v on 1 September 2021 is outside/);
    const early = programme([rule({ kind: 'visit', min: 0 })], { startsOn: '2020-04-20' });
    expect(scheduleKeepsRules(context(early), set(session('v', 'visit', '2020-04-20')))).toBeNull();
    expect(scheduleKeepsRules(context(early), set(session('v', 'visit', '2020-04-19')))).toMatch(/year, 20 April 2020 to 31 August 2021 \(rule academicYear, seed 001\)$/);
  });

  it('names no seed for a kind the programme has no rule for, and only the seeds of the kind’s own rules', () => {
    const p = programme([rule({ kind: 'meeting', min: 0, source: ['001'] }), rule({ kind: 'inSchoolDay', min: 0, source: ['002'] })]);
    expect(scheduleKeepsRules(context(p), set(session('v', 'visit', '2022-01-10')))).toBe(
      "visit v on 10 January 2022 is outside Test Work Group 2020/21's year, 1 September 2020 to 31 August 2021 (rule academicYear)",
    );
    expect(scheduleKeepsRules(context(p), set(session('d', 'inSchoolDay', '2022-01-10')))).toMatch(/\(rule academicYear, seed 002\)$/);
  });
});

describe('schedule rules: how many of a kind', () => {
  it('refuses too few and too many meetings, in the singular and the plural', () => {
    const one = programme([rule({ kind: 'meeting', min: 1, max: 1 })]);
    expect(scheduleKeepsRules(context(one), set())).toBe('Test Work Group 2020/21 needs at least 1 half-day meeting; the schedule would hold 0 (rule sessions.meeting.min, seed 001)');
    expect(scheduleKeepsRules(context(one), set(session('m1', 'meeting', '2020-10-01')))).toBeNull();
    expect(scheduleKeepsRules(context(one), set(session('m1', 'meeting', '2020-10-01'), session('m2', 'meeting', '2020-11-01')))).toBe(
      'Test Work Group 2020/21 offers at most 1 half-day meeting; the schedule would hold 2 (rule sessions.meeting.max, seed 001)',
    );
    const oneWorkshop = programme([rule({ kind: 'workshop', min: 1 })]);
    expect(scheduleKeepsRules(context(oneWorkshop), set())).toBe('Test Work Group 2020/21 needs at least 1 half-day workshop; the schedule would hold 0 (rule sessions.workshop.min, seed 001)');
    const some = programme([rule({ kind: 'workshop', min: 2, max: 3, source: ['002'] })]);
    expect(scheduleKeepsRules(context(some), set(session('w1', 'workshop', '2020-10-01')))).toBe(
      'Test Work Group 2020/21 needs at least 2 half-day workshops; the schedule would hold 1 (rule sessions.workshop.min, seed 002)',
    );
    const four = ['2020-10-01', '2020-11-01', '2020-12-01', '2021-01-10'].map((d, i) => session(`w${i}`, 'workshop', d));
    expect(scheduleKeepsRules(context(some), set(...four))).toBe('Test Work Group 2020/21 offers at most 3 half-day workshops; the schedule would hold 4 (rule sessions.workshop.max, seed 002)');
  });

  it('counts one kind alone: other kinds, cancelled and missed sessions are not in the cap; a rule without a most has no cap', () => {
    const p = programme([rule({ kind: 'meeting', min: 2, max: 2 }), rule({ kind: 'visit', min: 0 })]);
    const held = [session('m1', 'meeting', '2020-10-01', 'missed'), session('m2', 'meeting', '2020-11-01', 'cancelled'), session('v1', 'visit', '2020-10-05'), session('v2', 'visit', '2020-10-06')];
    // Two meetings to attend, beside a missed one, a cancelled one and two visits: within the cap of 2.
    expect(scheduleKeepsRules(context(p, held), set(session('m3', 'meeting', '2020-12-01'), session('m4', 'meeting', '2021-01-10')))).toBeNull();
    expect(scheduleKeepsRules(context(p, held), set(session('m3', 'meeting', '2020-12-01'), session('m4', 'meeting', '2021-01-10'), session('m5', 'meeting', '2021-02-10')))).toMatch(
      /offers at most 2 half-day meetings; the schedule would hold 3 /,
    );
    const uncapped = programme([rule({ kind: 'meeting', min: 1 })]);
    const many = Array.from({ length: 9 }, (_, i) => session(`m${i}`, 'meeting', `2020-10-${String(i + 10)}`));
    expect(scheduleKeepsRules(context(uncapped), set(...many))).toBeNull();
  });

  it('a session set again by id replaces the old one, not added to it', () => {
    const p = programme([rule({ kind: 'meeting', min: 1, max: 1 })]);
    expect(scheduleKeepsRules(context(p, [session('m1', 'meeting', '2020-10-01')]), set(session('m1', 'meeting', '2020-10-08')))).toBeNull();
  });

  it('a school with no programme has nothing to schedule', () => {
    expect(scheduleKeepsRules(context(null), set())).toBe('the school has no programme to schedule');
  });
});

describe('schedule rules: a move', () => {
  const p = programme([rule({ kind: 'meeting', min: 0, window: { from: '2020-10', to: '2021-06' } })]);
  const ctx = context(p, [session('m1', 'meeting', '2020-10-01'), session('m2', 'meeting', '2020-11-01')]);
  it('keeps a moved session in its kind’s months', () => {
    expect(moveKeepsRules(ctx, move('m2', '2021-06-30'))).toBeNull();
    expect(moveKeepsRules(ctx, move('m2', '2021-07-01'))).toBe(
      'meeting m2 on 1 July 2021 is outside the months Test Work Group 2020/21 holds its half-day meetings: October 2020 to June 2021 (rule sessions.meeting.window, seed 001)',
    );
  });
  it('leaves a session the school does not have, or a school with no programme, to the other rules', () => {
    expect(moveKeepsRules(ctx, move('m9', '2025-01-01'))).toBeNull();
    expect(moveKeepsRules(context(null, ctx.sessions), move('m1', '2025-01-01'))).toBeNull();
  });
});

describe('schedule rules: where a session may fall, as data for the pages', () => {
  it('is the windows of the kind’s own rules, all of them, else the programme’s year or its early start', () => {
    const p = programme([
      rule({ kind: 'visit', min: 0, window: { from: '2020-04', to: '2020-07' } }),
      rule({ kind: 'visit', min: 0, window: { from: '2020-09', to: '2021-07' } }),
      rule({ kind: 'meeting', min: 0 }),
    ]);
    expect(sessionBounds(p, 'visit')).toEqual({ months: [{ from: '2020-04', to: '2020-07' }, { from: '2020-09', to: '2021-07' }] });
    expect(sessionBounds(p, 'meeting')).toEqual({ year: { from: '2020-09-01', to: '2021-08-31' } });
    expect(sessionBounds(p, 'workshop')).toEqual({ year: { from: '2020-09-01', to: '2021-08-31' } });
    expect(sessionBounds({ ...p, startsOn: '2020-04-20' }, 'meeting')).toEqual({ year: { from: '2020-04-20', to: '2021-08-31' } });
  });
});
