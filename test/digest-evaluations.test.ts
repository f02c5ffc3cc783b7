/**
 * The weekly digest's evaluations received, read from the event log: each
 * end-of-year evaluation a hub's schools sent in a window, with the school's
 * name and who recorded it; another hub's and other events are left out. On
 * the demo hub (its schools sent theirs in July), PGlite.
 */
import { describe, expect, it } from 'vitest';
import { useWebService } from './helpers/browser.js';
import { boardEscalated, evaluationsReceived } from '../store/board.js';
import { followUpSchools } from '../service/board.js';

describe('evaluations received, from the log', () => {
  const web = useWebService();

  it('lists the hub’s evaluations in the window, oldest first, and none outside it or for another hub', async () => {
    const summer = await evaluationsReceived(web.service.db, 'East Midlands East', '2026-06-01T00:00:00Z', '2026-09-01T00:00:00Z');
    expect(summer.length).toBeGreaterThan(0);
    expect(summer.every((e) => e.name && !e.name.startsWith('School '))).toBe(true);
    expect(summer.map((e) => e.at)).toEqual([...summer.map((e) => e.at)].sort());
    expect(summer.every((e) => e.at >= '2026-06-01' && e.at < '2026-09-01')).toBe(true);
    expect(await evaluationsReceived(web.service.db, 'East Midlands East', '2026-09-01T00:00:00Z', '2026-11-01T00:00:00Z')).toEqual([]);
    expect(await evaluationsReceived(web.service.db, 'Great North', '2026-06-01T00:00:00Z', '2026-09-01T00:00:00Z')).toEqual([]);
  });

  it('finds the demo school whose headteacher missed the first workshop, for the digest’s "To follow up"', async () => {
    const rows = followUpSchools(await boardEscalated(web.service.db, 'East Midlands East', 'headteacher-first-workshop'));
    expect(rows.map((r) => r.name)).toContain('Hollybrook Primary School');
    expect(rows.find((r) => r.name === 'Hollybrook Primary School')!.reasons.join(' ')).toMatch(/headteacher/i);
  });
});
