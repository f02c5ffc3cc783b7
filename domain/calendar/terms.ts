/**
 * Terms, half-terms and school days of an academic year: a default England
 * pattern computed per year, which a hub or a local authority can replace for a
 * given year with its own dates (`CalendarOverrides`). Pure.
 *
 * The default pattern (term dates really differ by local authority, so it is
 * only the starting point; INSET days are not known and not modelled):
 * - autumn 1: first weekday on or after 1 September, to the Friday before
 *   October half term, which is the week starting the Monday between 23 and
 *   29 October;
 * - autumn 2: to the last Friday on or before 22 December;
 * - spring 1: the Monday two weeks later (or the next weekday that is not a
 *   bank holiday), to the Friday before February half term, the week starting
 *   the Monday between 12 and 18 February;
 * - spring 2: to the Friday before the Easter holiday, which is the week before
 *   Easter Sunday and the week after it;
 * - summer 1: from the Monday after Easter week, to the Friday before May half
 *   term, the week of the last Monday in May (the spring bank holiday);
 * - summer 2: to the last weekday on or before 22 July.
 * Bank holidays that fall in term (early May, one-off royal ones) are closures.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { IsoDate } from '../catalogue/schema.js';
import { findHub } from '../catalogue/hubs.js';
import { LONDON, isoDateOf, londonDay } from './london.js';
import { academicYearOf, startYearOf, yearBounds } from './academic-year.js';
import { easterSunday, isBankHoliday } from './bank-holidays.js';
import { invalid } from './invalid.js';
import { problemsFromZod, ValidationError } from '../errors.js';

export const HalfTermName = z.enum(['autumn1', 'autumn2', 'spring1', 'spring2', 'summer1', 'summer2']);
export type HalfTermName = z.infer<typeof HalfTermName>;
export const TermName = z.enum(['autumn', 'spring', 'summer']);
export type TermName = z.infer<typeof TermName>;
const HALF_TERMS = HalfTermName.options;

/** One half-term's first and last school day (inclusive). */
export const HalfTermDates = z
  .object({ name: HalfTermName, start: IsoDate, end: IsoDate })
  .refine((h) => h.start <= h.end, { message: 'start must not be after end', path: ['end'] });

/** A year's term dates as a hub or local authority publishes them: six half-terms in order, plus extra closures (INSET days). */
export const YearTermDates = z
  .object({
    halfTerms: z.array(HalfTermDates).length(6, 'must list the six half-terms autumn1..summer2'),
    closures: z.array(IsoDate).default([]),
    note: z.string().optional(),
  })
  .superRefine((y, ctx) => {
    y.halfTerms.forEach((h, i) => {
      if (h.name !== HALF_TERMS[i]) ctx.addIssue({ code: 'custom', path: ['halfTerms', i, 'name'], message: `must be ${HALF_TERMS[i]} (half-terms in order)`, input: h.name });
      const prev = y.halfTerms[i - 1];
      if (prev && h.start <= prev.end) ctx.addIssue({ code: 'custom', path: ['halfTerms', i, 'start'], message: `must be after ${prev.name} ends (${prev.end})`, input: h.start });
    });
  });
export type YearTermDates = z.infer<typeof YearTermDates>;

/**
 * Term dates that replace the default pattern: keyed by hub id (or name) or by
 * local authority name, then by academic year. A school's local authority wins
 * over its hub, because maintained schools follow their authority's dates.
 */
export const CalendarOverrides = z
  .record(z.string().min(1), z.record(z.string(), YearTermDates))
  .superRefine((all, ctx) => {
    for (const [key, years] of Object.entries(all)) {
      for (const [year, dates] of Object.entries(years)) {
        if (!/^\d{4}\/\d{2}$/.test(year) || (Number(year.slice(0, 4)) + 1) % 100 !== Number(year.slice(5))) {
          ctx.addIssue({ code: 'custom', path: [key, year], message: 'must be keyed by an academic year like 2020/21', input: year });
          continue;
        }
        const { start, end } = yearBounds(year);
        dates.halfTerms.forEach((h, i) => {
          if (h.start < start || h.end > end) ctx.addIssue({ code: 'custom', path: [key, year, 'halfTerms', i], message: `must lie within ${year} (${start} to ${end})`, input: `${h.start}..${h.end}` });
        });
      }
    }
  });
export type CalendarOverrides = z.infer<typeof CalendarOverrides>;
export type CalendarOverridesInput = z.input<typeof CalendarOverrides>;

