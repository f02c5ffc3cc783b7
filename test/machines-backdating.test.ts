/**
 * Back-dating is explicit (machines/backdating.ts, applied by decide() for
 * every host): an event dated in a phase the school has left, or before it
 * entered the phase it is in, is refused with the reason; timer firings are
 * exempt. Through the embedded host, `history --at` any date reports no
 * replay difference for a history the engine wrote, including an event
 * back-dated within its phase.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRejectedError } from '../domain/errors.js';
import { SimulatedClock } from '../host/clock.js';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { decide, fold, initialState, parseEvent, summaryOf, whyRejected, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import type { Db } from '../store/db.js';
import type { Store } from '../store/index.js';
import { allSignatures, london, primaryDev, primaryReadiness, primarySchool, twoTeachers, variant } from './fixtures/programmes.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const readiness = variant(primaryReadiness, { id: 'pri-ready-2020', sessions: [{ kind: 'workshop', min: 2, cadence: 'halfTermly', source: ['002'] }] });
const development = variant(primaryDev, { id: 'pri-dev-2021', sessions: [{ kind: 'meeting', min: 2, cadence: 'halfTermly', source: ['web'] }] });

/** A Readiness year 2020/21, completed 2021-07-15, then ADVANCED to Development 2021/22 on 2021-09-01. */
const twoYears: PathwayEventInput[] = [
  { type: 'APPLY', at: london('2020-03-01'), programme: readiness, school: primarySchool, teachers: twoTeachers },
  { type: 'ELIGIBILITY_ASSESSED', at: london('2020-03-10'), eligible: true, criteria: ['highStaffTurnover'] },
  { type: 'SELECTED', at: london('2020-03-20'), groupId: 'rg', groupSize: 4 },
  { type: 'COMMITMENT_SIGNED', at: london('2020-09-02'), signatories: allSignatures(readiness) },
  {
    type: 'SCHEDULE_SET',
    at: london('2020-09-05'),
    sessions: [
      { id: 'w1', kind: 'workshop', at: london('2020-11-12', '09:30'), place: 'hub' },
      { id: 'w2', kind: 'workshop', at: london('2021-01-14', '09:30'), place: 'hub' },
    ],
  },
  { type: 'ATTENDANCE_RECORDED', at: london('2020-11-12', '16:00'), sessionId: 'w1', teachersPresent: 2, headteacherPresent: true },
  { type: 'ATTENDANCE_RECORDED', at: london('2021-01-14', '16:00'), sessionId: 'w2', teachersPresent: 2, headteacherPresent: true },
  { type: 'GAP_TASK_COMPLETED', at: london('2021-02-10'), task: 'bar models' },
  { type: 'EVALUATION_SUBMITTED', at: london('2021-07-15'), summary: 'Mastery Ready' },
  { type: 'ADVANCED', at: london('2021-09-01'), programme: development },
  { type: 'COMMITMENT_SIGNED', at: london('2021-09-03'), signatories: allSignatures(development) },
];

function run(events: PathwayEventInput[]): PersistedPathway {
  return events.reduce((s, e) => decide(s, parseEvent(e)).snapshot, initialState('100001'));
}

function refusal(s: PersistedPathway, e: PathwayEventInput): EventRejectedError {
  try {
    decide(s, parseEvent(e));
  } catch (err) {
    if (err instanceof EventRejectedError) return err;
    throw err;
  }
  throw new Error(`${e.type} was accepted`);
}

