/**
 * How a rules change ships (docs/temporal.md): a snapshot persisted under
 * machine version N must load and continue under N+1. The fixture
 * test/fixtures/snapshot-v1.json was written by the pathway@1.0.0 machine (a
 * secondary Development year after its first meeting); it is never
 * regenerated. N+1 is simulated by a machine with an extra state and a
 * stricter guard. The Temporal workflow (with its API faked) resumes from
 * the fixture as it would after a continue-as-new.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('@temporalio/workflow', async () => (await import('./temporal-fake.js')).workflowModule);

import { transition } from 'xstate';
import { fake } from './temporal-fake.js';
import { decide, fold, parseEvent, summaryOf, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent } from '../machines/events.js';
import { MACHINE_VERSION, pathwayMachine } from '../machines/pathway.js';
import { pathwaySetup } from '../machines/setup.js';
import { requiredSessions } from '../machines/rules.js';
import { Programme } from '../domain/catalogue/schema.js';
import { schoolPathway } from '../workflows/school-pathway.js';
import { sendEventUpdate, stateQuery, type SchoolWorkflowState, type SendEventResult } from '../workflows/messages.js';
import { london, secondaryDev } from './fixtures/programmes.js';

interface Fixture {
  machineVersion: string;
  urn: string;
  version: number;
  events: PathwayEvent[];
  snapshot: PersistedPathway;
}

const fixture: Fixture = JSON.parse(readFileSync(new URL('./fixtures/snapshot-v1.json', import.meta.url), 'utf8'));

const attend = (id: string, date: string, teachersPresent = 2) => parseEvent({ type: 'ATTENDANCE_RECORDED', at: london(date, '17:00'), sessionId: id, teachersPresent });

describe('a snapshot persisted under pathway@1.0.0', () => {
  it('is what the recorded events still fold to, while the machine version is unchanged', () => {
    expect(fixture.machineVersion).toBe('pathway@1.0.0');
    if (MACHINE_VERSION === fixture.machineVersion) {
      // Same version, same decisions: a change that alters them must bump MACHINE_VERSION.
      expect(fold(fixture.urn, fixture.events.map((e) => parseEvent(e)))).toEqual(fixture.snapshot);
    } else {
      // A later version must still replay the old events.
      expect(() => fold(fixture.urn, fixture.events.map((e) => parseEvent(e)))).not.toThrow();
    }
  });

  it('loads under the current machine and continues the year: no second grant, evaluation after the fourth meeting', () => {
    expect(summaryOf(fixture.snapshot)).toMatchObject({ status: 'active', sessionsHeld: 1, fundingPaidPence: 200000 });
    let s = fixture.snapshot;
    const effects = [];
    for (const [id, date] of [['m2', '2021-01-14'], ['m3', '2021-03-11'], ['m4', '2021-05-13']] as const) {
      const d = decide(s, attend(id, date));
      effects.push(...d.effects);
      s = d.snapshot;
    }
    expect(summaryOf(s)).toMatchObject({ status: 'evaluating', sessionsHeld: 4, fundingPaidPence: 200000 });
    expect(effects.filter((e) => e.type === 'funding.release')).toEqual([]);
    expect(effects.filter((e) => e.type === 'evaluation.request')).toHaveLength(1);
  });

  it('keeps the rules of its year when the catalogue changes for later years (the programme travels in the snapshot)', () => {
    const stricter = Programme.parse({ ...secondaryDev, sessions: [{ ...secondaryDev.sessions[0]!, min: 6 }] });
    expect(requiredSessions({ ...fixture.snapshot.context, programme: stricter })).toBe(6);
    expect(requiredSessions(fixture.snapshot.context)).toBe(4);
    expect(summaryOf(fixture.snapshot).sessionsRequired).toBe(4);
  });
});

describe('the next machine version (simulated: an extra state and a stricter guard)', () => {
  const config = pathwayMachine.config as any;
  // N+1: schools can be archived once completed, and a meeting counts only with both teachers there.
  const nextMachine = pathwaySetup
    .createMachine({
      ...config,
      states: {
        ...config.states,
        archived: { type: 'final' },
        development: {
          ...config.states.development,
          states: { ...config.states.development.states, completed: { on: { ...config.states.development.states.completed.on, ARCHIVED: { target: '#pathway.archived' } } } },
        },
      },
    })
    .provide({
      guards: {
        attendanceFits: ({ context, event }: any) =>
          event.type === 'ATTENDANCE_RECORDED' && event.teachersPresent === 2 && context.sessions.some((s: { id: string; status: string }) => s.id === event.sessionId && s.status === 'scheduled'),
      },
    });

  it('resolves the N snapshot and continues it under the new rules', () => {
    const restored = nextMachine.resolveState({ value: fixture.snapshot.value as any, context: fixture.snapshot.context });
    expect(restored.value).toEqual({ development: { active: 'running' } });
    expect(restored.can(attend('m2', '2021-01-14', 1) as any)).toBe(false); // the new guard applies to the old school from now on
    const [next] = transition(nextMachine, restored, attend('m2', '2021-01-14', 2) as any);
    expect(next.context.sessions.find((s) => s.id === 'm2')!.status).toBe('held');
    expect(next.context.fundingPaidPence).toBe(200000);
  });

  it('cannot resolve a snapshot whose state the new version removed: such a change needs a migration or a new workflow type', () => {
    // N+1 renames the Development phase's state key (its id, and so every transition into it, stays).
    const { development, ...others } = config.states;
    const renamed = pathwaySetup.createMachine({ ...config, states: { ...others, developmentYear: development } });
    expect(() => renamed.resolveState({ value: fixture.snapshot.value as any, context: fixture.snapshot.context })).toThrow(/does not exist/);
  });
});

describe('the Temporal workflow resuming from the N snapshot', () => {
  beforeAll(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterAll(() => vi.useRealTimers());

  it('fires the reminders that fell due, records them under the current machine version, and takes the next meeting', async () => {
    fake.reset();
    const recorded: { type: string; machineVersion: string; expectedVersion: number }[] = [];
    let version = fixture.version;
    fake.activityImpls = {
      recordEvent: async (input: { type: string; machineVersion: string; expectedVersion: number }) => {
        recorded.push(input);
        return { version: ++version, duplicate: false };
      },
      notify: async () => ({ sent: true, messageId: 'm' }),
      releaseFunding: async () => ({ paid: true }),
      requestEvaluation: async () => ({ created: true }),
    };
    vi.setSystemTime(Date.parse(london('2021-01-13', '09:00')));
    await fake.start(schoolPathway, { urn: fixture.urn, snapshot: fixture.snapshot, version: fixture.version, rulesVersion: fixture.machineVersion });
    expect(recorded.map((r) => [r.type, r.expectedVersion])).toEqual([
      ['REMINDER_DUE', 8],
      ['REMINDER_DUE', 9],
    ]);
    // The run is pinned to the rules it started with (workflows/rules.ts): pathway@1.0.0, kept in machines/v1.
    expect(new Set(recorded.map((r) => r.machineVersion))).toEqual(new Set([fixture.machineVersion]));

    vi.setSystemTime(Date.parse(london('2021-01-14', '17:00')));
    const r = (await fake.update(sendEventUpdate, { event: attend('m2', '2021-01-14'), actor: 'ops', expectedVersion: 10 })) as SendEventResult;
    expect(r).toMatchObject({ version: 11, summary: { sessionsHeld: 2, fundingPaidPence: 200000 } });
    expect((fake.query(stateQuery) as SchoolWorkflowState).version).toBe(11);
  });

  it('stays on its build all year when a new build becomes current, and moves to it at the year-end roll-over', async () => {
    fake.reset();
    let version = fixture.version;
    fake.activityImpls = {
      recordEvent: async () => ({ version: ++version, duplicate: false }),
      notify: async () => ({ sent: true, messageId: 'm' }),
      releaseFunding: async () => ({ paid: true }),
      requestEvaluation: async () => ({ created: true }),
    };
    vi.setSystemTime(Date.parse(london('2021-01-13', '09:00')));
    await fake.start(schoolPathway, { urn: fixture.urn, snapshot: fixture.snapshot, version: fixture.version, rulesVersion: fixture.machineVersion });
    fake.targetWorkerDeploymentVersionChanged = true; // pathway@1.1.0 deployed as the current build
    vi.setSystemTime(Date.parse(london('2021-01-14', '17:00')));
    await fake.update(sendEventUpdate, { event: attend('m2', '2021-01-14'), actor: 'ops' });
    await fake.advanceTo(london('2021-08-31', '12:00'));
    expect(fake.outcome.done).toBe(false); // mid-year: the school keeps this year's rules
    await fake.advanceTo(london('2021-09-01', '00:00'));
    expect(fake.outcome.done).toBe(true);
    expect(fake.continueAsNewOptions).toEqual([{ initialVersioningBehavior: 'AUTO_UPGRADE' }]);
  });
});
