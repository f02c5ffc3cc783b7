/**
 * Dates and times in UK words, read in Europe/London (GMT or BST as that day
 * has it): "Tuesday 4 November 2025, 1.30pm to 4pm", "4 Nov 2025", "in 14
 * days". The one copy for the pages, the use cases and the emails. Where two
 * readers have always seen slightly different text for the same thing, both
 * forms are here under their own names. Pure: every instant comes in as an
 * argument; luxon with an explicit zone (and, for emails, locale) on every call.
 */
import { DateTime } from 'luxon';
import { LONDON } from '../calendar/london.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An ISO instant (read in London) or a YYYY-MM-DD date (the start of that day
 * in London) as a London DateTime; null for anything else. Pure.
 */
export function inLondon(value: unknown): DateTime | null {
  if (typeof value !== 'string' || value === '') return null;
  const d = ISO_DATE.test(value) ? DateTime.fromISO(value, { zone: LONDON }) : DateTime.fromISO(value, { setZone: true }).setZone(LONDON);
  return d.isValid ? d : null;
}

/**
 * A pure function of one string, remembered: an email's dates are formatted
 * many times over (each part, the subject, the text and the HTML), and
 * luxon's parse and format were most of a message's cost. Forgets everything
 * past `max` entries, so memory stays bounded in a long-running host.
 */
function remembered<T>(fn: (key: string) => T, max = 20_000): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    if (seen.has(key)) return seen.get(key)!;
    const value = fn(key);
    if (seen.size >= max) seen.clear();
    seen.set(key, value);
    return value;
  };
}

/** An ISO instant in London with the en-GB locale; throws a RangeError naming the value (an email must never go out with a blank date). Pure. */
const emailLondon = remembered((instant: string): DateTime => {
  const d = DateTime.fromISO(instant, { setZone: true });
  if (!d.isValid) throw new RangeError(`not an ISO instant: ${JSON.stringify(instant)}`);
  return d.setZone(LONDON).setLocale('en-GB');
});

function hourWords(d: DateTime): string {
  const h = d.hour % 12 === 0 ? 12 : d.hour % 12;
  return `${h}${d.minute ? `.${String(d.minute).padStart(2, '0')}` : ''}${d.hour < 12 ? 'am' : 'pm'}`;
}

// Clock times. Hub pages, audit and headteacher pages say "12 noon"; emails say "midday"; the school page's and board's whenWords has always said "12am" at midnight.

/** "1.30pm", "4pm", "12 noon", "midnight": the hub, audit and headteacher pages. Pure. */
export function clockTime(d: DateTime): string {
  if (d.hour === 12 && d.minute === 0) return '12 noon';
  if (d.hour === 0 && d.minute === 0) return 'midnight';
  return hourWords(d);
}

/** "1.30pm", "4pm", "12 noon", but "12am" at midnight: the school page and hub board (dateTimeAmMidnight) and the move-session warnings. Pure. */
export function clockTimeAmMidnight(d: DateTime): string {
  if (d.hour === 12 && d.minute === 0) return '12 noon';
  return hourWords(d);
}

/** "1.30pm", "4pm", "midday", "midnight": the emails. Pure. */
export function emailClockTime(d: DateTime): string {
  if (d.hour === 12 && d.minute === 0) return 'midday';
  if (d.hour === 0 && d.minute === 0) return 'midnight';
  return hourWords(d);
}

// Pages: a value that is not a date gives "".

/** "4 November 2025" (London). Pure. */
export function longDate(value: unknown): string {
  const d = inLondon(value);
  return d ? d.toFormat('d MMMM yyyy') : '';
}

/** "Tuesday 4 November 2025" (London). Pure. */
export function dayDate(value: unknown): string {
  const d = inLondon(value);
  return d ? d.toFormat('cccc d MMMM yyyy') : '';
}

/** "Tuesday 4 November 2025, 1.30pm" (London): the hub, audit and headteacher pages. Pure. */
export function dateTime(value: unknown): string {
  const d = inLondon(value);
  return d ? `${d.toFormat('cccc d MMMM yyyy')}, ${clockTime(d)}` : '';
}

/** "Tuesday 4 November 2025, 1.30pm", midnight as "12am" (clockTimeAmMidnight): the school page and the hub board. Pure. */
export function dateTimeAmMidnight(value: unknown): string {
  const d = inLondon(value);
  return d ? `${d.toFormat('cccc d MMMM yyyy')}, ${clockTimeAmMidnight(d)}` : '';
}

