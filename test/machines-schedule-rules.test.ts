/**
 * The programme's schedule rules are guards of SCHEDULE_SET and SESSION_MOVED
 * (machines/schedule-rules.ts), so a hand-made event obeys them as much as
 * `schedule generate` does: the real catalogue's figures, refusals naming the
 * rule and the seed, and every generated schedule still accepted.
 */
import { describe, expect, it } from 'vitest';
import { generateSchedule } from '../domain/calendar/schedule.js';
import { catalogue, programmeById } from '../domain/catalogue/programmes.js';
import type { Programme } from '../domain/catalogue/schema.js';
import { EventRejectedError } from '../domain/errors.js';
import { emptyContext, freshPhase, type PathwayContext } from '../machines/context.js';
import { decide, initialState, parseEvent, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import { rules } from '../machines/rules.js';
import { london, secondarySchool, twoTeachers } from './fixtures/programmes.js';

const secDev2020 = programmeById('secondary-development-2020-21');

function send(s: PersistedPathway, e: PathwayEventInput): PersistedPathway {
  return decide(s, parseEvent(e)).snapshot;
}

function refusal(s: PersistedPathway, e: PathwayEventInput): string {
  try {
    decide(s, parseEvent(e));
  } catch (err) {
    if (err instanceof EventRejectedError) return err.message;
    throw err;
  }
  throw new Error(`${e.type} was accepted`);
}

/** A secondary school committed to Secondary Development 2020/21 (the catalogue's entry). */
function committedSecondary(): PersistedPathway {
  let s = initialState('137000');
  s = send(s, { type: 'APPLY', at: london('2020-06-01'), programme: secDev2020, school: secondarySchool, teachers: twoTeachers });
  s = send(s, { type: 'ELIGIBILITY_ASSESSED', at: london('2020-06-20'), eligible: true });
  s = send(s, { type: 'SELECTED', at: london('2020-06-25'), groupId: 'wg-1', groupSize: 2 });
  return send(s, { type: 'COMMITMENT_SIGNED', at: london('2020-09-02'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
}

const meeting = (id: string, date: string) => ({ id, kind: 'meeting' as const, at: london(date, '13:30'), place: 'online' });

describe('Secondary Development 2020/21: at least 4 half-day meetings, November to July (seeds 003, 001)', () => {
  it('a hand-made schedule of 3 meetings, one on 1 October 2020, is refused, naming the window rule and the seed', () => {
    const why = refusal(committedSecondary(), {
      type: 'SCHEDULE_SET',
      at: london('2020-09-05'),
      sessions: [meeting('m1', '2020-10-01'), meeting('m2', '2021-01-14'), meeting('m3', '2021-03-11')],
    });
    expect(why).toContain('meeting m1 on 1 October 2020 is outside the months');
    expect(why).toContain('November 2020 to July 2021');
    expect(why).toContain('rule sessions.meeting.window, seed 003, seed 001');
  });

  it('3 meetings inside the window are refused for the count, naming the rule and the seed', () => {
    const why = refusal(committedSecondary(), {
      type: 'SCHEDULE_SET',
      at: london('2020-09-05'),
      sessions: [meeting('m1', '2020-11-12'), meeting('m2', '2021-01-14'), meeting('m3', '2021-03-11')],
    });
    expect(why).toContain('needs at least 4 half-day meetings; the schedule would hold 3 (rule sessions.meeting.min, seed 003, seed 001)');
  });

  it('4 meetings from November to July are accepted; a fifth added later too', () => {
    let s = send(committedSecondary(), {
      type: 'SCHEDULE_SET',
      at: london('2020-09-05'),
      sessions: [meeting('m1', '2020-11-12'), meeting('m2', '2021-01-14'), meeting('m3', '2021-03-11'), meeting('m4', '2021-07-08')],
    });
    expect(s.context.sessions).toHaveLength(4);
    s = send(s, { type: 'SCHEDULE_SET', at: london('2020-09-06'), sessions: [meeting('m5', '2021-05-13')] });
    expect(s.context.sessions).toHaveLength(5);
  });

  it('a cancelled meeting does not count: replacing a schedule by other ids still needs 4 live meetings', () => {
    let s = send(committedSecondary(), {
      type: 'SCHEDULE_SET',
      at: london('2020-09-05'),
      sessions: [meeting('m1', '2020-11-12'), meeting('m2', '2021-01-14'), meeting('m3', '2021-03-11'), meeting('m4', '2021-07-08')],
    });
    s = send(s, { type: 'SESSION_CANCELLED', at: london('2020-10-01'), sessionId: 'm4', reason: 'the specialist is ill' });
    expect(refusal(s, { type: 'SCHEDULE_SET', at: london('2020-10-02'), sessions: [meeting('m2', '2021-01-21')] })).toContain('the schedule would hold 3');
    s = send(s, { type: 'SCHEDULE_SET', at: london('2020-10-02'), sessions: [meeting('m4b', '2021-06-10')] });
    expect(s.context.sessions.filter((x) => x.status !== 'cancelled')).toHaveLength(4);
  });

  it('SESSION_MOVED out of the window (to 29 October 2020 or to 2 September 2021) is refused; inside it is accepted', () => {
    const s = send(committedSecondary(), {
      type: 'SCHEDULE_SET',
      at: london('2020-09-05'),
      sessions: [meeting('m1', '2020-11-12'), meeting('m2', '2021-01-14'), meeting('m3', '2021-03-11'), meeting('m4', '2021-07-08')],
    });
    const early = refusal(s, { type: 'SESSION_MOVED', at: london('2020-09-10'), sessionId: 'm1', to: london('2020-10-29', '13:30') });
    expect(early).toContain('meeting m1 on 29 October 2020 is outside the months');
    expect(early).toContain('seed 003, seed 001');
    expect(refusal(s, { type: 'SESSION_MOVED', at: london('2020-09-10'), sessionId: 'm4', to: london('2021-09-02', '13:30') })).toContain('on 2 September 2021 is outside the months');
    const moved = send(s, { type: 'SESSION_MOVED', at: london('2020-09-10'), sessionId: 'm1', to: london('2020-11-26', '13:30') });
    expect(moved.context.sessions.find((x) => x.id === 'm1')!.at).toBe(london('2020-11-26', '13:30'));
  });
});

describe('the guard over the whole catalogue', () => {
  /** The context of a school that has just begun programme p. */
  const ctxOf = (p: Programme): PathwayContext => ({ ...emptyContext({ urn: '100000' }), ...freshPhase(p) }) as PathwayContext;
  const scheduled = catalogue.map((p) => ({ p, sessions: generateSchedule(p, p.academicYear) })).filter((x) => x.sessions.length > 0);

  it('covers many programmes (every route, phase and year the calendar can place)', () => {
    expect(scheduled.length).toBeGreaterThan(30);
  });

  it('every schedule `schedule generate` makes from the catalogue is accepted', () => {
    const refused = scheduled
      .map(({ p, sessions }) => ({ id: p.id, why: rules.scheduleFits(ctxOf(p), parseEvent({ type: 'SCHEDULE_SET', at: london(`${p.academicYear.slice(0, 4)}-04-01`), sessions }) as never) }))
      .filter((x) => x.why !== null);
    expect(refused).toEqual([]);
  });

  it('every generated schedule less one meeting or workshop is refused where the programme asks for exactly its generated count', () => {
    for (const { p, sessions } of scheduled) {
      const counted = sessions.filter((s) => s.kind === 'meeting' || s.kind === 'workshop');
      const need = p.sessions.filter((r) => r.kind === 'meeting' || r.kind === 'workshop').reduce((n, r) => n + r.min, 0);
      if (counted.length !== need) continue;
      const fewer = sessions.filter((s) => s.id !== counted[0]!.id);
      const why = rules.scheduleFits(ctxOf(p), parseEvent({ type: 'SCHEDULE_SET', at: london(`${p.academicYear.slice(0, 4)}-04-01`), sessions: fewer }) as never);
      expect(why, p.id).toMatch(/needs at least \d+ half-day (meetings|workshops); the schedule would hold \d+ \(rule sessions\.(meeting|workshop)\.min, /);
    }
  });

  it('Readiness 2020/21 offers at most 8 workshops (seed 002): a ninth is refused', () => {
    const p = programmeById('primary-readiness-2020-21');
    const sessions = generateSchedule(p, p.academicYear);
    const workshops = sessions.filter((s) => s.kind === 'workshop');
    expect(workshops).toHaveLength(8);
    const ninth = { ...workshops[7]!, id: 'extra-workshop', at: london('2021-07-01', '09:00') };
    const why = rules.scheduleFits(ctxOf(p), parseEvent({ type: 'SCHEDULE_SET', at: london('2020-04-01'), sessions: [...sessions, ninth] }) as never);
    expect(why).toBe(`${p.name} offers at most 8 half-day workshops; the schedule would hold 9 (rule sessions.workshop.max, seed 002)`);
  });

  it('a missed workshop does not count against the cap: its catch-up is accepted, another extra workshop is still refused', () => {
    const p = programmeById('primary-readiness-2020-21');
    const sessions = generateSchedule(p, p.academicYear);
    const workshops = sessions.filter((s) => s.kind === 'workshop');
    const ctx = { ...ctxOf(p), sessions: sessions.map((s) => ({ ...s, status: s.id === workshops[0]!.id ? 'missed' : 'scheduled', teachersPresent: 0, headteacherPresent: false })) } as PathwayContext;
    const catchUp = { ...workshops[0]!, id: `${workshops[0]!.id}-catch-up`, at: london('2021-07-01', '09:00') };
    expect(rules.scheduleFits(ctx, parseEvent({ type: 'SCHEDULE_SET', at: london('2021-06-01'), sessions: [catchUp] }) as never)).toBeNull();
    const withCatchUp = { ...ctx, sessions: [...ctx.sessions, { ...catchUp, status: 'scheduled', teachersPresent: 0, headteacherPresent: false }] } as PathwayContext;
    const extra = { ...workshops[1]!, id: 'extra-workshop', at: london('2021-07-02', '09:00') };
    expect(rules.scheduleFits(withCatchUp, parseEvent({ type: 'SCHEDULE_SET', at: london('2021-06-01'), sessions: [extra] }) as never)).toBe(
      `${p.name} offers at most 8 half-day workshops; the schedule would hold 9 (rule sessions.workshop.max, seed 002)`,
    );
  });

  it('a kind with no window of its own must fall in the programme year (Primary Development 2021/22 meetings)', () => {
    const p = programmeById('primary-development-2021-22');
    const sessions = generateSchedule(p, p.academicYear).map((s, i) => (i === 0 ? { ...s, at: london('2021-08-20', '09:00') } : s));
    const why = rules.scheduleFits(ctxOf(p), parseEvent({ type: 'SCHEDULE_SET', at: london('2021-08-01'), sessions }) as never);
    expect(why).toContain('on 20 August 2021 is outside');
    expect(why).toContain("year, 1 September 2021 to 31 August 2022 (rule academicYear");
  });
});
