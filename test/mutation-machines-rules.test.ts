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
import { countedSessions, firstSession, masteryReadyForEntry, nextPhase, requiredSessions, rules, sessionsHeld } from '../machines/rules.js';
import type { PathwayContext, SessionRecord } from '../machines/context.js';
import type { EventOf } from '../machines/events.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { london, primaryDev, primaryEmb, primaryReadiness, primaryReadiness2021, primarySchool, primaryTrg, secondaryDev, secondarySchool, twoTeachers, variant } from './fixtures/programmes.js';

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

describe('entering Development from Readiness only when judged Mastery Ready (rule masteryReady, seed 002)', () => {
  const rule = { phase: 'readiness' as const, source: ['002', 'web'] as ('002' | 'web')[], quote: 'Mastery Ready by the end of the year' };
  const dev = variant(primaryDev, { id: 'pri-dev-2021-mr', masteryReadyFrom: rule });
  const advance = { type: 'ADVANCED', at: london('2021-09-01'), programme: dev } as unknown as EventOf<'ADVANCED'>;
  const judged = (ready: boolean, programmeId: string) => ({ ready, at: london('2021-07-20'), academicYear: '2020/21', programmeId, note: '' });
  const from = (programme: PathwayContext['programme'], masteryReady?: ReturnType<typeof judged>) => ({ programme, masteryReady }) as unknown as PathwayContext;
  const refusal = (why: string) =>
    `${dev.name} takes a school from Readiness only when it is judged Mastery Ready at the end of ${primaryReadiness.name}, and this school ${why} ` +
    '(rule masteryReady, seed 002, web: "Mastery Ready by the end of the year")';

  it('lets in a school judged ready in the Readiness year it leaves', () => {
    expect(masteryReadyForEntry(from(primaryReadiness, judged(true, primaryReadiness.id)), advance)).toBeNull();
  });

  it('refuses a school never judged, judged not ready, or judged ready only in another Readiness year, in words that say which', () => {
    expect(masteryReadyForEntry(from(primaryReadiness), advance)).toBe(refusal('has not been judged Mastery Ready'));
    expect(masteryReadyForEntry(from(primaryReadiness, judged(false, primaryReadiness.id)), advance)).toBe(refusal('was judged not Mastery Ready on 2021-07-20'));
    expect(masteryReadyForEntry(from(primaryReadiness, judged(true, primaryReadiness2021.id)), advance)).toBe(refusal('has not been judged Mastery Ready'));
  });

  it('does not ask it of a school coming from another phase, of a school with no programme, nor of a programme without the rule', () => {
    expect(masteryReadyForEntry(from(primaryTrg), advance)).toBeNull();
    expect(masteryReadyForEntry(from(null), advance)).toBeNull();
    expect(masteryReadyForEntry(from(primaryReadiness), { ...advance, programme: primaryDev })).toBeNull();
  });
});
