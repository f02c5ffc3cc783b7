/**
 * How the outbox page says when an email is tried again: a wait from now,
 * not a date, since its retry waits run in real time while the pages' dates
 * are the service's clock (a simulated hub's is months away from real time).
 */
import { describe, expect, it } from 'vitest';
import { realWaitWords } from '../service/audit-views.js';

const now = Date.parse('2026-12-03T12:00:00Z');
const after = (minutes: number) => new Date(now + minutes * 60_000).toISOString();

describe('realWaitWords', () => {
  it('says minutes under the hour, about an hour or hours after that, days past a day and a half', () => {
    expect(realWaitWords(after(0.5), now)).toBe('within a minute');
    expect(realWaitWords(after(-3), now)).toBe('within a minute');
    expect(realWaitWords(after(4), now)).toBe('in 4 minutes');
    expect(realWaitWords(after(59), now)).toBe('in 59 minutes');
    expect(realWaitWords(after(60), now)).toBe('in about an hour');
    expect(realWaitWords(after(150), now)).toBe('in about 3 hours');
    expect(realWaitWords(after(60 * 48), now)).toBe('in about 2 days');
  });
});
