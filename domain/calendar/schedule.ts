/**
 * "Generate the year's meetings": the sessions a programme's rules call for,
 * placed on school days of a year, ready for a SCHEDULE_SET event. Pure.
 *
 * Cadences: halfTermly -> one per half-term (the 2nd chosen weekday of each);
 * termly -> one per term (the 3rd, a week apart from the half-termly ones);
 * spread -> the required number spread evenly over the rule's window;
 * asAgreed -> nothing (agreed locally between school and specialist).
 */
import type { Programme, SessionKind, SessionRule } from '../catalogue/schema.js';
import { DateTime } from 'luxon';
import { atLondon, LONDON, parseWallTime, weekdayNumber, type Weekday } from './london.js';
import { academicYearOf, nextAcademicYear, startYearOf, yearBounds, yearsBetween } from './academic-year.js';
import { addSchoolDays, type CalendarScope } from './terms.js';
import { halfTermlyDates, termlyDates, schoolWeekdaysBetween, pickEvenly, inWindow, type MonthWindow } from './slots.js';
import { invalid } from './invalid.js';

/** One generated session; the shape of `ScheduledSession` in machines/events.ts. */
export interface GeneratedSession {
  id: string;
  kind: SessionKind;
  /** ISO instant with London's offset. */
  at: string;
  place: string;
}

/** When sessions of a kind happen: a school weekday, a London wall time, which occurrence in the half-term/term, and where. */
export interface SlotChoice {
  weekday?: Weekday;
  time?: string;
  week?: number;
  place?: string;
}

export interface ScheduleOptions extends SlotChoice {
  /** Per-kind choices, over the general ones (e.g. visits in the afternoon). */
  kinds?: Partial<Record<SessionKind, SlotChoice>>;
  /** The school's calendar (hub or local authority term dates). */
  scope?: CalendarScope;
}

export const SCHEDULE_DEFAULTS = Object.freeze({ weekday: 'thursday' as Weekday, time: '09:00', place: 'to be confirmed' });

function shiftWindow(w: MonthWindow, years: number): MonthWindow {
  const move = (m: string) => DateTime.fromISO(`${m}-01`, { zone: LONDON }).plus({ years }).toFormat('yyyy-MM');
  return years === 0 ? w : { from: move(w.from), to: move(w.to) };
}

/** The academic years from `first` to `last` inclusive. */
function yearsFromTo(first: string, last: string): string[] {
  const out: string[] = [];
  for (let y = first; startYearOf(y) <= startYearOf(last); y = nextAcademicYear(y)) out.push(y);
  return out;
}

function candidateDates(rule: SessionRule, years: string[], window: MonthWindow | undefined, notBefore: string, choice: Required<Pick<SlotChoice, 'weekday'>> & SlotChoice, scope?: CalendarScope): string[] {
  const base = { weekday: choice.weekday, window, scope, ...(choice.week !== undefined ? { week: choice.week } : {}) };
  let dates: string[];
  if (rule.cadence === 'halfTermly') dates = years.flatMap((y) => halfTermlyDates(y, base).map((x) => x.date));
  else if (rule.cadence === 'termly') dates = years.flatMap((y) => termlyDates(y, base).map((x) => x.date));
  else if (rule.cadence === 'spread') {
    dates = years.flatMap((y) => {
      const { start, end } = yearBounds(y);
      return schoolWeekdaysBetween(start, end, choice.weekday, scope).filter((d) => inWindow(d, window));
    });
  } else dates = [];
  return dates.filter((d) => d >= notBefore);
}

/**
 * The sessions of `programme`'s rules in academic year `year` (normally the
 * programme's own year; another year moves the rules' month windows with it),
 * sorted by time, with ids like "secondary-development-2020-21.meeting-01".
 * A programme that starts before September (Readiness, summer term 2020) also
 * gets its sessions from that start. Throws a ValidationError when the calendar
 * cannot hold a rule's minimum. Pure.
 */
export function generateSchedule(programme: Programme, year: string, options: ScheduleOptions = {}): GeneratedSession[] {
  const shift = yearsBetween(programme.academicYear, year);
  const { start } = yearBounds(year);
  const startsOn = shift === 0 && programme.startsOn && programme.startsOn < start ? programme.startsOn : start;
  const years = yearsFromTo(academicYearOf(startsOn), year);
  const taken = new Set<string>();
  const planned: { kind: SessionKind; date: string; time: string; place: string }[] = [];

  programme.sessions.forEach((rule, i) => {
    if (rule.cadence === 'asAgreed') return;
    const choice = { ...SCHEDULE_DEFAULTS, ...stripUndefined(options), ...stripUndefined(options.kinds?.[rule.kind] ?? {}) };
    weekdayNumber(choice.weekday);
    parseWallTime(choice.time);
    const window = rule.window && shiftWindow(rule.window, shift);
    const candidates = candidateDates(rule, years, window, startsOn, choice, options.scope);
    const wanted = rule.cadence === 'spread' ? (rule.max ?? rule.min) : Math.min(rule.max ?? Infinity, candidates.length);
    if (candidates.length < rule.min || wanted < rule.min) {
      invalid(`sessions.${i}.min`, `cannot be met: the ${year} calendar has only ${candidates.length} suitable ${choice.weekday}s for ${rule.cadence} ${rule.kind}s${window ? ` in ${window.from} to ${window.to}` : ''}`, rule.min, `schedule for ${programme.id}`);
    }
    for (let date of pickEvenly(candidates, wanted, `sessions.${i}.min`)) {
      // Two sessions of one programme on one day would ask the same teachers to be in two places.
      while (taken.has(date)) date = addSchoolDays(date, 1, options.scope);
      taken.add(date);
      planned.push({ kind: rule.kind, date, time: choice.time, place: rule.place ?? choice.place });
    }
  });

  const prefix = `${programme.route}-${programme.phase}-${year.replace('/', '-')}`;
  const counts = new Map<SessionKind, number>();
  return planned
    .map((p) => ({ ...p, at: atLondon(p.date, p.time) }))
    .sort((a, b) => a.date.localeCompare(b.date) || a.time.localeCompare(b.time) || a.kind.localeCompare(b.kind))
    .map((p) => {
      const n = (counts.get(p.kind) ?? 0) + 1;
      counts.set(p.kind, n);
      return { id: `${prefix}.${p.kind}-${String(n).padStart(2, '0')}`, kind: p.kind, at: p.at, place: p.place };
    });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'kinds' && k !== 'scope')) as Partial<T>;
}
