/**
 * The Temporal host's client side, without a server: how a refused Update
 * comes back as the domain's typed errors, the visibility query of a school
 * list, the audit history read from the Postgres log the worker writes, the
 * cohort activities' outcomes, and what `pathway worker` and the engine say
 * when there is no server to talk to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  TemporalUnavailableError,
  createTemporalEngine,
  engineErrorFrom,
  historyFromLog,
  matches,
  temporalOptionsFromEnv,
  visibilityQuery,
} from '../host/temporal-engine.js';
import { catalogueProgramme, createCohortActivities } from '../worker/cohort-activities.js';
import { catalogue } from '../domain/catalogue/programmes.js';
import { MACHINE_VERSION } from '../machines/pathway.js';
import { TemporalNotConfiguredError, workerConfigFromEnv } from '../worker/main.js';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../domain/errors.js';
import { FailureType } from '../workflows/messages.js';
import type { Store } from '../store/index.js';
import { openMigratedPglite } from './helpers/db.js';
import { createActivities, createMailer } from '../activities/index.js';
import { decide, initialState, parseEvent, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import type { SchoolSummary } from '../machines/summary.js';
import { main } from '../cli/main.js';
import { london, secondaryDev, secondaryEmb, secondarySchool, twoTeachers } from './fixtures/programmes.js';

const updateFailed = (type: string, details: unknown) => new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message: `refused (${type})`, nonRetryable: true, details: [details] }));

describe('a refused Update, back in the domain\'s words', () => {
  it('maps each failure type to its typed error with the fields the workflow sent', () => {
    const rejected = engineErrorFrom(updateFailed(FailureType.rejected, { urn: '1', eventType: 'SELECTED', state: 'development/applied', why: 'SELECTED is not accepted now; accepted: ELIGIBILITY_ASSESSED' }), '1');
    expect(rejected).toBeInstanceOf(EventRejectedError);
    expect((rejected as Error).message).toBe('school 1 (Development: application received) cannot take SELECTED: SELECTED is not accepted now; accepted: ELIGIBILITY_ASSESSED');

    const conflict = engineErrorFrom(updateFailed(FailureType.conflict, { urn: '1', expected: 3, actual: 4 }), '1');
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(conflict).toMatchObject({ expected: 3, actual: 4 });

    const invalid = engineErrorFrom(updateFailed(FailureType.invalid, { problems: [{ path: 'at', message: 'must be an ISO date-time', value: 'soon', severity: 'error' }] }), '1');
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as Error).message).toBe('event is invalid: at must be an ISO date-time (got "soon").');

    expect(engineErrorFrom(new WorkflowNotFoundError('workflow not found', 'school-9', undefined), '9')).toBeInstanceOf(UnknownSchoolError);
    const notRecorded = engineErrorFrom(updateFailed(FailureType.notRecorded, { reason: 'db down' }), '1');
    expect(notRecorded).not.toBeInstanceOf(EventRejectedError);
    expect((notRecorded as Error).message).toBe('refused (EventNotRecorded)');
    const network = new Error('14 UNAVAILABLE');
    expect(engineErrorFrom(network, '1')).toBe(network);
  });
});

describe('listing schools through search attributes', () => {
  it('builds the visibility query from the filter, leaving values it cannot quote to the check after', () => {
    expect(visibilityQuery({})).toBe("WorkflowType = 'schoolPathway' AND ExecutionStatus = 'Running'");
    expect(visibilityQuery({ hub: 'Boolean Maths Hub', phase: 'development', academicYear: '2020/21', overdue: true })).toBe(
      "WorkflowType = 'schoolPathway' AND ExecutionStatus = 'Running' AND PathwayHub = 'Boolean Maths Hub' AND PathwayPhase = 'development' AND PathwayAcademicYear = '2020/21' AND PathwayOverdue = true",
    );
    expect(visibilityQuery({ hub: "St Helen's" })).toBe("WorkflowType = 'schoolPathway' AND ExecutionStatus = 'Running'");
    const s = { hub: "St Helen's", phase: 'development', status: 'active', overdue: false } as SchoolSummary;
    expect(matches(s, { hub: "St Helen's", overdue: false })).toBe(true);
    expect(matches(s, { hub: 'Boolean Maths Hub' })).toBe(false);
  });
});

describe('the audit history the Temporal engine reads', () => {
  let store: Store;
  const mailbox = mkdtempSync(join(tmpdir(), 'pathway-mail-'));
  const URN = '123456';
  const events: PathwayEventInput[] = [
    { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers },
    { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true },
    { type: 'SELECTED', at: london('2020-07-20'), groupId: 'wg', groupSize: 2 },
  ];

  beforeAll(async () => {
    store = await openMigratedPglite();
    // Written the way the worker writes: decided by the core, recorded by the recordEvent activity.
    const { recordEvent } = createActivities({ db: store.db, mailer: createMailer({ mailboxDir: mailbox }) });
    let snapshot: PersistedPathway = initialState(URN);
    for (const [i, input] of events.entries()) {
      const event = parseEvent(input);
      const d = decide(snapshot, event);
      await recordEvent({ urn: URN, expectedVersion: i, type: event.type, payload: event, occurredAt: event.at, actor: 'ops', machineVersion: d.machineVersion, snapshot: d.snapshot, summary: d.summary });
      snapshot = d.snapshot;
    }
  });
  afterAll(async () => {
    await store.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('gives every event with the phase after it, the state now, and an intact, replayable chain', async () => {
    const h = await historyFromLog(store.db, URN);
    expect(h.entries.map((e) => [e.version, e.type, e.status])).toEqual([
      [1, 'APPLY', 'applied'],
      [2, 'ELIGIBILITY_ASSESSED', 'eligible'],
      [3, 'SELECTED', 'selected'],
    ]);
    expect(h.entries[0]).toMatchObject({ urn: URN, actor: 'ops', machineVersion: MACHINE_VERSION, phase: 'development' });
    expect(h.stateAt).toMatchObject({ status: 'selected', groupId: 'wg' });
    expect(h).toMatchObject({ tampered: null, replayMatches: true, replayError: null });
  });

  it('gives the state on a past date, and refuses a date that is not an instant or a school with no events', async () => {
    const h = await historyFromLog(store.db, URN, london('2020-07-15'));
    expect(h.entries.map((e) => e.type)).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED']);
    expect(h.stateAt).toMatchObject({ status: 'eligible' });
    await expect(historyFromLog(store.db, URN, '15 July')).rejects.toBeInstanceOf(ValidationError);
    await expect(historyFromLog(store.db, '999999')).rejects.toBeInstanceOf(UnknownSchoolError);
  });
});

describe('the cohort activities', () => {
  const advance = { type: 'ADVANCED', at: london('2021-09-01'), programme: secondaryEmb } as PathwayEventInput;

  function client(behaviour: { update: () => Promise<unknown>; query?: () => Promise<unknown> }) {
    const calls: { id: string; options?: unknown }[] = [];
    return {
      calls,
      workflow: {
        getHandle: (id: string) => ({
          executeUpdate: async (_def: unknown, options: unknown) => (calls.push({ id, options }), behaviour.update()),
          query: async () => (calls.push({ id }), (behaviour.query ?? (() => Promise.resolve(null)))()),
        }),
      },
    };
  }

  it('return a refusal as an outcome and send with the update id that makes a retry harmless', async () => {
    const c = client({ update: () => Promise.reject(updateFailed(FailureType.rejected, { urn: '200003', eventType: 'ADVANCED', state: 'development/active', why: 'ADVANCED is not accepted now' })) });
    const acts = createCohortActivities(c as never);
    const outcome = await acts.sendSchoolEvent({ urn: '200003', event: advance, actor: 'ops', updateId: 'cohort-x:200003' });
    expect(outcome).toEqual({ urn: '200003', ok: false, reason: 'school 200003 (Development: taking part) cannot take ADVANCED: ADVANCED is not accepted now' });
    expect(c.calls[0]).toEqual({ id: 'school-200003', options: { args: [{ event: advance, actor: 'ops' }], updateId: 'cohort-x:200003' } });
  });

  it('count a school already in the target programme as moved (sent before, under an earlier run of its workflow)', async () => {
    const rejected = () => Promise.reject(updateFailed(FailureType.rejected, { urn: '7', eventType: 'ADVANCED', state: 'embedding/selected', why: 'ADVANCED is not accepted now' }));
    const moved = createCohortActivities(client({ update: rejected, query: async () => ({ urn: '7', version: 12, summary: { phase: 'embedding', status: 'selected', programmeId: secondaryEmb.id }, snapshot: {} }) }) as never);
    expect(await moved.sendSchoolEvent({ urn: '7', event: advance, actor: 'ops', updateId: 'u' })).toEqual({ urn: '7', ok: true, phase: 'embedding', status: 'selected', version: 12 });
    const stuck = createCohortActivities(client({ update: rejected, query: async () => ({ urn: '7', version: 9, summary: { phase: 'development', status: 'active', programmeId: secondaryDev.id }, snapshot: {} }) }) as never);
    expect(await stuck.sendSchoolEvent({ urn: '7', event: advance, actor: 'ops', updateId: 'u' })).toMatchObject({ ok: false, reason: expect.stringContaining('cannot take ADVANCED') });
  });

  it('load a programme named by id, in the activity, and name an unknown id', async () => {
    const c = client({ update: async () => ({ urn: '1', version: 12, summary: { phase: 'embedding', status: 'selected' }, effects: [] }) });
    const acts = createCohortActivities(c as never, { findProgramme: (id) => (id === secondaryEmb.id ? secondaryEmb : undefined) });
    const byId = { type: 'ADVANCED' as const, at: advance.at, programmeId: secondaryEmb.id };
    expect(await acts.loadCohortEvent(byId)).toEqual(advance);
    await acts.sendSchoolEvent({ urn: '1', event: byId, actor: 'ops', updateId: 'u' });
    expect(c.calls[0]).toEqual({ id: 'school-1', options: { args: [{ event: advance, actor: 'ops' }], updateId: 'u' } });
    const unknown = await acts.loadCohortEvent({ ...byId, programmeId: 'nope-2099' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as Error).message).toBe('cohort event is invalid: event.programmeId must be the id of a programme in the catalogue (got "nope-2099").');
    // The catalogue is the default: its ids load.
    const first = catalogue[0]!;
    expect(catalogueProgramme(first.id)).toBe(first);
    expect(catalogueProgramme('nope-2099')).toBeUndefined();
  });

  it('return the new phase when the school moved, and throw transport failures so Temporal retries them', async () => {
    const ok = createCohortActivities(client({ update: async () => ({ urn: '1', version: 12, summary: { phase: 'embedding', status: 'selected' }, effects: [] }) }) as never);
    expect(await ok.sendSchoolEvent({ urn: '1', event: advance, actor: 'ops', updateId: 'u' })).toEqual({ urn: '1', ok: true, phase: 'embedding', status: 'selected', version: 12 });
    const down = createCohortActivities(client({ update: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')) }) as never);
    await expect(down.sendSchoolEvent({ urn: '1', event: advance, actor: 'ops', updateId: 'u' })).rejects.toThrow('14 UNAVAILABLE');
    const gone = createCohortActivities(client({ update: async () => null, query: () => Promise.reject(new WorkflowNotFoundError('not found', 'school-2', undefined)) }) as never);
    expect(await gone.readSchoolState('2')).toBeNull();
  });
});

describe('without a Temporal server', () => {
  it('reads its settings from the environment, with defaults for namespace and task queue', () => {
    expect(temporalOptionsFromEnv({})).toBeNull();
    expect(temporalOptionsFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233' })).toEqual({ address: 'temporal:7233', namespace: 'default', taskQueue: 'mastery-pathway' });
    expect(workerConfigFromEnv({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_NAMESPACE: 'hubs', TEMPORAL_TASK_QUEUE: 'q' })).toEqual({ address: 'x:1', namespace: 'hubs', taskQueue: 'q' });
    expect(workerConfigFromEnv({ TEMPORAL_ADDRESS: 'x:1', PATHWAY_BUILD_ID: 'pathway-1.1.0' })).toMatchObject({ buildId: 'pathway-1.1.0' });
    expect(() => workerConfigFromEnv({})).toThrow(TemporalNotConfiguredError);
  });

  it('the engine says it cannot reach the server and how to start one', async () => {
    const err = await createTemporalEngine({ address: '127.0.0.1:1', connectTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporalUnavailableError);
    expect((err as Error).message).toMatch(/^cannot reach the Temporal server at 127\.0\.0\.1:1: .+\. Start it \(docker compose up -d temporal\) or set TEMPORAL_ADDRESS/);
  });

  async function cli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; err: string }> {
    let err = '';
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    process.exitCode = 0;
    try {
      await main(['node', 'pathway', ...args]);
      return { code: Number(process.exitCode ?? 0), err };
    } finally {
      e.mockRestore();
      for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
      process.exitCode = 0;
    }
  }

  it('`pathway worker` exits 1 saying to set TEMPORAL_ADDRESS when it is missing', async () => {
    const r = await cli(['worker'], { TEMPORAL_ADDRESS: undefined });
    expect(r.code).toBe(1);
    expect(r.err).toContain('pathway: TEMPORAL_ADDRESS is not set');
    expect(r.err).toContain('docker compose up -d');
  });

  it('`pathway worker` exits 1 naming the server it cannot reach, before it opens the database', async () => {
    const r = await cli(['--db', 'postgres://nobody@127.0.0.1:1/never', 'worker'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('pathway: cannot reach the Temporal server at 127.0.0.1:1');
    expect(r.err).not.toContain('Postgres');
  });
});
