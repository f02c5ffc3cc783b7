/**
 * The Postgres log is the truth and the school workflow converges to it
 * (workflows/school-pathway.ts), with the Temporal API faked
 * (test/temporal-fake.ts) and the log in memory (test/temporal-memory.ts):
 * a run that starts without a snapshot takes the school from the log; a run
 * that finds the log ahead (an update the server failed after its recordEvent
 * ran, a reset) loads it and decides again, starting the missed events'
 * effects; the roll-over lets no update into a closing run; an idle school
 * wakes at the year end; continue-as-new only for a large history; a run keeps
 * its rules version within a year.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@temporalio/workflow', async () => (await import('./temporal-fake.js')).workflowModule);

import { fake, FakeContinueAsNew } from './temporal-fake.js';
import { memoryActivities, newWorld, type World } from './temporal-memory.js';
import { schoolPathway } from '../workflows/school-pathway.js';
import { FailureType, sendEventUpdate, stateQuery, syncWithLogUpdate, upcomingQuery, type PendingTimerView, type SchoolPathwayInput, type SchoolWorkflowState, type SendEventResult } from '../workflows/messages.js';
import { CURRENT_RULES_VERSION } from '../workflows/rules.js';
import { decide, parseEvent, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import { london, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

const URN = '160001';
const ms = (iso: string) => Date.parse(iso);
const state = (): SchoolWorkflowState => fake.query(stateQuery);

async function send(event: PathwayEventInput, actor = 'hub-ops', expectedVersion?: number): Promise<SendEventResult> {
  await fake.advanceTo(event.at);
  return (await fake.update(sendEventUpdate, { event, actor, ...(expectedVersion !== undefined ? { expectedVersion } : {}) })) as SendEventResult;
}

const apply: PathwayEventInput = { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers };
const eligible: PathwayEventInput = { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true };
const selected: PathwayEventInput = { type: 'SELECTED', at: london('2020-07-20'), groupId: 'g', groupSize: 2 };
const signed: PathwayEventInput = { type: 'COMMITMENT_SIGNED', at: london('2020-09-10'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] };

/** Write an event to the in-memory log as another run (or the embedded host) would, without this workflow knowing. */
function recordBehindItsBack(world: World, event: PathwayEventInput, actor = 'hub-ops'): void {
  const last = world.events.filter((e) => e.urn === URN).at(-1)!;
  const d = decide(last.snapshot as PersistedPathway, parseEvent(event));
  world.events.push({ urn: URN, expectedVersion: last.version, type: event.type, payload: parseEvent(event), occurredAt: event.at, actor, machineVersion: d.machineVersion, snapshot: d.snapshot, summary: d.summary, version: last.version + 1 });
}

async function eligibleSchool(world: World): Promise<void> {
  fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
  vi.setSystemTime(ms(london('2020-06-30', '09:00')));
  fake.workflowId = `school-${URN}`;
  await fake.start(schoolPathway, { urn: URN } satisfies SchoolPathwayInput);
  await send(apply);
  await send(eligible);
}

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterAll(() => {
  vi.useRealTimers();
});
beforeEach(() => {
  fake.reset();
});

