/**
 * Bank holidays in England (and Wales), by rule plus the one-off changes made
 * by royal proclamation, and the date of Easter Sunday. Schools are shut on
 * these days even when they fall in term. Pure.
 */
import { DateTime } from 'luxon';
import { LONDON, isoDateOf } from './london.js';

/**
 * Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher"
 * algorithm: integer arithmetic on the year, no date arithmetic). Pure.
 */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDateOf(DateTime.fromObject({ year, month, day }, { zone: LONDON }));
}

function day(year: number, month: number, d: number): DateTime {
  return DateTime.fromObject({ year, month, day: d }, { zone: LONDON });
}

/** The first `weekday` (1 = Monday) of a month. */
function firstWeekdayOf(year: number, month: number, weekday: number): DateTime {
  const first = day(year, month, 1);
  return first.plus({ days: (weekday - first.weekday + 7) % 7 });
}

/** The last `weekday` (1 = Monday) of a month. */
function lastWeekdayOf(year: number, month: number, weekday: number): DateTime {
  const last = day(year, month, 1).endOf('month').startOf('day');
  return last.minus({ days: (last.weekday - weekday + 7) % 7 });
}

/** Days moved or added by proclamation: the rule's date (if any) is replaced by these. */
const ONE_OFF: Record<number, { drop: string[]; add: string[]; why: string }> = {
  2020: { drop: ['2020-05-04'], add: ['2020-05-08'], why: 'early May bank holiday moved to VE Day 75' },
  2022: { drop: ['2022-05-30'], add: ['2022-06-02', '2022-06-03', '2022-09-19'], why: 'Platinum Jubilee; State Funeral of Queen Elizabeth II' },
  2023: { drop: [], add: ['2023-05-08'], why: 'Coronation of King Charles III' },
};

// A memo of a pure function of the year: same answer every time, so no hidden state leaks.
const memo = new Map<number, readonly string[]>();

/** Every bank holiday in England in a calendar year, sorted, as YYYY-MM-DD. Pure. */
export function englandBankHolidays(year: number): string[] {
  let found = memo.get(year);
  if (!found) memo.set(year, (found = computeBankHolidays(year)));
  return [...found];
}

function computeBankHolidays(year: number): string[] {
  const days: DateTime[] = [];
  const newYear = day(year, 1, 1);
  days.push(newYear.weekday >= 6 ? newYear.plus({ days: 8 - newYear.weekday }) : newYear);
  const easter = DateTime.fromISO(easterSunday(year), { zone: LONDON });
  days.push(easter.minus({ days: 2 }), easter.plus({ days: 1 }));
  days.push(firstWeekdayOf(year, 5, 1), lastWeekdayOf(year, 5, 1), lastWeekdayOf(year, 8, 1));
  // Christmas and Boxing Day: a holiday falling at the weekend moves to the next free weekday.
  const taken = new Set<string>();
  for (const d of [day(year, 12, 25), day(year, 12, 26)]) {
    let x = d;
    while (x.weekday >= 6 || taken.has(isoDateOf(x))) x = x.plus({ days: 1 });
    taken.add(isoDateOf(x));
    days.push(x);
  }
  const change = ONE_OFF[year];
  const out = new Set(days.map(isoDateOf));
  for (const d of change?.drop ?? []) out.delete(d);
  for (const d of change?.add ?? []) out.add(d);
  return [...out].sort();
}

/** Whether a YYYY-MM-DD is a bank holiday in England. Pure. */
export function isBankHoliday(date: string): boolean {
  const year = Number(date.slice(0, 4));
  if (!memo.has(year)) englandBankHolidays(year);
  return memo.get(year)!.includes(date);
}
