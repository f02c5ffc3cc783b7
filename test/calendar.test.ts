import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  academicYearOf,
  yearBounds,
  nextAcademicYear,
  yearEndsAt,
  atLondon,
  londonDateOf,
  londonTimeOf,
  daysBefore,
  easterSunday,
  englandBankHolidays,
  isBankHoliday,
  termsOf,
  halfTermOf,
  isSchoolDay,
  schoolDaysBetween,
  addSchoolDays,
  lastSchoolDay,
  endOfYearDeadline,
  parseCalendarOverrides,
  halfTermlySlots,
  termlySlots,
  spreadSessions,
  generateSchedule,
  WEEKDAYS,
  type CalendarScope,
} from '../domain/calendar/index.js';
import { catalogue, programmeById } from '../domain/catalogue/programmes.js';
import { ScheduledSession } from '../machines/events.js';
import { ValidationError } from '../domain/errors.js';

const utc = (instant: string) => DateTime.fromISO(instant, { setZone: true }).toUTC().toISO({ suppressMilliseconds: true });
const YEARS = Array.from({ length: 9 }, (_, i) => `${2018 + i}/${String(19 + i).padStart(2, '0')}`); // 2018/19 .. 2026/27

describe('academic years', () => {
  it('runs from 1 September to 31 August', () => {
    expect(academicYearOf('2021-08-31')).toBe('2020/21');
    expect(academicYearOf('2021-09-01')).toBe('2021/22');
    expect(academicYearOf('2000-01-15')).toBe('1999/00');
    expect(yearBounds('2020/21')).toEqual({ start: '2020-09-01', end: '2021-08-31' });
    expect(nextAcademicYear('2099/00')).toBe('2100/01');
  });

  it('reads an instant on London’s calendar: 23:30Z on 31 August is already September in BST', () => {
    expect(academicYearOf('2021-08-31T23:30:00Z')).toBe('2021/22');
    expect(academicYearOf('2021-08-31T22:30:00Z')).toBe('2020/21');
    expect(yearEndsAt('2020/21')).toBe('2021-09-01T00:00:00+01:00');
  });

  it('rejects a malformed year, naming the field and the value', () => {
    expect(() => yearBounds('2020/22')).toThrow(ValidationError);
    expect(() => yearBounds('2020-21')).toThrow(/academicYear.*"2020-21"/);
  });
});

