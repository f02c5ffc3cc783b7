/**
 * Words and dates for messages, in the GOV.UK style a headteacher reads:
 * "Tuesday 4 November 2025, 1.30pm to 4pm", "in 14 days", "tomorrow",
 * "Work Group meeting 2 of 6". Every date is shown in Europe/London, GMT or
 * BST as that day has it. Pure: the instants come in as arguments.
 */
import { DateTime } from 'luxon';

export const ZONE = 'Europe/London';

function london(instant: string): DateTime {
  const d = DateTime.fromISO(instant, { setZone: true });
  if (!d.isValid) throw new RangeError(`not an ISO instant: ${JSON.stringify(instant)}`);
  return d.setZone(ZONE).setLocale('en-GB');
}

/** "1.30pm", "4pm", "midday", "midnight" (GOV.UK style). Pure. */
export function timeOfDay(instant: string): string {
  const d = london(instant);
  if (d.hour === 12 && d.minute === 0) return 'midday';
  if (d.hour === 0 && d.minute === 0) return 'midnight';
  const h = d.hour % 12 === 0 ? 12 : d.hour % 12;
  return `${h}${d.minute ? `.${String(d.minute).padStart(2, '0')}` : ''}${d.hour < 12 ? 'am' : 'pm'}`;
}

/** "Tuesday 4 November 2025". Pure. */
export function longDate(instant: string): string {
  return london(instant).toFormat('cccc d LLLL yyyy');
}

/** "Tuesday 4 November 2025, 1.30pm to 4pm" (or "…, 1.30pm" with no end). Pure. */
export function longWhen(startsAt: string, endsAt?: string | null): string {
  const start = `${longDate(startsAt)}, ${timeOfDay(startsAt)}`;
  if (!endsAt) return start;
  const sameDay = london(startsAt).hasSame(london(endsAt), 'day');
  return sameDay ? `${start} to ${timeOfDay(endsAt)}` : `${start} to ${longDate(endsAt)}, ${timeOfDay(endsAt)}`;
}

/** "Tue 4 Nov, 13:30–16:00", short enough for a subject line. Pure. */
export function shortWhen(startsAt: string, endsAt?: string | null): string {
  const s = london(startsAt);
  const start = `${s.toFormat('ccc d LLL')}, ${s.toFormat('HH:mm')}`;
  return endsAt ? `${start}–${london(endsAt).toFormat('HH:mm')}` : start;
}

/** London calendar days from `now` to `at`: 0 the same day, 1 tomorrow. Pure. */
export function daysBetween(now: string, at: string): number {
  return Math.round(london(at).startOf('day').diff(london(now).startOf('day'), 'days').days);
}

/** "today", "tomorrow", "in 14 days", or "" when `at` is past. Pure. */
export function countdown(now: string, at: string): string {
  const n = daysBetween(now, at);
  if (n < 0) return '';
  if (n === 0) return 'today';
  if (n === 1) return 'tomorrow';
  return `in ${n} days`;
}

const KIND_NAMES: Record<string, { one: string; title: string }> = {
  meeting: { one: 'Work Group meeting', title: 'Work Group meeting' },
  workshop: { one: 'workshop', title: 'Workshop' },
  visit: { one: 'school visit', title: 'School visit' },
  inSchoolDay: { one: 'in-school day', title: 'In-school day' },
};

/** A session kind in words: "Work Group meeting", "workshop", "school visit", "in-school day". Pure. */
export function kindName(kind: unknown, capital = false): string {
  const k = KIND_NAMES[String(kind)] ?? KIND_NAMES.meeting!;
  return capital ? k.title : k.one;
}

/** "Work Group meeting 2 of 6" (or without the numbers when they are not known). Pure. */
export function sessionTitle(kind: unknown, n: unknown, of: unknown): string {
  const title = kindName(kind, true);
  return typeof n === 'number' && typeof of === 'number' && n > 0 && of > 0 ? `${title} ${n} of ${of}` : title;
}

/** The place, or "venue to be confirmed" when none is known yet. Pure. */
export function venue(place: unknown): string {
  const p = typeof place === 'string' ? place.trim() : '';
  return p === '' || /^to be confirmed$/i.test(p) ? 'venue to be confirmed' : p;
}

/** "£2,000" from pence. Pure. */
export function pounds(pence: number): string {
  return `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: pence % 100 ? 2 : 0 })}`;
}
