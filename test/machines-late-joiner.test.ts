/**
 * pathway@1.3.0: a school that joins its work group after some of the year's
 * sessions were held (here, from the waiting list in January) holds those
 * sessions as "before the school joined": no reminder, no attendance check,
 * no escalation to the hub lead, no attendance to record, not its first
 * workshop, and its minimum of workshops capped at the ones it could still
 * attend. A history recorded under 1.2.0 folds as it did (the hub lead was
 * told "attendance not recorded", the school was overdue). And a school that
 * withdrew or deferred is not overdue for attendance never recorded.
 */
import { describe, expect, it } from 'vitest';
import { EventRejectedError } from '../domain/errors.js';
import { decide, initialState, parseEvent, summaryOf, type Decision, type PersistedPathway } from '../machines/decide.js';
import type { Effect } from '../machines/effects.js';
import type { PathwayEvent, PathwayEventInput } from '../machines/events.js';
import { foldFor, RULES } from '../machines/versions.js';
import { london, primaryReadiness, primarySchool, twoTeachers } from './fixtures/programmes.js';

const URN = '765432';

class School {
  state: PersistedPathway = initialState(URN);
  events: PathwayEvent[] = [];
  last: Decision | null = null;
  send(input: PathwayEventInput | Record<string, unknown>): this {
    const e = parseEvent(input);
    this.last = decide(this.state, e);
    this.state = this.last.snapshot;
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
  status(id: string) {
    return this.state.context.sessions.find((s) => s.id === id)!.status;
  }
}

const notices = (effects: Effect[]) => effects.filter((e) => e.type === 'notify').map((e) => (e as Extract<Effect, { type: 'notify' }>).template);
const timerKeys = (effects: Effect[]) => effects.filter((e) => e.type === 'timer.set').map((e) => (e as Extract<Effect, { type: 'timer.set' }>).key);

/** The group's four Readiness workshops of 2020/21: two held before Christmas, two after. */
const WORKSHOPS = [
  { id: 'w1', kind: 'workshop' as const, at: london('2020-11-10', '09:30') },
  { id: 'w2', kind: 'workshop' as const, at: london('2020-12-08', '09:30') },
  { id: 'w3', kind: 'workshop' as const, at: london('2021-01-12', '09:30') },
  { id: 'w4', kind: 'workshop' as const, at: london('2021-03-10', '09:30') },
];
const JOINED = london('2021-01-05');

/** A Readiness school on the waiting list from the summer, selected in January, given the group's dates at once (as giveGroupDates gives them). */
function lateJoiner(): School {
  return new School()
    .send({ type: 'APPLY', at: london('2020-06-01'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers })
    .send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-06-20'), eligible: true, criteria: [primaryReadiness.eligibility!.criteria[0]!.id] })
    .send({ type: 'WAITLISTED', at: london('2020-06-26'), reason: 'the work group is full' })
    .send({ type: 'SELECTED', at: JOINED, groupId: 'wg-r', groupSize: 8 })
    .send({ type: 'SCHEDULE_SET', at: JOINED, sessions: WORKSHOPS, joinedLate: true });
}

/** A school selected in the summer, in the group all year. */
function wholeYear(): School {
  return new School()
    .send({ type: 'APPLY', at: london('2020-06-01'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers })
    .send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-06-20'), eligible: true, criteria: [primaryReadiness.eligibility!.criteria[0]!.id] })
    .send({ type: 'SELECTED', at: london('2020-06-25'), groupId: 'wg-r', groupSize: 2 })
    .send({ type: 'COMMITMENT_SIGNED', at: london('2020-09-02'), signatories: ['headteacher', 'teacher1', 'teacher2'] })
    .send({ type: 'SCHEDULE_SET', at: london('2020-09-05'), sessions: WORKSHOPS });
}

const SIGN = { type: 'COMMITMENT_SIGNED', at: london('2021-01-06'), signatories: ['headteacher', 'teacher1', 'teacher2'] };
/** The attendance check of w1, as a 1.2.0 host sent it when the late joiner's dates came (its time long past). */
const CHECK_W1 = { type: 'SESSION_CHECK_DUE', at: london('2020-11-11', '09:30'), sessionId: 'w1' };

describe('a late joiner and the sessions held before it joined (pathway@1.3.0)', () => {
  it('holds them as before it joined: no reminder, no attendance check, nothing to record, not overdue', () => {
    const s = lateJoiner();
    expect(s.state.context.joinedAt).toBe(JOINED);
    expect(WORKSHOPS.map((w) => s.status(w.id))).toEqual(['beforeJoining', 'beforeJoining', 'scheduled', 'scheduled']);
    // The timers the schedule set: checks (and the reminder still ahead) for w3 and w4 only.
    const set = timerKeys(s.last!.effects);
    expect(set.filter((k) => k.includes(':w1') || k.includes(':w2'))).toEqual([]);
    expect(set).toEqual(expect.arrayContaining(['check:w3', 'check:w4', 'reminder:w3:2', 'reminder:w4:14']));
    s.send(SIGN);
    expect(s.summary).toMatchObject({ status: 'active', overdue: false, sessionsHeld: 0 });
    expect(s.summary.upcoming.map((u) => u.what)).not.toEqual(expect.arrayContaining([expect.stringMatching(/ w[12] /)]));
  });

  it('refuses attendance at a session held before it joined, naming the session, both dates and the rule', () => {
    const s = lateJoiner().send(SIGN);
    expect(s.why({ type: 'ATTENDANCE_RECORDED', at: london('2021-01-07'), sessionId: 'w2', teachersPresent: 0 })).toContain(
      'session w2 on 2020-12-08 was held before the school joined its work group on 2021-01-05: no attendance is expected from it there (rule beforeJoining)',
    );
  });

  it('needs the workshops it could attend: the programme minimum of 3, capped at the 2 held after it joined', () => {
    const s = lateJoiner().send(SIGN);
    expect(wholeYear().summary.sessionsRequired).toBe(3);
    expect(s.summary.sessionsRequired).toBe(2);
    s.send({ type: 'ATTENDANCE_RECORDED', at: london('2021-01-12', '16:00'), sessionId: 'w3', teachersPresent: 2, headteacherPresent: true });
    expect(s.summary.status).toBe('active');
    s.send({ type: 'ATTENDANCE_RECORDED', at: london('2021-03-10', '16:00'), sessionId: 'w4', teachersPresent: 2 });
    // Its year's obligations met: the evaluation is asked for, as for a school there all year.
    expect(s.summary).toMatchObject({ status: 'evaluating', sessionsHeld: 2, sessionsRequired: 2 });
  });

  it('asks its headteacher to the first workshop after it joined, not to one held before', () => {
    const s = lateJoiner().send(SIGN);
    s.send({ type: 'REMINDER_DUE', at: london('2021-01-10', '09:30'), sessionId: 'w3', daysBefore: 2 });
    const reminder = s.last!.effects.find((e) => e.type === 'notify') as Extract<Effect, { type: 'notify' }>;
    expect(reminder.template).toBe('first-workshop-reminder');
    expect(reminder.to).toContain('headteacher');
  });

  it('takes a session moved to a date after it joined as its own again, with its check; the group may cancel one held before', () => {
    const s = lateJoiner().send(SIGN);
    s.send({ type: 'SESSION_MOVED', at: london('2021-01-08'), sessionId: 'w2', to: london('2021-02-09', '09:30') });
    expect(s.status('w2')).toBe('scheduled');
    expect(Object.keys(s.state.context.timers)).toEqual(expect.arrayContaining(['check:w2', 'reminder:w2:14', 'reminder:w2:2']));
    s.send({ type: 'SESSION_CANCELLED', at: london('2021-01-08'), sessionId: 'w1', reason: 'postponed for good' });
    expect(s.status('w1')).toBe('cancelled');
  });

  it('keeps a session held before it joined as such when the group sets its dates again', () => {
    const s = lateJoiner().send(SIGN).send({ type: 'SCHEDULE_SET', at: london('2021-01-08'), sessions: WORKSHOPS });
    expect(WORKSHOPS.map((w) => s.status(w.id))).toEqual(['beforeJoining', 'beforeJoining', 'scheduled', 'scheduled']);
  });

  it('dates its joining from its dates when its selection, recorded before 1.3.0, kept none', () => {
    const s = new School()
      .send({ type: 'APPLY', at: london('2020-06-01'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers })
      .send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-06-20'), eligible: true, criteria: [primaryReadiness.eligibility!.criteria[0]!.id] })
      .send({ type: 'SELECTED', at: JOINED, groupId: 'wg-r', groupSize: 8 });
    // As folded by 1.2.0: no joining date in the snapshot.
    const { joinedAt: _dropped, ...context } = s.state.context;
    s.state = { ...s.state, context };
    s.send({ type: 'SCHEDULE_SET', at: london('2021-01-06'), sessions: WORKSHOPS, joinedLate: true }).send(SIGN);
    expect(s.state.context.joinedAt).toBe(london('2021-01-06'));
    expect(WORKSHOPS.map((w) => s.status(w.id))).toEqual(['beforeJoining', 'beforeJoining', 'scheduled', 'scheduled']);
    expect(s.why({ type: 'ATTENDANCE_RECORDED', at: london('2021-01-07'), sessionId: 'w1', teachersPresent: 0 })).toContain('before the school joined its work group on 2021-01-06');
  });

  it('raises nothing on an attendance check of a session held before it joined', () => {
    const s = lateJoiner().send(SIGN).send(CHECK_W1);
    expect(s.last!.effects).toEqual([]);
    expect(s.state.context.escalations).toEqual([]);
    expect(s.summary.overdue).toBe(false);
  });
});

describe('a year recorded after the fact (the schedule set after the selection, not given as a late joiner’s)', () => {
  it('holds every session as the school’s, whatever the selection’s date: its attendance is recorded and counted', () => {
    // As the README's command-line year does without --at: selected today, then the group's past year generated.
    const s = new School()
      .send({ type: 'APPLY', at: london('2020-06-01'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers })
      .send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-06-20'), eligible: true, criteria: [primaryReadiness.eligibility!.criteria[0]!.id] })
      .send({ type: 'SELECTED', at: london('2021-08-01'), groupId: 'wg-r', groupSize: 2 })
      .send({ type: 'SCHEDULE_SET', at: london('2021-08-01'), sessions: WORKSHOPS })
      .send({ ...SIGN, at: london('2021-08-01') });
    expect(WORKSHOPS.map((w) => s.status(w.id))).toEqual(['scheduled', 'scheduled', 'scheduled', 'scheduled']);
    s.send({ type: 'ATTENDANCE_RECORDED', at: london('2021-08-02'), sessionId: 'w1', teachersPresent: 2, headteacherPresent: true });
    expect(s.summary).toMatchObject({ status: 'active', sessionsHeld: 1, sessionsRequired: 3 });
  });
});

describe('a late joiner recorded under pathway@1.2.0 folds as it did', () => {
  it('its pre-join sessions scheduled, the check escalated to the hub lead, the school overdue', () => {
    const v12 = RULES['pathway@1.2.0']!;
    // Decided by the frozen 1.2.0 rules, as the host did then: the schedule set a check for w1, which fired at once.
    let state = v12.initialState(URN);
    const events = [...lateJoiner().events, parseEvent(SIGN), parseEvent(CHECK_W1)];
    let lastEffects: Effect[] = [];
    for (const e of events) {
      const d = v12.decide(state, e);
      state = d.snapshot;
      lastEffects = d.effects;
    }
    expect(notices(lastEffects)).toEqual(['attendance-missing']);
    expect(v12.summaryOf(state).overdue).toBe(true);
    // The replay of that history, by the version each event names, gives the same state.
    const replayed = foldFor('pathway@1.2.0')(URN, events, v12.initialState(URN));
    expect(replayed).toEqual(state);
    expect(replayed.context.sessions.map((x) => x.status)).toEqual(['scheduled', 'scheduled', 'scheduled', 'scheduled']);
    expect(replayed.context.escalations).toEqual(['unrecorded:w1']);
  });
});

describe('a school that left its group is not overdue for attendance never recorded', () => {
  /** In the group all year; w1's attendance was never recorded and its check escalated. */
  const unrecorded = () => wholeYear().send({ type: 'SESSION_CHECK_DUE', at: london('2020-11-11', '09:30'), sessionId: 'w1' });

  it('is overdue while it takes part', () => {
    const s = unrecorded();
    expect(notices(s.last!.effects)).toEqual(['attendance-missing']);
    expect(s.summary).toMatchObject({ status: 'active', overdue: true });
  });

  it('is not overdue once withdrawn', () => {
    const s = unrecorded().send({ type: 'WITHDRAWN', at: london('2020-11-20'), reason: 'the maths lead left' });
    expect(s.summary).toMatchObject({ status: 'withdrawn', overdue: false });
  });

  it('is not overdue once deferred', () => {
    const s = unrecorded().send({ type: 'DEFERRED', at: london('2020-11-20'), reason: 'a new headteacher', untilYear: '2021/22' });
    expect(s.summary).toMatchObject({ status: 'deferred', overdue: false });
  });
});
