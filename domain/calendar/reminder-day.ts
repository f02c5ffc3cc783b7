/**
 * The day a reminder goes out, so that someone at the school can read it: a
 * reminder counted back from a session (or from the evaluation's due date)
 * that lands on a day the school is shut (a weekend, a bank holiday, a
 * holiday, an INSET closure) goes out on the first open day after it while
 * that is still before the session's day, else on the last open day before
 * it. A headteacher cannot act on an email that arrives on 31 December.
 *
 * The school's open days travel as data (`SchoolDays`): the host builds them
 * from the school's term calendar (school-days.ts, from terms.ts with its
 * hub's or local authority's overrides) and records them in the SCHEDULE_SET, so the pure
 * machine moves its reminder timers the same way on every replay, with no
 * calendar lookup and no clock. Pure; no luxon, so it is cheap inside a fold.
 */
import { z } from 'zod';
import { IsoDate } from '../catalogue/schema.js';
import { invalid } from './invalid.js';

/**
 * A school's open days from `from` to `to` (inclusive): a weekday inside one
 * of `terms` and not among `closures`. Days outside `from`..`to` are not
 * known, and a reminder there stays where it fell.
 */
export const SchoolDays = z
  .object({
    from: IsoDate,
    to: IsoDate,
    /** The half-terms in the span, first and last school day of each (inclusive). */
    terms: z.array(z.object({ start: IsoDate, end: IsoDate })),
    /** Weekdays inside a term when the school is shut: bank holidays, INSET days, an override's closures. */
    closures: z.array(IsoDate).default([]),
    /** Whose term dates these are ("default England pattern", "override for Leicestershire"), for an auditor. */
    source: z.string().optional(),
  })
  .refine((d) => d.from <= d.to, { message: 'from must not be after to', path: ['to'] });
export type SchoolDays = z.infer<typeof SchoolDays>;

/** Open, shut, or not known (outside the span the calendar covers). */
export type DayIsOpen = (date: string) => boolean | null;

const DAY_MS = 86_400_000;

function utcOf(date: string): number {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(t)) invalid('date', 'must be a date YYYY-MM-DD', date);
  return t;
}

/** The calendar date n days after `date` (before it when n is negative), counted on the calendar. Pure. */
export function shiftDate(date: string, n: number): string {
  return new Date(utcOf(date) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole calendar days from date a to date b (negative when b is earlier). Pure. */
export function datesApart(a: string, b: string): number {
  return Math.round((utcOf(b) - utcOf(a)) / DAY_MS);
}

/** Saturday or Sunday. Pure. */
export function isWeekendDate(date: string): boolean {
  const d = new Date(utcOf(date)).getUTCDay();
  return d === 0 || d === 6;
}

/** Whether the school is open on `date` by its recorded days; null outside their span. Pure. */
export function openIn(days: SchoolDays): DayIsOpen {
  const closures = new Set(days.closures);
  return (date) => {
    if (date < days.from || date > days.to) return null;
    if (isWeekendDate(date) || closures.has(date)) return false;
    return days.terms.some((t) => t.start <= date && date <= t.end);
  };
}

// A holiday is at most a summer's six or seven weeks; a search longer than a year means a calendar with no open days.
const SEARCH_LIMIT = 400;

/**
 * The day a reminder that would fall on `day` goes out, for something on
 * `before` (the session's or the due date's London date): `day` itself when
 * the school is open then, or when the calendar does not know the day; else
 * the first open day after it that is still before `before`; else the last
 * open day before it. A search stops at a day the calendar does not know,
 * so a reminder is never moved onto a guess; with no open day found, `day`
 * is kept. Pure.
 */
export function reminderDay(day: string, before: string, isOpen: DayIsOpen): string {
  if (isOpen(day) !== false) return day;
  for (let d = shiftDate(day, 1); d < before; d = shiftDate(d, 1)) {
    const open = isOpen(d);
    if (open === null) break;
    if (open) return d;
  }
  let d = day;
  for (let i = 0; i < SEARCH_LIMIT; i++) {
    d = shiftDate(d, -1);
    const open = isOpen(d);
    if (open === null) break;
    if (open) return d;
  }
  return day;
}
