/**
 * The work group forms' own inputs, read as GOV.UK asks: a date in three
 * boxes (day, month, year) and a time typed as people write it ("13:30",
 * "1.30pm", "9am"). Each problem names the field and says what to do. Pure.
 */
import { DateTime } from 'luxon';
import { LONDON } from '../../domain/calendar/london.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; part?: 'day' | 'month' | 'year' };

const whole = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN);

/** Day, month and year boxes to "YYYY-MM-DD". `what` names the date ("The new date"). Pure. */
export function parseDateParts(day: unknown, month: unknown, year: unknown, what: string): Parsed<string> {
  const d = String(day ?? '').trim();
  const m = String(month ?? '').trim();
  const y = String(year ?? '').trim();
  if (!d && !m && !y) return { ok: false, message: `Enter ${what.toLowerCase()}` };
  if (!d) return { ok: false, message: `${what} must include a day`, part: 'day' };
  if (!m) return { ok: false, message: `${what} must include a month`, part: 'month' };
  if (!y) return { ok: false, message: `${what} must include a year`, part: 'year' };
  const [dn, mn, yn] = [whole(d), whole(m), whole(y)];
  if (Number.isNaN(yn) || y.length !== 4) return { ok: false, message: `Year must include 4 numbers, for example 2027`, part: 'year' };
  const date = DateTime.fromObject({ year: yn, month: mn, day: dn }, { zone: LONDON });
  if (Number.isNaN(dn) || Number.isNaN(mn) || !date.isValid) return { ok: false, message: `${what} must be a real date, for example 27 3 2027` };
  return { ok: true, value: date.toISODate()! };
}

/** "13:30", "1.30pm", "1:30 pm", "9am", "12 noon" to "HH:mm". Pure. */
export function parseTime(value: unknown, what: string): Parsed<string> {
  const s = String(value ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
  if (!s) return { ok: false, message: `Enter ${what.toLowerCase()}` };
  if (s === 'noon' || s === '12 noon' || s === 'midday') return { ok: true, value: '12:00' };
  const m = /^(\d{1,2})(?:[:.](\d{2}))? ?(am|pm)?$/.exec(s);
  const bad: Parsed<string> = { ok: false, message: `${what} must be a time like 13:30 or 1.30pm` };
  if (!m) return bad;
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  if (m[3] === undefined && m[2] === undefined) return bad;
  if (minute > 59) return bad;
  if (m[3]) {
    if (hour < 1 || hour > 12) return bad;
    if (m[3] === 'pm' && hour !== 12) hour += 12;
    if (m[3] === 'am' && hour === 12) hour = 0;
  } else if (hour > 23) return bad;
  return { ok: true, value: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}` };
}