/** "Tuesday 4 November 2025, 1.30pm to 4pm", or "… to Wednesday 5 November 2025, 9am" across days (London): the headteacher page. Pure. */
export function dateTimeSpan(start: unknown, end: unknown): string {
  const s = inLondon(start);
  const e = inLondon(end);
  if (!s || !e) return `${dateTime(start)} to ${dateTime(end)}`;
  return s.hasSame(e, 'day') ? `${dateTime(start)} to ${clockTime(e)}` : `${dateTime(start)} to ${dateTime(end)}`;
}

/** "Tue 4 Nov 2025, 1.30pm" for tables. Pure. */
export function shortDateTime(value: unknown): string {
  const d = inLondon(value);
  return d ? `${d.toFormat('ccc d MMM yyyy')}, ${clockTime(d)}` : '';
}

/** "4pm", "1.30pm" (London) from an ISO instant: the end of a session. Pure. */
export function timeOfDay(value: unknown): string {
  const d = inLondon(value);
  return d ? clockTime(d) : '';
}

/** "4 Nov 2025" for tables. Pure. */
export function shortDate(value: unknown): string {
  const d = inLondon(value);
  return d ? d.toFormat('d MMM yyyy') : '';
}

/** "2025-11-04" in London, for date inputs. Pure. */
export function isoDate(value: unknown): string {
  const d = inLondon(value);
  return d ? d.toISODate()! : '';
}

/** "13:30" in London, for time inputs. Pure. */
export function hhmm(value: unknown): string {
  const d = inLondon(value);
  return d ? d.toFormat('HH:mm') : '';
}

/** London calendar days from `from` to `to`: 0 the same day, 1 the next. Pure. */
export function calendarDays(from: DateTime, to: DateTime): number {
  return Math.round(to.setZone(LONDON).startOf('day').diff(from.setZone(LONDON).startOf('day'), 'days').days);
}

/** "in 3 days", "tomorrow", "today", "yesterday", "2 days ago" from `now`, or "" when either is not a date: the pages. Pure. */
export function relativeDays(value: unknown, now: unknown): string {
  const d = inLondon(value);
  const n = inLondon(now);
  if (!d || !n) return '';
  const days = calendarDays(n, d);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${days} days` : `${-days} days ago`;
}

// Emails: en-GB names ("Sept"), "midday", and a RangeError for something that is not an instant.

/** "1.30pm", "4pm", "midday", "midnight" of an ISO instant: the emails. Pure. */
export const emailTimeOfDay: (instant: string) => string = remembered((instant) => emailClockTime(emailLondon(instant)));

/** "Tuesday 4 November 2025": the emails. Pure. */
export const emailLongDate: (instant: string) => string = remembered((instant) => emailLondon(instant).toFormat('cccc d LLLL yyyy'));

/** "Tue 4 Nov, 1.30pm": the start of emailShortWhen. */
const emailShortStart = remembered((instant) => {
  const s = emailLondon(instant);
  return `${s.toFormat('ccc d LLL')}, ${emailClockTime(s)}`;
});

/** "Tuesday 4 November 2025, 1.30pm to 4pm" (or "…, 1.30pm" with no end): the emails. Pure. */
export function emailLongWhen(startsAt: string, endsAt?: string | null): string {
  const start = `${emailLongDate(startsAt)}, ${emailTimeOfDay(startsAt)}`;
  if (!endsAt) return start;
  const sameDay = emailLondon(startsAt).hasSame(emailLondon(endsAt), 'day');
  return sameDay ? `${start} to ${emailTimeOfDay(endsAt)}` : `${start} to ${emailLongDate(endsAt)}, ${emailTimeOfDay(endsAt)}`;
}

/** "Tue 4 Nov, 1.30pm to 4pm", short enough for an email's subject line, its times as the body writes them. Pure. */
export function emailShortWhen(startsAt: string, endsAt?: string | null): string {
  const start = emailShortStart(startsAt);
  return endsAt ? `${start} to ${emailTimeOfDay(endsAt)}` : start;
}

/** London calendar days from `now` to `at` (ISO instants; a RangeError otherwise): 0 the same day, 1 tomorrow. Pure. */
export function emailDaysBetween(now: string, at: string): number {
  const a = emailLondon(now);
  const b = emailLondon(at);
  // Whole calendar days between the two London dates, counted on the calendar (not in hours, which a clock change makes 23 or 25).
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/** "today", "tomorrow", "in 14 days", or "" when `at` is past: the emails. Pure. */
export function emailCountdown(now: string, at: string): string {
  const n = emailDaysBetween(now, at);
  if (n < 0) return '';
  if (n === 0) return 'today';
  if (n === 1) return 'tomorrow';
  return `in ${n} days`;
}
