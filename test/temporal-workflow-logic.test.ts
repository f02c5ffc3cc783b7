/**
 * The school workflow's logic (workflows/school-pathway.ts) with the Temporal
 * workflow API replaced by a fake driven from here (test/temporal-fake.ts):
 * a fake clock for workflow time, timers that fire when the test moves the
 * clock, activities that run in-memory implementations. Two school years are
 * walked end to end: a secondary school's Development year (meetings,
 * £2000 released once, evaluation requested, year-end roll-over) and a
 * primary Readiness year whose headteacher misses the first workshop; plus
 * refusals, signals, failing effects, the size of a year's history, and the
 * cohort transition workflow (with a worker restart half way).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@temporalio/workflow', async () => (await import('./temporal-fake.js')).workflowModule);

import { ApplicationFailure } from '@temporalio/common';
import { FOREVER_ATTEMPTS, fake, FakeContinueAsNew } from './temporal-fake.js';
import { UnknownTemplateError } from '../activities/mail/template-errors.js';
import { schoolPathway } from '../workflows/school-pathway.js';
import { COHORT_CONCURRENCY, cohortTransition } from '../workflows/cohort-transition.js';
import {
  FailureType,
  cohortProgressQuery,
  effectsQuery,
  eventSignal,
  rejectionsQuery,
  sendEventUpdate,
  stateQuery,
  upcomingQuery,
  byProgrammeId,
  type CohortActivities,
  type CohortEvent,
  type CohortOutcome,
  type CohortReport,
  type CohortTransitionInput,
  type EffectsView,
  type PendingTimerView,
  type Rejection,
  type SchoolPathwayInput,
  type SchoolWorkflowState,
  type SendEventResult,
} from '../workflows/messages.js';
import { memoryActivities, newWorld, type World } from './temporal-memory.js';
import { CURRENT_RULES_VERSION } from '../workflows/rules.js';
import type { Notify, ReleaseFunding, RequestEvaluation } from '../machines/effects.js';
import type { PathwayEventInput } from '../machines/events.js';
import { VersionConflictError } from '../domain/errors.js';
import { daysBefore } from '../machines/time.js';
import { decide, fold, parseEvent, summaryOf, type PersistedPathway } from '../machines/decide.js';
import { london, primaryReadiness, primarySchool, secondaryDev, secondaryEmb, secondarySchool, twoTeachers } from './fixtures/programmes.js';

/** Move the clock to `at`, then send the event as an Update (as the engine does). */
async function send(event: PathwayEventInput, actor = 'hub-ops', expectedVersion?: number): Promise<SendEventResult> {
  await fake.advanceTo(event.at);
  return (await fake.update(sendEventUpdate, { event, actor, ...(expectedVersion !== undefined ? { expectedVersion } : {}) })) as SendEventResult;
}

const state = (): SchoolWorkflowState => fake.query(stateQuery);
const ms = (iso: string) => Date.parse(iso);

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterAll(() => {
  vi.useRealTimers();
});
beforeEach(() => {
  fake.reset();
});

const SEC = '137001';
const meetings = [
  { id: 'm1', at: london('2020-11-12', '13:00') },
  { id: 'm2', at: london('2021-01-14', '13:00') },
  { id: 'm3', at: london('2021-03-11', '13:00') },
  { id: 'm4', at: london('2021-05-13', '13:00') },
  { id: 'm5', at: london('2021-07-08', '13:00') },
];

