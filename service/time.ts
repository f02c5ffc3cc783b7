/**
 * The instants written into events: "when it happened", given by the caller
 * or taken from the service clock, never in the future. Pure.
 */
import { DateTime } from 'luxon';
import { LONDON } from '../domain/calendar/london.js';
import { ValidationError } from '../domain/errors.js';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parse(instant: string): DateTime {
  return DateTime.fromISO(instant, { setZone: true });
}

/** An instant as ISO with London's offset, seconds shown. Pure. */
export function london(instant: string): string {
  return parse(instant).setZone(LONDON).toISO({ suppressMilliseconds: true })!;
}

/**
 * When an event happened: `at` when the caller gives it (an ISO instant with
 * offset, not after `now`), else `now`. Throws a ValidationError at `field`.
 * Pure.
 */
export function eventTime(now: string, at: string | undefined, field = 'at'): string {
  if (at === undefined) return london(now);
  const d = parse(at);
  if (!INSTANT.test(at) || !d.isValid) throw new ValidationError([{ path: field, message: 'must be an ISO date-time with offset, e.g. 2021-03-01T09:00:00Z', value: at, severity: 'error' }]);
  if (d.toMillis() > parse(now).toMillis()) throw new ValidationError([{ path: field, message: `must not be in the future (it is now ${london(now)})`, value: at, severity: 'error' }]);
  return london(at);
}

/**
 * When an application form was submitted, as an instant: today (London) is
 * now; an earlier day is noon of that day; a later day is refused. Pure.
 */
export function submittedAt(now: string, submittedOn: string): string {
  const today = parse(now).setZone(LONDON).toISODate()!;
  if (submittedOn > today) throw new ValidationError([{ path: 'submittedOn', message: `must not be after today (${today})`, value: submittedOn, severity: 'error' }], 'application form');
  if (submittedOn === today) return london(now);
  return DateTime.fromISO(`${submittedOn}T12:00:00`, { zone: LONDON }).toISO({ suppressMilliseconds: true })!;
}

/** "2021-03-01" -> the last moment of that London day; an instant is kept. For history `at`. Pure. */
export function endOfDayOrInstant(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return DateTime.fromISO(value, { zone: LONDON }).endOf('day').toISO()!;
  return value;
}

/** The ISO week of an instant in London, e.g. "2021-W05". Pure. */
export function isoWeekOf(instant: string): string {
  return parse(instant).setZone(LONDON).toFormat("kkkk-'W'WW");
}
