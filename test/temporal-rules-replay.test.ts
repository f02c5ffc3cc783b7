/**
 * Rules ship safely: a history that rules version N decided replays on a
 * worker whose newest rules are N+1, because a run decides with the rules
 * version it started with (workflows/rules.ts), which a run that starts
 * without one takes from the loadSchool activity's result, kept in history.
 *
 * The history is multi-step and built by hand as `temporal workflow show
 * --output json` prints it: a school started with its urn only; loadSchool
 * completed (the log's snapshot at version 5, rules N); the 14-day meeting
 * reminder that fell due recorded (recordEvent completed) and its email sent
 * (notify completed) while a timer waits for the 2-day reminder; the timer
 * fired and the next reminder is being recorded. It replays in Temporal's
 * real sandbox (Worker.runReplayHistory) on two bundles: this build, and a
 * build whose newest rules are a simulated N+1 that sends no reminder email
 * (test/fixtures/rules-next.ts, swapped in for workflows/rules.ts). The
 * control: the same history with the loadSchool result naming N+1 does not
 * replay on that bundle, so the test can tell.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleForReplay, installReplayRuntime, replayHistory } from '../worker/replay.js';
import { replayBundle } from './helpers/replay-bundle.js';
import { fold, parseEvent } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import type { SchoolPathwayInput, StoredSchool } from '../workflows/messages.js';
import { london, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

import { HistoryBuilder } from './temporal-history.js';
import { CURRENT_RULES_VERSION, RULES } from '../workflows/rules.js';

/** Rules N: this build's newest. */
const N = CURRENT_RULES_VERSION;

const URN = '180001';
const meetings = ['2020-11-12', '2021-01-14', '2021-03-11', '2021-05-13'].map((d, i) => ({ id: `m${i + 1}`, kind: 'meeting' as const, at: london(d, '13:00') }));
const events = [
  { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers },
  { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true },
  { type: 'SELECTED', at: london('2020-07-20'), groupId: 'wg', groupSize: 2 },
  { type: 'COMMITMENT_SIGNED', at: london('2020-09-10'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] },
  { type: 'SCHEDULE_SET', at: london('2020-10-01'), sessions: meetings },
] as PathwayEventInput[];

/** The history of a run that rules `decidedBy` (as loadSchool answered) drove through a reminder, an email and a timer. */
function reminderHistory(decidedBy: string): { events: object[] } {
  const snapshot = fold(URN, events.map((e) => parseEvent(e)));
  const h = new HistoryBuilder('2020-11-01T10:00:00Z');
  h.started({ urn: URN } satisfies SchoolPathwayInput);
  // Task 1: no snapshot in the input, so the run reads the log.
  const t1 = h.completed(h.task());
  const school: StoredSchool = { version: 5, snapshot, missed: [] };
  h.activity(t1, '1', 'loadSchool', [{ urn: URN }], { rulesVersion: decidedBy, school });
  // Task 2: search attributes, and the 14-day reminder of m1 (due 29 October) recorded.
  const t2 = h.completed(h.task());
  h.upserted(t2);
  h.activity(t2, '2', 'recordEvent', [{ urn: URN }], { version: 6, duplicate: false });
  // Task 3: the reminder's email, and a timer for the 2-day reminder (10 November, 13:00).
  const t3 = h.completed(h.task());
  const email = h.activityScheduled(t3, '3', 'notify', [{ key: 'reminder' }]);
  const timer = h.timerStarted(t3, '1', 9 * 86_400 + 3 * 3_600);
  h.activityDone(email, { sent: true, messageId: 'm-1' });
  // Task 4: the email is done; nothing to do.
  h.completed(h.task());
  h.at = '2020-11-10T13:00:00Z';
  h.timerFired(timer, '1');
  // Task 5 (the last, replayed as new): the timer fired; the 2-day reminder is decided and recorded.
  h.task();
  return { events: h.events };
}

let current: { code: string };
let nextBuild: { code: string };
const NEXT_RULES = fileURLToPath(new URL('./fixtures/rules-next.ts', import.meta.url));
const WORKFLOWS_DIR = fileURLToPath(new URL('../workflows/', import.meta.url));

beforeAll(async () => {
  installReplayRuntime();
  current = await replayBundle();
  // The N+1 build: workflows/rules.ts (as the workflow imports it) replaced by the fixture whose newest rules are N+1.
  nextBuild = await bundleForReplay({
    webpackConfigHook: (config) => {
      const alias = (config.resolve ??= {}).alias ?? {};
      config.resolve.alias = { ...(alias as Record<string, string>), [`${WORKFLOWS_DIR}rules.js`]: NEXT_RULES, [`${WORKFLOWS_DIR}rules.ts`]: NEXT_RULES };
      return config;
    },
  });
}, 120_000);

describe('a history decided by rules N', () => {
  it('replays on this build (whose newest rules are N), the reminder decided again with N', async () => {
    const r = await replayHistory(historyFromJSON(reminderHistory(N)), { workflowBundle: current });
    expect(r.outcome, r.message).toBe('replayed');
    expect(r.activities.map((a) => a.activityType)).toEqual(['loadSchool', 'recordEvent', 'notify', 'recordEvent']);
    expect(r.activities.at(-1)!.args[0]).toMatchObject({ type: 'REMINDER_DUE', expectedVersion: 6, machineVersion: N, payload: { sessionId: 'm1', daysBefore: 2 } });
  });

  it('replays on a build whose newest rules are N+1: the run keeps the rules it started with', async () => {
    const r = await replayHistory(historyFromJSON(reminderHistory(N)), { workflowBundle: nextBuild });
    expect(r.outcome, r.message).toBe('replayed');
    expect(r.activities.at(-1)!.args[0]).toMatchObject({ type: 'REMINDER_DUE', machineVersion: N });
  });

  it('control: the N+1 rules really decide differently, so deciding this history with them does not replay', async () => {
    const r = await replayHistory(historyFromJSON(reminderHistory('pathway@2.0.0-simulated')), { workflowBundle: nextBuild });
    expect(r.outcome).toBe('nondeterministic');
    expect(r.message).toContain('at event 18 the history records ActivityTaskScheduled');
  });

  it('a run pinned to rules this worker does not have fails its task, naming the version and the versions it has', async () => {
    const r = await replayHistory(historyFromJSON(reminderHistory('pathway@0.9.0')), { workflowBundle: current });
    expect(r.outcome).toBe('failed');
    expect(r.message).toContain(`this worker has no rules version pathway@0.9.0 (it has ${Object.keys(RULES).join(', ')})`);
  });
});
