/**
 * A database the embedded host wrote, moved to the Temporal engine: `pathway
 * temporal adopt` (adoptSchools) starts a workflow for each school the log
 * holds that has none, and each run takes its state from the Postgres log
 * through the loadSchool activity (worker/stream-activities.ts), so the next
 * event appends after the log's last one. Lists come from the `streams`
 * projection (schoolsFromLog), not from one query per workflow. The log is a
 * real store (PGlite); the Temporal API is the fake (test/temporal-fake.ts).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('@temporalio/workflow', async () => (await import('./temporal-fake.js')).workflowModule);

import { fake } from './temporal-fake.js';
import type { Store } from '../store/index.js';
import { openMigratedPglite } from './helpers/db.js';
import { appendEvent } from '../store/event-log.js';
import { saveStream } from '../store/streams.js';
import { decide, initialState, parseEvent, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import type { RecordEventInput } from '../activities/types.js';
import { adoptSchools, createTemporalEngine, schoolStartOptions, schoolsFromLog, sendToSchool, workflowStarter } from '../host/temporal-engine.js';
import { temporal } from '@temporalio/proto';
import { GRPC_ALREADY_EXISTS, standInFrontend } from './temporal-grpc.js';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { EventRejectedError } from '../domain/errors.js';
import { FailureType } from '../workflows/messages.js';
import { createStreamActivities } from '../worker/stream-activities.js';
import { schoolPathway } from '../workflows/school-pathway.js';
import { sendEventUpdate, stateQuery, type SchoolWorkflowState, type SendEventResult } from '../workflows/messages.js';
import { renderAdopt } from '../cli/commands/temporal.js';
import { london, primaryReadiness, primarySchool, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

let store: Store;

/** Append and project as the embedded host (and the recordEvent activity) do, in one transaction. */
async function record(input: Omit<RecordEventInput, 'summary'> & { summary: unknown }): Promise<{ version: number; duplicate: boolean }> {
  const version = await store.db.tx(async (tx) => {
    const a = await appendEvent(tx, { urn: input.urn, expectedVersion: input.expectedVersion, type: input.type, payload: input.payload, occurredAt: input.occurredAt, actor: input.actor, machineVersion: input.machineVersion, state: input.snapshot });
    await saveStream(tx, { urn: input.urn, version: a.version, snapshot: input.snapshot, summary: input.summary as never });
    return a.version;
  });
  return { version, duplicate: false };
}

async function embeddedSchool(urn: string, events: PathwayEventInput[]): Promise<void> {
  let s: PersistedPathway = initialState(urn);
  for (const [i, e] of events.entries()) {
    const d = decide(s, parseEvent(e));
    await record({ urn, expectedVersion: i, type: e.type, payload: parseEvent(e), occurredAt: e.at, actor: 'hub-ops', machineVersion: d.machineVersion, snapshot: d.snapshot, summary: d.summary });
    s = d.snapshot;
  }
}

