/**
 * The remembering Europe/London zone (domain/calendar/london-zone.ts) gives
 * the same wall times as luxon's own IANA zone: at every minute around the
 * clock changes, at random instants from 1900 to 2100 (each asked twice, so
 * the second answer comes from the cache), and for wall times that do not
 * exist or happen twice.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { londonZone } from '../domain/calendar/london-zone.js';
import { atLondon, londonDateOf, londonTimeOf } from '../domain/calendar/index.js';

const IANA = 'Europe/London';
const wall = (ms: number, zone: typeof londonZone | string) => DateTime.fromMillis(ms, { zone }).toISO();

describe('londonZone', () => {
  it('names itself as the IANA zone and equals it', () => {
    expect(londonZone.name).toBe(IANA);
    expect(londonZone.type).toBe('iana');
    expect(DateTime.fromISO('2026-03-29T12:00:00Z').setZone(londonZone).zoneName).toBe(IANA);
    expect(londonZone.equals(DateTime.now().setZone(IANA).zone)).toBe(true);
  });

  it('agrees with luxon minute by minute around the clock changes of 2020 to 2030', () => {
    for (let year = 2020; year <= 2030; year++) {
      for (const month of [3, 10]) {
        // The last Sunday of the month, 00:00 to 03:00 UTC.
        const lastSunday = DateTime.fromObject({ year, month, day: 31 }, { zone: 'utc' }).startOf('day');
        const day = lastSunday.minus({ days: lastSunday.weekday % 7 });
        for (let m = 0; m <= 180; m++) {
          const ms = day.plus({ minutes: m }).toMillis();
          expect(wall(ms, londonZone), new Date(ms).toISOString()).toBe(wall(ms, IANA));
        }
      }
    }
  });

  it('agrees with luxon at random instants from 1900 to 2100, asked twice', () => {
    const from = Date.UTC(1900, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), (ms) => {
        const expected = wall(ms, IANA);
        expect(wall(ms, londonZone)).toBe(expected);
        expect(wall(ms, londonZone)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads wall times that do not exist or happen twice as luxon does', () => {
    for (const local of ['2026-03-29T01:30:00', '2026-10-25T01:30:00', '2026-10-25T00:59:00', '2026-10-25T02:00:00']) {
      expect(DateTime.fromISO(local, { zone: londonZone }).toISO(), local).toBe(DateTime.fromISO(local, { zone: IANA }).toISO());
    }
    // The school-time helpers built on it: 09:00 on both sides of the change.
    expect(atLondon('2026-03-27', '09:00')).toBe('2026-03-27T09:00:00+00:00');
    expect(atLondon('2026-03-30', '09:00')).toBe('2026-03-30T09:00:00+01:00');
    expect(londonDateOf('2026-10-24T23:30:00Z')).toBe('2026-10-25');
    expect(londonTimeOf('2026-10-25T01:30:00Z')).toBe('01:30');
  });
});
