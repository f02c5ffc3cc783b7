/**
 * Cohort transitions on the real embedded engine (PGlite and Postgres): a dry
 * run that changes nothing and says per school what would happen or why not;
 * a real run that moves the schools that can, reports the others, survives
 * one school's failure, and is idempotent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { transitionCohort, planSchool, type TransitionReport } from '../host/cohort.js';
import type { Engine } from '../host/engine.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { createGroup } from '../service/groups.js';
import { assessEligibility, selectApplication } from '../service/applications.js';
import { recordAttendance, signCommitment, submitEvaluation, withdrawSchool } from '../service/schools.js';
import { generateGroupSchedule } from '../service/schedule.js';
import type { Principal } from '../service/context.js';
import { runCohortTransition } from '../service/cohorts.js';
import { renderTransition } from '../cli/render.js';
import { dbTargets } from './helpers/db.js';
import { startApi, type ApiHarness } from './api-harness.js';
import type { PersistedPathway } from '../machines/decide.js';

const admin: Principal = { id: 'hub-admin', name: 'hub admin', role: 'admin', hubs: [] };

function plus(instant: string, hours: number): string {
  return DateTime.fromISO(instant, { setZone: true }).plus({ hours }).toISO()!;
}

function row(r: TransitionReport, urn: string) {
  const found = r.rows.find((x) => x.urn === urn);
  if (!found) throw new Error(`no row for ${urn} in ${JSON.stringify(r.rows)}`);
  return found;
}

describe.each(dbTargets())('cohort transition ($name)', (target) => {
  let h: ApiHarness;
  let groupId = '';
  let readinessGroup = '';
  const [done, late, gone, failing] = ['200001', '200002', '200003', '200004'];
  const notReady = '200005';

  /** APPLY straight to the engine (no 2020 form exists for primary Development) for a hub school. */
  async function apply(urn: string, phase: 'development' | 'readiness', year: string, at: string): Promise<void> {
    await h.engine.send(
      urn,
      {
        type: 'APPLY',
        at,
        programme: programmeFor('primary', phase, year)!,
        school: { name: `School ${urn}`, route: 'primary', hub: 'Great North', headteacher: { name: 'Head', email: `head@${urn}.example` } },
        teachers: [
          { name: 'One', email: `one@${urn}.example`, role: 'mathsLead' },
          { name: 'Two', email: `two@${urn}.example`, role: 'teacher' },
        ],
      },
      { actor: admin.id },
    );
    await assessEligibility(h.svc, admin, urn, { eligible: true, criteria: ['ofstedRiOrInadequate'], at: plus(at, 1) });
  }

  beforeAll(async () => {
    h = await startApi(target, { start: '2021-08-25T12:00:00Z' });
    // A primary Development group of 2020/21 with four schools, and a Readiness school.
    groupId = (await createGroup(h.svc, admin, { programmeId: 'primary-development-2020-21', hub: 'great-north', lead: { name: 'L', email: 'l@x.example' } })).id;
    readinessGroup = (await createGroup(h.svc, admin, { programmeId: 'primary-readiness-2020-21', hub: 'great-north', lead: { name: 'R', email: 'r@x.example' } })).id;
    for (const urn of [done, late, gone, failing]) {
      await apply(urn, 'development', '2020/21', '2020-06-01T10:00:00+01:00');
      await selectApplication(h.svc, admin, urn, { groupId, at: '2020-06-10T10:00:00+01:00' });
      await signCommitment(h.svc, admin, urn, { signatories: ['headteacher', 'teacher1', 'teacher2'], at: '2020-09-02T10:00:00+01:00' });
    }
    await apply(notReady, 'readiness', '2020/21', '2020-03-30T10:00:00+01:00');
    await selectApplication(h.svc, admin, notReady, { groupId: readinessGroup, at: '2020-04-01T10:00:00+01:00' });
    await signCommitment(h.svc, admin, notReady, { signatories: ['headteacher', 'teacher1', 'teacher2'], at: '2020-04-02T10:00:00+01:00' });
    await generateGroupSchedule(h.svc, admin, readinessGroup, { at: '2020-04-03T10:00:00+01:00' });

    const sched = await generateGroupSchedule(h.svc, admin, groupId, { at: '2020-09-03T10:00:00+01:00' });
    await withdrawSchool(h.svc, admin, gone, { reason: 'the maths lead left', at: '2020-10-01T10:00:00+01:00' });
    for (const s of sched.sessions) {
      const at = plus(s.at, 3);
      await h.engine.tick(at);
      for (const urn of [done, late, failing]) await recordAttendance(h.svc, admin, urn, { sessionId: s.id, teachersPresent: 2, at });
    }
    await submitEvaluation(h.svc, admin, done, { at: '2021-07-10T10:00:00+01:00' });
    await submitEvaluation(h.svc, admin, failing, { at: '2021-07-10T10:00:00+01:00' });
    // `late` never sends its evaluation: the year ends and it is overdue.
    await h.engine.tick('2021-09-01T06:00:00Z');
  });
  afterAll(async () => h?.close());

  it('dry run: says per school what would happen, or why not, and changes nothing', async () => {
    const before = await h.eventCount();
    const r = await transitionCohort(h.engine, { from: '2020/21', to: '2021/22', dryRun: true, actor: admin.id });
    expect(await h.eventCount()).toBe(before);
    expect(r.rows.map((x) => x.urn)).toEqual([done, late, gone, failing, notReady]);
    expect(row(r, done)).toMatchObject({ outcome: 'would move', fromPhase: 'development', toPhase: 'embedding', toProgrammeId: 'primary-embedding-2021-22', reason: null });
    expect(row(r, failing).outcome).toBe('would move');
    expect(row(r, late)).toMatchObject({ outcome: 'cannot move', fromStatus: 'overdue', reason: 'evaluation missing (overdue)' });
    expect(row(r, gone)).toMatchObject({ outcome: 'cannot move', reason: 'withdrew (the maths lead left)' });
    expect(row(r, notReady)).toMatchObject({ outcome: 'cannot move', fromPhase: 'readiness' });
    expect(row(r, notReady).reason).toBe("not Mastery Ready: 0 of 6 workshops held, evaluation missing (overdue)");
    expect(r.counts).toEqual({ moved: 0, 'would move': 2, 'already moved': 0, 'cannot move': 3, failed: 0 });
  });

  it('a work group only: the same per school, nothing of the Readiness group', async () => {
    const r = await transitionCohort(h.engine, { from: '2020/21', to: '2021/22', groupId, dryRun: true, actor: admin.id });
    expect(r.rows.map((x) => x.urn)).toEqual([done, late, gone, failing]);
  });

  it('real run: moves who can, reports the rest; one failure does not stop the others', async () => {
    // An engine that fails for one school, as a lost connection would: its batch fails whole, then it alone.
    const flaky: Engine = Object.create(h.engine, {
      send: {
        value: async (urn: string, ...rest: unknown[]) => {
          if (urn === failing) throw new Error('connection reset while sending');
          return (h.engine.send as (...a: unknown[]) => unknown).call(h.engine, urn, ...rest);
        },
      },
      sendMany: {
        value: async (items: { urn: string }[], ...rest: unknown[]) => {
          if (items.some((i) => i.urn === failing)) throw new Error('connection reset while sending');
          return (h.engine.sendMany as (...a: unknown[]) => unknown).call(h.engine, items, ...rest);
        },
      },
    });
    const before = await h.eventCount();
    const r = await transitionCohort(flaky, { from: '2020/21', to: '2021/22', groupId, dryRun: false, actor: admin.id, at: '2021-09-01T09:00:00+01:00' });
    expect(row(r, done)).toMatchObject({ outcome: 'moved', toPhase: 'embedding' });
    expect(row(r, failing)).toMatchObject({ outcome: 'failed', reason: 'connection reset while sending' });
    expect(row(r, late).outcome).toBe('cannot move');
    expect(row(r, gone).outcome).toBe('cannot move');
    expect(await h.eventCount()).toBe(before + 1);
    const moved = await h.engine.state(done);
    expect(moved.summary).toMatchObject({ phase: 'embedding', status: 'selected', academicYear: '2021/22', programmeId: 'primary-embedding-2021-22', groupId });
    const history = await h.engine.history(done);
    expect(history.entries.at(-1)).toMatchObject({ type: 'ADVANCED', actor: admin.id });
  });

  it('is idempotent: running it again moves only the school that failed, and reports the moved one as already moved', async () => {
    // Meanwhile the hub planned the group's next year: the school that moves now joins it planned, and gets its dates.
    h.clock.advanceTo('2021-09-03T12:00:00+01:00');
    const planned = await generateGroupSchedule(h.svc, admin, groupId, { academicYear: '2021/22', at: '2021-09-02T10:00:00+01:00' });
    const before = await h.eventCount();
    const again = await runCohortTransition(h.svc, admin, { from: '2020/21', to: '2021/22', groupId, at: '2021-09-03T10:00:00+01:00' });
    expect(row(again, done)).toMatchObject({ outcome: 'already moved', toPhase: 'embedding' });
    expect(row(again, failing)).toMatchObject({ outcome: 'moved' });
    expect(again.datesGiven).toBe(1);
    const joined = ((await h.engine.state(failing)).snapshot as PersistedPathway).context.sessions;
    expect(joined.map((x) => x.id).sort()).toEqual(planned.sessions.map((x) => x.id).sort());
    expect(await h.eventCount()).toBe(before + 2);
    const third = await runCohortTransition(h.svc, admin, { from: '2020/21', to: '2021/22', groupId, at: '2021-09-03T10:05:00+01:00' });
    expect(third.counts).toEqual({ moved: 0, 'would move': 0, 'already moved': 2, 'cannot move': 2, failed: 0 });
    expect(third.datesGiven).toBeUndefined();
    expect(await h.eventCount()).toBe(before + 2);
  });

  it('through the API: the same report; years must follow each other', async () => {
    const r = await h.call('POST', '/cohorts/transition', { as: 'staffA', body: { from: '2020/21', to: '2021/22', dryRun: true } });
    expect(r.status).toBe(200);
    expect(r.body.rows.map((x: any) => [x.urn, x.outcome])).toEqual([
      [done, 'already moved'],
      [late, 'cannot move'],
      [gone, 'cannot move'],
      [failing, 'already moved'],
      [notReady, 'cannot move'],
    ]);
    const bad = await h.call('POST', '/cohorts/transition', { as: 'admin', body: { from: '2020/21', to: '2022/23' } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems[0]).toMatchObject({ path: 'to', message: expect.stringContaining('must be the academic year after 2020/21 (2021/22)') });
    // Hub staff of another hub see none of these schools.
    const other = await h.call('POST', '/cohorts/transition', { as: 'staffB', body: { from: '2020/21', to: '2021/22', dryRun: true } });
    expect(other.body.rows).toEqual([]);
  });

  it('gives no dates from a group whose next year is over: the dry run says so, and the move leaves the school without them', async () => {
    // A year later `late` sends its overdue evaluation; by then the group has held every meeting of 2021/22 planned above.
    h.clock.advanceTo('2022-08-01T12:00:00+01:00');
    await submitEvaluation(h.svc, admin, late, { at: '2022-07-30T10:00:00+01:00' });
    const dry = await runCohortTransition(h.svc, admin, { from: '2020/21', to: '2021/22', groupId, dryRun: true });
    expect(row(dry, late).outcome).toBe('would move');
    expect(dry.datesWithheld).toMatch(/^Primary .* group 1 has held all its meetings of 2021\/22 \(the last on .* 2022.*\), so the school that moves would not be given its dates: after the move, choose it a group with meetings still to come$/);
    const run = await runCohortTransition(h.svc, admin, { from: '2020/21', to: '2021/22', groupId, at: '2022-08-01T10:00:00+01:00' });
    expect(row(run, late).outcome).toBe('moved');
    expect(run.datesGiven).toBeUndefined();
    expect(run.datesWithheld).toMatch(/had held all its meetings of 2021\/22 .*, so the school moved was not given its dates: choose it a group with meetings still to come$/);
    const moved = await h.engine.state(late);
    expect(moved.summary).toMatchObject({ phase: 'embedding', status: 'selected', academicYear: '2021/22', groupId });
    expect((moved.snapshot as PersistedPathway).context.sessions).toEqual([]);
    const printed = renderTransition(run);
    expect(printed.split('\n').at(-1)).toBe(`${run.datesWithheld}.`);
  });

  it('says when the catalogue has no programme for the next year', () => {
    const s = { urn: '1', name: 'x', route: 'primary', hub: 'Great North', phase: 'sustaining', status: 'completed', programmeId: 'primary-sustaining-2026-27', academicYear: '2026/27' } as const;
    expect(planSchool(s as any, '2027/28')).toEqual({ reason: 'no next programme in the catalogue for 2027/28 (primary sustaining)' });
    expect(planSchool({ ...s, phase: 'embedding', programmeId: 'primary-embedding-2025-26', academicYear: '2025/26' } as any, '2026/27')).toEqual({ programme: programmeFor('primary', 'sustaining', '2026/27') });
  });
});