describe('an event dated in a phase the school has left is refused with the reason', () => {
  it('GAP_TASK_COMPLETED dated 2021-02-20, sent while in Development 2021/22, is refused (it used to be taken into the new phase)', () => {
    const s = run(twoYears);
    expect(summaryOf(s)).toMatchObject({ phase: 'development', status: 'active' });
    const err = refusal(s, { type: 'GAP_TASK_COMPLETED', at: london('2021-02-20'), task: 'late task' });
    expect(err.message).toContain('GAP_TASK_COMPLETED at 2021-02-20T10:00:00+00:00 falls in Readiness 2020/21, which the school left on 2021-07-15 (completed)');
    expect(err.message).toContain('rule backDating');
    expect(whyRejected(s, parseEvent({ type: 'GAP_TASK_COMPLETED', at: london('2021-02-20'), task: 'late task' }))).toContain('falls in Readiness 2020/21');
  });

  it('an event between leaving the old phase and entering the new one is before the new phase began', () => {
    const s = run(twoYears);
    const err = refusal(s, { type: 'GAP_TASK_COMPLETED', at: london('2021-08-20'), task: 'summer task' });
    expect(err.message).toContain('is before the school entered Development 2021/22 on 2021-09-01');
  });

  it('ADVANCED dated before the evaluation that completed the phase is refused', () => {
    const s = run(twoYears.slice(0, 9));
    expect(refusal(s, { type: 'ADVANCED', at: london('2021-07-01'), programme: development }).message).toContain('falls in Readiness 2020/21, which the school left on 2021-07-15');
  });

  it('an application after a withdrawal must not be dated before the withdrawal', () => {
    const s = run([twoYears[0]!, { type: 'WITHDRAWN', at: london('2020-03-05'), reason: 'new head' }]);
    const again = { type: 'APPLY', at: london('2020-03-02'), programme: readiness, school: primarySchool, teachers: twoTeachers } as const;
    expect(refusal(s, again).message).toContain('which the school left on 2020-03-05 (withdrawn)');
    expect(summaryOf(run([twoYears[0]!, { type: 'WITHDRAWN', at: london('2020-03-05'), reason: 'new head' }, { ...again, at: london('2020-03-06') }])).status).toBe('applied');
  });

  it('back-dating within the phase the school is in is still allowed', () => {
    const s = run(twoYears.slice(0, 8));
    const next = decide(s, parseEvent({ type: 'GAP_TASK_COMPLETED', at: london('2020-12-01'), task: 'recorded late' })).snapshot;
    expect(next.context.gapTasks).toBe(2);
  });

  it('timer firings are exempt: a late year-end timer of the old phase is taken and changes nothing (it used to make the new phase overdue)', () => {
    const s = run(twoYears);
    const d = decide(s, parseEvent({ type: 'YEAR_ENDED', at: london('2021-08-31', '23:59'), academicYear: '2020/21' }));
    expect(summaryOf(d.snapshot)).toMatchObject({ phase: 'development', status: 'active' });
    expect(d.effects).toEqual([]);
  });

  it('replay (fold) takes a recorded history as it is: a history recorded before the rule still replays', () => {
    const events = [...twoYears, { type: 'GAP_TASK_COMPLETED', at: london('2021-02-20'), task: 'late task' } as const].map((e) => parseEvent(e));
    expect(summaryOf(fold('100001', events)).phase).toBe('development');
  });
});

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

describe.each(dbTargets())('history at a date through the embedded host on $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;
  const urn = '100077';

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-backdating-mail-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2020-01-01T00:00:00Z'), mailbox });
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('the issue 11 case: the back-dated event is refused, and history --at 2021-03-01 matches its replay', async () => {
    for (const e of twoYears) await engine.send(urn, e, { actor: 'ops' });
    await expect(engine.send(urn, { type: 'GAP_TASK_COMPLETED', at: london('2021-02-20'), task: 'late task' }, { actor: 'ops' })).rejects.toThrow(/falls in Readiness 2020\/21/);
    const h = (await engine.history(urn, { at: '2021-03-01' })) as { replayMatches: boolean; replayError: string | null; stateAt: { phase: string; status: string } };
    expect(h).toMatchObject({ replayMatches: true, replayError: null, stateAt: { phase: 'readiness', status: 'evaluating' } });
  });

  it('an event back-dated within its phase: every date cut still reports no difference', async () => {
    await engine.send(urn, { type: 'GAP_TASK_COMPLETED', at: london('2021-10-20'), task: 'October' }, { actor: 'ops' });
    await engine.send(urn, { type: 'GAP_TASK_COMPLETED', at: london('2021-09-20'), task: 'September, recorded late' }, { actor: 'ops' });
    for (const at of ['2020-03-05', '2020-11-30', '2021-07-16', '2021-09-02', '2021-09-25', '2021-10-25']) {
      const h = (await engine.history(urn, { at })) as { replayMatches: boolean; replayError: string | null };
      expect({ at, replayMatches: h.replayMatches, replayError: h.replayError }).toEqual({ at, replayMatches: true, replayError: null });
    }
    const full = (await engine.history(urn)) as { replayMatches: boolean };
    expect(full.replayMatches).toBe(true);
  });
});
