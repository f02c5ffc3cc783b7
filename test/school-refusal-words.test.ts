/**
 * A refusal on the school page in the hub officer's words: the rules' own
 * references ("(rule actionPlanWithLeader, seed 002)") are for the rule book,
 * event names and session ids read as what they are.
 */
import { describe, expect, it } from 'vitest';
import { eventWords, refusalWords } from '../service/school-words.js';

describe('refusalWords', () => {
  it('drops where a rule comes from, and keeps a parenthesis that is part of the sentence', () => {
    expect(refusalWords("an action plan is made with the school's leader; allocate one first (rule actionPlanWithLeader, seed 002)")).toBe('An action plan is made with the school’s leader; allocate one first');
    expect(refusalWords('judged after the last workshop (rule masteryReady, seed 002)')).toBe('Judged after the last workshop');
    expect(refusalWords('the amount (seed 001: £2,000) is paid once')).toBe('The amount is paid once');
    expect(refusalWords('the second meeting (14 January) has not been held')).toBe('The second meeting (14 January) has not been held');
  });

  it('writes the rules’ dates as a person reads them', () => {
    expect(refusalWords('the Mastery Ready judgement comes at the end of Readiness 2026/27, after its last workshop on 2027-06-10: 2 of 6 workshops held so far (rule masteryReady, seed 002)')).toBe(
      'The Mastery Ready judgement comes at the end of Readiness 2026/27, after its last workshop on 10 June 2027: 2 of 6 workshops held so far',
    );
    expect(refusalWords('visit v1 is on 2026-12-03T09:30:00Z; its review cannot come before it')).toBe('Visit v1 is on Thursday 3 December 2026, 9.30am; its review cannot come before it');
    expect(refusalWords('secondary-development-2026-27 is for 2026/27')).toBe('Secondary-development-2026-27 is for 2026/27');
  });

  it('names a programme as the pages do, without the catalogue’s note', () => {
    expect(refusalWords('Secondary Development 2026/27 (rules carried forward from 2021/22) is led by a Secondary Mastery Specialist (rule leaderRole, seed 001)')).toBe('Secondary Development 2026/27 is led by a Secondary Mastery Specialist');
  });

  it('says what the back-dating rule is about, the date, without the event or the rule', () => {
    expect(
      refusalWords('MASTERY_READY_JUDGED at 2026-12-03T08:51:00.000Z falls in Readiness 2026/27, which the school left on 2027-07-11 (completed): a phase the school has left takes no more events (rule backDating; record it with a date on or after 2027-07-11)'),
    ).toBe('Thursday 3 December 2026, 8.51am falls in Readiness 2026/27, which the school left on 11 July 2027 (completed): a phase the school has left takes no more events (record it with a date on or after 11 July 2027)');
    expect(refusalWords('ACTION_PLAN_CREATED is not accepted now; accepted: WITHDRAWN, MASTERY_READY_JUDGED')).toBe('It is not possible to record the action plan at this step; at this step the hub can withdraw the school and record the Mastery Ready judgement');
  });

  it('names sessions and actions, not their ids', () => {
    expect(refusalWords('secondary-development-2026-27.meeting-02 has not been held')).toBe('Meeting 2 has not been held');
  });
});

describe('eventWords', () => {
  it('names a leader by the title of the school’s route, as the page’s plan section does', () => {
    const allocated = (role: string) => ({ type: 'LEADER_ALLOCATED', payload: { leader: { id: 'x', name: 'Sam Okafor', role } } });
    expect(eventWords(allocated('specialist'), { route: 'secondary' }).title).toBe('Sam Okafor allocated as the school’s Secondary Mastery Specialist');
    expect(eventWords(allocated('specialist'), { route: 'primary' }).title).toBe('Sam Okafor allocated as the school’s Mastery Specialist');
    expect(eventWords(allocated('readinessLead'), { route: 'primary' }).title).toBe('Sam Okafor allocated as the school’s Mastery Readiness Lead');
  });

  it('tells a late joiner’s dates as the group’s, with how many were held before it joined and its own first, not the group’s first', () => {
    const sessions = [
      { id: 'primary-readiness-2026-27.workshop-01', kind: 'workshop', at: '2026-09-10T08:00:00Z' },
      { id: 'primary-readiness-2026-27.visit-01', kind: 'visit', at: '2026-09-17T08:00:00Z' },
      { id: 'primary-readiness-2026-27.workshop-02', kind: 'workshop', at: '2026-11-12T09:00:00Z' },
    ];
    const late = eventWords({ type: 'SCHEDULE_SET', occurredAt: '2026-11-10T09:00:00Z', payload: { sessions, joinedLate: true } }, { sessionOfKind: (k) => (k === 'workshop' ? 6 : 3) });
    expect(late).toEqual({ title: 'Given the work group’s 3 dates on joining it late', detail: '2 were held before the school joined, and are not the school’s to attend. Its first is Workshop 2 of 6 on Thursday 12 November 2026, 9am.' });
    // The group's own year reads as before.
    expect(eventWords({ type: 'SCHEDULE_SET', occurredAt: '2026-09-01T09:00:00Z', payload: { sessions } }).title).toBe('The year’s 3 sessions were scheduled');
  });
});
