/**
 * Choosing session dates inside a school year: one per half-term, one per term,
 * or N spread evenly over a window of months, always on school days (never in
 * a holiday, at a weekend or on a bank holiday). The `...Dates` functions give
 * London dates; the others give ISO instants at a London wall time. Pure.
 */
import { atLondon, londonDay, isoDateOf, weekdayNumber, parseWallTime, type Weekday } from './london.js';
import { yearBounds } from './academic-year.js';
import { termsOf, isSchoolDay, type CalendarScope, type HalfTerm, type Term } from './terms.js';
import { invalid } from './invalid.js';

/** Months, inclusive: { from: '2020-11', to: '2021-07' } is 1 Nov 2020 to 31 Jul 2021. */
export interface MonthWindow {
  from: string;
  to: string;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function checkWindow(window: MonthWindow | undefined): void {
  if (!window) return;
  if (!MONTH.test(window.from)) invalid('window.from', 'must be a month YYYY-MM', window.from);
  if (!MONTH.test(window.to)) invalid('window.to', 'must be a month YYYY-MM', window.to);
  if (window.from > window.to) invalid('window.to', `must not be before window.from (${window.from})`, window.to);
}

/** Whether a YYYY-MM-DD lies in the window's months (no window: always). Pure. */
export function inWindow(date: string, window?: MonthWindow): boolean {
  if (!window) return true;
  const month = date.slice(0, 7);
  return window.from <= month && month <= window.to;
}

/**
 * `n` items spread evenly over `items`, keeping their order: the middle item of
 * each of n equal runs. Throws when there are fewer than n. Pure.
 */
export function pickEvenly<T>(items: readonly T[], n: number, field = 'count'): T[] {
  if (!Number.isInteger(n) || n < 0) invalid(field, 'must be a whole number, zero or more', n);
  if (n > items.length) invalid(field, `must be at most ${items.length}: only ${items.length} suitable dates exist`, n);
  return Array.from({ length: n }, (_, i) => items[Math.floor(((i + 0.5) * items.length) / n)]!);
}

/** Every school day on `weekday` from `start` to `end` inclusive, in order. Pure. */
export function schoolWeekdaysBetween(start: string, end: string, weekday: Weekday, scope?: CalendarScope): string[] {
  return weekdaysIn(start, end, weekday, scope);
}

function weekdaysIn(start: string, end: string, weekday: Weekday, scope?: CalendarScope): string[] {
  const wd = weekdayNumber(weekday);
  const out: string[] = [];
  let d = londonDay(start);
  d = d.plus({ days: (wd - d.weekday + 7) % 7 });
  for (; isoDateOf(d) <= end; d = d.plus({ days: 7 })) {
    const iso = isoDateOf(d);
    if (isSchoolDay(iso, scope)) out.push(iso);
  }
  return out;
}

/** The `week`-th school `weekday` of a period, or its last one when the period is shorter; null when it has none. */
function nthWeekday(period: { start: string; end: string }, weekday: Weekday, week: number, scope?: CalendarScope): string | null {
  const days = weekdaysIn(period.start, period.end, weekday, scope);
  return days[Math.min(week, days.length) - 1] ?? null;
}

export interface SlotOptions {
  weekday: Weekday;
  /** London wall time, HH:mm. */
  time: string;
  /** Only dates in these months. */
  window?: MonthWindow;
  /** Which occurrence of `weekday` in the half-term or term (1 = the first). */
  week?: number;
  /** How many; chosen evenly from those available. Default: all available. */
  count?: number;
  scope?: CalendarScope;
}

function checkWeek(week: number): void {
  if (!Number.isInteger(week) || week < 1 || week > 8) invalid('week', 'must be a whole number from 1 to 8', week);
}

/** One date per half-term (the `week`-th school `weekday`, default the 2nd), with the half-term it is in. Pure. */
export function halfTermlyDates(year: string, o: Omit<SlotOptions, 'time'>): { date: string; halfTerm: HalfTerm }[] {
  checkWindow(o.window);
  const week = o.week ?? 2;
  checkWeek(week);
  weekdayNumber(o.weekday);
  const all = termsOf(year, o.scope)
    .halfTerms.map((halfTerm) => ({ halfTerm, date: nthWeekday(halfTerm, o.weekday, week, o.scope) }))
    .filter((x): x is { halfTerm: HalfTerm; date: string } => x.date !== null && inWindow(x.date, o.window));
  return o.count === undefined ? all : pickEvenly(all, o.count);
}

/**
 * One session per half-term, as ISO instants with London's offset: on the
 * `week`-th (default 2nd) school `weekday` of each half-term in the window, so
 * never in a holiday; `count` fewer than the half-terms available picks them
 * evenly. Pure.
 */
export function halfTermlySlots(year: string, o: SlotOptions): string[] {
  parseWallTime(o.time);
  return halfTermlyDates(year, o).map((x) => atLondon(x.date, o.time));
}

/** One date per term (the `week`-th school `weekday`, default the 3rd, a week apart from half-termly sessions), with its term. Pure. */
export function termlyDates(year: string, o: Omit<SlotOptions, 'time'>): { date: string; term: Term }[] {
  checkWindow(o.window);
  const week = o.week ?? 3;
  checkWeek(week);
  weekdayNumber(o.weekday);
  const all = termsOf(year, o.scope)
    .terms.map((term) => ({ term, date: nthWeekday(term, o.weekday, week, o.scope) }))
    .filter((x): x is { term: Term; date: string } => x.date !== null && inWindow(x.date, o.window));
  return o.count === undefined ? all : pickEvenly(all, o.count);
}

/** One session per term, as ISO instants at London wall time `time`. Pure. */
export function termlySlots(year: string, o: SlotOptions): string[] {
  parseWallTime(o.time);
  return termlyDates(year, o).map((x) => atLondon(x.date, o.time));
}

export interface SpreadOptions {
  /** How many sessions ("at least N half-day meetings"). */
  min: number;
  /** Months in which they fall; default the whole academic year. */
  window?: MonthWindow;
  weekday: Weekday;
  time: string;
  scope?: CalendarScope;
}

/** `min` school dates on `weekday`, spread evenly over the window's school days within the year. Pure. */
export function spreadDates(year: string, o: Omit<SpreadOptions, 'time'>): string[] {
  checkWindow(o.window);
  if (!Number.isInteger(o.min) || o.min < 1) invalid('min', 'must be a whole number, 1 or more', o.min);
  const { start, end } = yearBounds(year);
  const from = o.window && `${o.window.from}-01` > start ? `${o.window.from}-01` : start;
  const candidates = weekdaysIn(from, end, o.weekday, o.scope).filter((d) => inWindow(d, o.window));
  if (candidates.length < o.min) {
    invalid('min', `must be at most ${candidates.length}: only ${candidates.length} school ${o.weekday}s fall in ${o.window ? `${o.window.from} to ${o.window.to}` : year}`, o.min);
  }
  return pickEvenly(candidates, o.min, 'min');
}

/**
 * "At least N half-day meetings between month A and month B": N instants at
 * London wall time `time`, on school `weekday`s spread evenly over the window,
 * never in a holiday. Pure.
 */
export function spreadSessions(year: string, o: SpreadOptions): string[] {
  parseWallTime(o.time);
  return spreadDates(year, o).map((d) => atLondon(d, o.time));
}
