/**
 * The programme rules of the pure core, one by one, through the seam the hosts
 * use (machines/decide.ts): each refusal names what is wrong, each accepted
 * event changes the state and emits the effects the rule promises, and the
 * fold is deterministic and survives a JSON round trip.
 */
import { describe, expect, it } from 'vitest';
import type { Programme, SessionKind } from '../domain/catalogue/schema.js';
import { EventRejectedError } from '../domain/errors.js';
import type { PathwayContext } from '../machines/context.js';
import { decide, fold, initialState, parseEvent, summaryOf, whyRejected, type PersistedPathway } from '../machines/decide.js';
import { deepFreeze } from '../domain/deep-freeze.js';
import type { Effect, Notify } from '../machines/effects.js';
import type { PathwayEvent, PathwayEventInput } from '../machines/events.js';
import {
  allSignatures,
  london,
  primaryDev,
  primaryEmb,
  primaryReadiness,
  primaryReadiness2021,
  primaryTrg,
  primarySchool,
  primarySus,
  replacementTeacher,
  secondaryDev,
  secondaryDev2021,
  secondaryEmb,
  secondarySchool,
  twoTeachers,
  variant,
} from './fixtures/programmes.js';

const URN = '123456';

/** A school's state and every effect so far, folded event by event through decide(). */
class School {
  state: PersistedPathway;
  effects: Effect[] = [];
  last: Effect[] = [];
  constructor(readonly urn = URN) {
    this.state = initialState(urn);
  }
  /** Decide one event (its shape checked by zod first, as the hosts do). */
  send(input: PathwayEventInput | Record<string, unknown>): this {
    const d = decide(this.state, parseEvent(input));
    this.state = d.snapshot;
    this.last = d.effects;
    this.effects.push(...d.effects);
    return this;
  }
  /** The reason decide() gives for refusing the event; fails the test if it is accepted. */
  refusal(input: PathwayEventInput | Record<string, unknown>): EventRejectedError {
    const before = JSON.stringify(this.state);
    try {
      decide(this.state, parseEvent(input));
    } catch (err) {
      expect(err).toBeInstanceOf(EventRejectedError);
      expect(JSON.stringify(this.state)).toBe(before);
      return err as EventRejectedError;
    }
    throw new Error(`${(input as { type: string }).type} was accepted`);
  }
  get context(): PathwayContext {
    return this.state.context;
  }
  get summary() {
    return summaryOf(this.state);
  }
  escalations(effects = this.effects): Notify[] {
    return effects.filter((e): e is Notify => e.type === 'notify' && e.kind === 'escalation');
  }
}

// --- event builders (London wall-clock times; the year of the programme) ---

function y0(p: Programme): number {
  return Number(p.academicYear.slice(0, 4));
}

const apply = (p: Programme, school = p.route === 'primary' ? primarySchool : secondarySchool, at = london(`${y0(p)}-06-01`)) =>
  ({ type: 'APPLY', at, programme: p, school, teachers: twoTeachers }) as const;
const eligible = (p: Programme, criteria: string[] = p.eligibility ? [p.eligibility.criteria[0]!.id] : []) =>
  ({ type: 'ELIGIBILITY_ASSESSED', at: london(`${y0(p)}-06-20`), eligible: true, criteria }) as const;
const select = (p: Programme, groupSize = 2) => ({ type: 'SELECTED', at: london(`${y0(p)}-06-25`), groupId: `wg-${p.id}`, groupSize }) as const;
const sign = (p: Programme, signatories = allSignatures(p)) => ({ type: 'COMMITMENT_SIGNED', at: london(`${y0(p)}-09-02`), signatories }) as const;
const session = (id: string, at: string, kind: SessionKind = 'meeting') => ({ id, kind, at, place: 'Hub school' });
const schedule = (p: Programme, sessions: ReturnType<typeof session>[], at = london(`${y0(p)}-09-05`)) => ({ type: 'SCHEDULE_SET', at, sessions }) as const;
const attend = (sessionId: string, at: string, teachersPresent = 2, headteacherPresent = false) =>
  ({ type: 'ATTENDANCE_RECORDED', at, sessionId, teachersPresent, headteacherPresent }) as const;
const checkDue = (sessionId: string, at: string) => ({ type: 'SESSION_CHECK_DUE', at, sessionId }) as const;
const evaluate = (p: Programme, at = london(`${y0(p) + 1}-07-15`)) => ({ type: 'EVALUATION_SUBMITTED', at, summary: 'we did it' }) as const;
const yearEnded = (p: Programme) => ({ type: 'YEAR_ENDED', at: london(`${y0(p) + 1}-08-31`, '23:59'), academicYear: p.academicYear }) as const;
const advance = (p: Programme) => ({ type: 'ADVANCED', at: london(`${y0(p)}-09-01`), programme: p }) as const;

/**
 * Secondary Development with one required meeting: the timer tests schedule one or two
 * meetings, fewer than the four the real rule (and SCHEDULE_SET's guard) asks for.
 */
const devLight = variant(secondaryDev, { id: secondaryDev.id, sessions: secondaryDev.sessions.map((r) => ({ ...r, min: 1 })) });

/** Meetings (or workshops) of a programme: one on the 10th of each month from November, 09:30 London. */
function meetings(p: Programme, n: number, kind: SessionKind = 'meeting'): ReturnType<typeof session>[] {
  const months = [11, 12, 1, 2, 3, 4, 5, 6, 7];
  return months.slice(0, n).map((m, i) => session(`m${i + 1}`, london(`${m >= 9 ? y0(p) : y0(p) + 1}-${String(m).padStart(2, '0')}-10`, '09:30'), kind));
}

/** Attendance of meeting `id` on its day, 16:00 London. */
function attended(s: School, id: string, teachersPresent = 2, headteacherPresent = false) {
  const m = s.context.sessions.find((x) => x.id === id)!;
  return attend(id, london(m.at.slice(0, 10), '16:00'), teachersPresent, headteacherPresent);
}

