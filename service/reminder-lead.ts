/**
 * How far ahead of its session (or of the evaluation's due date) a reminder
 * was, in words, counted from the day it went out: a reminder on a day the
 * school was shut moves to an open day (machines/reminder-time.ts), so the
 * policy's "14 days" in its event and key may no longer be true. Pure.
 */
import { academicYearOf } from '../domain/calendar/academic-year.js';
import { relativeDays } from '../domain/words/dates.js';
import { academicYearEnd } from '../machines/time.js';

/**
 * How far ahead a reminder that went out at `firedAt` was, in words: "in 10
 * days", "tomorrow". Counted from the day it went out, since a reminder on a
 * day the school was shut moves to an open day (machines/reminder-time.ts);
 * the policy's number (`daysBefore`) only when the session's start is not
 * known. Pure.
 */
export function reminderCountdown(firedAt: string | undefined, startsAt: string | undefined, daysBefore: unknown): string {
  const words = firedAt && startsAt ? relativeDays(startsAt, firedAt) : '';
  return words || `in ${daysBefore} ${Number(daysBefore) === 1 ? 'day' : 'days'}`;
}

/** "14 days" before the evaluation is due (31 August of the reminder's academic year), counted from the day it went out. Pure. */
export function evaluationReminderLead(firedAt: string | undefined, daysBefore: unknown): string {
  const ahead = firedAt ? relativeDays(academicYearEnd(academicYearOf(firedAt)), firedAt) : '';
  const n = /^in (\d+) days$/.exec(ahead)?.[1] ?? (ahead === 'tomorrow' ? '1' : String(daysBefore));
  return `${n} ${n === '1' ? 'day' : 'days'}`;
}
