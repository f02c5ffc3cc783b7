/**
 * The English academic year: 1 September to 31 August, written "2020/21".
 * Pure.
 */
import { londonDateOf, londonDay, toLondonIso } from './london.js';
import { invalid } from './invalid.js';

const YEAR = /^(\d{4})\/(\d{2})$/;

/** The first calendar year of "2020/21" (2020); throws naming the value if it is not an academic year. Pure. */
export function startYearOf(year: string): number {
  const m = YEAR.exec(year);
  const first = m ? Number(m[1]) : NaN;
  if (!m || (first + 1) % 100 !== Number(m[2])) invalid('academicYear', 'must look like 2020/21 (two consecutive years)', year);
  return first;
}

/** "2020/21" from 2020. Pure. */
export function academicYearStarting(startYear: number): string {
  return `${startYear}/${String((startYear + 1) % 100).padStart(2, '0')}`;
}

/** The academic year a London date or instant falls in: 2021-08-31 is in 2020/21, 2021-09-01 in 2021/22. Pure. */
export function academicYearOf(dateOrInstant: string): string {
  const date = londonDateOf(dateOrInstant);
  const y = Number(date.slice(0, 4));
  return academicYearStarting(date.slice(5) >= '09-01' ? y : y - 1);
}

/** First and last day of an academic year: 2020/21 -> { start: '2020-09-01', end: '2021-08-31' }. Pure. */
export function yearBounds(year: string): { start: string; end: string } {
  const s = startYearOf(year);
  return { start: `${s}-09-01`, end: `${s + 1}-08-31` };
}

/** The academic year after `year` ("2020/21" -> "2021/22"). Pure. */
export function nextAcademicYear(year: string): string {
  return academicYearStarting(startYearOf(year) + 1);
}

/** The academic year `n` years after (or, for negative n, before) `year`. Pure. */
export function shiftAcademicYear(year: string, n: number): string {
  return academicYearStarting(startYearOf(year) + n);
}

/** Whole years from `a` to `b` ("2018/19" -> "2020/21" is 2). Pure. */
export function yearsBetween(a: string, b: string): number {
  return startYearOf(b) - startYearOf(a);
}

/**
 * The instant a year is over: midnight London time at the start of 1 September
 * of the next year (an exclusive end, so nothing on 31 August is cut off). The
 * host fires YEAR_ENDED then. Pure.
 */
export function yearEndsAt(year: string): string {
  return toLondonIso(londonDay(yearBounds(nextAcademicYear(year)).start));
}