describe('a run that starts without a snapshot', () => {
  it('takes a school the log already holds from the log (adopted, or started again after a terminate or a reset), timers included', async () => {
    const world = newWorld();
    await eligibleSchool(world);
    await send(selected);
    await send(signed);
    const before = state();
    expect(before.version).toBe(4);

    // The run is gone (terminated; or the school came from the embedded host): a new one starts with the urn only.
    fake.reset();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    await fake.start(schoolPathway, { urn: URN });
    expect(state()).toMatchObject({ version: 4, summary: before.summary });
    expect(state().snapshot).toEqual(before.snapshot);
    expect((fake.query(upcomingQuery) as PendingTimerView[]).map((t) => t.key)).toContain('year-end:2020/21');
    // The next event goes on at version 5, not refused for good as a conflict at version 0.
    const r = await send({ type: 'SCHEDULE_SET', at: london('2020-10-01'), sessions: ['2020-11-12', '2021-01-14', '2021-03-11', '2021-05-13'].map((d, i) => ({ id: `m${i + 1}`, kind: 'meeting' as const, at: london(d, '13:00') })) });
    expect(r.version).toBe(5);
    expect(world.events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts a new school at version 0 when the log has no stream for it', async () => {
    const world = newWorld();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-06-30', '09:00')));
    await fake.start(schoolPathway, { urn: URN });
    expect(state()).toMatchObject({ version: 0, summary: { status: 'prospective' } });
    expect(fake.executed.loadSchool).toEqual([[{ urn: URN }]]);
  });
});

describe('a run that finds the log ahead of it', () => {
  const withdrawn: PathwayEventInput = { type: 'WITHDRAWN', at: london('2020-07-25'), reason: 'new head' };

  it('loads the log, decides the event again, and starts the effects of the event it missed', async () => {
    const world = newWorld();
    await eligibleSchool(world);
    // SELECTED was recorded (its update then failed on the server, or a reset took the run back): the run still holds version 2.
    recordBehindItsBack(world, selected);
    expect(state().version).toBe(2);

    // WITHDRAWN passes the validator on the run's stale state; recording it meets the log's version 3.
    const r = await send(withdrawn);
    expect(r).toMatchObject({ version: 4, summary: { status: 'withdrawn' } });
    expect(world.events.map((e) => [e.version, e.type])).toEqual([[1, 'APPLY'], [2, 'ELIGIBILITY_ASSESSED'], [3, 'SELECTED'], [4, 'WITHDRAWN']]);
    // The selection's email (an effect of the event this run never applied) went out, once.
    expect(world.mails.filter((m) => m.template === 'selected')).toHaveLength(1);
    expect(world.mails.map((m) => m.template)).toContain('withdrawn');
    expect(fake.attempts.recordEvent).toBe(2 + 2);
  });

  it('takes the log\'s state on the syncWithLog update, so an event only the log\'s state accepts is taken', async () => {
    const world = newWorld();
    await eligibleSchool(world);
    recordBehindItsBack(world, selected);
    // The validator judges on the run's state: COMMITMENT_SIGNED is refused while the run thinks "eligible".
    await expect(send(signed)).rejects.toMatchObject({ type: FailureType.rejected });
    expect(await fake.update(syncWithLogUpdate)).toEqual({ version: 3, from: 2 });
    expect(await send(signed)).toMatchObject({ version: 4, summary: { status: 'active' } });
    expect(await fake.update(syncWithLogUpdate)).toEqual({ version: 4, from: 4 });
  });

  it('refuses a caller whose expectedVersion the log has passed, naming the log\'s version', async () => {
    const world = newWorld();
    await eligibleSchool(world);
    recordBehindItsBack(world, selected);
    const err = await send(withdrawn, 'hub-ops', 2).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: FailureType.conflict, details: [{ urn: URN, expected: 2, actual: 3 }] });
    expect(state().version).toBe(3); // converged all the same
    expect(world.events).toHaveLength(3);
  });

  it('keeps its timers after the drift: a reminder due later still fires', async () => {
    const world = newWorld();
    await eligibleSchool(world);
    recordBehindItsBack(world, selected);
    recordBehindItsBack(world, signed);
    await fake.update(syncWithLogUpdate);
    await send({ type: 'SCHEDULE_SET', at: london('2020-10-01'), sessions: ['2020-11-12', '2021-01-14', '2021-03-11', '2021-05-13'].map((d, i) => ({ id: `m${i + 1}`, kind: 'meeting' as const, at: london(d, '13:00') })) });
    await fake.advanceTo(london('2020-10-30'));
    expect(world.mails.filter((m) => m.template === 'session-reminder').map((m) => m.data.session)).toEqual(['m1']);
    expect(world.events.at(-1)).toMatchObject({ type: 'REMINDER_DUE', actor: 'timer', version: 6 });
  });
});

