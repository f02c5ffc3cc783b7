/**
 * Machine fixes of issue 11: a deferred school resumes where it left,
 * ADVANCED leaves the old work group behind, and the upcoming list read at a
 * time shows only what is ahead, with past unrecorded sessions as attendance
 * to record.
 */
import { describe, expect, it } from 'vitest';
import { decide, initialState, parseEvent, summaryOf, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import { upcomingAt } from '../machines/summary.js';
import { allSignatures, london, primaryDev, primaryReadiness, primaryReadiness2021, primarySchool, primaryTrg, twoTeachers, variant } from './fixtures/programmes.js';

function run(events: PathwayEventInput[], from: PersistedPathway = initialState('100001')): PersistedPathway {
  return events.reduce((s, e) => decide(s, parseEvent(e)).snapshot, from);
}

const applyReadiness: PathwayEventInput = { type: 'APPLY', at: london('2020-03-01'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers };
const defer: PathwayEventInput = { type: 'DEFERRED', at: london('2020-05-01'), reason: 'a new headteacher', untilYear: '2021/22' };
const resume: PathwayEventInput = { type: 'RESUMED', at: london('2021-06-01'), programme: primaryReadiness2021 };

describe('deferral resumes to the state the school left', () => {
  it('a school that deferred while applied resumes applied (it used to jump to selected)', () => {
    const s = run([applyReadiness, defer, resume]);
    expect(summaryOf(s)).toMatchObject({ phase: 'readiness', status: 'applied', academicYear: '2021/22', groupId: null });
  });

  it('eligible resumes eligible, with its criteria; waitlisted resumes waitlisted', () => {
    const eligible: PathwayEventInput = { type: 'ELIGIBILITY_ASSESSED', at: london('2020-03-10'), eligible: true, criteria: ['highStaffTurnover'] };
    const e = run([applyReadiness, eligible, defer, resume]);
    expect(summaryOf(e).status).toBe('eligible');
    expect(e.context.criteria).toEqual(['highStaffTurnover']);
    const w = run([applyReadiness, eligible, { type: 'WAITLISTED', at: london('2020-03-12'), reason: 'full' }, defer, resume]);
    expect(summaryOf(w).status).toBe('waitlisted');
  });

  it('a snapshot deferred before the state was recorded (no deferredFrom) resumes at selected, as it did then', () => {
    const s = run([applyReadiness, defer]);
    const old = { ...s, context: { ...s.context } };
    delete (old.context as { deferredFrom?: unknown }).deferredFrom;
    expect(summaryOf(run([resume], old)).status).toBe('selected');
  });
});

describe('ADVANCED leaves the old work group behind', () => {
  const trg = variant(primaryTrg, { id: 'pri-trg-2019', sessions: [{ kind: 'meeting', min: 1, cadence: 'halfTermly', source: ['web'] }] });
  const trgYear: PathwayEventInput[] = [
    { type: 'APPLY', at: london('2019-03-01'), programme: trg, school: primarySchool, teachers: twoTeachers },
    { type: 'ELIGIBILITY_ASSESSED', at: london('2019-03-10'), eligible: true },
    { type: 'SELECTED', at: london('2019-03-20'), groupId: 'trg-group', groupSize: 3 },
    { type: 'COMMITMENT_SIGNED', at: london('2019-03-25'), signatories: allSignatures(trg) },
    { type: 'SCHEDULE_SET', at: london('2019-03-26'), sessions: [{ id: 't1', kind: 'meeting', at: london('2019-05-09', '09:30'), place: 'hub' }] },
    { type: 'ATTENDANCE_RECORDED', at: london('2019-05-09', '16:00'), sessionId: 't1', teachersPresent: 2 },
    { type: 'EVALUATION_SUBMITTED', at: london('2019-07-10'), summary: 'done' },
  ];
  const readiness = variant(primaryReadiness, { id: 'pri-ready-2019', academicYear: '2019/20' });

  it('a Readiness school no longer shows its TRG group', () => {
    const s = run([...trgYear, { type: 'ADVANCED', at: london('2019-09-01'), programme: readiness }]);
    expect(summaryOf(s)).toMatchObject({ phase: 'readiness', status: 'selected', groupId: null });
  });

  it('a school named into a group by the transition continues in it', () => {
    const s = run([...trgYear, { type: 'ADVANCED', at: london('2019-09-01'), programme: readiness, groupId: 'readiness-group' }]);
    expect(summaryOf(s).groupId).toBe('readiness-group');
  });

  it('old ADVANCED events without a group still parse', () => {
    expect(parseEvent({ type: 'ADVANCED', at: london('2021-09-01'), programme: primaryDev })).not.toHaveProperty('groupId');
  });
});

describe('upcoming, read at a time', () => {
  const items = [
    { what: 'meeting m1 at Hub school', at: '2020-11-12T13:00:00+00:00' },
    { what: 'evaluation reminder', at: '2020-12-01T09:00:00+00:00' },
    { what: 'meeting m2 at Hub school', at: '2021-01-14T13:00:00+00:00' },
    { what: 'evaluation due (end of academic year)', at: '2021-08-31T23:59:00+01:00' },
  ];

  it('shows only what is still ahead; a past unrecorded session is attendance to record', () => {
    expect(upcomingAt(items, '2020-12-15T10:00:00Z')).toEqual([
      { what: 'attendance to record: meeting m1 at Hub school', at: '2020-11-12T13:00:00+00:00' },
      { what: 'meeting m2 at Hub school', at: '2021-01-14T13:00:00+00:00' },
      { what: 'evaluation due (end of academic year)', at: '2021-08-31T23:59:00+01:00' },
    ]);
  });

  it('before everything, the list is unchanged', () => {
    expect(upcomingAt(items, '2020-10-01T10:00:00Z')).toEqual(items);
  });

  it('a school that withdrew or deferred has no sessions listed, even from a summary stored before that was so', () => {
    for (const status of ['withdrawn', 'deferred']) expect(upcomingAt(items, '2020-12-15T10:00:00Z', status)).toEqual([{ what: 'evaluation due (end of academic year)', at: '2021-08-31T23:59:00+01:00' }]);
    expect(upcomingAt(items, '2020-12-15T10:00:00Z', 'active')).toEqual(upcomingAt(items, '2020-12-15T10:00:00Z'));
  });
});
