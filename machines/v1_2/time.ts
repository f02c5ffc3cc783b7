/**
 * School time for the machines: instants compared and shifted in Europe/London
 * wall time. Pure: every function takes its instants as arguments; nothing
 * reads a clock.
 */
import { DateTime } from 'luxon';
import { londonZone } from '../../domain/calendar/london-zone.js';

/** Europe/London (a luxon zone that remembers its offsets; domain/calendar/london-zone.ts). */
export const ZONE = londonZone;

function parse(instant: string): DateTime {
  const d = DateTime.fromISO(instant, { setZone: true });
  if (!d.isValid) throw new RangeError(`not an ISO instant: ${JSON.stringify(instant)} (${d.invalidExplanation ?? d.invalidReason})`);
  return d.setZone(ZONE);
}

// Instants already read: a replay compares the same sessions' times again and
// again (sorting them for every reminder), and Date.parse cost a fifth of a fold.
const instants = new Map<string, number>();

/** Milliseconds since the epoch of an ISO instant. Pure. */
export function millis(instant: string): number {
  let t = instants.get(instant);
  if (t === undefined) {
    t = Date.parse(instant);
    if (Number.isNaN(t)) t = parse(instant).toMillis();
    if (instants.size > 100_000) instants.clear();
    instants.set(instant, t);
  }
  return t;
}

/** True when instant a is strictly before b. Pure. */
export function isBefore(a: string, b: string): boolean {
  return millis(a) < millis(b);
}

// Results of the luxon calls below, which dominate replay time; the same few
// dates recur across schools. One table per function and shift, keyed by the
// instant itself: a key built by concatenation cost as much as the lookup saved.
type Memo = Map<string, string>;
function cached(memo: Memo, key: string, make: () => string): string {
  let v = memo.get(key);
  if (v === undefined) {
    if (memo.size > 100_000) memo.clear();
    memo.set(key, (v = make()));
  }
  return v;
}

/** The table of one shift (n days, n minutes) among a function's tables. */
function memoOf(tables: Map<number, Memo>, n: number): Memo {
  let m = tables.get(n);
  if (!m) tables.set(n, (m = new Map()));
  return m;
}
const BEFORE = new Map<number, Memo>();
const AFTER = new Map<number, Memo>();
const LATER = new Map<number, Memo>();

/** The same London wall-clock time n days earlier (DST-correct), as an ISO instant with offset. Pure. */
export function daysBefore(instant: string, n: number): string {
  return cached(memoOf(BEFORE, n), instant, () => parse(instant).minus({ days: n }).toISO({ suppressMilliseconds: true })!);
}

/** The same London wall-clock time n days later, as an ISO instant with offset. Pure. */
export function daysAfter(instant: string, n: number): string {
  return cached(memoOf(AFTER, n), instant, () => parse(instant).plus({ days: n }).toISO({ suppressMilliseconds: true })!);
}

/** The instant `minutes` after an ISO instant, in UTC ("...Z", with milliseconds). Pure. */
export function laterBy(instant: string, minutes: number): string {
  return cached(memoOf(LATER, minutes), instant, () => new Date(millis(instant) + minutes * 60_000).toISOString());
}

/** The last moment (23:59:59.999) of a London calendar date "YYYY-MM-DD", GMT or BST as that day has it, as an ISO instant. Pure. */
export function londonEndOfDay(date: string): string {
  const d = DateTime.fromISO(date, { zone: ZONE });
  if (!d.isValid) throw new RangeError(`not an ISO date: ${JSON.stringify(date)} (${d.invalidExplanation ?? d.invalidReason})`);
  return d.endOf('day').toISO()!;
}

const DATES: Memo = new Map();
const LABELS: Memo = new Map();
const YEAR_ENDS: Memo = new Map();

/** The London calendar date (YYYY-MM-DD) of an instant. Pure. */
export function londonDate(instant: string): string {
  return cached(DATES, instant, () => parse(instant).toISODate()!);
}

/** "Thursday 5 November 2020, 09:30" for messages. Pure. */
export function londonLabel(instant: string): string {
  return cached(LABELS, instant, () => parse(instant).setLocale('en-GB').toFormat("cccc d LLLL yyyy, HH:mm"));
}

/** The last moment of academic year "2020/21": 31 August 2021, 23:59 London. Pure. */
export function academicYearEnd(academicYear: string): string {
  return cached(YEAR_ENDS, academicYear, () => academicYearEndUncached(academicYear));
}
function academicYearEndUncached(academicYear: string): string {
  const endYear = Number(academicYear.slice(0, 4)) + 1;
  return DateTime.fromObject({ year: endYear, month: 8, day: 31, hour: 23, minute: 59 }, { zone: ZONE }).toISO({ suppressMilliseconds: true })!;
}

/** The academic year ("2020/21") that a London date or instant falls in: 1 September to 31 August. Pure. */
export function academicYearAt(instant: string): string {
  const d = instant.length === 10 ? DateTime.fromISO(instant, { zone: ZONE }) : parse(instant);
  const start = d.month >= 9 ? d.year : d.year - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}