describe('the roll-over', () => {
  it('lets no update into a closing run: it waits for the running update and the effects in one condition', async () => {
    const world = newWorld();
    await eligibleSchool(world);
    fake.autoComplete = false;
    await fake.advanceTo(london('2020-07-20'));
    const selecting = fake.beginUpdate(sendEventUpdate, { event: selected, actor: 'ops' });
    await fake.settle();
    await fake.completeActivities(1); // SELECTED recorded; its email stays in flight
    await fake.settle();
    expect(await selecting).toMatchObject({ version: 3 });
    fake.continueAsNewSuggested = true;
    fake.suggestedContinueAsNewReasons = ['HISTORY_SIZE_TOO_LARGE'];
    await fake.advanceTo(london('2020-09-10'));
    // The run is closing, waiting for the email; an update arrives and is accepted.
    const signing = fake.beginUpdate(sendEventUpdate, { event: signed, actor: 'ops' });
    await fake.settle();
    expect(fake.pendingActivities.map((a) => a.name)).toEqual(['notify', 'recordEvent']);
    await fake.completeActivities(1); // the email is done: the effects settled, but the update still runs
    await fake.settle();
    expect(fake.outcome.done).toBe(false);
    await fake.completeActivities();
    await fake.settle();
    expect(await signing).toMatchObject({ version: 4, summary: { status: 'active' } });
    // The commitment's own email now runs: the roll-over waits for it too.
    expect(fake.outcome.done).toBe(false);
    expect(fake.pendingActivities.map((a) => a.name)).toEqual(['notify']);
    await fake.completeActivities();
    await fake.settle();
    expect(fake.outcome.error).toBeInstanceOf(FakeContinueAsNew);
    const [next] = (fake.outcome.error as FakeContinueAsNew).args as [SchoolPathwayInput];
    expect(next.version).toBe(4); // the run carries what the log holds
    expect(world.events.at(-1)!.version).toBe(4);
  });

  it('continues as new on a suggestion only for a large history, not for a changed target build (temporalio/temporal#9239)', async () => {
    const world = newWorld();
    await eligibleSchool(world);
    fake.continueAsNewSuggested = true;
    fake.suggestedContinueAsNewReasons = [];
    fake.targetWorkerDeploymentVersionChanged = true;
    await send(selected);
    expect(fake.outcome.done).toBe(false);
    fake.suggestedContinueAsNewReasons = ['TOO_MANY_HISTORY_EVENTS'];
    await send(signed);
    expect(fake.outcome.error).toBeInstanceOf(FakeContinueAsNew);
    // Mid-year: no move to the new build, and the same rules.
    expect(fake.continueAsNewOptions).toEqual([]);
    expect(((fake.outcome.error as FakeContinueAsNew).args[0] as SchoolPathwayInput).rulesVersion).toBe(CURRENT_RULES_VERSION);
  });

  it('wakes an idle school at the end of the academic year, so it moves to the current build', async () => {
    const world = newWorld();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2021-03-01', '09:00')));
    await fake.start(schoolPathway, { urn: URN });
    expect(fake.nextTimer).toBe(ms(london('2021-08-31', '23:59')));
    fake.targetWorkerDeploymentVersionChanged = true;
    await fake.advanceTo(london('2021-09-01', '00:00'));
    expect(fake.outcome.error).toBeInstanceOf(FakeContinueAsNew);
    const [next] = (fake.outcome.error as FakeContinueAsNew).args as [SchoolPathwayInput];
    expect(next).toMatchObject({ urn: URN, version: 0, rolledOverYear: '2020/21' });
    expect(next.rulesVersion).toBeUndefined(); // a new year: the next run takes the newest rules
    expect(fake.continueAsNewOptions).toEqual([{ initialVersioningBehavior: 'AUTO_UPGRADE' }]);

    // The next run sleeps until the following year end, not in a loop.
    fake.reset();
    fake.activityImpls = memoryActivities(world) as unknown as typeof fake.activityImpls;
    await fake.start(schoolPathway, next);
    expect(fake.outcome.done).toBe(false);
    expect(fake.nextTimer).toBe(ms(london('2022-08-31', '23:59')));
  });
});

describe('a send happens once', () => {
  /** Raised by the notify activity while another attempt holds the message's send-claim (activities/index.ts); retryable. */
  class MessageBeingSentError extends Error {
    override readonly name = 'MessageBeingSentError';
  }

  it('the next run finishes a closed run\'s email only when the claim lets it: it waits while the old attempt sends, and sends nothing twice', async () => {
    const world = newWorld();
    const base = memoryActivities(world);
    // The closed run's attempt still holds the claim on the selection email; it finishes after three more tries of the new run.
    let oldAttemptLeft = 3;
    const claimed = new Set<string>();
    fake.activityImpls = {
      ...base,
      notify: async (effect: Parameters<typeof base.notify>[0]) => {
        if (claimed.has(effect.key)) {
          if (--oldAttemptLeft > 0) throw new MessageBeingSentError(`message ${effect.key} is being sent by another attempt`);
          claimed.delete(effect.key);
          world.mails.push({ ...effect, sentAt: new Date(Date.now()).toISOString() }); // the old attempt's send lands
        }
        return base.notify(effect);
      },
    } as unknown as typeof fake.activityImpls;
    vi.setSystemTime(ms(london('2020-07-20', '10:00')));
    await fake.start(schoolPathway, { urn: URN });
    await send(apply);
    await send(eligible);
    const r = await send(selected);
    const email = r.effects.find((e) => e.type === 'notify')!;
    const snapshot = state().snapshot;
    // The run closes with the email in flight (its attempt still sending); the next run is handed it.
    const impls = fake.activityImpls;
    fake.reset();
    fake.activityImpls = impls;
    claimed.add(email.key);
    world.mails.splice(world.mails.findIndex((m) => m.key === email.key), 1);
    const carried: SchoolPathwayInput = { urn: URN, snapshot, version: 3, rulesVersion: CURRENT_RULES_VERSION, pendingEffects: [email] };
    await fake.start(schoolPathway, carried);
    expect(fake.attempts.notify).toBe(3); // two refused by the claim, the third finds it sent
    expect(world.mails.filter((m) => m.key === email.key)).toHaveLength(1);
  });
});