/** A school that has held every required meeting of its programme (so it is evaluating). */
function metAll(p: Programme, school?: typeof primarySchool): School {
  const s = committed(p, school);
  const n = requiredOf(p);
  s.send(schedule(p, meetings(p, n, p.sessions[0]!.kind)));
  for (const m of meetings(p, n)) s.send(attended(s, m.id, 2, true));
  return s;
}

function requiredOf(p: Programme): number {
  return p.sessions.filter((r) => r.kind === 'meeting' || r.kind === 'workshop').reduce((n, r) => n + r.min, 0);
}

/** A school that completed a programme. */
function completed(p: Programme, school?: typeof primarySchool): School {
  return metAll(p, school).send(evaluate(p));
}

/** A school taken through application, selection and commitment of a programme. */
function committed(p: Programme, school?: typeof primarySchool): School {
  return new School().send(apply(p, school)).send(eligible(p)).send(select(p)).send(sign(p));
}

describe('bugs found while testing (each fixed in machines/)', () => {
  it('bug: a missed session recorded as missed again raises its escalation once', () => {
    const s = committed(primaryDev);
    s.send(schedule(primaryDev, meetings(primaryDev, 2)));
    s.send(attended(s, 'm1', 0));
    expect(s.escalations(s.last).map((e) => e.template)).toEqual(['session-missed']);
    s.send(attend('m1', london('2021-11-11', '09:00'), 0));
    expect(s.escalations(s.last)).toEqual([]);
    expect(s.context.escalations).toEqual(['missed:m1']);
    // A correction to held is still accepted and counts.
    s.send(attend('m1', london('2021-11-11', '10:00'), 2));
    expect(s.summary.sessionsHeld).toBe(1);
  });

  it('bug: an unrecorded session moved and unrecorded again raises its escalation once', () => {
    const s = committed(primaryDev);
    s.send(schedule(primaryDev, meetings(primaryDev, 2)));
    s.send(checkDue('m1', london('2021-11-11', '09:30')));
    expect(s.escalations(s.last).map((e) => e.template)).toEqual(['attendance-missing']);
    // The hub moves the meeting instead of recording it; it is not recorded after the new date either.
    s.send({ type: 'SESSION_MOVED', at: london('2021-11-12'), sessionId: 'm1', to: london('2021-11-24', '09:30') });
    expect(Object.keys(s.context.timers)).toContain('check:m1');
    s.send(checkDue('m1', london('2021-11-25', '09:30')));
    expect(s.escalations(s.last)).toEqual([]);
    expect(s.context.escalations).toEqual(['unrecorded:m1']);
    expect(s.context.timers['check:m1']).toBeUndefined();
  });

  it('bug: an application at 23:30 London time on a winter deadline day is in time', () => {
    // The TRG expression-of-interest deadline, 6 March 2019, falls in GMT: the day ends at 23:59 GMT, not 22:59.
    const trg = variant(primaryTrg, { id: 'pri-trg-2019-deadline', deadlines: { applicationsClose: '2019-03-06' } });
    expect(() => new School().send(apply(trg, primarySchool, london('2019-03-06', '23:30')))).not.toThrow();
    expect(new School().refusal(apply(trg, primarySchool, london('2019-03-07', '00:05'))).why).toBe('applications for pri-trg-2019 closed on 2019-03-06');
    // In summer (BST) the day ends at 23:59 BST.
    const summer = variant(secondaryDev, { id: 'sec-dev-2020-deadline', deadlines: { applicationsClose: '2020-07-13' } });
    expect(() => new School().send(apply(summer, secondarySchool, london('2020-07-13', '23:59')))).not.toThrow();
    expect(() => new School().send(apply(summer, secondarySchool, london('2020-07-14', '00:00')))).toThrow(EventRejectedError);
  });

  it('bug: an evaluation sent before enough meetings says how many are still needed', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    s.send(attended(s, 'm1'));
    const err = s.refusal(evaluate(secondaryDev));
    expect(err.why).toMatch(/^sec-dev-2020 needs at least 4 meetings\/workshops attended before evaluation; 1 so far\. /);
    // It still lists what the school can do now.
    expect(err.why).toContain('EVALUATION_SUBMITTED is not accepted now; accepted: ');
    expect(err.why).toContain('ATTENDANCE_RECORDED');
  });
});