describe('London wall-clock time', () => {
  // Clocks go forward on the last Sunday of March and back on the last Sunday of October.
  const CHANGES: Record<number, [string, string]> = {
    2018: ['2018-03-25', '2018-10-28'],
    2019: ['2019-03-31', '2019-10-27'],
    2020: ['2020-03-29', '2020-10-25'],
    2021: ['2021-03-28', '2021-10-31'],
    2022: ['2022-03-27', '2022-10-30'],
    2023: ['2023-03-26', '2023-10-29'],
    2024: ['2024-03-31', '2024-10-27'],
    2025: ['2025-03-30', '2025-10-26'],
    2026: ['2026-03-29', '2026-10-25'],
  };

  it('puts 09:30 on the right side of every clock change from 2018 to 2026', () => {
    for (const [spring, autumn] of Object.values(CHANGES)) {
      const day = (d: string, n: number) => DateTime.fromISO(d).plus({ days: n }).toISODate()!;
      expect(atLondon(day(spring, -1), '09:30')).toMatch(/T09:30:00\+00:00$/);
      expect(atLondon(spring, '09:30')).toMatch(/T09:30:00\+01:00$/);
      expect(atLondon(day(autumn, -1), '09:30')).toMatch(/T09:30:00\+01:00$/);
      expect(atLondon(autumn, '09:30')).toMatch(/T09:30:00\+00:00$/);
    }
  });

  it('a workshop on 2021-03-29 at 09:30 London is 08:30Z', () => {
    expect(utc(atLondon('2021-03-29', '09:30'))).toBe('2021-03-29T08:30:00Z');
    expect(utc(atLondon('2021-03-26', '09:30'))).toBe('2021-03-26T09:30:00Z');
  });

  it('refuses a time the spring change skips, and a malformed time', () => {
    expect(() => atLondon('2021-03-28', '01:30')).toThrow(/does not exist/);
    expect(() => atLondon('2021-03-29', '9:30')).toThrow(ValidationError);
    expect(() => atLondon('2021-02-30', '09:30')).toThrow(/date/);
  });

  it('a reminder 2 days before a meeting on 2020-11-02 09:00 is 2020-10-31 09:00 London (09:00Z)', () => {
    const meeting = atLondon('2020-11-02', '09:00');
    const reminder = daysBefore(meeting, 2);
    expect(reminder).toBe('2020-10-31T09:00:00+00:00');
    expect(utc(reminder)).toBe('2020-10-31T09:00:00Z');
  });

  it('14 days before 2021-04-06 09:00 BST lands at 09:00 GMT on 23 March, one hour short of 14×24h', () => {
    const meeting = atLondon('2021-04-06', '09:00');
    const reminder = daysBefore(meeting, 14);
    expect(reminder).toBe('2021-03-23T09:00:00+00:00');
    expect(DateTime.fromISO(meeting).diff(DateTime.fromISO(reminder), 'hours').hours).toBe(14 * 24 - 1);
  });

  it('keeps the wall time across the autumn change too, and can move to another wall time', () => {
    expect(daysBefore(atLondon('2021-11-01', '09:00'), 2)).toBe('2021-10-30T09:00:00+01:00');
    expect(daysBefore('2021-11-01T09:00:00Z', 1, '17:00')).toBe('2021-10-31T17:00:00+00:00');
  });

  it('gives the London date of an instant', () => {
    expect(londonDateOf('2021-06-30T23:30:00Z')).toBe('2021-07-01');
    expect(londonDateOf('2021-01-31T23:30:00Z')).toBe('2021-01-31');
    expect(londonTimeOf('2021-06-30T23:30:00Z')).toBe('00:30');
  });

  it('property: n days before keeps the London wall time and moves the London date by n', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2018-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 60 }), (d, n) => {
        const london = DateTime.fromJSDate(d, { zone: 'Europe/London' }).set({ second: 0, millisecond: 0 });
        // Times inside the repeated autumn hour are ambiguous; school reminders never use them.
        fc.pre(london.hour >= 3);
        const instant = london.toISO()!;
        const before = daysBefore(instant, n);
        expect(londonTimeOf(before)).toBe(london.toFormat('HH:mm'));
        expect(londonDateOf(before)).toBe(london.minus({ days: n }).toISODate());
      }),
      { numRuns: 200 },
    );
  });
});

describe('Easter and bank holidays', () => {
  it('computes Easter Sunday', () => {
    const known = { 2019: '2019-04-21', 2020: '2020-04-12', 2021: '2021-04-04', 2022: '2022-04-17', 2023: '2023-04-09', 2024: '2024-03-31', 2025: '2025-04-20', 2026: '2026-04-05', 2027: '2027-03-28' };
    for (const [y, d] of Object.entries(known)) expect(easterSunday(Number(y))).toBe(d);
  });

  it('knows substitute days and the one-off royal changes', () => {
    expect(englandBankHolidays(2021)).toEqual(['2021-01-01', '2021-04-02', '2021-04-05', '2021-05-03', '2021-05-31', '2021-08-30', '2021-12-27', '2021-12-28']);
    expect(isBankHoliday('2020-05-08')).toBe(true); // VE Day 75 replaced 4 May
    expect(isBankHoliday('2020-05-04')).toBe(false);
    expect(isBankHoliday('2022-09-19')).toBe(true); // State Funeral
    expect(isBankHoliday('2023-05-08')).toBe(true); // Coronation
    expect(isBankHoliday('2022-01-03')).toBe(true); // New Year's Day substitute
  });
});

