/**
 * machines/steps.ts called directly (issue 15's mutation score), for the
 * steps the generated histories of machines-golden do not reach: a school
 * declined (by the hub, or found not eligible), a session cancelled, a
 * deferral and each way back, a withdrawal, a replaced teacher, a fired
 * timer forgotten, the timer key of each timer event, an action plan
 * review, and a schedule set after a cancellation. What each asks for is written out: the context it changes and
 * the email (key, kind, template, recipients, data). Pure.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, emptyContext, freshPhase, type PathwayContext, type SessionRecord } from '../machines/context.js';
import type { EventOf, PathwayEvent } from '../machines/events.js';
import { actionPlanReviewed, declined, deferred, forgetTimer, reminderDue, resumed, scheduleSet, sessionCancelled, teacherReplaced, timerKeyOf, withdrawn } from '../machines/steps.js';
import { london, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

const URN = '137010';
const session = (id: string, day: string, status: SessionRecord['status'] = 'scheduled'): SessionRecord => ({ id, kind: 'meeting', at: london(day, '13:30'), place: 'The Minster School', status, teachersPresent: 0, headteacherPresent: false });
function school(over: Partial<PathwayContext> = {}): PathwayContext {
  return { ...emptyContext({ urn: URN }), ...freshPhase(secondaryDev), school: secondarySchool, teachers: twoTeachers, groupId: 'wg-1', criteria: ['c1'], ...over };
}
const head = { role: 'headteacher', name: secondarySchool.headteacher.name, email: secondarySchool.headteacher.email };
const ev = <T extends PathwayEvent['type']>(e: { type: T } & Record<string, unknown>) => e as unknown as EventOf<T>;

describe('steps the generated histories do not reach', () => {
  it('declined by the hub: the phase closed, the reason and the alternative kept, the headteacher told both', () => {
    const at = london('2020-07-01');
    const s = declined(school(), ev({ type: 'DECLINED', at, reason: 'the group is full', alternative: 'next year' }));
    expect(s.patch).toMatchObject({ lastReason: 'the group is full', alternativeOffered: 'next year', past: [{ phase: 'development', programmeId: 'sec-dev-2020', academicYear: '2020/21', outcome: 'declined', at, fundingPaidPence: 0 }] });
    expect(s.effects).toEqual([
      expect.objectContaining({ type: 'notify', key: `${URN}:sec-dev-2020:declined`, kind: 'confirmation', template: 'declined', to: ['headteacher'], recipients: [head], urn: URN, data: expect.objectContaining({ school: secondarySchool.name, reason: 'the group is full', alternative: 'next year', decidedAt: at }) }),
    ]);
  });

  it('found not eligible: the assessor’s note is the reason (else "not eligible"), and no alternative', () => {
    const at = london('2020-07-01');
    const noted = declined(school(), ev({ type: 'ELIGIBILITY_ASSESSED', at, eligible: false, note: 'outside the hub' }));
    expect(noted.patch).toMatchObject({ lastReason: 'outside the hub', alternativeOffered: null });
    expect(noted.effects[0]).toMatchObject({ data: { reason: 'outside the hub', alternative: '' } });
    const bare = declined(school(), ev({ type: 'ELIGIBILITY_ASSESSED', at, eligible: false }));
    expect(bare.patch).toMatchObject({ lastReason: 'not eligible', alternativeOffered: null });
  });

  it('a cancelled session: only it is cancelled, its timers go, and teachers and headteacher are told which one and why', () => {
    const c = school({ sessions: [session('m1', '2020-11-12'), session('m2', '2021-01-14')], timers: { 'reminder:m2:14': { at: london('2020-12-31'), event: { type: 'REMINDER_DUE' } }, 'reminder:m1:14': { at: london('2020-10-29'), event: { type: 'REMINDER_DUE' } } } as unknown as PathwayContext['timers'] });
    const at = london('2020-12-01');
    const s = sessionCancelled(c, ev({ type: 'SESSION_CANCELLED', at, sessionId: 'm2', reason: 'snow' }));
    expect((s.patch.sessions ?? []).map((x) => [x.id, x.status])).toEqual([['m1', 'scheduled'], ['m2', 'cancelled']]);
    expect(Object.keys(s.patch.timers ?? {})).toEqual(['reminder:m1:14']);
    const mail = s.effects.find((f) => f.type === 'notify');
    expect(mail).toMatchObject({
      key: `${URN}:sec-dev-2020:cancelled:m2`,
      kind: 'confirmation',
      template: 'session-cancelled',
      to: ['teachers', 'headteacher'],
      data: { session: 'm2', n: 2, of: 2, reason: 'snow', decidedAt: at, place: 'The Minster School' },
    });
    expect(s.effects.filter((f) => f.type === 'timer.cancel').map((f) => (f as { key: string }).key)).toEqual(['reminder:m2:14']);
  });

  it('deferred, then resumed at the step it left: criteria kept once assessed, the work group once selected', () => {
    const at = london('2020-09-01');
    const d = deferred(school(), ev({ type: 'DEFERRED', at, reason: 'new head', untilYear: '2021/22' }), 'selected');
    expect(d.patch).toMatchObject({ deferredUntil: '2021/22', deferredFrom: 'selected', lastReason: 'new head', past: [{ outcome: 'deferred', at }] });
    expect(d.effects.filter((f) => f.type === 'notify')).toEqual([]);
    const back = { type: 'RESUMED', at: london('2021-09-01'), programme: secondaryDev } as const;
    const c = school({ deferredFrom: 'selected' });
    expect(resumed(c, ev(back), 'selected').patch).toMatchObject({ criteria: ['c1'], groupId: 'wg-1', enteredAt: back.at, deferredFrom: undefined });
    expect(resumed(c, ev(back), 'eligible').patch).toMatchObject({ criteria: ['c1'], groupId: null });
    expect(resumed(c, ev(back), 'applied').patch).toMatchObject({ criteria: [], groupId: null });
    expect(resumed(c, ev(back), 'applied').effects).toEqual([]);
  });

  it('withdrawn: the phase closed with the reason, the headteacher and the hub lead told', () => {
    const at = london('2021-02-01');
    const s = withdrawn(school(), ev({ type: 'WITHDRAWN', at, reason: 'staff left' }));
    expect(s.patch).toMatchObject({ lastReason: 'staff left', past: [{ outcome: 'withdrawn', at }] });
    expect(s.effects.filter((f) => f.type === 'notify')).toEqual([
      expect.objectContaining({ key: `${URN}:sec-dev-2020:withdrawn`, kind: 'confirmation', template: 'withdrawn', to: ['headteacher', 'hubLead'], recipients: [head], data: expect.objectContaining({ reason: 'staff left', decidedAt: at }) }),
    ]);
  });

  it('a replaced teacher takes their slot only', () => {
    const t = { name: 'New Teacher', email: 'new@school.example', role: 'teacher' };
    const s = teacherReplaced(school(), ev({ type: 'TEACHER_REPLACED', at: london('2021-01-05'), slot: 2, teacher: t }));
    expect(s).toEqual({ patch: { teachers: [twoTeachers[0], t] }, effects: [] });
  });

  it('a fired timer is forgotten; an unknown one changes nothing', () => {
    const c = school({ timers: { a: { at: 'x' }, b: { at: 'y' } } as unknown as PathwayContext['timers'] });
    expect(forgetTimer(c, 'a')).toEqual({ patch: { timers: { b: { at: 'y' } } }, effects: [] });
    expect(forgetTimer(c, 'zzz')).toEqual({ patch: {}, effects: [] });
  });

  it('names the timer each timer event came from, and none for other events', () => {
    const at = london('2021-01-01');
    expect(timerKeyOf(ev({ type: 'REMINDER_DUE', at, sessionId: 'm2', daysBefore: 14 }))).toBe('reminder:m2:14');
    expect(timerKeyOf(ev({ type: 'SESSION_CHECK_DUE', at, sessionId: 'm2' }))).toBe('check:m2');
    expect(timerKeyOf(ev({ type: 'EVALUATION_REMINDER_DUE', at, daysBefore: 7 }))).toBe('evaluation-reminder:7');
    expect(timerKeyOf(ev({ type: 'YEAR_ENDED', at, academicYear: '2020/21' }))).toBe('year-end:2020/21');
    expect(timerKeyOf(ev({ type: 'GAP_TASK_COMPLETED', at, task: 'x' }))).toBeNull();
  });

  it('an action plan review keeps the ideas it does not name, and records the visit and the note', () => {
    const plan = { createdAt: london('2020-10-01'), madeWith: { id: 'sam', name: 'Sam', role: 'specialist' }, aims: {}, progress: { fluency: 'notStarted' }, reviews: [] };
    const c = school({ actionPlan: plan } as unknown as Partial<PathwayContext>);
    const at = london('2020-11-20');
    const s = actionPlanReviewed(c, ev({ type: 'ACTION_PLAN_REVIEWED', at, sessionId: 'v1', progress: { coherence: 'developing', variation: undefined }, note: 'good start' }));
    // Strict: an idea the review did not rate is not stored as a key with no value.
    expect(s).toStrictEqual({
      patch: { actionPlan: { ...plan, progress: { fluency: 'notStarted', coherence: 'developing' }, reviews: [{ at, sessionId: 'v1', progress: { coherence: 'developing' }, note: 'good start' }] } },
      effects: [],
    });
  });

  it('a schedule set after a cancellation: dates in order, the cancelled one kept but left out of the announcement and its numbering', () => {
    const visit = { ...session('v1', '2020-11-05'), kind: 'visit' as const };
    const c = school({ sessions: [session('m1', '2020-11-12', 'held'), session('m2', '2021-01-14', 'cancelled'), visit] });
    const at = london('2021-01-20');
    // Sent out of date order, as a hub may type them.
    const s = scheduleSet(c, ev({ type: 'SCHEDULE_SET', at, policy: DEFAULT_POLICY, sessions: [
      { id: 'm4', kind: 'meeting', at: london('2021-03-04', '13:30'), place: 'The Minster School' },
      { id: 'm3', kind: 'meeting', at: london('2021-02-11', '13:30'), place: 'The Minster School' },
    ] }));
    expect((s.patch.sessions ?? []).map((x) => [x.id, x.status])).toEqual([['v1', 'scheduled'], ['m1', 'held'], ['m2', 'cancelled'], ['m3', 'scheduled'], ['m4', 'scheduled']]);
    const mail = s.effects.find((f) => f.type === 'notify') as unknown as { key: string; template: string; data: { sessions: { session: string; kind: string; n: number; of: number }[]; firstSession: string | null; headteacherAttendsFirst: boolean } };
    expect(mail).toMatchObject({ key: `${URN}:sec-dev-2020:schedule:${at}`, template: 'schedule-announced' });
    expect(mail.data.sessions.map((x) => [x.session, x.kind, x.n, x.of])).toEqual([['v1', 'visit', 1, 1], ['m1', 'meeting', 1, 3], ['m3', 'meeting', 2, 3], ['m4', 'meeting', 3, 3]]);
    // The first meeting, not the earlier visit; no headteacher asked for in this programme.
    expect(mail.data.firstSession).toBe('m1');
    expect(mail.data.headteacherAttendsFirst).toBe(false);
  });

  it('a reminder after a cancellation numbers its meeting among those still on, in date order ("2 of 2", not "3 of 3")', () => {
    // Kept out of date order, as a moved session leaves them.
    const c = school({ sessions: [session('m3', '2021-03-04'), session('m1', '2020-11-12', 'cancelled'), session('m2', '2021-01-14', 'held')] });
    const s = reminderDue(c, ev({ type: 'REMINDER_DUE', at: london('2021-02-18'), sessionId: 'm3', daysBefore: 14 }));
    expect(s.effects.find((f) => f.type === 'notify')).toMatchObject({ template: 'session-reminder', data: { session: 'm3', n: 2, of: 2, daysBefore: 14 } });
  });
});