describe('refusals name what is wrong', () => {
  it('a programme of the other route', () => {
    const err = new School().refusal(apply(secondaryDev, primarySchool));
    expect(err.eventType).toBe('APPLY');
    expect(err.why).toBe('programme sec-dev-2020 is for secondary schools, but the school is primary');
    expect(err.message).toContain('school 123456 (Not yet applied) cannot take APPLY:');
  });

  it('a route the school is not on', () => {
    const s = new School().send(apply(primaryReadiness)).send({ type: 'WITHDRAWN', at: london('2020-06-10'), reason: 'changed its mind' });
    const err = s.refusal(apply(secondaryDev, { ...secondarySchool, name: primarySchool.name }, london('2020-06-20')));
    expect(err.why).toBe('the school is on the primary route, not secondary');
  });

  it('applying for Embedding directly', () => {
    const err = new School().refusal(apply(primaryEmb));
    expect(err.why).toBe('schools do not apply for embedding; they enter it by cohort transition from the previous phase');
  });

  it('a phase the route does not have', () => {
    const secondaryReadiness = variant(primaryReadiness, { id: 'sec-ready-2020', route: 'secondary' });
    expect(new School().refusal(apply(secondaryReadiness, secondarySchool)).why).toBe('the secondary route has no readiness phase');
  });

  it('Development taken twice, by application and by cohort transition', () => {
    const s = completed(secondaryDev, secondarySchool);
    expect(s.refusal(apply(secondaryDev2021, secondarySchool, london('2021-07-20'))).why).toBe('a school takes part in development only once, and this school completed it in 2020/21');
    // A primary school that completed Development cannot be moved into it again either.
    const p = completed(primaryReadiness).send(advance(primaryDev)).send(sign(primaryDev));
    p.send(schedule(primaryDev, meetings(primaryDev, 2)));
    for (const id of ['m1', 'm2']) p.send(attended(p, id));
    p.send(evaluate(primaryDev));
    expect(p.refusal(advance(variant(primaryDev, { id: 'pri-dev-2022', academicYear: '2022/23' }))).why).toBe('after development the primary route goes to embedding, not development');
  });

  it('the wrong number of teachers', () => {
    const err = new School().refusal({ ...apply(primaryReadiness), teachers: [twoTeachers[0]!] });
    expect(err.why).toBe('pri-ready-2020 needs 2 teacher(s) per school, the application names 1');
  });

  it('an application after the deadline', () => {
    const closing = variant(secondaryDev, { id: 'sec-dev-2020-closing', deadlines: { applicationsClose: '2020-07-13' } });
    expect(new School().refusal(apply(closing, secondarySchool, london('2020-07-14', '09:00'))).why).toBe('applications for sec-dev-2020 closed on 2020-07-13');
    // The last day counts, to midnight London time.
    expect(() => new School().send(apply(closing, secondarySchool, london('2020-07-13', '23:30')))).not.toThrow();
  });

  it('eligibility without the criteria the programme needs', () => {
    const s = new School().send(apply(primaryReadiness));
    expect(s.refusal(eligible(primaryReadiness, [])).why).toBe('eligibility needs at least 1 of: ofstedRiOrInadequate, highStaffTurnover; got none');
    expect(s.refusal(eligible(primaryReadiness, ['likesMaths'])).why).toBe('eligibility needs at least 1 of: ofstedRiOrInadequate, highStaffTurnover; got likesMaths');
  });

  it('a work group over its maximum size', () => {
    const s = new School().send(apply(secondaryDev)).send(eligible(secondaryDev));
    expect(s.refusal(select(secondaryDev, 3)).why).toBe('work group wg-sec-dev-2020 would have 3 schools; sec-dev-2020 allows up to 2');
  });

  it('a commitment without every signature', () => {
    const s = new School().send(apply(secondaryDev)).send(eligible(secondaryDev)).send(select(secondaryDev));
    expect(s.refusal(sign(secondaryDev, ['headteacher', 'teacher1', 'teacher2'])).why).toBe('the commitment still needs the signature of: headOfDepartment');
    expect(s.refusal(sign(secondaryDev, ['headteacher'])).why).toBe('the commitment still needs the signature of: headOfDepartment, teacher1, teacher2');
  });

  it('attendance before the session has happened', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    const err = s.refusal(attend('m1', london('2020-11-09', '16:00')));
    expect(err.why).toBe('session m1 is on 2020-11-10T09:30:00+00:00; attendance cannot be recorded before it happens (2020-11-09T16:00:00+00:00)');
  });

  it('attendance before the commitment is signed', () => {
    const s = new School().send(apply(secondaryDev)).send(eligible(secondaryDev)).send(select(secondaryDev));
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    const err = s.refusal(attend('m1', london('2020-11-10', '16:00')));
    expect(err.state).toBe('development/selected');
    expect(err.why).toMatch(/^ATTENDANCE_RECORDED is not accepted now; accepted: .*COMMITMENT_SIGNED/);
  });

  it('attendance of a session that is not in the schedule, cancelled, or already recorded', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    expect(s.refusal(attend('m9', london('2020-11-10', '16:00'))).why).toBe("no session m9 in this school's schedule");
    s.send(attended(s, 'm1'));
    expect(s.refusal(attended(s, 'm1')).why).toBe('attendance for session m1 is already recorded');
    s.send({ type: 'SESSION_CANCELLED', at: london('2020-11-20'), sessionId: 'm2', reason: 'snow' });
    expect(s.refusal(attended(s, 'm2')).why).toBe('session m2 was cancelled');
    expect(s.refusal({ type: 'SESSION_CANCELLED', at: london('2020-11-21'), sessionId: 'm2', reason: 'snow' }).why).toBe('session m2 is cancelled, only a scheduled session can be cancelled');
  });

  it('moving a session into the past, or one already held', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    const err = s.refusal({ type: 'SESSION_MOVED', at: london('2020-11-20'), sessionId: 'm2', to: london('2020-11-19', '09:30') });
    expect(err.why).toBe('a session cannot be moved into the past (2020-11-19T09:30:00+00:00 is not after 2020-11-20T10:00:00+00:00)');
    s.send(attended(s, 'm1'));
    expect(s.refusal({ type: 'SESSION_MOVED', at: london('2020-11-20'), sessionId: 'm1', to: london('2020-12-01') }).why).toBe('session m1 is held, only a scheduled session can be moved');
    expect(s.refusal({ type: 'SESSION_MOVED', at: london('2020-11-20'), sessionId: 'x', to: london('2020-12-01') }).why).toBe("no session x in this school's schedule");
  });

  it('a schedule that repeats a session id or reschedules a held one', () => {
    const s = committed(devLight);
    const [m1, m2] = meetings(devLight, 2);
    expect(s.refusal(schedule(devLight, [m1!, { ...m2!, id: 'm1' }])).why).toBe('session id m1 appears twice');
    s.send(schedule(devLight, [m1!, m2!]));
    s.send(attended(s, 'm1'));
    expect(s.refusal(schedule(devLight, [m1!])).why).toBe('session m1 is already held and cannot be rescheduled');
  });

  it('an evaluation before enough meetings, while overdue', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    s.send(attended(s, 'm1')).send(yearEnded(secondaryDev));
    expect(s.summary.status).toBe('overdue');
    expect(s.refusal(evaluate(secondaryDev)).why).toBe('sec-dev-2020 needs at least 4 meetings/workshops attended before evaluation; 1 so far');
  });

  it('a deferral to the same year, a resumption of another phase or an earlier year', () => {
    const s = new School().send(apply(primaryReadiness));
    expect(s.refusal({ type: 'DEFERRED', at: london('2020-06-10'), reason: 'new head', untilYear: '2020/21' }).why).toBe('a deferral must be to a later academic year than 2020/21, not 2020/21');
    s.send({ type: 'DEFERRED', at: london('2020-06-10'), reason: 'new head', untilYear: '2022/23' });
    expect(s.refusal({ type: 'RESUMED', at: london('2021-09-01'), programme: primaryDev }).why).toBe('the school deferred readiness, so it resumes readiness, not development');
    expect(s.refusal({ type: 'RESUMED', at: london('2021-09-01'), programme: primaryReadiness2021 }).why).toBe('the school deferred until 2022/23; 2021/22 is earlier');
  });

  it('a cohort transition to the wrong phase or the same year', () => {
    const s = completed(secondaryDev, secondarySchool);
    expect(s.refusal(advance(variant(primarySus, { id: 'sec-sus-2021', route: 'secondary', academicYear: '2021/22' }))).why).toBe('after development the secondary route goes to embedding, not sustaining');
    expect(s.refusal({ ...advance(variant(secondaryEmb, { id: 'sec-emb-2020', academicYear: '2020/21' })), at: london('2021-09-01') }).why).toBe('the next phase must be in a later academic year than 2020/21, not 2020/21');
    expect(s.refusal(advance(primaryEmb)).why).toBe('programme pri-emb-2022 is for primary schools');
  });

  it('an event the state does not take at all lists what it does take', () => {
    const err = new School().refusal({ type: 'GAP_TASK_COMPLETED', at: london('2020-06-01'), task: 'x' });
    expect(err.why).toBe('GAP_TASK_COMPLETED is not accepted now; accepted: APPLY');
    expect(whyRejected(initialState(URN), parseEvent(apply(primaryReadiness)))).toBeNull();
  });
});

