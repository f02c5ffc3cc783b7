/**
 * What the pages call the sessions a school must attend: a Readiness or
 * Sustaining school goes to workshops, a Development or Embedding school to
 * meetings, and visits are never counted (domain/words/kinds.ts).
 */
import { describe, expect, it } from 'vitest';
import { countedSessionName, countedSessionsName } from '../domain/words/kinds.js';
import { programmeFor } from '../domain/catalogue/programmes.js';

describe('the name of a programme’s counted sessions', () => {
  it('says workshops for Readiness, meetings for Development, and leaves visits out', () => {
    const kinds = (route: 'primary' | 'secondary', phase: string, year: string) => programmeFor(route, phase as never, year)!.sessions.map((s) => s.kind);
    expect(countedSessionsName(kinds('primary', 'readiness', '2020/21'), true)).toBe('Workshops');
    expect(countedSessionName(kinds('primary', 'readiness', '2020/21'))).toBe('workshop');
    expect(kinds('secondary', 'development', '2026/27')).toContain('visit');
    expect(countedSessionsName(kinds('secondary', 'development', '2026/27'), true)).toBe('Meetings');
    expect(countedSessionName(kinds('secondary', 'development', '2026/27'))).toBe('meeting');
  });

  it('names both kinds once each when a programme has both, and falls back to sessions', () => {
    expect(countedSessionsName(['workshop', 'meeting', 'workshop', 'visit'])).toBe('workshops and meetings');
    expect(countedSessionName(['meeting', 'workshop', 'meeting'])).toBe('meeting and workshop');
    expect(countedSessionsName(['visit'], true)).toBe('Sessions');
    expect(countedSessionsName([])).toBe('sessions');
    expect(countedSessionName([])).toBe('session');
  });
});
