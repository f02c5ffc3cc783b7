/**
 * What a hub officer should know before moving a session to a new time: it
 * is on the same day as another session of the group, on a weekend, on a
 * bank holiday, in a school holiday, or on a day the school is closed. These
 * are warnings (the officer may go ahead); a time in the past is a problem
 * (the service refuses it). Pure: the sessions, the hub and now come in.
 */
import { DateTime } from 'luxon';
import { academicYearOf } from '../domain/calendar/academic-year.js';
import { isBankHoliday } from '../domain/calendar/bank-holidays.js';
import { LONDON } from '../domain/calendar/london.js';
import { termsOf, type CalendarScope } from '../domain/calendar/terms.js';
import { clockTimeAmMidnight } from '../domain/words/dates.js';

export type MoveWarningKind = 'clash' | 'weekend' | 'bank-holiday' | 'holiday' | 'closure';

export interface MoveWarning {
  kind: MoveWarningKind;
  /** A sentence for the officer. */
  text: string;
}

export interface OtherSession {
  sessionId: string;
  /** "Meeting 3 of 6". */
  label: string;
  startsAt: string;
  status: 'planned' | 'held' | 'cancelled';
}

const day = (iso: string) => DateTime.fromISO(iso, { zone: LONDON });
const longDay = (d: DateTime) => d.toFormat('cccc d MMMM yyyy');
const shortDay = (d: DateTime) => d.toFormat('d MMMM yyyy');

const clock = clockTimeAmMidnight;

/** The school holiday a date falls in, in words ("the holiday from 26 October to 30 October 2026"), or null in term. Pure. */
export function holidayAround(date: string, scope?: CalendarScope): string | null {
  const terms = termsOf(academicYearOf(date), scope);
  if (terms.halfTerms.some((h) => h.start <= date && date <= h.end)) return null;
  const before = [...terms.halfTerms].reverse().find((h) => h.end < date);
  const after = terms.halfTerms.find((h) => h.start > date);
  if (!before) return 'the summer holiday, before the autumn term starts';
  if (!after) return 'the summer holiday, after the summer term ends';
  const from = day(before.end).plus({ days: 1 });
  const to = day(after.start).minus({ days: 1 });
  return `the school holiday from ${shortDay(from)} to ${shortDay(to)}`;
}

/**
 * The warnings for moving session `sessionId` of a group to `to` (an ISO
 * instant): each in a sentence. `others` are the group's sessions (the
 * session itself and cancelled ones are ignored). Pure.
 */
export function moveWarnings(o: { sessionId: string; to: string; others: OtherSession[]; scope?: CalendarScope }): MoveWarning[] {
  const when = DateTime.fromISO(o.to, { setZone: true }).setZone(LONDON);
  const date = when.toISODate()!;
  const out: MoveWarning[] = [];
  for (const s of o.others) {
    if (s.sessionId === o.sessionId || s.status === 'cancelled') continue;
    const other = DateTime.fromISO(s.startsAt, { setZone: true }).setZone(LONDON);
    if (other.toISODate() === date) {
      out.push({ kind: 'clash', text: `${longDay(when)} is the day of ${s.label} of this group (${clock(other)}): the same teachers would be asked to come to two sessions.` });
    }
  }
  if (when.weekday >= 6) {
    out.push({ kind: 'weekend', text: `${longDay(when)} is a ${when.toFormat('cccc')}: schools are closed.` });
    return out;
  }
  if (isBankHoliday(date)) {
    out.push({ kind: 'bank-holiday', text: `${longDay(when)} is a bank holiday: schools are closed.` });
    return out;
  }
  const holiday = holidayAround(date, o.scope);
  if (holiday) {
    out.push({ kind: 'holiday', text: `${longDay(when)} falls in ${holiday}.` });
    return out;
  }
  if (termsOf(academicYearOf(date), o.scope).closures.includes(date)) {
    out.push({ kind: 'closure', text: `Schools are closed on ${longDay(when)}.` });
  }
  return out;
}

/** Why `to` cannot be chosen (it is not after now), or null. Pure. */
export function pastProblem(to: string, now: string): string | null {
  if (Date.parse(to) > Date.parse(now)) return null;
  const n = DateTime.fromISO(now, { setZone: true }).setZone(LONDON);
  return `The new date and time must be in the future: it is now ${longDay(n)}, ${clock(n)}`;
}