describe('the grant', () => {
  /** A primary school that did Readiness in 2020/21 and moved into Development 2021/22. */
  function readinessThenDevelopment(): School {
    const s = completed(primaryReadiness);
    expect(s.effects.filter((e) => e.type === 'funding.release')).toEqual([]);
    expect(s.summary).toMatchObject({ phase: 'readiness', status: 'completed', masteryReady: true, fundingPaidPence: 0 });
    return s.send(advance(primaryDev));
  }

  it('£1000 in the Development year, only after commitment and the first meeting, exactly once', () => {
    const s = readinessThenDevelopment();
    expect(s.summary).toMatchObject({ phase: 'development', status: 'selected', academicYear: '2021/22' });
    s.send(schedule(primaryDev, meetings(primaryDev, 3)));
    expect(s.effects.filter((e) => e.type === 'funding.release')).toEqual([]);
    s.send(sign(primaryDev));
    expect(s.last.filter((e) => e.type === 'funding.release')).toEqual([]);
    // A first meeting nobody attended is not a meeting held.
    s.send(attended(s, 'm1', 0));
    expect(s.last.filter((e) => e.type === 'funding.release')).toEqual([]);
    s.send(attended(s, 'm2', 2));
    expect(s.last.filter((e) => e.type === 'funding.release')).toEqual([
      {
        type: 'funding.release',
        key: '123456:pri-dev-2021:2021/22:grant',
        urn: URN,
        programmeId: 'pri-dev-2021',
        academicYear: '2021/22',
        amountPence: 100000,
        reason: 'teacher release time (commitment signed, first meeting held 2021-12-10)',
      },
    ]);
    const notice = s.last.find((e): e is Notify => e.type === 'notify' && e.template === 'funding-released')!;
    expect(notice.data.amount).toBe('£1,000');
    expect(notice.recipients.map((r) => r.email)).toEqual([primarySchool.headteacher.email]);
    s.send(attended(s, 'm3', 2));
    expect(s.effects.filter((e) => e.type === 'funding.release')).toHaveLength(1);
    expect(s.summary.fundingPaidPence).toBe(100000);
    s.send(evaluate(primaryDev));
    expect(s.summary.pastPhases).toEqual([
      { phase: 'readiness', academicYear: '2020/21', outcome: 'completed' },
      { phase: 'development', academicYear: '2021/22', outcome: 'completed' },
    ]);
    expect(s.context.past.map((r) => r.fundingPaidPence)).toEqual([0, 100000]);
  });

  it('no grant where the programme pays none', () => {
    const s = completed(primaryReadiness).send(advance(primaryDev)).send(sign(primaryDev));
    s.send(schedule(primaryDev, meetings(primaryDev, 2)));
    s.send(attended(s, 'm1')).send(attended(s, 'm2')).send(evaluate(primaryDev));
    s.send(advance(primaryEmb)).send(sign(primaryEmb)).send(schedule(primaryEmb, meetings(primaryEmb, 2)));
    s.send(attended(s, 'm1'));
    expect(s.last.filter((e) => e.type === 'funding.release')).toEqual([]);
    expect(s.summary.fundingPaidPence).toBe(0);
  });
});

