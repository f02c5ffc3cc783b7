/**
 * Tests added from the mutation run on machines/rules.ts: which phases a
 * school applies for (and that the machine built from that list accepts
 * them), where each route goes next, that only meetings and workshops count
 * towards a programme's minimum, and that a Readiness headteacher who misses
 * the first workshop is caught on the real catalogue's Readiness programme
 * (workshops that need the headteacher at the first one, and support visits
 * that do not). Expected values are written out.
 *
 * The machine is imported inside the test that applies: it is built from
 * APPLICATION_PHASES when its module loads, so a wrong list breaks the load,
 * which a mutation run would not count as a failing test if it happened at
 * the top of this file.
 */
import { describe, expect, it } from 'vitest';
import { countedSessions, firstSession, nextPhase, requiredSessions, rules, sessionsHeld } from '../machines/rules.js';
import type { PathwayContext, SessionRecord } from '../machines/context.js';
import type { EventOf } from '../machines/events.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { london, primaryEmb, primaryReadiness, primarySchool, primaryTrg, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

const record = (id: string, kind: SessionRecord['kind'], at: string, status: SessionRecord['status'] = 'held'): SessionRecord => ({
  id,
  kind,
  at,
  place: 'Hub school',
  status,
  teachersPresent: status === 'held' ? 2 : 0,
  headteacherPresent: false,
});

describe('the phases a school applies for', () => {
  it('are TRG, Readiness and Development, each accepted by the machine; Embedding is entered by transition only', async () => {
    const { decide, initialState, parseEvent } = await import('../machines/decide.js');
    const apply = (programme: typeof secondaryDev, school: typeof primarySchool) =>
      parseEvent({ type: 'APPLY', at: london(`${Number(programme.academicYear.slice(0, 4))}-06-01`), programme, school, teachers: twoTeachers });
    for (const [p, school] of [[primaryTrg, primarySchool], [primaryReadiness, primarySchool], [secondaryDev, secondarySchool]] as const) {
      const d = decide(initialState('123456'), apply(p, school));
      expect(d.snapshot.context.programme?.id, p.id).toBe(p.id);
    }
    expect(() => decide(initialState('123456'), apply(primaryEmb, primarySchool))).toThrow(
      /schools do not apply for embedding; they enter it by cohort transition from the previous phase/,
    );
  });
});

describe('where each route goes next', () => {
  it('follows the route, repeats Sustaining, and has no next phase for a phase the route does not have', () => {
    expect(nextPhase('primary', 'trg')).toBe('readiness');
    expect(nextPhase('primary', 'readiness')).toBe('development');
    expect(nextPhase('secondary', 'development')).toBe('embedding');
    expect(nextPhase('secondary', 'embedding')).toBe('sustaining');
    expect(nextPhase('secondary', 'sustaining')).toBe('sustaining');
    expect(nextPhase('secondary', 'trg')).toBeNull();
    expect(nextPhase('secondary', 'readiness')).toBeNull();
  });
});

describe('only meetings and workshops count towards the minimum', () => {
  const base = (programme: PathwayContext['programme'], sessions: SessionRecord[]) =>
    ({ programme, sessions, signatories: [], past: [], fundingPaidPence: 0 }) as unknown as PathwayContext;

  it('does not count a held support visit or in-school day as a meeting held, nor as the first session', () => {
    const c = base(secondaryDev, [
      record('v1', 'visit', london('2020-10-01')),
      record('d1', 'inSchoolDay', london('2020-10-05')),
      record('m1', 'meeting', london('2020-11-10')),
      record('m2', 'meeting', london('2020-12-10'), 'scheduled'),
    ]);
    expect(countedSessions(c).map((s) => s.id)).toEqual(['m1', 'm2']);
    expect(sessionsHeld(c)).toBe(1);
    expect(firstSession(c)?.id).toBe('m1');
    expect(requiredSessions(c)).toBe(4);
    expect(rules.obligationsMet(c, {} as never)).toBe(`${secondaryDev.name} needs at least 4 meetings/workshops attended before evaluation; 1 so far`);
  });
});

describe("the Readiness headteacher at the first workshop (the catalogue's programme)", () => {
  const readiness = programmeFor('primary', 'readiness', '2020/21')!;
  const context = {
    programme: readiness,
    sessions: [record('v1', 'visit', london('2020-05-01')), record('w1', 'workshop', london('2020-05-12')), record('w2', 'workshop', london('2020-06-09'))],
  } as unknown as PathwayContext;
  const attendance = (sessionId: string, headteacherPresent: boolean) =>
    ({ type: 'ATTENDANCE_RECORDED', at: london('2020-06-10'), sessionId, teachersPresent: 2, headteacherPresent }) as EventOf<'ATTENDANCE_RECORDED'>;

  it('holds workshops that need the headteacher first and visits that do not', () => {
    expect(readiness.sessions.map((r) => [r.kind, r.headteacherAttendsFirst])).toEqual([
      ['workshop', true],
      ['visit', false],
    ]);
  });

  it('finds the headteacher missing from the first workshop, not from a later one, nor from an earlier support visit', () => {
    expect(rules.headteacherMissedFirst(context, attendance('w1', false))).toBeNull();
    expect(rules.headteacherMissedFirst(context, attendance('w1', true))).toBe('the headteacher was present');
    expect(rules.headteacherMissedFirst(context, attendance('w2', false))).toBe('not the first workshop');
    expect(rules.headteacherMissedFirst(context, attendance('v1', false))).toBe('not the first workshop');
  });
});