describe('terms and school days (default England pattern)', () => {
  it('has six ordered half-terms inside each year from 2018/19 to 2026/27, starting on weekdays', () => {
    for (const year of YEARS) {
      const t = termsOf(year);
      const { start, end } = yearBounds(year);
      expect(t.halfTerms.map((h) => h.name)).toEqual(['autumn1', 'autumn2', 'spring1', 'spring2', 'summer1', 'summer2']);
      t.halfTerms.forEach((h, i) => {
        expect(h.start >= start && h.end <= end, `${year} ${h.name}`).toBe(true);
        expect(h.start <= h.end).toBe(true);
        expect(DateTime.fromISO(h.start).weekday).toBeLessThanOrEqual(5);
        if (i > 0) expect(h.start > t.halfTerms[i - 1]!.end).toBe(true);
      });
      expect(t.terms.map((x) => [x.name, x.start, x.end])).toEqual([
        ['autumn', t.halfTerms[0]!.start, t.halfTerms[1]!.end],
        ['spring', t.halfTerms[2]!.start, t.halfTerms[3]!.end],
        ['summer', t.halfTerms[4]!.start, t.halfTerms[5]!.end],
      ]);
      // 190 pupil days plus five INSET days is the usual English year.
      const days = schoolDaysBetween(start, end).length;
      expect(days, year).toBeGreaterThanOrEqual(190);
      expect(days, year).toBeLessThanOrEqual(200);
    }
  });

  it('2020/21: the holidays fall where English schools had them', () => {
    const t = termsOf('2020/21');
    expect(t.halfTerms.map((h) => [h.start, h.end])).toEqual([
      ['2020-09-01', '2020-10-23'],
      ['2020-11-02', '2020-12-18'],
      ['2021-01-04', '2021-02-12'],
      ['2021-02-22', '2021-03-26'],
      ['2021-04-12', '2021-05-28'],
      ['2021-06-07', '2021-07-22'],
    ]);
    expect(isSchoolDay('2020-10-27')).toBe(false); // October half term
    expect(isSchoolDay('2020-12-23')).toBe(false); // Christmas
    expect(isSchoolDay('2021-02-16')).toBe(false); // February half term
    expect(isSchoolDay('2021-04-05')).toBe(false); // Easter Monday
    expect(isSchoolDay('2021-05-03')).toBe(false); // early May bank holiday in term
    expect(isSchoolDay('2021-06-01')).toBe(false); // May half term
    expect(isSchoolDay('2021-08-02')).toBe(false); // summer
    expect(isSchoolDay('2021-03-06')).toBe(false); // Saturday
    expect(isSchoolDay('2021-03-08')).toBe(true);
    expect(halfTermOf('2021-03-08')?.name).toBe('spring2');
    expect(halfTermOf('2021-04-06')).toBeNull();
  });

  it('starts spring term after a New Year bank holiday, and closes for the 2022 State Funeral', () => {
    expect(termsOf('2021/22').halfTerms[2]!.start).toBe('2022-01-04');
    expect(termsOf('2022/23').halfTerms[2]!.start).toBe('2023-01-03');
    expect(termsOf('2022/23').closures).toContain('2022-09-19');
    expect(isSchoolDay('2022-09-19')).toBe(false);
  });

  it('Christmas Day, Good Friday and Easter Monday are never school days', () => {
    for (let y = 2018; y <= 2027; y++) {
      const easter = DateTime.fromISO(easterSunday(y));
      expect(isSchoolDay(easter.minus({ days: 2 }).toISODate()!), `${y} Good Friday`).toBe(false);
      expect(isSchoolDay(easter.plus({ days: 1 }).toISODate()!), `${y} Easter Monday`).toBe(false);
      expect(isSchoolDay(`${y}-12-25`)).toBe(false);
    }
  });

  it('counts school days over holidays and bank holidays', () => {
    expect(addSchoolDays('2020-10-23', 1)).toBe('2020-11-02');
    expect(addSchoolDays('2020-12-18', 1)).toBe('2021-01-04');
    expect(addSchoolDays('2021-01-04', -1)).toBe('2020-12-18');
    expect(addSchoolDays('2021-04-30', 1)).toBe('2021-05-04');
    expect(addSchoolDays('2021-03-08', 0)).toBe('2021-03-08');
    expect(addSchoolDays('2021-03-08', 5)).toBe('2021-03-15');
  });

  it('property: n school days on is a school day with exactly n school days after the start', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 40 }), (offset, n) => {
        const from = DateTime.fromISO('2018-09-01').plus({ days: offset }).toISODate()!;
        const to = addSchoolDays(from, n);
        expect(isSchoolDay(to)).toBe(true);
        const after = DateTime.fromISO(from).plus({ days: 1 }).toISODate()!;
        expect(schoolDaysBetween(after, to)).toHaveLength(n);
        expect(addSchoolDays(to, -n) <= from).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('evaluation is due at 23:59 London on the last school day of the summer term', () => {
    expect(endOfYearDeadline('2020/21')).toBe('2021-07-22T23:59:00+01:00');
    for (const year of YEARS) {
      const last = lastSchoolDay(year);
      expect(isSchoolDay(last)).toBe(true);
      expect(last.slice(5, 7)).toBe('07');
      expect(addSchoolDays(last, 1) > yearBounds(year).end).toBe(true);
      expect(londonDateOf(endOfYearDeadline(year))).toBe(last);
    }
  });
});