describe('the headteacher at the first Readiness workshop', () => {
  function readinessWorkshops(): School {
    const s = committed(primaryReadiness);
    return s.send(schedule(primaryReadiness, meetings(primaryReadiness, 3, 'workshop')));
  }

  it('absent: exactly one escalation, to the hub lead and the headteacher', () => {
    const s = readinessWorkshops();
    s.send(attended(s, 'm1', 2, false));
    const raised = s.escalations(s.last);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ kind: 'escalation', template: 'headteacher-absent-first-workshop', to: ['hubLead', 'headteacher'] });
    expect(raised[0]!.recipients).toEqual([{ role: 'headteacher', ...primarySchool.headteacher }]);
    // Later workshops without the headteacher raise nothing more.
    s.send(attended(s, 'm2', 2, false)).send(attended(s, 'm3', 2, false));
    expect(s.escalations()).toHaveLength(1);
    expect(s.context.escalations).toEqual(['headteacher-first-workshop']);
  });

  it('present: no escalation', () => {
    const s = readinessWorkshops();
    s.send(attended(s, 'm1', 2, true)).send(attended(s, 'm2', 2, false));
    expect(s.escalations()).toEqual([]);
  });

  it('the first workshop is the first one not cancelled, by date', () => {
    const s = readinessWorkshops();
    s.send({ type: 'SESSION_CANCELLED', at: london('2020-10-01'), sessionId: 'm1', reason: 'the hub school is closed' });
    s.send(attended(s, 'm2', 2, false));
    expect(s.escalations(s.last).map((e) => e.data.session)).toEqual(['m2']);
  });

  it('other programmes do not ask for the headteacher', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    s.send(attended(s, 'm1', 2, false));
    expect(s.escalations()).toEqual([]);
  });

  it('the reminders of the first workshop go to the headteacher too', () => {
    const s = readinessWorkshops();
    const due = s.context.timers['reminder:m1:14']!.event;
    s.send(due);
    expect(s.last).toContainEqual(expect.objectContaining({ type: 'notify', template: 'first-workshop-reminder', to: ['teachers', 'headteacher'] }));
    s.send(s.context.timers['reminder:m2:14']!.event);
    expect(s.last).toContainEqual(expect.objectContaining({ type: 'notify', template: 'session-reminder', to: ['teachers'] }));
  });
});

describe('session timers', () => {
  const keysOf = (effects: Effect[], type: Effect['type']) => effects.filter((e) => e.type === type).map((e) => (e as { key: string }).key);

  it('a schedule sets a reminder 14 and 2 days before each session and a check the day after', () => {
    const s = committed(devLight);
    s.send(schedule(devLight, meetings(devLight, 1)));
    expect(s.last.filter((e) => e.type === 'timer.set')).toEqual([
      { type: 'timer.set', key: 'reminder:m1:14', at: '2020-10-27T09:30:00+00:00', event: { type: 'REMINDER_DUE', at: '2020-10-27T09:30:00+00:00', sessionId: 'm1', daysBefore: 14 } },
      { type: 'timer.set', key: 'reminder:m1:2', at: '2020-11-08T09:30:00+00:00', event: { type: 'REMINDER_DUE', at: '2020-11-08T09:30:00+00:00', sessionId: 'm1', daysBefore: 2 } },
      { type: 'timer.set', key: 'check:m1', at: '2020-11-11T09:30:00+00:00', event: { type: 'SESSION_CHECK_DUE', at: '2020-11-11T09:30:00+00:00', sessionId: 'm1' } },
    ]);
    expect(Object.keys(s.context.timers).sort()).toEqual(['check:m1', 'reminder:m1:14', 'reminder:m1:2', 'year-end:2020/21']);
  });

  it('reminders already in the past are not set', () => {
    const s = committed(devLight);
    s.send(schedule(devLight, meetings(devLight, 1), london('2020-11-01')));
    expect(keysOf(s.last, 'timer.set')).toEqual(['reminder:m1:2', 'check:m1']);
  });

  it('a cancelled session has its reminders and check cancelled', () => {
    const s = committed(devLight);
    s.send(schedule(devLight, meetings(devLight, 2)));
    s.send({ type: 'SESSION_CANCELLED', at: london('2020-10-01'), sessionId: 'm1', reason: 'the specialist is ill' });
    expect(keysOf(s.last, 'timer.cancel')).toEqual(['reminder:m1:14', 'reminder:m1:2', 'check:m1']);
    expect(Object.keys(s.context.timers).filter((k) => k.includes('m1'))).toEqual([]);
    expect(Object.keys(s.context.timers).filter((k) => k.includes('m2'))).toHaveLength(3);
    expect(s.last).toContainEqual(expect.objectContaining({ type: 'notify', template: 'session-cancelled', to: ['teachers', 'headteacher'] }));
    // A reminder that fires anyway (it was already on its way) sends nothing.
    s.send({ type: 'REMINDER_DUE', at: london('2020-10-27', '09:30'), sessionId: 'm1', daysBefore: 14 });
    expect(s.last).toEqual([]);
  });

  it('a moved session has its timers set again at the new date, in London wall time across the clock change', () => {
    const s = committed(devLight);
    s.send(schedule(devLight, meetings(devLight, 2)));
    // 10 December 2020 09:30 GMT moves to 8 April 2021 09:30 BST; the clocks went forward on 28 March.
    s.send({ type: 'SESSION_MOVED', at: london('2021-01-05'), sessionId: 'm2', to: london('2021-04-08', '09:30'), place: 'Riverside Academy' });
    expect(s.context.sessions.find((x) => x.id === 'm2')).toMatchObject({ at: '2021-04-08T09:30:00+01:00', place: 'Riverside Academy', status: 'scheduled' });
    expect(keysOf(s.last, 'timer.cancel')).toEqual(['reminder:m2:14', 'reminder:m2:2', 'check:m2']);
    const set = Object.fromEntries(s.last.filter((e) => e.type === 'timer.set').map((e) => [(e as { key: string }).key, (e as { at: string }).at]));
    // 14 days before is 25 March, still GMT: 09:30 on the wall clock, not 08:30.
    expect(set).toEqual({ 'reminder:m2:14': '2021-03-25T09:30:00+00:00', 'reminder:m2:2': '2021-04-06T09:30:00+01:00', 'check:m2': '2021-04-09T09:30:00+01:00' });
    expect(new Date(set['reminder:m2:14']!).toISOString()).toBe('2021-03-25T09:30:00.000Z');
    expect(new Date(set['reminder:m2:2']!).toISOString()).toBe('2021-04-06T08:30:00.000Z');
    const moved = s.last.find((e): e is Notify => e.type === 'notify' && e.template === 'session-moved')!;
    expect(moved.data).toMatchObject({ from: 'Thursday 10 December 2020, 09:30', when: 'Thursday 8 April 2021, 09:30' });
    // The reminder at the old date no longer exists; the one at the new date reminds of the new date.
    s.send(s.context.timers['reminder:m2:14']!.event);
    expect(s.last.find((e) => e.type === 'notify')).toMatchObject({ template: 'session-reminder', data: { when: 'Thursday 8 April 2021, 09:30', daysBefore: 14 } });
  });

  it('attendance cancels the check; an unrecorded session escalates once to the hub lead', () => {
    const s = committed(devLight);
    s.send(schedule(devLight, meetings(devLight, 2)));
    s.send(attended(s, 'm1'));
    expect(keysOf(s.last, 'timer.cancel')).toEqual(['check:m1']);
    const check = s.context.timers['check:m2']!.event;
    s.send(check);
    const raised = s.escalations(s.last);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ template: 'attendance-missing', to: ['hubLead'], key: '123456:sec-dev-2020:unrecorded:m2' });
    expect(s.summary.overdue).toBe(true);
    expect(s.context.timers['check:m2']).toBeUndefined();
    // The same firing delivered twice changes nothing.
    s.send(check);
    expect(s.last).toEqual([]);
    expect(s.context.escalations).toEqual(['unrecorded:m2']);
    // The hub records it late: nothing is overdue any more, and the escalation stays in the history.
    const m2 = s.context.sessions.find((x) => x.id === 'm2')!;
    s.send(attend('m2', new Date(Date.parse(m2.at) + 5 * 86_400_000).toISOString(), 2, false));
    expect(s.context.sessions.find((x) => x.id === 'm2')!.status).toBe('held');
    expect(s.summary.overdue).toBe(false);
    expect(s.context.escalations).toEqual(['unrecorded:m2']);
  });

  it('a missed session escalates to the hub lead and the headteacher', () => {
    const s = committed(devLight);
    s.send(schedule(devLight, meetings(devLight, 2)));
    s.send(attended(s, 'm1', 0));
    expect(s.escalations(s.last)).toEqual([expect.objectContaining({ template: 'session-missed', to: ['hubLead', 'headteacher'] })]);
    expect(s.summary.sessionsHeld).toBe(0);
  });
});