describe('a secondary school\'s Development year on the Temporal host', () => {
  it('holds its meetings, releases £2000 once, requests the evaluation and rolls over at the year end', async () => {
    const world = newWorld();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-06-30', '09:00')));
    fake.workflowId = `school-${SEC}`;
    await fake.start(schoolPathway, { urn: SEC } satisfies SchoolPathwayInput);
    expect(state().summary.status).toBe('prospective');

    const applied = await send({ type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers });
    expect(applied).toMatchObject({ urn: SEC, version: 1, summary: { phase: 'development', status: 'applied' } });
    await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true });
    await send({ type: 'SELECTED', at: london('2020-07-20'), groupId: 'sec-wg-1', groupSize: 2 });
    const committed = await send({ type: 'COMMITMENT_SIGNED', at: london('2020-09-10'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    expect(committed.summary.status).toBe('active');
    await send({ type: 'SCHEDULE_SET', at: london('2020-10-01'), sessions: meetings.map((m) => ({ id: m.id, kind: 'meeting', at: m.at, place: 'Riverside Academy' })) });

    const upcoming: PendingTimerView[] = fake.query(upcomingQuery);
    expect(upcoming[0]).toMatchObject({ key: 'reminder:m1:14', at: london('2020-10-29', '13:00'), event: 'REMINDER_DUE' });
    expect(upcoming.map((t) => t.key)).toContain('year-end:2020/21');

    for (const m of meetings) {
      // Attendance is recorded the afternoon of the meeting; the timers before it fire on the way.
      await send({ type: 'ATTENDANCE_RECORDED', at: m.at.replace('13:00', '17:00'), sessionId: m.id, teachersPresent: 2 });
    }
    let s = state();
    expect(s.summary).toMatchObject({ status: 'evaluating', sessionsHeld: 5, sessionsRequired: 4, fundingPaidPence: 200000 });

    // Reminders went out 14 and 2 days before each meeting, at those times (workflow time), to the teachers.
    for (const m of meetings) {
      for (const days of [14, 2]) {
        const reminder = world.mails.find((x) => x.template === 'session-reminder' && x.data.session === m.id && x.data.daysBefore === days);
        expect(reminder, `reminder ${days} days before ${m.id}`).toBeDefined();
        expect(ms(reminder!.sentAt)).toBe(ms(daysBefore(m.at, days)));
      }
    }

    // £2000 released once, via the releaseFunding activity, after the first meeting was held.
    expect(fake.executed.releaseFunding).toHaveLength(1);
    expect(fake.attempts.releaseFunding).toBe(1);
    expect(world.payments).toEqual([expect.objectContaining({ urn: SEC, programmeId: 'sec-dev-2020', academicYear: '2020/21', amountPence: 200000 })]);
    expect(ms(world.payments[0]!.paidAt)).toBe(ms(london('2020-11-12', '17:00')));
    // The evaluation was requested once the fourth meeting was held.
    expect(world.evaluations).toEqual([expect.objectContaining({ urn: SEC, programmeId: 'sec-dev-2020', dueBy: london('2021-08-31', '23:59') })]);
    expect(world.events.find((e) => e.type === 'ATTENDANCE_RECORDED' && (e.payload as { sessionId: string }).sessionId === 'm4')!.summary.status).toBe('evaluating');

    await send({ type: 'EVALUATION_SUBMITTED', at: london('2021-07-20'), summary: 'went well' });
    expect(state().summary.status).toBe('completed');

    // Every decided event is in the audit log, versions 1..n without a gap; timer firings by "timer".
    expect(world.events.map((e) => e.version)).toEqual(world.events.map((_, i) => i + 1));
    expect(world.events.filter((e) => e.actor === 'timer').map((e) => e.type)).toContain('REMINDER_DUE');
    expect(new Set(world.events.map((e) => e.machineVersion))).toEqual(new Set([CURRENT_RULES_VERSION]));

    // Search attributes carry what lists filter on, and nothing personal.
    expect(fake.searchAttributes).toMatchObject({ PathwayPhase: 'development', PathwayStatus: 'completed', PathwayProgramme: 'sec-dev-2020', PathwayHub: 'Boolean Maths Hub', PathwayAcademicYear: '2020/21', PathwayGroup: 'sec-wg-1', PathwayOverdue: false });
    const attributeText = JSON.stringify(fake.searchAttributes);
    for (const personal of [secondarySchool.headteacher.name, secondarySchool.headteacher.email, twoTeachers[0]!.email]) expect(attributeText).not.toContain(personal);

    // A school year stays far below Temporal's history limits.
    const events = fake.historyEvents();
    expect(events).toBeGreaterThan(100);
    expect(events).toBeLessThan(2000);

    // At the end of the academic year the workflow continues as new, carrying its state.
    expect(fake.outcome.done).toBe(false);
    await fake.advanceTo(london('2021-09-01', '00:00'));
    expect(fake.outcome.error).toBeInstanceOf(FakeContinueAsNew);
    expect(fake.continueAsNewOptions).toEqual([]); // no newer build deployed: a plain continue-as-new
    const [carried] = (fake.outcome.error as FakeContinueAsNew).args as [SchoolPathwayInput];
    s = state();
    expect(carried).toMatchObject({ urn: SEC, version: s.version, rolledOverYear: '2020/21', inbox: [] });
    expect(carried.snapshot).toEqual(s.snapshot);

    // The next run picks up where the last one stopped: the school moves on to Embedding.
    const versionBefore = s.version;
    await fake.start(schoolPathway, carried);
    expect(state()).toMatchObject({ version: versionBefore, summary: { status: 'completed', academicYear: '2020/21' } });
    const advanced = await send({ type: 'ADVANCED', at: london('2021-09-02'), programme: secondaryEmb });
    expect(advanced).toMatchObject({ version: versionBefore + 1, summary: { phase: 'embedding', status: 'selected', academicYear: '2021/22' } });
    expect(fake.outcome.done).toBe(false);
  });

  it('escalates to the headteacher when the evaluation is still missing at the year end, then rolls over', async () => {
    const world = newWorld();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-06-30', '09:00')));
    await fake.start(schoolPathway, { urn: SEC });
    await send({ type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers });
    await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true });
    await send({ type: 'SELECTED', at: london('2020-07-20'), groupId: 'sec-wg-1', groupSize: 2 });
    await send({ type: 'COMMITMENT_SIGNED', at: london('2020-09-10'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    await send({ type: 'SCHEDULE_SET', at: london('2020-10-01'), sessions: meetings.slice(0, 4).map((m) => ({ id: m.id, kind: 'meeting', at: m.at })) });
    for (const m of meetings.slice(0, 4)) await send({ type: 'ATTENDANCE_RECORDED', at: m.at.replace('13:00', '17:00'), sessionId: m.id, teachersPresent: 2 });

    await fake.advanceTo(london('2021-09-01', '09:00'));
    expect(world.mails.map((m) => m.template)).toEqual(expect.arrayContaining(['evaluation-reminder', 'evaluation-overdue']));
    const overdue = world.mails.find((m) => m.template === 'evaluation-overdue')!;
    expect(overdue.to).toEqual(['hubLead', 'headteacher']);
    expect(ms(overdue.sentAt)).toBe(ms(london('2021-08-31', '23:59')));
    const yearEnd = world.events.find((e) => e.type === 'YEAR_ENDED')!;
    expect(yearEnd).toMatchObject({ actor: 'timer', summary: { status: 'overdue' } });
    expect(fake.outcome.error).toBeInstanceOf(FakeContinueAsNew);
    expect(((fake.outcome.error as FakeContinueAsNew).args[0] as SchoolPathwayInput).rolledOverYear).toBe('2020/21');
  });
});

describe('a primary school\'s Readiness year', () => {
  const PRI = '112233';
  // Workshops inside the programme's year, 2020/21 (the schedule rules refuse sessions outside it).
  const workshops = [
    { id: 'w1', kind: 'workshop' as const, at: london('2020-09-16', '09:30') },
    { id: 'w2', kind: 'workshop' as const, at: london('2020-11-11', '09:30') },
    { id: 'w3', kind: 'workshop' as const, at: london('2021-01-20', '09:30') },
  ];

  it('escalates when the headteacher misses the first workshop, and pays no grant', async () => {
    const world = newWorld();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-04-01', '09:00')));
    await fake.start(schoolPathway, { urn: PRI });
    await send({ type: 'APPLY', at: london('2020-04-02'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers });
    await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-04-20'), eligible: true, criteria: ['ofstedRiOrInadequate'] });
    await send({ type: 'SELECTED', at: london('2020-05-01'), groupId: 'pri-ready-wg', groupSize: 6 });
    await send({ type: 'COMMITMENT_SIGNED', at: london('2020-05-10'), signatories: ['headteacher', 'teacher1', 'teacher2'] });
    await send({ type: 'SCHEDULE_SET', at: london('2020-05-12'), sessions: workshops });

    // The first workshop's reminder goes to the headteacher too (they must attend it).
    await fake.advanceTo(london('2020-09-15'));
    const firstReminder = world.mails.find((m) => m.template === 'first-workshop-reminder' && m.data.daysBefore === 2)!;
    expect(firstReminder.to).toEqual(['teachers', 'headteacher']);
    expect(firstReminder.recipients.map((r) => r.email)).toContain(primarySchool.headteacher.email);

    const r = await send({ type: 'ATTENDANCE_RECORDED', at: london('2020-09-16', '13:00'), sessionId: 'w1', teachersPresent: 2, headteacherPresent: false });
    const escalation = world.mails.find((m) => m.template === 'headteacher-absent-first-workshop');
    expect(escalation).toMatchObject({ kind: 'escalation', to: ['hubLead', 'headteacher'], urn: PRI });
    expect(r.effects.filter((e) => e.type === 'notify').map((e) => (e as Notify).template)).toEqual(['headteacher-absent-first-workshop']);

    // The later workshops do not escalate again, and the year completes.
    await send({ type: 'ATTENDANCE_RECORDED', at: london('2020-11-11', '13:00'), sessionId: 'w2', teachersPresent: 2, headteacherPresent: false });
    await send({ type: 'ATTENDANCE_RECORDED', at: london('2021-01-20', '13:00'), sessionId: 'w3', teachersPresent: 1 });
    await send({ type: 'EVALUATION_SUBMITTED', at: london('2021-06-30') });
    expect(world.mails.filter((m) => m.template === 'headteacher-absent-first-workshop')).toHaveLength(1);
    expect(state().summary).toMatchObject({ phase: 'readiness', status: 'completed', fundingPaidPence: 0, masteryReady: true });
    expect(fake.executed.releaseFunding).toBeUndefined();
    expect(fake.historyEvents()).toBeLessThan(2000);
  });

  it('escalates an attendance nobody recorded, a day after the workshop', async () => {
    const world = newWorld();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-04-01', '09:00')));
    await fake.start(schoolPathway, { urn: PRI });
    await send({ type: 'APPLY', at: london('2020-04-02'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers });
    await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-04-20'), eligible: true, criteria: ['highStaffTurnover'] });
    await send({ type: 'SELECTED', at: london('2020-05-01'), groupId: 'g', groupSize: 2 });
    await send({ type: 'COMMITMENT_SIGNED', at: london('2020-05-10'), signatories: ['headteacher', 'teacher1', 'teacher2'] });
    await send({ type: 'SCHEDULE_SET', at: london('2020-05-12'), sessions: workshops });
    await fake.advanceTo(london('2020-09-17', '09:29'));
    expect(world.mails.find((m) => m.template === 'attendance-missing')).toBeUndefined();
    await fake.advanceTo(london('2020-09-17', '09:30'));
    expect(world.mails.find((m) => m.template === 'attendance-missing')).toMatchObject({ to: ['hubLead'], data: { session: 'w1' } });
    expect(state().summary.overdue).toBe(true);
  });
});

describe('events the school\'s state refuses', () => {
  const URN = '140001';

  async function appliedSchool(world: World): Promise<void> {
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-06-30', '09:00')));
    await fake.start(schoolPathway, { urn: URN });
    await send({ type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers });
  }

  it('refuses a rejected Update in its validator: nothing recorded, nothing in history', async () => {
    const world = newWorld();
    await appliedSchool(world);
    const updatesBefore = fake.counts.updates;
    const err = await send({ type: 'COMMITMENT_SIGNED', at: london('2020-07-02'), signatories: ['headteacher'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: FailureType.rejected, details: [{ urn: URN, eventType: 'COMMITMENT_SIGNED', state: 'development/applied' }] });
    expect((err as ApplicationFailure).details![0]).toMatchObject({ why: expect.stringContaining('COMMITMENT_SIGNED is not accepted now; accepted:') });
    expect(fake.counts.updates).toBe(updatesBefore);
    expect(world.events).toHaveLength(1);
    expect(state().version).toBe(1);
  });

  it('refuses a stale expectedVersion with the current version, and a malformed event with its problems', async () => {
    const world = newWorld();
    await appliedSchool(world);
    const conflict = await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true }, 'hub-ops', 0).catch((e: unknown) => e);
    expect(conflict).toMatchObject({ type: FailureType.conflict, details: [{ urn: URN, expected: 0, actual: 1 }] });
    const ok = await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true }, 'hub-ops', 1);
    expect(ok.version).toBe(2);

    const invalid = await fake.update(sendEventUpdate, { event: { type: 'SELECTED', at: 'yesterday', groupSize: 0 }, actor: 'hub-ops' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ type: FailureType.invalid });
    const paths = ((invalid as ApplicationFailure).details![0] as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['at', 'groupId', 'groupSize']));

    const timerOnly = await fake.update(sendEventUpdate, { event: { type: 'YEAR_ENDED', at: london('2020-07-11'), academicYear: '2020/21' }, actor: 'hub-ops' }).catch((e: unknown) => e);
    expect(timerOnly).toMatchObject({ type: FailureType.invalid, message: expect.stringContaining("only by the school's own timers") });
  });

  it('keeps a refused Signal in the rejections query instead of failing, and applies the good ones in order', async () => {
    const world = newWorld();
    await appliedSchool(world);
    await fake.signal(eventSignal, { event: { type: 'SELECTED', at: london('2020-07-03'), groupId: 'g', groupSize: 2 }, actor: 'ops-1' });
    await fake.signal(eventSignal, { event: { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-04'), eligible: true }, actor: 'ops-1' });
    await fake.signal(eventSignal, { event: { type: 'SELECTED', at: london('2020-07-05'), groupId: 'g', groupSize: 3 }, actor: 'ops-2' });
    await fake.signal(eventSignal, { event: { type: 'NOT_AN_EVENT' }, actor: 'ops-2' });

    const rejections: Rejection[] = fake.query(rejectionsQuery);
    expect(rejections.map((r) => [r.type, r.actor, r.source])).toEqual([
      ['SELECTED', 'ops-1', 'signal'],
      ['SELECTED', 'ops-2', 'signal'],
      ['NOT_AN_EVENT', 'ops-2', 'signal'],
    ]);
    expect(rejections[0]!.reason).toContain('SELECTED is not accepted now');
    expect(rejections[1]!.reason).toContain('allows up to 2');
    expect(rejections[2]!.reason).toContain('type must be one of the known type values (got "NOT_AN_EVENT")');
    expect(world.events.map((e) => e.type)).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED']);
    expect(state().summary.status).toBe('eligible');
  });

  it('leaves the state unchanged when the audit log refuses the event', async () => {
    const world = newWorld();
    await appliedSchool(world);
    fake.activityImpls = memoryActivities(world, { recordEvent: new VersionConflictError(URN, 1, 7) }) as unknown as typeof fake.activityImpls;
    const err = await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: FailureType.notRecorded, message: expect.stringContaining('the event was not recorded, nothing changed: school 140001 is at version 7, not 1') });
    // One attempt for APPLY, one for this event (VersionConflictError is non-retryable); the run reads the log, which is
    // not ahead of it (the conflict is not explained), so it does not decide again.
    expect(fake.attempts.recordEvent).toBe(2);
    expect(fake.executed.loadSchool!.at(-1)).toEqual([{ urn: URN, afterVersion: 1 }]);
    expect(state()).toMatchObject({ version: 1, summary: { status: 'applied' } });
  });
});

describe('effects and continue-as-new', () => {
  const URN = '150001';

  /** A secondary school committed, with the 'selected' email failing as `bad` says. */
  async function committedWith(bad: (e: Notify) => Error | null) {
    const world = newWorld();
    fake.activityImpls = memoryActivities(world, { notify: bad }) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-06-30', '09:00')));
    await fake.start(schoolPathway, { urn: URN });
    await send({ type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers });
    await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true });
    await send({ type: 'SELECTED', at: london('2020-07-20'), groupId: 'g', groupSize: 2 });
    const committed = await send({ type: 'COMMITMENT_SIGNED', at: london('2020-09-10'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    return { world, committed };
  }

  it('lists an effect that failed for good (an unknown template) after one attempt, without stopping the school', async () => {
    const { world, committed } = await committedWith((e) => (e.template === 'selected' ? new UnknownTemplateError(e.template, ['declined']) : null));
    expect(committed.summary.status).toBe('active');
    const effects: EffectsView = fake.query(effectsQuery);
    expect(effects.inFlight).toEqual([]);
    expect(effects.failed).toEqual([expect.objectContaining({ effect: expect.objectContaining({ template: 'selected' }), error: 'no message template "selected"; known: declined' })]);
    expect(world.mails.map((m) => m.template)).toEqual(['application-received', 'commitment-confirmed']);
    // The SDK types the failure by its class: UnknownTemplateError is listed, so one attempt and no retry.
    expect(fake.attempts.notify).toBe(3);
    expect(fake.records.find((r) => r.name === 'notify' && !r.outcome.ok)!.outcome).toMatchObject({ type: 'UnknownTemplateError', retryState: 'NON_RETRYABLE_FAILURE' });
  });

  it('retries for ever an error that only names itself BadEffectError (the SDK reads the class, not err.name): the fake says so', async () => {
    const named = (e: Notify) => (e.template === 'selected' ? Object.assign(new Error(`no template ${e.template}`), { name: 'BadEffectError' }) : null);
    await expect(committedWith(named)).rejects.toThrow(new RegExp(`activity notify failed ${FOREVER_ATTEMPTS} times with type Error \\("no template selected"\\); a real worker would retry it for ever`));
  });

  it('retries a passing outage until it passes, counting each attempt', async () => {
    let failures = 3;
    const { world } = await committedWith((e) => (e.template === 'selected' && failures-- > 0 ? new Error('connect ECONNREFUSED 127.0.0.1:1025') : null));
    expect(world.mails.map((m) => m.template)).toEqual(['application-received', 'selected', 'commitment-confirmed']);
    expect(fake.attempts.notify).toBe(3 + 3);
    expect((fake.query(effectsQuery) as EffectsView).failed).toEqual([]);
  });

  it('continues as new when Temporal suggests it, carrying waiting signals and running effects', async () => {
    const world = newWorld();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-06-30', '09:00')));
    await fake.start(schoolPathway, { urn: URN });
    await send({ type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers });
    await send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true });
    // The selection's email is still being sent when the history grows too long.
    fake.autoComplete = false;
    await fake.advanceTo(london('2020-07-20'));
    const selecting = fake.beginUpdate(sendEventUpdate, { event: { type: 'SELECTED', at: london('2020-07-20'), groupId: 'g', groupSize: 2 }, actor: 'ops' });
    await fake.settle();
    await fake.completeActivities(1); // recordEvent only; the notify stays pending
    await fake.settle();
    expect(await selecting).toMatchObject({ version: 3, summary: { status: 'selected' } });
    expect(fake.pendingActivities.map((a) => a.name)).toEqual(['notify']);
    fake.continueAsNewSuggested = true;
    fake.suggestedContinueAsNewReasons = ['HISTORY_SIZE_TOO_LARGE'];
    await fake.signal(eventSignal, { event: { type: 'WITHDRAWN', at: london('2020-07-21'), reason: 'new head' }, actor: 'ops' });
    // The roll-over waits a minute for the running email, then hands it over.
    await fake.advanceTo(Date.now() + 60_000);
    expect(fake.outcome.error).toBeInstanceOf(FakeContinueAsNew);
    const [next] = (fake.outcome.error as FakeContinueAsNew).args as [SchoolPathwayInput];
    expect(next.version).toBe(3);
    expect(next.inbox!.map((i) => i.event.type)).toEqual(['WITHDRAWN']);
    expect(next.pendingEffects!.map((e) => e.type === 'notify' && e.template)).toEqual(['selected']);

    expect(next.rulesVersion).toBe(CURRENT_RULES_VERSION); // same year: the same rules
    fake.autoComplete = true;
    fake.continueAsNewSuggested = false;
    await fake.start(schoolPathway, next);
    expect(state()).toMatchObject({ version: 4, summary: { status: 'withdrawn' } });
    expect(world.mails.map((m) => m.template)).toEqual(expect.arrayContaining(['selected', 'withdrawn']));
  });
});