beforeAll(async () => {
  store = await openMigratedPglite();
  await embeddedSchool('170001', [
    { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers },
    { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true },
  ]);
  await embeddedSchool('170002', [{ type: 'APPLY', at: london('2020-04-02'), programme: primaryReadiness, school: primarySchool, teachers: twoTeachers }]);
  await embeddedSchool('170003', [{ type: 'APPLY', at: london('2020-07-02'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers }]);
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterAll(async () => {
  vi.useRealTimers();
  await store.close();
});

describe('pathway temporal adopt', () => {
  it('starts a workflow for each school the log holds, page by page, and counts those already running', async () => {
    const asked: string[] = [];
    const report = await adoptSchools(store.db, async (urn) => (asked.push(urn), urn !== '170002'), { pageSize: 2 });
    expect(asked).toEqual(['170001', '170002', '170003']);
    expect(report).toEqual({ started: ['170001', '170003'], running: ['170002'] });
    expect(renderAdopt(report)).toBe('started 2 school workflow(s) from the Postgres log: 170001, 170003\nalready running: 1: 170002');
  });

  it('starts each with the urn only, failing on a running one, so the run takes the school from the log', () => {
    expect(schoolStartOptions('170001', 'q', 'FAIL')).toEqual({ workflowId: 'school-170001', taskQueue: 'q', args: [{ urn: '170001' }], workflowIdConflictPolicy: 'FAIL', workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
    // An application's update-with-start uses the running workflow, or starts one that loads the log.
    expect(schoolStartOptions('170001', 'q')).toMatchObject({ args: [{ urn: '170001' }], workflowIdConflictPolicy: 'USE_EXISTING' });
  });

  it('the adopted run holds the log\'s state and appends after it', async () => {
    fake.reset();
    fake.activityImpls = { ...createStreamActivities(store.db), recordEvent: record } as unknown as typeof fake.activityImpls;
    vi.setSystemTime(Date.parse(london('2020-07-15')));
    await fake.start(schoolPathway, { urn: '170001' });
    const s: SchoolWorkflowState = fake.query(stateQuery);
    expect(s).toMatchObject({ version: 2, summary: { urn: '170001', status: 'eligible' } });
    fake.activityImpls.notify = async () => ({ sent: true, messageId: 'x' });
    const r = (await fake.update(sendEventUpdate, { event: { type: 'SELECTED', at: london('2020-07-15'), groupId: 'g', groupSize: 2 }, actor: 'hub-ops' })) as SendEventResult;
    expect(r.version).toBe(3);
    const listed = await schoolsFromLog(store.db, { status: 'selected' });
    expect(listed.map((x) => x.urn)).toEqual(['170001']);
  });
});

describe('listing schools on the Temporal engine', () => {
  it('reads the streams projection with the filter, without asking any workflow', async () => {
    const all = await schoolsFromLog(store.db);
    expect(all.map((s) => s.urn)).toEqual(['170001', '170002', '170003']);
    expect((await schoolsFromLog(store.db, { phase: 'readiness' })).map((s) => s.urn)).toEqual(['170002']);
    expect((await schoolsFromLog(store.db, { status: 'applied', limit: 1 })).map((s) => s.urn)).toEqual(['170002']);
    expect(await schoolsFromLog(store.db, { hub: 'Nowhere Maths Hub' })).toEqual([]);
  });
});

describe('a refused event on a workflow behind the log', () => {
  const refused = () => new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type: FailureType.rejected, message: 'refused', nonRetryable: true, details: [{ urn: '170003', eventType: 'ELIGIBILITY_ASSESSED', state: 'prospective', why: 'ELIGIBILITY_ASSESSED is not accepted now' }] }));

  /** A client whose school workflow holds `held` and refuses the first sendEvent. */
  function stubClient(held: number) {
    const calls: string[] = [];
    let sends = 0;
    const handle = {
      executeUpdate: async (def: { name: string }) => {
        calls.push(def.name);
        if (def.name === 'syncWithLog') return { version: 1, from: held };
        if (sends++ === 0) throw refused();
        return { urn: '170003', version: 2, summary: { status: 'eligible' }, effects: [] };
      },
      query: async () => (calls.push('state'), { version: held }),
    };
    return { calls, client: { workflow: { getHandle: () => handle, executeUpdateWithStart: async () => Promise.reject(new Error('not used')) } } };
  }
  const eligible = { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true } as PathwayEventInput;

  it('syncs the workflow with the log and sends the event once more', async () => {
    const { calls, client } = stubClient(0); // the log holds version 1
    const r = await sendToSchool(client as never, store.db, 'q', '170003', eligible, { actor: 'ops' });
    expect(r).toMatchObject({ version: 2 });
    expect(calls).toEqual(['sendEvent', 'state', 'syncWithLog', 'sendEvent']);
  });

  it('gives the refusal as it is when the workflow is not behind (or there is no log)', async () => {
    const { calls, client } = stubClient(1);
    await expect(sendToSchool(client as never, store.db, 'q', '170003', eligible, { actor: 'ops' })).rejects.toBeInstanceOf(EventRejectedError);
    expect(calls).toEqual(['sendEvent', 'state']);
    const noLog = stubClient(0);
    await expect(sendToSchool(noLog.client as never, undefined, 'q', '170003', eligible, { actor: 'ops' })).rejects.toBeInstanceOf(EventRejectedError);
    expect(noLog.calls).toEqual(['sendEvent']);
  });
});

describe('pathway temporal adopt on the wire (a stand-in frontend)', () => {
  it('starts each school with its urn only, FAIL on a running one, ALLOW_DUPLICATE after a closed one; a running one counts as running', async () => {
    const frontend = await standInFrontend('1.31.1', {
      StartWorkflowExecution: (req: { workflowId: string }) => (req.workflowId === 'school-170002' ? { grpcError: { code: GRPC_ALREADY_EXISTS, details: 'workflow already started' } } : { runId: `run-${req.workflowId}`, started: true }),
    });
    const engine = await createTemporalEngine({ address: frontend.address, taskQueue: 'pathway-q', db: store.db, connectTimeoutMs: 5000 });
    try {
      const report = await adoptSchools(store.db, workflowStarter(engine.client, 'pathway-q'));
      expect(report).toEqual({ started: ['170001', '170003'], running: ['170002'] });
      const starts = frontend.requests.StartWorkflowExecution!;
      expect(starts.map((r) => r.workflowId)).toEqual(['school-170001', 'school-170002', 'school-170003']);
      const first = starts[0];
      expect(first.workflowType.name).toBe('schoolPathway');
      expect(first.taskQueue.name).toBe('pathway-q');
      expect(first.workflowIdConflictPolicy).toBe(temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL);
      expect(first.workflowIdReusePolicy).toBe(temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
      expect(JSON.parse(Buffer.from(first.input.payloads[0].data).toString('utf8'))).toEqual({ urn: '170001' });
    } finally {
      await engine.close();
      frontend.stop();
    }
  }, 60_000);
});

describe('an application on the wire (update-with-start)', () => {
  it('starts the school with its urn only, uses a running workflow, and may start a closed one again (it loads the log)', async () => {
    const frontend = await standInFrontend('1.31.1', { ExecuteMultiOperation: () => ({ grpcError: { code: 3, details: 'stand-in: request captured' } }) });
    const engine = await createTemporalEngine({ address: frontend.address, taskQueue: 'pathway-q', db: store.db, connectTimeoutMs: 5000 });
    try {
      const apply = { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers } as PathwayEventInput;
      await expect(engine.send('170009', apply, { actor: 'ops' })).rejects.toThrow();
      const [multi] = frontend.requests.ExecuteMultiOperation!;
      const start = multi.operations[0].startWorkflow;
      expect(start.workflowId).toBe('school-170009');
      expect(start.workflowIdConflictPolicy).toBe(temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING);
      expect(start.workflowIdReusePolicy).toBe(temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
      expect(JSON.parse(Buffer.from(start.input.payloads[0].data).toString('utf8'))).toEqual({ urn: '170009' });
      expect(multi.operations[1].updateWorkflow.request.input.name).toBe('sendEvent');
    } finally {
      await engine.close();
      frontend.stop();
    }
  }, 60_000);
});

