/**
 * The action plan on the 5 Big Ideas, the school's leader (Mastery
 * Specialist or Readiness Lead, with the programme's load per leader) and
 * the Readiness year's Mastery Ready judgement, which a move into a
 * Development programme that requires it checks (pathway@1.2.0). Each
 * refusal names its rule and the seed; histories recorded without the
 * requirement (older programme data) still fold.
 */
import { describe, expect, it } from 'vitest';
import type { Programme } from '../domain/catalogue/schema.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { EventRejectedError } from '../domain/errors.js';
import { decide, fold, initialState, parseEvent, summaryOf, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent, PathwayEventInput } from '../machines/events.js';
import { MACHINE_VERSION } from '../machines/pathway.js';
import { RULES, rulesFor } from '../workflows/rules.js';
import { london, primaryDev, primaryReadiness, primarySchool, secondaryDev, secondarySchool, twoTeachers, variant } from './fixtures/programmes.js';

const URN = '654321';

class School {
  state: PersistedPathway = initialState(URN);
  events: PathwayEvent[] = [];
  send(input: PathwayEventInput | Record<string, unknown>): this {
    const e = parseEvent(input);
    this.state = decide(this.state, e).snapshot;
    this.events.push(e);
    return this;
  }
  why(input: PathwayEventInput | Record<string, unknown>): string {
    try {
      decide(this.state, parseEvent(input));
    } catch (err) {
      expect(err).toBeInstanceOf(EventRejectedError);
      return (err as EventRejectedError).message;
    }
    throw new Error(`${(input as { type: string }).type} was accepted`);
  }
  get summary() {
    return summaryOf(this.state);
  }
}

const y0 = (p: Programme) => Number(p.academicYear.slice(0, 4));
const aims = { coherence: 'small steps in every unit', representationAndStructure: 'bar models from Year 1', mathematicalThinking: 'reasoning prompts', fluency: 'daily number facts', variation: 'varied practice sets' };
const ada = { id: 'ada-lovelace', name: 'Ada Lovelace', role: 'readinessLead' } as const;
const sam = { id: 'sam-okafor', name: 'Sam Okafor', role: 'specialist' } as const;

/** A Readiness school selected into its work group. */
function selectedSchool(p: Programme = primaryReadiness): School {
  const y = y0(p);
  return new School()
    .send({ type: 'APPLY', at: london(`${y}-06-01`), programme: p, school: primarySchool, teachers: twoTeachers })
    .send({ type: 'ELIGIBILITY_ASSESSED', at: london(`${y}-06-20`), eligible: true, criteria: [p.eligibility!.criteria[0]!.id] })
    .send({ type: 'SELECTED', at: london(`${y}-06-25`), groupId: 'wg-r', groupSize: 2 });
}

/** A Readiness school selected and committed, with three workshops and a visit scheduled. */
function readinessSchool(p: Programme = primaryReadiness): School {
  const y = y0(p);
  return selectedSchool(p)
    .send({ type: 'COMMITMENT_SIGNED', at: london(`${y}-09-02`), signatories: ['headteacher', 'teacher1', 'teacher2'] })
    .send({
      type: 'SCHEDULE_SET',
      at: london(`${y}-09-05`),
      sessions: [
        { id: 'w1', kind: 'workshop', at: london(`${y}-11-10`, '09:30') },
        { id: 'v1', kind: 'visit', at: london(`${y}-12-03`, '09:30') },
        { id: 'w2', kind: 'workshop', at: london(`${y + 1}-01-10`, '09:30') },
        { id: 'w3', kind: 'workshop', at: london(`${y + 1}-03-10`, '09:30') },
      ],
    });
}

const attend = (id: string, date: string) => ({ type: 'ATTENDANCE_RECORDED', at: london(date, '16:00'), sessionId: id, teachersPresent: 2, headteacherPresent: true });
const allocate = (leader: object, load: number, at = london('2020-07-01')) => ({ type: 'LEADER_ALLOCATED', at, leader, load });
const plan = (at = london('2020-09-20')) => ({ type: 'ACTION_PLAN_CREATED', at, aims });
const judge = (ready: boolean, at = london('2021-07-20')) => ({ type: 'MASTERY_READY_JUDGED', at, ready, note: ready ? 'foundations laid' : 'not yet' });
/** The catalogue's Development programme has the Mastery Ready requirement; the fixture is that programme with it. */
const devRequiring = variant(primaryDev, { id: 'pri-dev-2021-mr', masteryReadyFrom: { phase: 'readiness', source: ['002'], quote: "in order for the school to be 'Mastery Ready' by the end of 2020/21" } });
const advance = (p: Programme) => ({ type: 'ADVANCED', at: london('2021-09-01'), programme: p });

function heldYear(s: School): School {
  return s.send(attend('w1', '2020-11-10')).send(attend('v1', '2020-12-03')).send(attend('w2', '2021-01-10')).send(attend('w3', '2021-03-10'));
}

