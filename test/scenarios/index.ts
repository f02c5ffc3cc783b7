/**
 * Scenarios every engine must pass, whatever hosts it (embedded or Temporal):
 * they use only the `Engine` interface. A test file calls
 *
 *   runScenarios(() => createEmbeddedEngine({ db: 'memory://' }), { name: 'embedded engine' });
 *   runScenarios(makeTemporalEngine, { name: 'Temporal engine', skip: 'why it cannot run here' });
 *
 * and each case opens its own engine and closes it. Cases: a secondary
 * school's Development year from application to evaluation (funding released
 * once), an event the school's state refuses, a stale expected version, and
 * an unknown school.
 */
import { describe, expect, it } from 'vitest';
import type { Engine, SendResult } from '../../host/engine.js';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../../domain/errors.js';
import type { Effect, ReleaseFunding } from '../../machines/effects.js';
import type { PathwayEventInput } from '../../machines/events.js';
import { freshUrns, nextSecondaryYear } from './school-year.js';

export interface ScenarioOptions {
  /** How the cases are titled, e.g. "embedded engine". */
  name?: string;
  /** Why these cases cannot run here; they are registered as skipped and the reason printed. */
  skip?: string | null;
  /** How long a listing may lag behind a write (visibility stores are eventually consistent). Default 10 s. */
  listingLagMs?: number;
}

const HUB_OPS = 'hub-ops@example.org';

