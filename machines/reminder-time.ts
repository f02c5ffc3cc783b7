/**
 * When a reminder timer fires: the instant counted back from the session (or
 * the evaluation's due date), moved to a day the school is open when the
 * SCHEDULE_SET recorded the school's open days (domain/calendar/reminder-day.ts
 * holds the rule). The time of day stays as counted (London wall time, so a
 * 9am reminder is still at 9am across a clock change). Without recorded days,
 * as in every schedule set before they were recorded, the instant is
 * unchanged: old histories replay to the same timers. Pure.
 */
import { datesApart, openIn, reminderDay, type DayIsOpen, type SchoolDays } from '../domain/calendar/reminder-day.js';
import { daysAfter, londonDate } from './time.js';

// One predicate per recorded calendar: a fold asks it for every session's reminders.
const predicates = new WeakMap<SchoolDays, DayIsOpen>();

function isOpenBy(days: SchoolDays): DayIsOpen {
  let p = predicates.get(days);
  if (!p) predicates.set(days, (p = openIn(days)));
  return p;
}

/** The instant a reminder counted to `at` goes out, for something at `anchor`, by the school's recorded open days. Pure. */
export function reminderAt(at: string, anchor: string, days: SchoolDays | undefined): string {
  if (!days) return at;
  const day = londonDate(at);
  const moved = reminderDay(day, londonDate(anchor), isOpenBy(days));
  return moved === day ? at : daysAfter(at, datesApart(day, moved));
}
