/**
 * Wall-clock time in England: every school date and time is read in
 * Europe/London, so a 09:30 workshop stays at 09:30 on both sides of a clock
 * change. Pure: no clock, luxon with an explicit zone on every call.
 */
import { DateTime } from 'luxon';
import { invalid } from './invalid.js';
import { londonZone } from './london-zone.js';

/** Europe/London, as luxon takes it (a zone that remembers its offsets: london-zone.ts). */
export const LONDON = londonZone;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const WALL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** A YYYY-MM-DD string as the start of that day in London; throws naming the value if it is not a real date. Pure. */
export function londonDay(date: string): DateTime {
  if (!ISO_DATE.test(date)) invalid('date', 'must be a date YYYY-MM-DD', date);
  const d = DateTime.fromISO(date, { zone: LONDON });
  if (!d.isValid) invalid('date', 'must be a real calendar date', date);
  return d.startOf('day');
}

/** The YYYY-MM-DD of a luxon DateTime, read in London. Pure. */
export function isoDateOf(d: DateTime): string {
  return d.setZone(LONDON).toISODate()!;
}

/** Splits "HH:mm" into hour and minute; throws naming the value when it is not a 24-hour time. Pure. */
export function parseWallTime(time: string): { hour: number; minute: number } {
  const m = WALL_TIME.exec(time);
  if (!m) invalid('time', 'must be HH:mm on a 24-hour clock, e.g. 09:30', time);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** Parses an ISO instant (with Z or an offset); throws naming the value otherwise. Pure. */
export function parseInstant(instant: string): DateTime {
  if (!/T.*(Z|[+-]\d{2}:?\d{2})$/.test(instant)) invalid('instant', 'must be an ISO date-time with offset, e.g. 2021-03-01T09:00:00Z', instant);
  const d = DateTime.fromISO(instant, { setZone: true });
  if (!d.isValid) invalid('instant', 'must be a real date and time', instant);
  return d;
}

/** ISO instant with London's offset of that moment, seconds shown, no milliseconds: 2021-03-29T09:30:00+01:00. Pure. */
export function toLondonIso(d: DateTime): string {
  return d.setZone(LONDON).toISO({ suppressMilliseconds: true })!;
}

/**
 * The instant at which London clocks show `time` on `date`, with the offset in
 * force then (+00:00 in GMT, +01:00 in BST). A time skipped by the spring clock
 * change (01:00-01:59 on the last Sunday of March) does not exist and throws;
 * in the repeated autumn hour the earlier (BST) reading is taken. Pure.
 */
export function atLondon(date: string, time: string): string {
  const day = londonDay(date);
  const { hour, minute } = parseWallTime(time);
  const d = day.set({ hour, minute, second: 0, millisecond: 0 });
  if (d.hour !== hour || d.minute !== minute) {
    invalid('time', `does not exist in London on ${date}: the clocks go forward from 01:00 to 02:00`, time);
  }
  return toLondonIso(d);
}

/** The London calendar date (YYYY-MM-DD) of an instant or of a plain date. Pure. */
export function londonDateOf(instantOrDate: string): string {
  if (ISO_DATE.test(instantOrDate)) return isoDateOf(londonDay(instantOrDate));
  return isoDateOf(parseInstant(instantOrDate));
}

/** The London wall time (HH:mm) of an instant. Pure. */
export function londonTimeOf(instant: string): string {
  return parseInstant(instant).setZone(LONDON).toFormat('HH:mm');
}

/**
 * The instant `n` calendar days before `instant`, at London wall time `time`
 * (default: the instant's own London wall time). Counting in London days keeps
 * a 09:00 reminder at 09:00 across a clock change, though the gap is then one
 * hour more or less than n*24 hours. Pure.
 */
export function daysBefore(instant: string, n: number, time?: string): string {
  if (!Number.isInteger(n)) invalid('daysBefore', 'must be a whole number of days', n);
  const london = parseInstant(instant).setZone(LONDON);
  const date = isoDateOf(london.minus({ days: n }));
  return atLondon(date, time ?? london.toFormat('HH:mm'));
}

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday';
export const WEEKDAYS: readonly Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];

/** Luxon's weekday number (Monday 1 .. Friday 5) of a school weekday name; throws on anything else. Pure. */
export function weekdayNumber(weekday: Weekday): number {
  const i = WEEKDAYS.indexOf(weekday);
  if (i < 0) invalid('weekday', `must be one of ${WEEKDAYS.join(', ')}`, weekday);
  return i + 1;
}