describe('a cohort transition', () => {
  /** A secondary school that has completed its Development year (built with the pure core). */
  function completedDevelopment(urn: string): PersistedPathway {
    const events: PathwayEventInput[] = [
      { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers },
      { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true },
      { type: 'SELECTED', at: london('2020-07-20'), groupId: 'wg', groupSize: 2 },
      { type: 'COMMITMENT_SIGNED', at: london('2020-09-10'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] },
      { type: 'SCHEDULE_SET', at: london('2020-10-01'), sessions: meetings.slice(0, 4).map((m) => ({ id: m.id, kind: 'meeting' as const, at: m.at })) },
      ...meetings.slice(0, 4).map((m) => ({ type: 'ATTENDANCE_RECORDED' as const, at: m.at.replace('13:00', '17:00'), sessionId: m.id, teachersPresent: 2 })),
      { type: 'EVALUATION_SUBMITTED', at: london('2021-07-20') },
    ];
    return fold(urn, events.map((e) => parseEvent(e)));
  }

  const advance: PathwayEventInput = { type: 'ADVANCED', at: london('2021-09-01'), programme: secondaryEmb };
  const urns = ['200001', '200002', '200003', '200004', '200005', '200006'];

  /** Six schools' workflows as the activities see them: 200003 is still mid-year, 200005 cannot be reached. */
  function schools() {
    const snapshots = new Map(urns.map((u) => [u, u === '200003' ? fold(u, [parseEvent({ type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers })]) : completedDevelopment(u)]));
    const versions = new Map(urns.map((u) => [u, 10]));
    const sent = new Map<string, unknown>();
    const resolve = (event: CohortEvent): PathwayEventInput => {
      if (!byProgrammeId(event)) return event;
      const { programmeId, ...rest } = event;
      if (programmeId !== secondaryEmb.id) throw new Error(`unknown programme ${programmeId}`);
      return { ...rest, programme: secondaryEmb } as PathwayEventInput;
    };
    const activities: CohortActivities = {
      async loadCohortEvent(event) {
        return resolve(event);
      },
      async readSchoolState(urn) {
        if (urn === '200005') throw new Error('connect ECONNREFUSED 10.0.0.5:7233');
        const snapshot = snapshots.get(urn);
        return snapshot ? { urn, version: versions.get(urn)!, summary: summaryOf(snapshot), snapshot } : null;
      },
      async sendSchoolEvent({ urn, event: sentEvent, updateId }) {
        const event = resolve(sentEvent);
        if (urn === '200005') throw new Error('connect ECONNREFUSED 10.0.0.5:7233');
        if (sent.has(updateId)) return sent.get(updateId) as CohortOutcome; // Temporal dedupes an update id
        const snapshot = snapshots.get(urn);
        if (!snapshot) return { urn, ok: false, reason: `no school with URN ${urn}` };
        try {
          const d = decide(snapshot, parseEvent(event));
          snapshots.set(urn, d.snapshot);
          versions.set(urn, versions.get(urn)! + 1);
          const outcome: CohortOutcome = { urn, ok: true, phase: d.summary.phase, status: d.summary.status, version: versions.get(urn)! };
          sent.set(updateId, outcome);
          return outcome;
        } catch (err) {
          return { urn, ok: false, reason: (err as Error).message };
        }
      },
    };
    return { activities, snapshots };
  }

  /** The programme travels by id: the input stays small for any number of schools. */
  const advanceById: CohortEvent = { type: 'ADVANCED', at: advance.at, programmeId: secondaryEmb.id };
  const input = (dryRun: boolean): CohortTransitionInput => ({ from: '2020/21', to: '2021/22', groupId: 'wg', urns, event: advanceById, dryRun });

  it('keeps its input and each send small: the programme is named by id, not carried per school', () => {
    const many: CohortTransitionInput = { ...input(false), urns: Array.from({ length: 1400 }, (_, i) => String(300000 + i)) };
    expect(JSON.stringify(many).length).toBeLessThan(1400 * 10 + 400);
    expect(JSON.stringify(advanceById)).not.toContain('sessions');
  });

  it('moves every school it can, reports the others, and survives a worker restart midway', async () => {
    const world = schools();
    fake.activityImpls = world.activities as unknown as typeof fake.activityImpls;
    fake.workflowId = 'cohort-2020-21-2021-22-wg';
    fake.autoComplete = false;
    await fake.start(cohortTransition, input(false));
    expect(fake.pendingActivities.map((a) => a.name)).toEqual(['loadCohortEvent']); // the event in full, once
    await fake.completeActivities(1);
    await fake.settle();
    expect(fake.pendingActivities.map((a) => (a.args[0] as { urn: string }).urn)).toEqual(urns.slice(0, COHORT_CONCURRENCY));
    await fake.completeActivities(2);
    await fake.settle();
    const progress: CohortReport = fake.query(cohortProgressQuery);
    expect(progress).toMatchObject({ total: 6, succeeded: 0, failed: 0 }); // the batch is not finished yet

    // The worker dies here. A new worker replays the history: two sends already done, the rest run now.
    const history = [...fake.records];
    expect(history.filter((r) => r.name === 'sendSchoolEvent').map((r) => (r.args as [{ urn: string }])[0].urn)).toEqual(['200001', '200002']);
    expect(JSON.stringify(history.filter((r) => r.name === 'sendSchoolEvent').map((r) => r.args))).not.toContain('"sessions"');
    fake.autoComplete = true;
    await fake.start(cohortTransition, input(false), { replay: history });
    expect(fake.outcome.done).toBe(true);
    const report = fake.outcome.value as CohortReport;
    expect(report).toMatchObject({ from: '2020/21', to: '2021/22', groupId: 'wg', dryRun: false, total: 6, succeeded: 4, failed: 2 });
    expect(report.outcomes.map((o) => o.urn)).toEqual(urns);
    expect(report.outcomes.find((o) => o.urn === '200001')).toEqual({ urn: '200001', ok: true, phase: 'embedding', status: 'selected', version: 11 });
    expect(report.outcomes.find((o) => o.urn === '200003')).toMatchObject({ ok: false, reason: expect.stringContaining('(Development: application received) cannot take ADVANCED:') });
    expect(report.outcomes.find((o) => o.urn === '200005')).toMatchObject({ ok: false, reason: "could not reach the school's workflow: connect ECONNREFUSED 10.0.0.5:7233" });

    // Each school was sent the event once (the two done before the crash were not sent again), with a stable update id.
    const sends = fake.executed.sendSchoolEvent!.map((a) => a[0] as { urn: string; updateId: string });
    expect(sends.map((s) => s.urn).sort()).toEqual([...urns].sort());
    expect(sends.find((s) => s.urn === '200004')!.updateId).toBe('cohort-2020-21-2021-22-wg:200004');
    expect(summaryOf(world.snapshots.get('200006')!)).toMatchObject({ phase: 'embedding', academicYear: '2021/22' });
  });

  it('in a dry run asks the rules what would happen and changes no school', async () => {
    const world = schools();
    fake.activityImpls = world.activities as unknown as typeof fake.activityImpls;
    await fake.start(cohortTransition, { ...input(true), urns: [...urns, '299999'] });
    const report = fake.outcome.value as CohortReport;
    expect(report).toMatchObject({ dryRun: true, total: 7, succeeded: 4, failed: 3 });
    expect(report.outcomes.find((o) => o.urn === '200002')).toEqual({ urn: '200002', ok: true, phase: 'embedding', status: 'selected', version: null });
    expect(report.outcomes.find((o) => o.urn === '299999')).toMatchObject({ ok: false, reason: expect.stringContaining('no school with URN 299999') });
    expect(report.outcomes.find((o) => o.urn === '200003')).toMatchObject({ ok: false, reason: expect.stringContaining('(Development: application received) cannot take ADVANCED:') });
    expect(fake.executed.sendSchoolEvent).toBeUndefined();
    expect(summaryOf(world.snapshots.get('200002')!).phase).toBe('development');
  });

  it('reports a malformed event for a school instead of sending it', async () => {
    const world = schools();
    fake.activityImpls = world.activities as unknown as typeof fake.activityImpls;
    await fake.start(cohortTransition, { from: 'a', to: 'b', dryRun: false, urns: ['200001'], event: { type: 'ADVANCED', at: 'soon', programmeId: secondaryEmb.id } as unknown as CohortEvent });
    const report = fake.outcome.value as CohortReport;
    expect(report.outcomes[0]).toMatchObject({ urn: '200001', ok: false, reason: expect.stringContaining('at must be an ISO date-time') });
    expect(fake.executed.sendSchoolEvent).toBeUndefined();
  });
});