describe('term-date overrides for a hub or local authority', () => {
  // Nottinghamshire-style 2020/21: Easter holiday 2-16 April instead of the default 29 March-9 April.
  const notts2020 = {
    halfTerms: [
      { name: 'autumn1', start: '2020-09-03', end: '2020-10-23' },
      { name: 'autumn2', start: '2020-11-02', end: '2020-12-18' },
      { name: 'spring1', start: '2021-01-05', end: '2021-02-12' },
      { name: 'spring2', start: '2021-02-22', end: '2021-04-01' },
      { name: 'summer1', start: '2021-04-19', end: '2021-05-28' },
      { name: 'summer2', start: '2021-06-07', end: '2021-07-21' },
    ],
    closures: ['2021-06-07'],
  };
  const overrides = parseCalendarOverrides({ 'east-midlands-east': { '2020/21': notts2020 }, Lincolnshire: { '2020/21': { ...notts2020, closures: ['2021-03-01'] } } });
  const eme: CalendarScope = { overrides, hub: 'East Midlands East Maths Hub' };

  it('replaces the terms for that hub and year only', () => {
    const t = termsOf('2020/21', eme);
    expect(t.source).toMatch(/east-midlands-east/);
    expect(t.halfTerms.map((h) => [h.name, h.start, h.end])).toEqual(notts2020.halfTerms.map((h) => [h.name, h.start, h.end]));
    expect(t.closures).toEqual(expect.arrayContaining(['2021-06-07', '2021-05-03']));
    expect(termsOf('2020/21', { overrides, hub: 'cambridge' })).toEqual(termsOf('2020/21'));
    expect(termsOf('2021/22', eme)).toEqual(termsOf('2021/22'));
    expect(termsOf('2020/21')).toEqual(termsOf('2020/21', { overrides })); // no hub named: default
  });

  it('changes which days are school days, for that hub only', () => {
    expect(isSchoolDay('2021-03-31', eme)).toBe(true);
    expect(isSchoolDay('2021-03-31')).toBe(false);
    expect(isSchoolDay('2021-04-12', eme)).toBe(false);
    expect(isSchoolDay('2021-06-07', eme)).toBe(false); // the override's own closure
    expect(isSchoolDay('2021-05-03', eme)).toBe(false); // bank holidays still apply
  });

  it('a local authority override wins over the hub one', () => {
    const scope: CalendarScope = { overrides, hub: 'east-midlands-east', localAuthority: 'lincolnshire' };
    expect(termsOf('2020/21', scope).source).toMatch(/Lincolnshire/);
    expect(isSchoolDay('2021-03-01', scope)).toBe(false);
    expect(isSchoolDay('2021-03-01', eme)).toBe(true);
  });

  it('half-termly slots follow the override', () => {
    const slots = halfTermlySlots('2020/21', { weekday: 'monday', time: '09:00', scope: eme, week: 8 });
    expect(slots.map(londonDateOf)).toContain('2021-03-29'); // last Monday of the longer spring 2
    for (const s of slots) expect(isSchoolDay(londonDateOf(s), eme)).toBe(true);
  });

  it('rejects overrides that are out of order or outside their year, naming where', () => {
    const swapped = { ...notts2020, halfTerms: [notts2020.halfTerms[1], notts2020.halfTerms[0], ...notts2020.halfTerms.slice(2)] };
    expect(() => parseCalendarOverrides({ x: { '2020/21': swapped } })).toThrow(/halfTerms\.0\.name/);
    expect(() => parseCalendarOverrides({ x: { '2021/22': notts2020 } })).toThrow(/must lie within 2021\/22/);
    expect(() => parseCalendarOverrides({ x: { '2020-21': notts2020 } })).toThrow(ValidationError);
  });
});