describe('the end of the year', () => {
  it('YEAR_ENDED without an evaluation: overdue, with one escalation', () => {
    const s = metAll(secondaryDev, secondarySchool);
    expect(s.summary.status).toBe('evaluating');
    expect(s.effects.filter((e) => e.type === 'evaluation.request')).toHaveLength(1);
    s.send(yearEnded(secondaryDev));
    expect(s.summary).toMatchObject({ status: 'overdue', overdue: true });
    expect(s.escalations(s.last)).toEqual([expect.objectContaining({ template: 'evaluation-overdue', to: ['hubLead', 'headteacher'] })]);
    expect(s.context.timers['year-end:2020/21']).toBeUndefined();
    // A late evaluation completes the phase and cancels every timer still pending.
    const pending = Object.keys(s.context.timers).sort();
    expect(pending).toContain('evaluation-reminder:14');
    s.send(evaluate(secondaryDev, london('2021-09-15')));
    expect(s.summary).toMatchObject({ status: 'completed', evaluationSubmitted: true, overdue: false });
    expect(keysOf(s.last, 'timer.cancel').sort()).toEqual(pending);
    expect(s.context.timers).toEqual({});
  });

  it('YEAR_ENDED before the meetings were held: overdue, and the late evaluation waits for the meetings', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    for (const id of ['m1', 'm2', 'm3']) s.send(attended(s, id));
    s.send(yearEnded(secondaryDev));
    expect(s.summary.status).toBe('overdue');
    expect(s.refusal(evaluate(secondaryDev, london('2021-09-15'))).why).toBe('sec-dev-2020 needs at least 4 meetings/workshops attended before evaluation; 3 so far');
    s.send(attend('m4', london('2021-09-16'), 2));
    s.send(evaluate(secondaryDev, london('2021-09-20')));
    expect(s.summary.status).toBe('completed');
  });

  it('an evaluation is requested once the meetings are held, with a reminder 14 days before it is due', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    for (const id of ['m1', 'm2', 'm3']) s.send(attended(s, id));
    expect(s.effects.filter((e) => e.type === 'evaluation.request')).toEqual([]);
    s.send(attended(s, 'm4'));
    expect(s.last.find((e) => e.type === 'evaluation.request')).toMatchObject({ dueBy: '2021-08-31T23:59:00+01:00', programmeId: 'sec-dev-2020' });
    expect(s.context.timers['evaluation-reminder:14']?.at).toBe('2021-08-17T23:59:00+01:00');
    s.send(s.context.timers['evaluation-reminder:14']!.event);
    expect(s.last.find((e) => e.type === 'notify')).toMatchObject({ template: 'evaluation-reminder', to: ['headteacher', 'teachers'] });
  });

  it('an evaluation requested after its reminder date gets no reminder in the past', () => {
    const s = committed(secondaryDev);
    s.send(schedule(secondaryDev, meetings(secondaryDev, 4)));
    for (const id of ['m1', 'm2', 'm3']) s.send(attended(s, id));
    // The last meeting's attendance is recorded on 20 August, after the 14-day reminder (17 August) would have fallen.
    s.send(attend('m4', london('2021-08-20'), 2));
    expect(s.last.find((e) => e.type === 'evaluation.request')).toMatchObject({ dueBy: '2021-08-31T23:59:00+01:00' });
    expect(keysOf(s.last, 'timer.set')).not.toContain('evaluation-reminder:14');
    expect(s.context.timers['evaluation-reminder:14']).toBeUndefined();
  });
});

