/**
 * The workflow's first activation in Temporal's real sandbox, with no server:
 * a hand-built history (WorkflowExecutionStarted with its input,
 * WorkflowTaskScheduled, WorkflowTaskStarted; ISO timestamps; read by
 * historyFromJSON) replayed with Worker.runReplayHistory. The replay probe
 * reports each activity the code schedules (so xstate's decisions inside the
 * sandbox are visible) and any error that would fail the workflow task,
 * which the replay worker itself does not report. Also: `pathway temporal
 * replay` on good, non-deterministic and malformed files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { MalformedHistoryError, WORKFLOWS_PATH, installReplayRuntime, parseHistory, replayHistory } from '../worker/replay.js';
import { replayBundle } from './helpers/replay-bundle.js';
import { main } from '../cli/main.js';
import { fold, initialState, parseEvent } from '../machines/decide.js';
import { CURRENT_RULES_VERSION } from '../workflows/rules.js';
import type { PathwayEventInput } from '../machines/events.js';
import type { SchoolPathwayInput } from '../workflows/messages.js';
import { london, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The JSON of a history whose first workflow task has just started (what `temporal workflow show --output json` prints). */
function startedHistory(input: unknown, options: { at?: string; workflowType?: string; then?: object[] } = {}): { events: object[] } {
  const at = options.at ?? '2021-01-04T09:00:00Z';
  return {
    events: [
      {
        eventId: '1',
        eventTime: at,
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
        workflowExecutionStartedEventAttributes: {
          workflowType: { name: options.workflowType ?? 'schoolPathway' },
          taskQueue: { name: 'mastery-pathway' },
          input: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(input)) }] },
          workflowTaskTimeout: '10s',
          originalExecutionRunId: 'run-1',
          firstExecutionRunId: 'run-1',
          attempt: 1,
        },
      },
      { eventId: '2', eventTime: at, eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', workflowTaskScheduledEventAttributes: { taskQueue: { name: 'mastery-pathway' }, startToCloseTimeout: '10s', attempt: 1 } },
      { eventId: '3', eventTime: at, eventType: 'EVENT_TYPE_WORKFLOW_TASK_STARTED', workflowTaskStartedEventAttributes: { scheduledEventId: '2', identity: 'test', requestId: 'req-1' } },
      ...(options.then ?? []),
    ],
  };
}

