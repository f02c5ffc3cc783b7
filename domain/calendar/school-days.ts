/**
 * A school's open days for a programme year, as the data a SCHEDULE_SET
 * records (reminder-day.ts): built from its term calendar here, on the
 * host's side, so that the machine needs no calendar of its own. Pure.
 */
import { yearBounds } from './academic-year.js';
import { termsOf, type CalendarScope } from './terms.js';
import type { SchoolDays } from './reminder-day.js';

/**
 * The open days a school's reminders follow for a programme year: its term
 * dates (the override for its local authority or hub, else the default
 * England pattern) for that year and the one before, because a reminder for
 * the first sessions of September is counted back into August, and may then
 * go back to the last day of the summer term. Pure.
 */
export function schoolDaysForYear(academicYear: string, scope?: CalendarScope): SchoolDays {
  const start = Number(academicYear.slice(0, 4));
  const before = `${start - 1}/${String(start % 100).padStart(2, '0')}`;
  const years = [termsOf(before, scope), termsOf(academicYear, scope)];
  const sources = [...new Set(years.map((y) => y.source))];
  return {
    from: yearBounds(before).start,
    to: yearBounds(academicYear).end,
    terms: years.flatMap((y) => y.halfTerms.map((h) => ({ start: h.start, end: h.end }))),
    closures: years.flatMap((y) => y.closures),
    source: sources.join('; '),
  };
}