describe('session slots', () => {
  it('half-termly slots: one per half-term, never in a holiday, at the London wall time, 2018-2026', () => {
    for (const year of YEARS) {
      for (const weekday of WEEKDAYS) {
        const slots = halfTermlySlots(year, { weekday, time: '09:30' });
        expect(slots, `${year} ${weekday}`).toHaveLength(6);
        expect(slots.map((s) => halfTermOf(londonDateOf(s))?.name)).toEqual(['autumn1', 'autumn2', 'spring1', 'spring2', 'summer1', 'summer2']);
        for (const s of slots) {
          expect(isSchoolDay(londonDateOf(s)), s).toBe(true);
          expect(londonTimeOf(s)).toBe('09:30');
          expect(DateTime.fromISO(londonDateOf(s)).toFormat('cccc').toLowerCase()).toBe(weekday);
        }
      }
    }
  });

  it('half-termly slots keep to a window and a count', () => {
    const spring = halfTermlySlots('2020/21', { weekday: 'tuesday', time: '13:00', window: { from: '2021-01', to: '2021-07' } });
    expect(spring).toHaveLength(4);
    expect(spring.every((s) => londonDateOf(s) >= '2021-01-01')).toBe(true);
    const three = halfTermlySlots('2020/21', { weekday: 'tuesday', time: '13:00', count: 3 });
    expect(new Set(three.map((s) => halfTermOf(londonDateOf(s))?.name)).size).toBe(3);
    expect(() => halfTermlySlots('2020/21', { weekday: 'tuesday', time: '13:00', count: 7 })).toThrow(/count must be at most 6/);
    expect(() => halfTermlySlots('2020/21', { weekday: 'saturday' as 'monday', time: '13:00' })).toThrow(/weekday/);
  });

  it('termly slots: one per term', () => {
    const slots = termlySlots('2021/22', { weekday: 'wednesday', time: '14:00' });
    expect(slots.map((s) => halfTermOf(londonDateOf(s))?.term)).toEqual(['autumn', 'spring', 'summer']);
  });

  it('"at least 4 half-day meetings from November to July": spread over the window on school days', () => {
    const at = spreadSessions('2020/21', { min: 4, window: { from: '2020-11', to: '2021-07' }, weekday: 'wednesday', time: '13:00' });
    expect(at).toHaveLength(4);
    const dates = at.map(londonDateOf);
    expect(dates[0]! >= '2020-11-01' && dates[3]! <= '2021-07-31').toBe(true);
    expect([...dates].sort()).toEqual(dates);
    for (const d of dates) {
      expect(isSchoolDay(d)).toBe(true);
      expect(DateTime.fromISO(d).weekday).toBe(3);
    }
    // evenly spread: no two within six weeks of each other
    for (let i = 1; i < dates.length; i++) expect(DateTime.fromISO(dates[i]!).diff(DateTime.fromISO(dates[i - 1]!), 'days').days).toBeGreaterThan(42);
    expect(at.map(londonTimeOf)).toEqual(['13:00', '13:00', '13:00', '13:00']);
    expect(() => spreadSessions('2020/21', { min: 60, window: { from: '2020-11', to: '2021-07' }, weekday: 'wednesday', time: '13:00' })).toThrow(/min must be at most/);
    expect(() => spreadSessions('2020/21', { min: 2, window: { from: '2021-07', to: '2020-11' }, weekday: 'wednesday', time: '13:00' })).toThrow(/window\.to/);
  });
});

