/**
 * The day a reminder goes out (domain/calendar/reminder-day.ts, and its
 * instant in machines/reminder-time.ts): a reminder counted back onto a day
 * the school is shut moves to the first open day after it while that is
 * still before the session's day, else to the last open day before it; the
 * time of day stays. Cases from England's default term dates for 2026/27
 * (autumn 1 ends Friday 23 October, autumn 2 runs 2 November to Friday 18
 * December, spring 1 starts Monday 4 January 2027, summer 2 ends Thursday
 * 22 July 2027) and a hub's own closure day.
 */
import { describe, expect, it } from 'vitest';
import { openIn, reminderDay, SchoolDays } from '../domain/calendar/reminder-day.js';
import { schoolDaysForYear } from '../domain/calendar/school-days.js';
import { parseCalendarOverrides, type CalendarScope } from '../domain/calendar/terms.js';
import { reminderAt } from '../machines/reminder-time.js';
import { academicYearEnd, daysBefore } from '../machines/time.js';
import { london } from './fixtures/programmes.js';

const england = schoolDaysForYear('2026/27');
const isOpen = openIn(england);

/** The reminder `n` days before a session at London `date` `time`, as it goes out. */
function remind(date: string, n: number, days = england, time = '09:00'): string {
  const session = london(date, time);
  return reminderAt(daysBefore(session, n), session, days);
}

describe('a reminder on a day the school is shut moves to a school day', () => {
  it('Christmas: the 14-day reminder for Thursday 14 January 2027 goes on Monday 4 January (first day of term), not Thursday 31 December, at 9am still', () => {
    expect(isOpen('2026-12-31')).toBe(false);
    expect(reminderDay('2026-12-31', '2027-01-14', isOpen)).toBe('2027-01-04');
    expect(remind('2027-01-14', 14)).toBe(london('2027-01-04', '09:00'));
  });

  it('October half term: the 14-day reminder for Monday 9 November 2026 goes on Monday 2 November, not in the half-term week', () => {
    expect(remind('2026-11-09', 14)).toBe(london('2026-11-02', '09:00'));
  });

  it('a weekend before a Monday session: the 2-day reminder goes on the Friday before (the Monday after is the session day itself)', () => {
    // Monday 23 November 2026: 2 days before is Saturday 21 November.
    expect(remind('2026-11-23', 2)).toBe(london('2026-11-20', '09:00'));
  });

  it('across the clock change: the 2-day reminder for Monday 2 November 2026 (Saturday 31 October, half term) goes on Friday 23 October at 9am BST', () => {
    const at = remind('2026-11-02', 2);
    expect(at).toBe(london('2026-10-23', '09:00'));
    expect(at).toBe('2026-10-23T09:00:00+01:00');
  });

  it('the evaluation due 31 August 2027: the 14-day reminder (Tuesday 17 August, summer holiday) goes on the last day of the summer term, Thursday 22 July', () => {
    const due = academicYearEnd('2026/27');
    const at = reminderAt(daysBefore(due, 14), due, england);
    expect(at.slice(0, 10)).toBe('2027-07-22');
    expect(at.slice(11, 16)).toBe('23:59');
  });

  it('the first day of term: the 14-day reminder for Tuesday 1 September 2026 goes back to the last day of the summer term before, Wednesday 22 July 2026', () => {
    expect(remind('2026-09-01', 14)).toBe(london('2026-07-22', '09:00'));
  });

  it('a bank holiday in term: the 2-day reminder for Wednesday 5 May 2027 (Monday 3 May) goes on Tuesday 4 May', () => {
    expect(remind('2027-05-05', 2)).toBe(london('2027-05-04', '09:00'));
  });

  it('a day the school is open is kept as it is, time and offset included', () => {
    const session = london('2026-11-19', '13:30');
    expect(reminderAt(daysBefore(session, 14), session, england)).toBe(daysBefore(session, 14));
  });

  it("a hub's own closure (an INSET day, Friday 20 November 2026) moves the 14-day reminder for Friday 4 December to Monday 23 November; the default calendar keeps it", () => {
    const defaultHalfTerms = [
      { name: 'autumn1', start: '2026-09-01', end: '2026-10-23' },
      { name: 'autumn2', start: '2026-11-02', end: '2026-12-18' },
      { name: 'spring1', start: '2027-01-04', end: '2027-02-12' },
      { name: 'spring2', start: '2027-02-22', end: '2027-03-19' },
      { name: 'summer1', start: '2027-04-05', end: '2027-05-28' },
      { name: 'summer2', start: '2027-06-07', end: '2027-07-22' },
    ];
    const overrides = parseCalendarOverrides({ 'east-midlands-east': { '2026/27': { halfTerms: defaultHalfTerms, closures: ['2026-11-20'] } } });
    const scope: CalendarScope = { overrides, hub: 'East Midlands East Maths Hub' };
    const hubDays = schoolDaysForYear('2026/27', scope);
    expect(hubDays.source).toContain('override for east-midlands-east');
    expect(remind('2026-12-04', 14, hubDays)).toBe(london('2026-11-23', '09:00'));
    expect(remind('2026-12-04', 14)).toBe(london('2026-11-20', '09:00'));
    // Another hub's school follows the default dates.
    expect(remind('2026-12-04', 14, schoolDaysForYear('2026/27', { overrides, hub: 'Cambridge Maths Hub' }))).toBe(london('2026-11-20', '09:00'));
  });
});

describe('what the rule does not move', () => {
  it('without recorded open days (a schedule set before they were recorded), a reminder falls on the day counted back, holiday or not', () => {
    const session = london('2027-01-14', '09:00');
    expect(reminderAt(daysBefore(session, 14), session, undefined)).toBe(london('2026-12-31', '09:00'));
  });

  it('a day outside the recorded span is not known, and not moved on a guess', () => {
    // 2026/27's open days run from 1 September 2025 to 31 August 2027: Christmas 2027 is outside.
    expect(openIn(england)('2027-12-25')).toBeNull();
    expect(remind('2028-01-06', 14)).toBe(london('2027-12-23', '09:00'));
  });

  it('a calendar with no open day at all keeps the day counted back', () => {
    const shut: SchoolDays = { from: '2026-09-01', to: '2027-08-31', terms: [], closures: [] };
    expect(reminderDay('2026-12-31', '2027-01-14', openIn(shut))).toBe('2026-12-31');
  });

  it('the recorded open days are valid event data, and a bad date is refused naming the field', () => {
    expect(SchoolDays.parse(JSON.parse(JSON.stringify(england)))).toEqual(england);
    const bad = SchoolDays.safeParse({ ...england, closures: ['20 November'] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['closures', 0]);
    expect(bad.error!.issues[0]!.message).toMatch(/YYYY-MM-DD/);
  });
});