/** Parse overrides from hub data (JSON), throwing a ValidationError listing every problem. Pure. */
export function parseCalendarOverrides(input: unknown): CalendarOverrides {
  const r = CalendarOverrides.safeParse(input);
  if (!r.success) throw new ValidationError(problemsFromZod(r.error, input), 'calendar overrides');
  return r.data;
}

/** Whose calendar to use: the overrides table and the school's hub and local authority. */
export interface CalendarScope {
  overrides?: CalendarOverrides;
  /** Hub id or name. */
  hub?: string;
  localAuthority?: string;
}

export interface HalfTerm {
  name: HalfTermName;
  term: TermName;
  start: string;
  end: string;
}
export interface Term {
  name: TermName;
  start: string;
  end: string;
  halfTerms: HalfTerm[];
}
export interface YearTerms {
  academicYear: string;
  /** "default England pattern", or which override key supplied the dates. */
  source: string;
  halfTerms: HalfTerm[];
  terms: Term[];
  /** Weekdays inside a half-term when the school is shut: bank holidays and the override's closures. */
  closures: string[];
}

const termOf = (h: HalfTermName): TermName => h.slice(0, -1) as TermName;

function at(year: number, month: number, day: number): DateTime {
  return DateTime.fromObject({ year, month, day }, { zone: LONDON });
}
/** The first `weekday` (1 = Monday) on or after d. */
function onOrAfter(d: DateTime, weekday: number): DateTime {
  return d.plus({ days: (weekday - d.weekday + 7) % 7 });
}
/** The last `weekday` (1 = Monday) on or before d. */
function onOrBefore(d: DateTime, weekday: number): DateTime {
  return d.minus({ days: (d.weekday - weekday + 7) % 7 });
}
const isWeekend = (d: DateTime) => d.weekday >= 6;

function defaultHalfTerms(startYear: number): YearTermDates['halfTerms'] {
  const s = startYear;
  const e = s + 1;
  let autumnStart = at(s, 9, 1);
  while (isWeekend(autumnStart)) autumnStart = autumnStart.plus({ days: 1 });
  const october = onOrAfter(at(s, 10, 23), 1);
  const autumnEnd = onOrBefore(at(s, 12, 22), 5);
  let springStart = autumnEnd.plus({ days: 17 });
  while (isWeekend(springStart) || isBankHoliday(isoDateOf(springStart))) springStart = springStart.plus({ days: 1 });
  const february = onOrAfter(at(e, 2, 12), 1);
  const easter = DateTime.fromISO(easterSunday(e), { zone: LONDON });
  const mayHalfTerm = onOrBefore(at(e, 5, 31), 1);
  let summerEnd = at(e, 7, 22);
  while (isWeekend(summerEnd)) summerEnd = summerEnd.minus({ days: 1 });
  const pairs: [DateTime, DateTime][] = [
    [autumnStart, october.minus({ days: 3 })],
    [october.plus({ days: 7 }), autumnEnd],
    [springStart, february.minus({ days: 3 })],
    [february.plus({ days: 7 }), easter.minus({ days: 9 })],
    [easter.plus({ days: 8 }), mayHalfTerm.minus({ days: 3 })],
    [mayHalfTerm.plus({ days: 7 }), summerEnd],
  ];
  return pairs.map(([a, b], i) => ({ name: HALF_TERMS[i]!, start: isoDateOf(a), end: isoDateOf(b) }));
}

function build(year: string, source: string, dates: YearTermDates): YearTerms {
  const halfTerms: HalfTerm[] = dates.halfTerms.map((h) => ({ name: h.name, term: termOf(h.name), start: h.start, end: h.end }));
  const terms: Term[] = TermName.options.map((name) => {
    const hs = halfTerms.filter((h) => h.term === name);
    return { name, start: hs[0]!.start, end: hs[hs.length - 1]!.end, halfTerms: hs };
  });
  const closures = new Set(dates.closures);
  for (const h of halfTerms) {
    for (let d = londonDay(h.start); isoDateOf(d) <= h.end; d = d.plus({ days: 1 })) {
      if (!isWeekend(d) && isBankHoliday(isoDateOf(d))) closures.add(isoDateOf(d));
    }
  }
  return { academicYear: year, source, halfTerms, terms, closures: [...closures].sort() };
}

// Memo of the pure default pattern per year.
const defaults = new Map<string, YearTerms>();

/** The default England pattern for a year (see the module comment). Pure. */
export function defaultTermsOf(year: string): YearTerms {
  let t = defaults.get(year);
  if (!t) defaults.set(year, (t = build(year, 'default England pattern', { halfTerms: defaultHalfTerms(startYearOf(year)), closures: [] })));
  return t;
}