async function withEngine(makeEngine: () => Promise<Engine>, fn: (engine: Engine) => Promise<void>): Promise<void> {
  const engine = await makeEngine();
  try {
    await fn(engine);
  } finally {
    await engine.close();
  }
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function refusal(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the engine to refuse this, but it accepted it');
}

/** Register the shared scenarios for an engine (vitest describe/it). */
export function runScenarios(makeEngine: () => Promise<Engine>, options: ScenarioOptions = {}): void {
  const name = options.name ?? 'engine';
  const suite = options.skip ? describe.skip : describe;
  if (options.skip) console.warn(`${name} scenarios skipped: ${options.skip}`);
  const lag = options.listingLagMs ?? 10_000;

  suite(`${name}: shared scenarios`, () => {
    it('runs a secondary school from application to evaluation, releasing the £2000 grant once', async () => {
      const year = nextSecondaryYear();
      const [urn] = freshUrns(1) as [string];
      await withEngine(makeEngine, async (engine) => {
        const e = year.events;
        const results: SendResult[] = [];
        const send = async (event: PathwayEventInput, expectedVersion?: number) => {
          const r = await engine.send(urn, event, { actor: HUB_OPS, ...(expectedVersion !== undefined ? { expectedVersion } : {}) });
          results.push(r);
          return r;
        };

        const applied = await send(e.apply);
        expect(applied).toMatchObject({ urn, version: 1, summary: { phase: 'development', status: 'applied', programmeId: year.programme.id, academicYear: year.academicYear } });
        expect((await send(e.eligible, 1)).summary.status).toBe('eligible');
        const selected = await send(e.selected, 2);
        expect(selected.summary).toMatchObject({ status: 'selected', groupId: (e.selected as { groupId: string }).groupId });
        expect(selected.effects.filter((x) => x.type === 'notify')).toHaveLength(1);
        const committed = await send(e.committed, 3);
        expect(committed.summary.status).toBe('active');
        expect(committed.effects.some((x) => x.type === 'timer.set' && x.key === `year-end:${year.academicYear}`)).toBe(true);
        const scheduled = await send(e.schedule, 4);
        expect(scheduled.effects.filter((x) => x.type === 'timer.set').length).toBeGreaterThanOrEqual(8); // two reminders and a check per meeting

        let last = scheduled;
        for (const attendance of e.attendance) last = await send(attendance, last.version);
        expect(last.summary).toMatchObject({ status: 'evaluating', sessionsHeld: 4, sessionsRequired: 4, fundingPaidPence: 200000 });

        const allEffects: Effect[] = results.flatMap((r) => r.effects);
        const grants = allEffects.filter((x): x is ReleaseFunding => x.type === 'funding.release');
        expect(grants).toEqual([expect.objectContaining({ urn, programmeId: year.programme.id, academicYear: year.academicYear, amountPence: 200000 })]);
        // Released after the first meeting was held, not before.
        const firstHeld = results.findIndex((r) => r.summary.sessionsHeld === 1);
        expect(results[firstHeld]!.effects.some((x) => x.type === 'funding.release')).toBe(true);
        expect(allEffects.filter((x) => x.type === 'evaluation.request')).toHaveLength(1);
        expect(last.effects.some((x) => x.type === 'evaluation.request')).toBe(true);

        const done = await send(e.evaluation, last.version);
        expect(done.summary).toMatchObject({ status: 'completed', evaluationSubmitted: true, pastPhases: [{ phase: 'development', academicYear: year.academicYear, outcome: 'completed' }] });

        const state = await engine.state(urn);
        expect(state).toMatchObject({ urn, version: done.version, summary: { status: 'completed', fundingPaidPence: 200000 } });

        const history = await engine.history(urn);
        expect(history.tampered).toBeNull();
        expect(history.entries.map((x) => x.version)).toEqual(Array.from({ length: done.version }, (_, i) => i + 1));
        expect(history.entries.map((x) => x.type)).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED', 'SELECTED', 'COMMITMENT_SIGNED', 'SCHEDULE_SET', 'ATTENDANCE_RECORDED', 'ATTENDANCE_RECORDED', 'ATTENDANCE_RECORDED', 'ATTENDANCE_RECORDED', 'EVALUATION_SUBMITTED']);
        expect(new Set(history.entries.map((x) => x.actor))).toEqual(new Set([HUB_OPS]));
        expect(history.entries.every((x) => x.machineVersion.length > 0)).toBe(true);
        expect(history.stateAt).toMatchObject({ status: 'completed' });
        const midYear = await engine.history(urn, { at: (e.attendance[1] as { at: string }).at });
        expect(midYear.stateAt).toMatchObject({ status: 'active', sessionsHeld: 2, fundingPaidPence: 200000 });

        const listed = await eventually(() => engine.schools({ programmeId: year.programme.id, status: 'completed' }), (l) => l.some((s) => s.urn === urn), lag);
        expect(listed.find((s) => s.urn === urn)).toMatchObject({ phase: 'development', hub: 'Boolean Maths Hub' });
      });
    });

    it('refuses an event the school\'s state does not accept, and changes nothing', async () => {
      const year = nextSecondaryYear();
      const [urn] = freshUrns(1) as [string];
      await withEngine(makeEngine, async (engine) => {
        await engine.send(urn, year.events.apply, { actor: HUB_OPS });
        const err = await refusal(engine.send(urn, year.events.committed, { actor: HUB_OPS }));
        expect(err).toBeInstanceOf(EventRejectedError);
        expect(err).toMatchObject({ urn, eventType: 'COMMITMENT_SIGNED', state: 'development/applied' });
        expect((err as EventRejectedError).why).toContain('COMMITMENT_SIGNED is not accepted now');

        const tooBig = await refusal(engine.send(urn, { ...year.events.selected, groupSize: 3 } as PathwayEventInput, { actor: HUB_OPS }));
        expect(tooBig).toBeInstanceOf(EventRejectedError);

        const malformed = await refusal(engine.send(urn, { type: 'SELECTED', at: 'tomorrow' } as unknown as PathwayEventInput, { actor: HUB_OPS }));
        expect(malformed).toBeInstanceOf(ValidationError);
        expect((malformed as ValidationError).problems.map((p) => p.path)).toEqual(expect.arrayContaining(['at', 'groupId']));

        expect(await engine.state(urn)).toMatchObject({ version: 1, summary: { status: 'applied' } });
        expect((await engine.history(urn)).entries).toHaveLength(1);
      });
    });

    it('refuses a change made on a stale version, keeping the other operator\'s change', async () => {
      const year = nextSecondaryYear();
      const [urn] = freshUrns(1) as [string];
      await withEngine(makeEngine, async (engine) => {
        await engine.send(urn, year.events.apply, { actor: HUB_OPS });
        const seen = (await engine.state(urn)).version;
        // Two operators act on version `seen`; the first wins.
        await engine.send(urn, year.events.eligible, { actor: 'operator-a', expectedVersion: seen });
        const err = await refusal(engine.send(urn, { type: 'DECLINED', at: (year.events.eligible as { at: string }).at, reason: 'group full' }, { actor: 'operator-b', expectedVersion: seen }));
        expect(err).toBeInstanceOf(VersionConflictError);
        expect(err).toMatchObject({ urn, expected: seen, actual: seen + 1 });
        expect(await engine.state(urn)).toMatchObject({ version: seen + 1, summary: { status: 'eligible' } });
      });
    });

    it('says a school that never applied is unknown', async () => {
      const [urn] = freshUrns(1) as [string];
      await withEngine(makeEngine, async (engine) => {
        await expect(engine.state(urn)).rejects.toBeInstanceOf(UnknownSchoolError);
        const year = nextSecondaryYear();
        await expect(engine.send(urn, year.events.eligible, { actor: HUB_OPS })).rejects.toSatisfy((e: unknown) => e instanceof UnknownSchoolError || e instanceof EventRejectedError);
      });
    });
  });
}