function keysOf(effects: Effect[], type?: Effect['type']): string[] {
  return effects.filter((e) => !type || e.type === type).map((e) => (e as { key: string }).key);
}

describe('withdrawal, deferral and teacher replacement from every live state', () => {
  const p = secondaryDev;
  const live: Record<string, () => School> = {
    applied: () => new School().send(apply(p)),
    eligible: () => new School().send(apply(p)).send(eligible(p)),
    waitlisted: () => new School().send(apply(p)).send(eligible(p)).send({ type: 'WAITLISTED', at: london('2020-06-26'), reason: 'the group is full' }),
    selected: () => new School().send(apply(p)).send(eligible(p)).send(select(p)).send(schedule(p, meetings(p, 4))),
    active: () => {
      const s = committed(p).send(schedule(p, meetings(p, 4)));
      return s.send(attended(s, 'm1'));
    },
    evaluating: () => metAll(p, secondarySchool),
    overdue: () => metAll(p, secondarySchool).send(yearEnded(p)),
  };

  for (const [status, reach] of Object.entries(live)) {
    it(`${status}: withdrawn, with every timer cancelled, and may apply again later`, () => {
      const s = reach();
      expect(s.summary.status).toBe(status);
      const pending = Object.keys(s.context.timers).sort();
      s.send({ type: 'WITHDRAWN', at: london('2020-12-01'), reason: 'the maths lead left' });
      expect(s.summary).toMatchObject({ phase: 'development', status: 'withdrawn', reason: 'the maths lead left' });
      expect(keysOf(s.last, 'timer.cancel').sort()).toEqual(pending);
      expect(s.context.timers).toEqual({});
      expect(s.last).toContainEqual(expect.objectContaining({ type: 'notify', template: 'withdrawn', to: ['headteacher', 'hubLead'] }));
      expect(s.summary.pastPhases.at(-1)).toEqual({ phase: 'development', academicYear: '2020/21', outcome: 'withdrawn' });
      s.send(apply(secondaryDev2021));
      expect(s.summary).toMatchObject({ phase: 'development', status: 'applied', academicYear: '2021/22', fundingPaidPence: 0, sessionsHeld: 0 });
    });

    it(`${status}: deferred to a later year, then resumed in that year`, () => {
      const s = reach();
      s.send({ type: 'DEFERRED', at: london('2020-12-01'), reason: 'a new headteacher', untilYear: '2021/22' });
      expect(s.summary).toMatchObject({ status: 'deferred', reason: 'a new headteacher' });
      expect(s.context.timers).toEqual({});
      expect(s.context.deferredUntil).toBe('2021/22');
      expect(s.refusal(attend('m2', london('2020-12-10', '16:00'))).why).toMatch(/^ATTENDANCE_RECORDED is not accepted now; accepted: WITHDRAWN, RESUMED$/);
      s.send({ type: 'RESUMED', at: london('2021-09-01'), programme: secondaryDev2021 });
      // It resumes where it left; a school that had signed signs again for the new year (at `selected`).
      const resumedAt = ['applied', 'eligible', 'waitlisted'].includes(status) ? status : 'selected';
      expect(s.summary).toMatchObject({ phase: 'development', status: resumedAt, academicYear: '2021/22', sessionsHeld: 0, fundingPaidPence: 0, overdue: false });
      expect(s.summary.groupId).toBe(resumedAt === 'selected' ? `wg-${p.id}` : null);
      expect(s.context.deferredFrom).toBeUndefined();
      expect(s.context.escalations).toEqual([]);
      expect(s.summary.pastPhases).toEqual([{ phase: 'development', academicYear: '2020/21', outcome: 'deferred' }]);
      if (resumedAt === 'applied') s.send({ ...eligible(secondaryDev2021), at: london('2021-09-02') });
      if (resumedAt !== 'selected') s.send({ ...select(secondaryDev2021), at: london('2021-09-02') });
      expect(s.summary.status).toBe('selected');
      // The resumed year runs as any other: commitment, meetings, the grant once.
      s.send(sign(secondaryDev2021)).send(schedule(secondaryDev2021, meetings(secondaryDev2021, 4)));
      s.send(attended(s, 'm1'));
      expect(s.last.filter((e) => e.type === 'funding.release')).toHaveLength(1);
    });

    it(`${status}: a teacher replaced, the state unchanged`, () => {
      const s = reach();
      const before = s.state.value;
      s.send({ type: 'TEACHER_REPLACED', at: london('2020-12-01'), slot: 2, teacher: replacementTeacher });
      expect(s.state.value).toEqual(before);
      expect(s.last).toEqual([]);
      expect(s.context.teachers).toEqual([twoTeachers[0], replacementTeacher]);
    });
  }

  it('later messages go to the replacement teacher', () => {
    const s = committed(p).send(schedule(p, meetings(p, 4)));
    s.send({ type: 'TEACHER_REPLACED', at: london('2020-10-01'), slot: 1, teacher: replacementTeacher });
    s.send(s.context.timers['reminder:m1:14']!.event);
    const reminder = s.last.find((e): e is Notify => e.type === 'notify')!;
    expect(reminder.recipients.map((r) => r.email)).toEqual([replacementTeacher.email, twoTeachers[1]!.email]);
  });

  it('a deferred school may still withdraw; a withdrawn or completed one cannot defer', () => {
    const s = live.applied!().send({ type: 'DEFERRED', at: london('2020-07-01'), reason: 'new head', untilYear: '2021/22' });
    s.send({ type: 'WITHDRAWN', at: london('2020-07-02'), reason: 'closing' });
    expect(s.summary.pastPhases.map((x) => x.outcome)).toEqual(['deferred', 'withdrawn']);
    expect(s.refusal({ type: 'DEFERRED', at: london('2020-07-03'), reason: 'x', untilYear: '2021/22' }).why).toMatch(/^DEFERRED is not accepted now; accepted: APPLY$/);
    const done = completed(p, secondarySchool);
    expect(done.refusal({ type: 'WITHDRAWN', at: london('2021-08-01'), reason: 'x' }).why).toBe('WITHDRAWN is not accepted now; accepted: ADVANCED, APPLY');
  });
});