describe('pathway@1.2.0', () => {
  it('is the current version, and 1.1.0 and 1.0.0 stay registered for runs pinned to them', () => {
    expect(MACHINE_VERSION).toBe('pathway@1.3.0');
    expect(Object.keys(RULES).sort()).toEqual(['pathway@1.0.0', 'pathway@1.1.0', 'pathway@1.2.0', 'pathway@1.3.0']);
    expect(rulesFor('pathway@1.1.0').decide(initialState(URN) as never, parseEvent({ type: 'APPLY', at: london('2020-06-01'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers }) as never).machineVersion).toBe('pathway@1.1.0');
  });
});

describe("the school's leader", () => {
  it('a Readiness school takes a Readiness Lead, not a specialist (rule leaderRole, seed 002)', () => {
    const s = readinessSchool();
    expect(s.why(allocate(sam, 1))).toContain('is led by a Mastery Readiness Lead, and Sam Okafor is a Mastery Specialist (rule leaderRole, seed 002)');
    s.send(allocate(ada, 1));
    expect(s.summary.leader).toEqual({ id: 'ada-lovelace', name: 'Ada Lovelace', role: 'readinessLead', title: 'Mastery Readiness Lead', since: london('2020-07-01') });
    expect(s.why(allocate(ada, 1))).toContain('Ada Lovelace is already the school');
  });

  it("refuses a leader past the programme's load, citing the seed (up to eight schools a Readiness Lead; two departments a Secondary Mastery Specialist)", () => {
    const readiness = programmeFor('primary', 'readiness', '2020/21')!;
    expect(readiness.leaderLoad).toMatchObject({ max: 8, unit: 'schools', source: ['002'] });
    const s = selectedSchool(readiness);
    expect(s.why(allocate(ada, 9))).toContain(
      'Mastery Readiness Lead Ada Lovelace would lead 9 schools in Primary Mastery Readiness Work Group 2020/21; one leads at most 8 (rule leaderLoad, seed 002: "Each Work Group will be led by one of the Maths Hub’s Mastery Readiness Leads and involve up to eight primary schools")',
    );
    s.send(allocate(ada, 8));
    expect(s.summary.leader?.name).toBe('Ada Lovelace');

    const dev = programmeFor('secondary', 'development', '2020/21')!;
    const sec = new School()
      .send({ type: 'APPLY', at: london('2020-06-01'), programme: dev, school: secondarySchool, teachers: twoTeachers })
      .send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-06-20'), eligible: true })
      .send({ type: 'SELECTED', at: london('2020-06-25'), groupId: 'wg-s', groupSize: 2 });
    expect(sec.why(allocate(sam, 3))).toContain('Secondary Mastery Specialist Sam Okafor would lead 3 departments in Secondary Teaching for Mastery Development Work Group 2020/21; one leads at most 2 (rule leaderLoad, seed 001:');
    sec.send(allocate(sam, 2));
    expect(sec.summary.leader?.title).toBe('Secondary Mastery Specialist');
    expect(programmeFor('secondary', 'development', '2018/19')!.leaderLoad).toMatchObject({ max: 2, unit: 'departments', source: ['000'] });
  });

  it('is not taken before selection', () => {
    const s = new School().send({ type: 'APPLY', at: london('2020-06-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers });
    expect(s.why(allocate(sam, 1))).toContain('LEADER_ALLOCATED is not accepted now');
  });
});

describe('the action plan on the 5 Big Ideas', () => {
  it('is made with the allocated leader, once a phase', () => {
    const s = readinessSchool();
    expect(s.summary.actionPlan.status).toBe('none');
    expect(s.why(plan())).toContain("the action plan is made with the school's Mastery Readiness Lead, and none is allocated for pri-ready-2020: allocate one first (rule actionPlanWithLeader, seed 002)");
    s.send(allocate(ada, 1)).send(plan());
    expect(s.summary.actionPlan).toMatchObject({ status: 'made', madeWith: 'Ada Lovelace', reviews: 0, progress: { coherence: null, variation: null } });
    expect(s.why(plan(london('2020-09-21')))).toContain('already has an action plan for pri-ready-2020, made on 2020-09-20: review it at a visit instead (rule oneActionPlan)');
  });

  it('names all five ideas (zod), each with an aim', () => {
    expect(() => parseEvent({ type: 'ACTION_PLAN_CREATED', at: london('2020-09-20'), aims: { ...aims, variation: '' } })).toThrow(/aims\.variation must say what the school will work on/);
    expect(() => parseEvent({ type: 'ACTION_PLAN_CREATED', at: london('2020-09-20'), aims: { coherence: 'x' } })).toThrow(/aims\.fluency/);
  });

  it('is reviewed at a visit that was held, once a visit (rule actionPlanReview)', () => {
    const s = readinessSchool().send(allocate(ada, 1)).send(plan());
    const review = (sessionId: string, at = london('2020-12-03', '17:00')) => ({ type: 'ACTION_PLAN_REVIEWED', at, sessionId, progress: { coherence: 'developing', fluency: 'established' } });
    s.send(attend('w1', '2020-11-10'));
    expect(s.why(review('w1'))).toContain('session w1 is a workshop; the action plan is reviewed at school visits (rule actionPlanReview, seed 002)');
    expect(s.why(review('v1'))).toContain('visit v1 is scheduled: the action plan is reviewed at a visit that was held (rule actionPlanReview)');
    s.send(attend('v1', '2020-12-03')).send(review('v1'));
    expect(s.summary.actionPlan).toMatchObject({ status: 'reviewed', reviews: 1, lastReviewedAt: london('2020-12-03', '17:00'), progress: { coherence: 'developing', fluency: 'established', variation: null } });
    expect(s.why(review('v1', london('2020-12-04')))).toContain('already reviewed at visit v1');
    expect(() => parseEvent({ type: 'ACTION_PLAN_REVIEWED', at: london('2020-12-04'), sessionId: 'v1', progress: {} })).toThrow(/at least one of the 5 Big Ideas/);
  });
});

describe('the Mastery Ready judgement and the move into Development', () => {
  it('comes at the end of the Readiness year, and "ready" needs the action plan (rule masteryReady, seed 002)', () => {
    const s = readinessSchool().send(allocate(ada, 1)).send(attend('w1', '2020-11-10'));
    // The refusal says when the last workshop is, so the hub knows when the judgement can be made.
    expect(s.why(judge(true, london('2020-11-20')))).toContain('the Mastery Ready judgement comes at the end of pri-ready-2020, after its last workshop on 2021-03-10: 1 of 3 workshops held so far (rule masteryReady, seed 002)');
    s.send(attend('v1', '2020-12-03')).send(attend('w2', '2021-01-10')).send(attend('w3', '2021-03-10'));
    expect(s.summary.status).toBe('evaluating');
    expect(s.why(judge(true))).toContain('a school is judged Mastery Ready on the action plan it worked on, and this school has none for pri-ready-2020 (rule masteryReady, seed 002)');
    s.send(judge(false));
    expect(s.summary.masteryReadyJudgement).toMatchObject({ ready: false, academicYear: '2020/21' });
  });

  it('a school not judged Mastery Ready is refused the move, naming the rule and the seed; judged ready, it moves', () => {
    const s = heldYear(readinessSchool().send(allocate(ada, 1)).send(plan()));
    s.send({ type: 'EVALUATION_SUBMITTED', at: london('2021-07-15'), summary: 'done' });
    expect(s.summary.status).toBe('completed');
    expect(s.why(advance(devRequiring))).toContain(
      `pri-dev-2021 takes a school from Readiness only when it is judged Mastery Ready at the end of pri-ready-2020, and this school has not been judged Mastery Ready (rule masteryReady, seed 002: "in order for the school to be 'Mastery Ready' by the end of 2020/21")`,
    );
    s.send(judge(false, london('2021-07-20')));
    expect(s.why(advance(devRequiring))).toContain('this school was judged not Mastery Ready on 2021-07-20 (rule masteryReady, seed 002');
    s.send(judge(true, london('2021-07-25'))).send(advance(devRequiring));
    expect(s.summary).toMatchObject({ phase: 'development', status: 'selected', leader: null, actionPlan: { status: 'none' }, masteryReadyJudgement: { ready: true, academicYear: '2020/21' } });
    // A Development leader is a specialist.
    expect(s.why(allocate(ada, 1, london('2021-09-02')))).toContain('rule leaderRole, seed 001');
  });

  it("the catalogue's Development programmes after Readiness carry the requirement; a history recorded without it folds as it did", () => {
    expect(programmeFor('primary', 'development', '2021/22')!.masteryReadyFrom).toMatchObject({ phase: 'readiness', source: ['002'] });
    expect(programmeFor('primary', 'development', '2026/27')!.masteryReadyFrom?.source).toEqual(['002']);
    // Recorded before 1.2.0: no judgement, a Development programme without the requirement.
    const s = heldYear(readinessSchool()).send({ type: 'EVALUATION_SUBMITTED', at: london('2021-07-15'), summary: 'done' }).send(advance(primaryDev));
    expect(summaryOf(fold(URN, s.events))).toMatchObject({ phase: 'development', status: 'selected', masteryReadyJudgement: null, leader: null });
    // Its stored JSON has no new fields: what 1.1.0 wrote is what 1.2.0 folds to.
    const v11 = rulesFor('pathway@1.1.0');
    let old = v11.initialState(URN);
    for (const e of s.events) old = v11.decide(old as never, e as never).snapshot as never;
    expect(JSON.stringify(fold(URN, s.events))).toBe(JSON.stringify(old));
  });
});