const completedTask = { eventId: '4', eventTime: '2021-01-04T09:00:01Z', eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', workflowTaskCompletedEventAttributes: { scheduledEventId: '2', startedEventId: '3', identity: 'test' } };

/** The rules every history here was decided with: this build's newest. */
const RULES_V1 = CURRENT_RULES_VERSION;

/** A prospective school carried over by continue-as-new (snapshot and rules given: no loadSchool). */
const carried = (urn: string): SchoolPathwayInput => ({ urn, snapshot: initialState(urn), version: 0, rulesVersion: RULES_V1 });

const apply: PathwayEventInput = { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers };

let bundle: { code: string };
const scratch = mkdtempSync(join(tmpdir(), 'pathway-replay-'));

beforeAll(async () => {
  expect(installReplayRuntime()).toBe(true);
  bundle = await replayBundle();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the first activation in the real sandbox', () => {
  it('starts a school with no snapshot by reading it from the Postgres log (loadSchool), nothing else, nothing fails', async () => {
    const report = await replayHistory(historyFromJSON(startedHistory({ urn: '100001' } satisfies SchoolPathwayInput)), { workflowBundle: bundle, workflowId: 'school-100001' });
    expect(report).toMatchObject({ outcome: 'replayed', workflowType: 'schoolPathway', events: 3, activities: [{ activityType: 'loadSchool', args: [{ urn: '100001' }] }] });
  });

  it('decides a carried-over application with xstate inside the sandbox and records it', async () => {
    const input: SchoolPathwayInput = { urn: '100002', snapshot: initialState('100002'), version: 0, rulesVersion: RULES_V1, inbox: [{ event: parseEvent(apply), actor: 'ops' }] };
    const report = await replayHistory(historyFromJSON(startedHistory(input)), { workflowBundle: bundle });
    expect(report.outcome).toBe('replayed');
    expect(report.activities.map((a) => a.activityType)).toEqual(['recordEvent']);
    const recorded = report.activities[0]!.args[0] as { type: string; expectedVersion: number; actor: string; machineVersion: string; snapshot: { value: unknown }; summary: { phase: string; status: string; hub: string } };
    expect(recorded).toMatchObject({ type: 'APPLY', expectedVersion: 0, actor: 'ops', machineVersion: CURRENT_RULES_VERSION, snapshot: { value: { development: 'applied' } }, summary: { phase: 'development', status: 'applied', hub: 'Boolean Maths Hub' } });
  });

  it('fires a timer that fell due while the worker was away, on workflow time, with luxon in the sandbox', async () => {
    const events = [
      apply,
      { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true },
      { type: 'SELECTED', at: london('2020-07-20'), groupId: 'wg', groupSize: 2 },
      { type: 'COMMITMENT_SIGNED', at: london('2020-09-10'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] },
      { type: 'SCHEDULE_SET', at: london('2020-10-01'), sessions: ['2020-11-12', '2021-01-14', '2021-03-11', '2021-05-13'].map((d, i) => ({ id: `m${i + 1}`, kind: 'meeting', at: london(d, '13:00') })) }, // the 4 meetings the programme requires (SCHEDULE_SET's guard)
    ] as PathwayEventInput[];
    const snapshot = fold('100003', events.map((e) => parseEvent(e)));
    // Workflow time is the task's start: 2020-11-01, after the 14-day reminder (29 Oct) and before the 2-day one.
    const report = await replayHistory(historyFromJSON(startedHistory({ urn: '100003', snapshot, version: 5, rulesVersion: RULES_V1 } satisfies SchoolPathwayInput, { at: '2020-11-01T10:00:00Z' })), { workflowBundle: bundle });
    expect(report.outcome).toBe('replayed');
    expect(report.activities).toHaveLength(1);
    expect(report.activities[0]!.args[0]).toMatchObject({ type: 'REMINDER_DUE', actor: 'timer', expectedVersion: 5, payload: { sessionId: 'm1', daysBefore: 14, at: london('2020-10-29', '13:00') } });
  });

  it('reports workflow code that throws, which Worker.runReplayHistory alone lets pass', async () => {
    const broken = { urn: '100004', rulesVersion: RULES_V1, snapshot: { value: 'prospective', context: { urn: '100004', timers: null } } };
    const history = historyFromJSON(startedHistory(broken));

    // The trap: without the probe the replay resolves as if all were well.
    const plain = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
    await expect(Worker.runReplayHistory({ workflowBundle: plain }, history)).resolves.toBeUndefined();

    const report = await replayHistory(history, { workflowBundle: bundle });
    expect(report.outcome).toBe('failed');
    expect(report.message).toContain('workflow: TypeError: Cannot convert undefined or null to object');
  });

  it('calls a history whose recorded commands the code no longer makes non-deterministic, in plain words', async () => {
    const timerStarted = { eventId: '5', eventTime: '2021-01-04T09:00:01Z', eventType: 'EVENT_TYPE_TIMER_STARTED', timerStartedEventAttributes: { timerId: '1', startToFireTimeout: '10s', workflowTaskCompletedEventId: '4' } };
    const report = await replayHistory(historyFromJSON(startedHistory(carried('100005'), { then: [completedTask, timerStarted] })), { workflowBundle: bundle });
    expect(report.outcome).toBe('nondeterministic');
    expect(report.message).toContain('at event 5 the history records TimerStarted, but the current code now does UpsertWorkflowSearchAttributes there instead');
  });

  it('replays a history whose recorded commands the code still makes', async () => {
    const upserted = { eventId: '5', eventTime: '2021-01-04T09:00:01Z', eventType: 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', upsertWorkflowSearchAttributesEventAttributes: { workflowTaskCompletedEventId: '4', searchAttributes: { indexedFields: {} } } };
    const report = await replayHistory(historyFromJSON(startedHistory(carried('100006'), { then: [completedTask, upserted] })), { workflowBundle: bundle });
    expect(report).toMatchObject({ outcome: 'replayed', events: 5 });
  });
});

describe('each replay judged by its own result', () => {
  it('tells failing and good histories apart when they replay at the same time and one after another', async () => {
    const broken = historyFromJSON(startedHistory({ urn: '100009', rulesVersion: RULES_V1, snapshot: { value: 'prospective', context: { urn: '100009', timers: null } } }));
    const good = () => historyFromJSON(startedHistory(carried('100010')));
    // The failing ones log "Failing workflow task" on the shared runtime, late; the good ones must not be blamed for it.
    const order = ['bad', 'good', 'bad', 'good', 'good', 'bad', 'good'] as const;
    const together = await Promise.all(order.map((k) => replayHistory(k === 'bad' ? broken : good(), { workflowBundle: bundle })));
    expect(together.map((r) => r.outcome)).toEqual(order.map((k) => (k === 'bad' ? 'failed' : 'replayed')));
    for (const k of order) {
      const r = await replayHistory(k === 'bad' ? broken : good(), { workflowBundle: bundle });
      expect(r.outcome, `${k}: ${r.message}`).toBe(k === 'bad' ? 'failed' : 'replayed');
    }
  });
});

describe('reading an exported history', () => {
  it('refuses what is not a history, saying what is wrong', () => {
    expect(() => parseHistory('{"events": [', 'h.json')).toThrow(MalformedHistoryError);
    expect(() => parseHistory('{"events": [', 'h.json')).toThrow(/^h\.json is not JSON .*temporal workflow show --workflow-id <id> --output json/);
    expect(() => parseHistory('{"history": []}', 'h.json')).toThrow('h.json is not a Temporal history: it must be an object with an "events" array');
    expect(() => parseHistory('{"events": []}', 'h.json')).toThrow('h.json has no events');
    const noStart = { events: [{ eventId: '1', eventTime: '2021-01-04T09:00:00Z', eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', workflowTaskScheduledEventAttributes: {} }] };
    expect(() => parseHistory(JSON.stringify(noStart), 'h.json')).toThrow('h.json: the first event must be WorkflowExecutionStarted with a workflowType (got EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)');
  });
});

describe('pathway temporal replay', () => {
  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    process.exitCode = 0;
    try {
      await main(['node', 'pathway', 'temporal', 'replay', ...args]);
      return { code: Number(process.exitCode ?? 0), out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
      process.exitCode = 0;
    }
  }

  it('exits 0 for a history that replays, 1 for one that does not, 2 for a file that is not a history', async () => {
    const good = join(scratch, 'good.json');
    writeFileSync(good, JSON.stringify(startedHistory({ urn: '100007' })));
    const changed = join(scratch, 'changed.json');
    const timerStarted = { eventId: '5', eventTime: '2021-01-04T09:00:01Z', eventType: 'EVENT_TYPE_TIMER_STARTED', timerStartedEventAttributes: { timerId: '1', startToFireTimeout: '10s', workflowTaskCompletedEventId: '4' } };
    writeFileSync(changed, JSON.stringify(startedHistory({ urn: '100008' }, { then: [completedTask, timerStarted] })));
    const notJson = join(scratch, 'not-a-history.json');
    writeFileSync(notJson, 'workflow 1234 completed');

    const ok = await run(good);
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out).toContain(`OK: ${good} replays against the current workflow code.`);

    const bad = await run(changed);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`NOT DETERMINISTIC: ${changed} does not replay against the current workflow code.`);
    expect(bad.out).toContain('Guard the change with patched()');

    const malformed = await run(notJson);
    expect(malformed).toMatchObject({ code: 2, out: '' });
    expect(malformed.err).toContain(`pathway: ${notJson} is not JSON`);

    const missing = await run(join(scratch, 'nowhere.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read');
  });
});