describe('generating a programme’s year of sessions', () => {
  it('schedules every catalogue programme within its year, on school days, meeting each rule’s minimum', () => {
    for (const p of catalogue) {
      const sessions = generateSchedule(p, p.academicYear);
      const { end } = yearBounds(p.academicYear);
      const from = p.startsOn ?? yearBounds(p.academicYear).start;
      expect(new Set(sessions.map((s) => s.id)).size, p.id).toBe(sessions.length);
      expect(new Set(sessions.map((s) => londonDateOf(s.at))).size, `${p.id}: two sessions on one day`).toBe(sessions.length);
      for (const s of sessions) {
        expect(() => ScheduledSession.parse(s)).not.toThrow();
        const d = londonDateOf(s.at);
        expect(d >= from && d <= end, `${p.id} ${s.id} ${d}`).toBe(true);
        expect(isSchoolDay(d), `${p.id} ${s.id} ${d}`).toBe(true);
      }
      for (const rule of p.sessions) {
        const n = sessions.filter((s) => s.kind === rule.kind).length;
        expect(n, `${p.id} ${rule.kind}`).toBeGreaterThanOrEqual(rule.min);
        if (rule.max !== undefined) expect(n).toBeLessThanOrEqual(rule.max);
        if (rule.window) for (const s of sessions.filter((x) => x.kind === rule.kind)) expect(londonDateOf(s.at).slice(0, 7) >= rule.window.from && londonDateOf(s.at).slice(0, 7) <= rule.window.to).toBe(true);
      }
    }
  });

  it('secondary Development 2020/21: four half-day meetings between November and July', () => {
    const s = generateSchedule(programmeById('secondary-development-2020-21'), '2020/21', { weekday: 'wednesday', time: '13:30' });
    expect(s.map((x) => x.kind)).toEqual(['meeting', 'meeting', 'meeting', 'meeting']);
    expect(s.map((x) => x.id)).toEqual([1, 2, 3, 4].map((n) => `secondary-development-2020-21.meeting-0${n}`));
    expect(s[0]!.place).toBe('online or face to face');
    expect(s.every((x) => londonTimeOf(x.at) === '13:30')).toBe(true);
  });

  it('primary Development: a meeting every half-term and a visit every term, on the chosen days', () => {
    const s = generateSchedule(programmeById('primary-development-2021-22'), '2021/22', { weekday: 'thursday', time: '09:00', kinds: { visit: { weekday: 'tuesday', time: '13:00' } } });
    const meetings = s.filter((x) => x.kind === 'meeting');
    const visits = s.filter((x) => x.kind === 'visit');
    expect(meetings.map((x) => halfTermOf(londonDateOf(x.at))?.name)).toEqual(['autumn1', 'autumn2', 'spring1', 'spring2', 'summer1', 'summer2']);
    expect(visits.map((x) => halfTermOf(londonDateOf(x.at))?.term)).toEqual(['autumn', 'spring', 'summer']);
    expect(visits.every((x) => DateTime.fromISO(londonDateOf(x.at)).weekday === 2 && londonTimeOf(x.at) === '13:00')).toBe(true);
    expect(visits[0]!.place).toBe('the school');
  });

  it('Readiness 2020/21 starts with the summer term 2020 and runs through 2020/21', () => {
    const s = generateSchedule(programmeById('primary-readiness-2020-21'), '2020/21');
    const workshops = s.filter((x) => x.kind === 'workshop');
    expect(workshops).toHaveLength(8);
    expect(londonDateOf(workshops[0]!.at) >= '2020-04-20').toBe(true);
    expect(academicYearOf(workshops[0]!.at)).toBe('2019/20');
    expect(workshops.filter((x) => academicYearOf(x.at) === '2020/21')).toHaveLength(6);
  });

  it('applies a programme’s rules to another year, windows and all', () => {
    const s = generateSchedule(programmeById('secondary-development-2020-21'), '2021/22');
    expect(s).toHaveLength(4);
    expect(s.every((x) => londonDateOf(x.at) >= '2021-11-01' && londonDateOf(x.at) <= '2022-07-31')).toBe(true);
    expect(s[0]!.id).toMatch(/^secondary-development-2021-22\.meeting-01$/);
  });

  it('uses the hub’s own term dates when given', () => {
    const overrides = parseCalendarOverrides({
      jurassic: {
        '2021/22': {
          halfTerms: [
            { name: 'autumn1', start: '2021-09-06', end: '2021-10-22' },
            { name: 'autumn2', start: '2021-11-01', end: '2021-12-17' },
            { name: 'spring1', start: '2022-01-04', end: '2022-02-18' },
            { name: 'spring2', start: '2022-02-28', end: '2022-04-08' },
            { name: 'summer1', start: '2022-04-25', end: '2022-05-27' },
            { name: 'summer2', start: '2022-06-06', end: '2022-07-22' },
          ],
        },
      },
    });
    const scope: CalendarScope = { overrides, hub: 'Jurassic' };
    const s = generateSchedule(programmeById('primary-sustaining-2023-24'), '2021/22', { weekday: 'monday', scope, week: 1 });
    // The default calendar's February half term is 14-18 Feb; this hub's is 21-25 Feb.
    expect(s.map((x) => londonDateOf(x.at))).toContain('2022-02-28');
    expect(s.every((x) => isSchoolDay(londonDateOf(x.at), scope))).toBe(true);
    expect(s.map((x) => londonDateOf(x.at))).not.toEqual(generateSchedule(programmeById('primary-sustaining-2023-24'), '2021/22', { weekday: 'monday', week: 1 }).map((x) => londonDateOf(x.at)));
  });
});