const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** The override entry that applies to this scope and year, with its key; local authority first, then hub. */
function overrideFor(year: string, scope: CalendarScope | undefined): { key: string; dates: YearTermDates } | undefined {
  if (!scope?.overrides) return undefined;
  const wanted: string[] = [];
  if (scope.localAuthority) wanted.push(norm(scope.localAuthority));
  if (scope.hub) {
    wanted.push(norm(scope.hub));
    const hub = findHub(scope.hub);
    if (hub) wanted.push(hub.id, norm(hub.name));
  }
  for (const w of wanted) {
    for (const [key, years] of Object.entries(scope.overrides)) {
      const keyHub = findHub(key);
      if (norm(key) === w || keyHub?.id === w) {
        const dates = years[year];
        if (dates) return { key, dates };
      }
    }
  }
  return undefined;
}

/**
 * The terms and half-terms of a year for a school: the override for its local
 * authority or hub when one exists for that year, else the default pattern. Pure.
 */
export function termsOf(year: string, scope?: CalendarScope): YearTerms {
  startYearOf(year);
  const o = overrideFor(year, scope);
  return o ? build(year, `override for ${o.key}`, o.dates) : defaultTermsOf(year);
}

/** The half-term a date falls in, or null in a holiday. Pure. */
export function halfTermOf(date: string, scope?: CalendarScope): HalfTerm | null {
  const terms = termsOf(academicYearOf(date), scope);
  return terms.halfTerms.find((h) => h.start <= date && date <= h.end) ?? null;
}

// Memo of the pure default-calendar answer per date: schedules and school-day counts ask it thousands of times.
const defaultSchoolDays = new Map<string, boolean>();

/** Whether the school is open on a date: a weekday, inside a half-term, not a bank holiday or closure. Pure. */
export function isSchoolDay(date: string, scope?: CalendarScope): boolean {
  if (scope?.overrides) return openOn(date, scope);
  let open = defaultSchoolDays.get(date);
  if (open === undefined) defaultSchoolDays.set(date, (open = openOn(date, undefined)));
  return open;
}

function openOn(date: string, scope: CalendarScope | undefined): boolean {
  const d = londonDay(date);
  if (isWeekend(d)) return false;
  const terms = termsOf(academicYearOf(date), scope);
  if (terms.closures.includes(date)) return false;
  return terms.halfTerms.some((h) => h.start <= date && date <= h.end);
}

/** Every school day from `from` to `to` inclusive, in order. Pure. */
export function schoolDaysBetween(from: string, to: string, scope?: CalendarScope): string[] {
  const out: string[] = [];
  for (let d = londonDay(from); isoDateOf(d) <= to; d = d.plus({ days: 1 })) {
    const iso = isoDateOf(d);
    if (isSchoolDay(iso, scope)) out.push(iso);
  }
  return out;
}

/**
 * The date `n` school days after `date` (before it when n is negative), not
 * counting `date` itself; n = 0 gives `date` back unchanged. Pure.
 */
export function addSchoolDays(date: string, n: number, scope?: CalendarScope): string {
  if (!Number.isInteger(n)) invalid('schoolDays', 'must be a whole number', n);
  // A year has about 190 school days; more than 3 years of searching means the calendar has none.
  const limit = Math.abs(n) * 7 + 1200;
  let d = londonDay(date);
  let left = Math.abs(n);
  const step = n < 0 ? -1 : 1;
  for (let i = 0; left > 0; i++) {
    if (i > limit) invalid('schoolDays', 'found no school days in the calendar to count', n);
    d = d.plus({ days: step });
    if (isSchoolDay(isoDateOf(d), scope)) left--;
  }
  return isoDateOf(d);
}

/** The last school day of a year's summer term. Pure. */
export function lastSchoolDay(year: string, scope?: CalendarScope): string {
  const summer2 = termsOf(year, scope).halfTerms[5]!;
  let d = londonDay(summer2.end);
  while (!isSchoolDay(isoDateOf(d), scope) && isoDateOf(d) >= summer2.start) d = d.minus({ days: 1 });
  return isoDateOf(d);
}

/**
 * When an end-of-year evaluation is due: 23:59 London time on the last school
 * day of the summer term. Not 31 August: the teachers who write it are not in
 * school in August, and reminders counted back from it then land in term. Pure.
 */
export function endOfYearDeadline(year: string, scope?: CalendarScope): string {
  const d = londonDay(lastSchoolDay(year, scope)).set({ hour: 23, minute: 59 });
  return d.toISO({ suppressMilliseconds: true })!;
}