describe('Sustaining repeats yearly', () => {
  it('after Embedding, Sustaining again each year, never twice in one year', () => {
    const s = completed(secondaryDev, secondarySchool);
    const sustaining = ['2022/23', '2023/24', '2024/25'].map((y) => variant(secondaryEmb, { id: `sec-sus-${y.slice(0, 4)}`, phase: 'sustaining', academicYear: y }));
    const runYear = (q: Programme) => {
      s.send(advance(q)).send(sign(q)).send(schedule(q, meetings(q, 2)));
      s.send(attended(s, 'm1')).send(attended(s, 'm2')).send(evaluate(q));
    };
    runYear(secondaryEmb);
    expect(s.refusal({ ...advance(secondaryEmb), at: london('2022-09-01') }).why).toBe('after embedding the secondary route goes to sustaining, not embedding');
    for (const q of sustaining) {
      runYear(q);
      expect(s.summary).toMatchObject({ phase: 'sustaining', status: 'completed', academicYear: q.academicYear });
      expect(s.refusal({ ...advance(q), at: london(`${y0(q) + 1}-09-01`) }).why).toBe(`the next phase must be in a later academic year than ${q.academicYear}, not ${q.academicYear}`);
    }
    expect(s.summary.pastPhases.map((x) => `${x.phase} ${x.academicYear}`)).toEqual([
      'development 2020/21', 'embedding 2021/22', 'sustaining 2022/23', 'sustaining 2023/24', 'sustaining 2024/25',
    ]);
  });
});

describe('the fold is deterministic and its snapshots are plain JSON', () => {
  /** A year with most kinds of event: schedule, a move, a cancellation, reminders, a miss, attendance, the grant, the evaluation. */
  function history(): PathwayEvent[] {
    const p = secondaryDev;
    const s = committed(p);
    const events: PathwayEvent[] = [apply(p), eligible(p), select(p), sign(p)].map((e) => parseEvent(e));
    const more: (PathwayEventInput | ((c: PathwayContext) => PathwayEventInput))[] = [
      schedule(p, meetings(p, 5)),
      { type: 'SESSION_MOVED', at: london('2020-10-01'), sessionId: 'm3', to: london('2021-04-08', '09:30') },
      { type: 'SESSION_CANCELLED', at: london('2020-10-02'), sessionId: 'm5', reason: 'the hub school is closed' },
      (c) => c.timers['reminder:m1:14']!.event,
      (c) => c.timers['reminder:m1:2']!.event,
      attend('m1', london('2020-11-10', '16:00'), 0),
      (c) => c.timers['reminder:m2:14']!.event,
      attend('m2', london('2020-12-10', '16:00'), 2),
      { type: 'GAP_TASK_COMPLETED', at: london('2021-01-05'), task: 'bar models' },
      { type: 'RELEASE_DAYS_RECORDED', at: london('2021-01-06'), days: 1.5 },
      attend('m4', london('2021-02-10', '16:00'), 2),
      (c) => c.timers['check:m3']!.event,
      attend('m3', london('2021-04-09', '10:00'), 1),
      attend('m1', london('2021-04-10', '10:00'), 2),
      (c) => c.timers['evaluation-reminder:14']!.event,
      evaluate(p),
    ];
    for (const m of more) {
      const e = parseEvent(typeof m === 'function' ? m(s.context) : m);
      s.send(e);
      events.push(e);
    }
    expect(s.summary.status).toBe('completed');
    return events;
  }

  function foldWithEffects(events: PathwayEvent[], from = initialState(URN)) {
    let state = from;
    const steps: { snapshot: PersistedPathway; effects: Effect[] }[] = [];
    for (const e of events) {
      const d = decide(state, e);
      state = d.snapshot;
      steps.push({ snapshot: d.snapshot, effects: d.effects });
    }
    return steps;
  }

  it('the same events folded twice give deep-equal snapshots and effects', () => {
    const events = history();
    const a = foldWithEffects(events);
    const b = foldWithEffects(structuredClone(events));
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(fold(URN, events)).toEqual(a.at(-1)!.snapshot);
  });

  it('decide() leaves the snapshot and the event it is given untouched', () => {
    const events = history();
    let state = initialState(URN);
    for (const e of events) {
      const frozenState = deepFreeze(structuredClone(state));
      const frozenEvent = deepFreeze(structuredClone(e));
      const d = decide(frozenState, frozenEvent);
      expect(frozenState).toEqual(state);
      state = d.snapshot;
    }
  });

  it('cut anywhere, sent through JSON and continued, the history ends the same', () => {
    const events = history();
    const whole = foldWithEffects(events);
    for (let cut = 0; cut <= events.length; cut++) {
      const head = foldWithEffects(events.slice(0, cut));
      const stored = JSON.parse(JSON.stringify(head.at(-1)?.snapshot ?? initialState(URN))) as PersistedPathway;
      const tail = foldWithEffects(events.slice(cut), stored);
      expect([...head, ...tail].map((x) => x.effects)).toEqual(whole.map((x) => x.effects));
      expect(tail.at(-1)?.snapshot ?? stored).toEqual(whole.at(-1)!.snapshot);
    }
  });

  it('a stored history that no longer replays fails loudly', () => {
    const events = history();
    const broken = [...events.slice(0, 4), parseEvent(attend('m1', london('2020-11-10', '16:00')))];
    expect(() => fold(URN, broken)).toThrow(/\(Development: taking part\) cannot take ATTENDANCE_RECORDED: no session m1/);
  });
});
