/**
 * What-if of a cohort transition (service/whatif-transition.ts, `pathway
 * whatif transition`) over a hub simulated through the embedded host for
 * 2019/20 and 2020/21 (the 2019/20 transition recorded, 2020/21's not yet):
 *  - previewing 2020/21 -> 2021/22 lists exactly the schools the cohort
 *    transition's dry run would move, with the phase it names, and the
 *    others with its reasons;
 *  - the recorded 2019/20 transition replaced by one just before it changes
 *    nobody who could move then;
 *  - run on 1 July 2020, before the year's evaluations, it would have left
 *    behind every school not completed by then (the phase its history on
 *    that date shows), and their next year's events would be refused;
 *  - nothing is written: every table is the same before and after;
 *  - bad years or moments exit 2 naming the field, before a database is opened.
 * PGlite and Postgres.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateHub } from '../host/simulate.js';
import { runCohortTransition } from '../service/cohorts.js';
import { whatIfTransition } from '../service/whatif-transition.js';
import { whatIfCsv } from '../service/whatif.js';
import type { Db } from '../store/db.js';
import { dbTargets } from './helpers/db.js';
import { HUB_A, startApi, type ApiHarness } from './api-harness.js';

const root = new URL('..', import.meta.url).pathname;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/pathway.mjs', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Every row of every table, as JSON text, each table's rows sorted. Not pure. */
async function dump(db: Db): Promise<Record<string, string[]>> {
  const tables = (await db.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")).rows.map((r) => r.t);
  const out: Record<string, string[]> = {};
  for (const t of tables) out[t] = (await db.query(`SELECT * FROM "${t}"`)).rows.map((r) => JSON.stringify(r)).sort();
  return out;
}

describe.each(dbTargets())('what-if transition on $name', (target) => {
  let h: ApiHarness;
  let before: Record<string, string[]>;
  /** Schools with a recorded ADVANCED into 2020/21, and when the first of those was recorded. */
  let recorded: Set<string>;
  let firstAdvance: number;

  beforeAll(async () => {
    h = await startApi(target, { start: '2019-06-01T09:00:00Z' });
    await simulateHub({ engine: h.engine, schools: 12, years: 2, seed: 1, start: '2019/20', hub: HUB_A, batchSize: 200 });
    await h.engine.drainOutbox();
    const adv = (await h.svc.db.query<{ urn: string; at: string | Date }>("SELECT urn, occurred_at AS at FROM events WHERE type = 'ADVANCED' AND payload->'programme'->>'academicYear' = '2020/21'")).rows;
    recorded = new Set(adv.map((r) => r.urn));
    firstAdvance = Math.min(...adv.map((r) => new Date(r.at).getTime()));
    before = await dump(h.svc.db);
  }, 600_000);
  afterAll(async () => {
    await h?.close();
  });

  const run = (input: Parameters<typeof whatIfTransition>[2]) => whatIfTransition(h.svc, h.principals.admin, input);

  it('previewing 2020/21 -> 2021/22 lists the schools the dry run would move, and no others', async () => {
    const r = await run({ from: '2020/21' });
    expect(r).toMatchObject({ from: '2020/21', to: '2021/22', at: '2021-09-01T09:00:00.000+01:00', recordedTransitions: 0 });
    const dry = await runCohortTransition(h.svc, h.principals.admin, { from: '2020/21', to: '2021/22', dryRun: true });
    const moves = dry.rows.filter((x) => x.outcome === 'would move');
    expect(moves.length).toBeGreaterThan(0);
    expect(r.wouldMove).toBe(moves.length);
    expect(r.cannotMove.map((c) => [c.urn, c.reason])).toEqual(dry.rows.filter((x) => x.outcome === 'cannot move').map((x) => [x.urn, x.reason]));
    const phase = r.rows.filter((x) => x.kind === 'phase');
    expect(phase.map((x) => [x.urn, x.from, x.to])).toEqual(moves.map((m) => [m.urn, m.fromPhase, m.toPhase]));
    // A school moved starts its new phase selected, before its commitment.
    for (const m of moves) expect(r.rows).toContainEqual(expect.objectContaining({ urn: m.urn, kind: 'status', to: 'selected' }));
    expect(r.schoolsChanged).toBe(moves.length);
    expect(r.counts).toMatchObject({ phase: moves.length, refused: 0, payment: 0 });
    const csv = whatIfCsv(r.rows).split('\r\n');
    expect(csv[0]).toBe('urn,school,kind,what changes,from,to');
    expect(csv).toHaveLength(r.rows.length + 2);
  }, 300_000);

  it('the recorded 2019/20 transition replaced by the same one a minute before it changes nobody who could move then', async () => {
    expect(recorded.size).toBeGreaterThan(0);
    const r = await run({ from: '2019/20', at: new Date(firstAdvance - 60_000).toISOString() });
    const left = new Set(r.cannotMove.map((c) => c.urn));
    // Only a school the earlier moment leaves behind (evaluation not in yet) can change.
    for (const row of r.rows) expect(left.has(row.urn)).toBe(true);
    expect(r.wouldMove).toBeGreaterThan(0);
  }, 300_000);

  it('run on 1 July 2020 it would have left behind every school not completed by then, in the phase its history shows that day', async () => {
    const at = '2020-07-01T09:00:00+01:00';
    const r = await run({ from: '2019/20', at });
    expect(r.recordedTransitions).toBe(recorded.size);
    const schools = await h.engine.schools({});
    let behind = 0;
    for (const urn of recorded) {
      const then = (await h.engine.history(urn, { at })).stateAt!;
      const now = schools.find((s) => s.urn === urn)!;
      const mine = r.rows.filter((x) => x.urn === urn);
      if (then.status === 'completed') continue;
      behind++;
      expect(mine).toContainEqual(expect.objectContaining({ kind: 'phase', from: now.phase, to: then.phase }));
      // Its recorded next-year events no longer fit: the first is named.
      expect(mine).toContainEqual(expect.objectContaining({ kind: 'refused', from: 'accepted', to: 'refused' }));
    }
    expect(behind).toBeGreaterThan(0);
    expect(r.counts.phase).toBe(behind);
  }, 300_000);

  it('writes nothing: every table is the same before and after what-ifs, and as it was before every test of this file', async () => {
    const around = await dump(h.svc.db);
    await run({ from: '2019/20', to: '2020/21', at: '2020-08-01', hub: HUB_A });
    await run({ from: '2020/21', at: '2021-07-01T12:00:00+01:00' });
    expect(await dump(h.svc.db)).toEqual(around);
    expect(around).toEqual(before);
    expect(before.events!.length).toBeGreaterThan(0);
  }, 300_000);
});

describe('`pathway whatif transition` input', () => {
  it('exits 2 naming the field for a bad year or moment, before opening a database; `whatif` alone still needs --rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whatif-transition-'));
    const db = join(dir, 'none');
    const gap = await cli(['--db', db, 'whatif', 'transition', '--from', '2020/21', '--to', '2022/23']);
    expect(gap.code).toBe(2);
    expect(gap.stderr).toMatch(/to must be the academic year after 2020\/21 \(2021\/22\)/);
    const when = await cli(['--db', db, 'whatif', 'transition', '--from', '2020/21', '--at', 'next week']);
    expect(when.code).toBe(2);
    expect(when.stderr).toMatch(/at must be a date YYYY-MM-DD .*\(got "next week"\)/);
    const none = await cli(['--db', db, 'whatif']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--rules <file>/);
  }, 120_000);
});
