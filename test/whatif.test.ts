/**
 * What-if (service/whatif.ts, `pathway whatif`) over a hub simulated through
 * the embedded host: the catalogue as it is changes nobody; a higher
 * Secondary Development 2020/21 grant lists exactly the schools the ledger
 * shows paid for it, with the amount change; a higher meeting minimum lists
 * that programme's schools, with their status changed and the schedule the
 * proposal would refuse; nothing is written; a bad rules file exits 2 naming
 * the field. PGlite and Postgres.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateHub } from '../host/simulate.js';
import { parseProposal, whatIf, whatIfCsv, type WhatIfReport } from '../service/whatif.js';
import { payments } from '../store/ledger.js';
import { ValidationError } from '../domain/errors.js';
import { dbTargets } from './helpers/db.js';
import { HUB_A, HUB_B, startApi, type ApiHarness } from './api-harness.js';

const root = new URL('..', import.meta.url).pathname;
const PROGRAMME = 'secondary-development-2020-21';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/pathway.mjs', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const change = (set: Record<string, unknown>, programme = PROGRAMME) => parseProposal({ changes: [{ programme, set }] });

describe.each(dbTargets())('what-if on $name', (target) => {
  let h: ApiHarness;
  let eventCount: number;
  const count = async () => Number((await h.svc.db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n);

  beforeAll(async () => {
    h = await startApi(target, { start: '2019-06-01T09:00:00Z' });
    await simulateHub({ engine: h.engine, schools: 20, years: 2, seed: 1, start: '2019/20', hub: HUB_A, batchSize: 200 });
    await h.engine.drainOutbox();
    eventCount = await count();
  }, 300_000);
  afterAll(async () => {
    await h?.close();
  });

  const run = (proposal = change({ funding: { amountPence: 200_000 } }), filter = {}) => whatIf(h.svc, h.principals.admin, proposal, filter);

  it('changes nobody when the proposal keeps the catalogue figures', async () => {
    const r = await run();
    expect(r.schools).toBe(20);
    expect(r.events).toBe(eventCount);
    expect(r.rows).toEqual([]);
    expect(r.schoolsChanged).toBe(0);
    expect(r.replayMismatches).toEqual([]);
  });

  it('a higher grant lists exactly the schools paid for that programme, £2,000 -> £2,500', async () => {
    const paid = (await payments(h.svc.db)).filter((p) => p.programmeId === PROGRAMME);
    expect(paid.length).toBeGreaterThan(0);
    const r = await run(change({ funding: { amountPence: 250_000 } }));
    expect(r.changes).toEqual([{ programme: PROGRAMME, fields: ['funding.amountPence'] }]);
    expect(r.rows.map((x) => x.urn).sort()).toEqual(paid.map((p) => p.urn).sort());
    for (const row of r.rows) expect(row).toMatchObject({ kind: 'payment', what: `payment ${PROGRAMME} 2020/21`, from: '£2,000', to: '£2,500' });
    expect(r.counts).toEqual({ phase: 0, status: 0, payment: paid.length, reminders: 0, refused: 0 });
    expect(whatIfCsv(r.rows).split('\r\n')[1]).toBe(`${r.rows[0]!.urn},${r.rows[0]!.school},payment,payment ${PROGRAMME} 2020/21,"£2,000","£2,500"`);
    // A hub filter: another hub's operator view has none of these schools.
    expect((await run(change({ funding: { amountPence: 250_000 } }), { hub: HUB_B })).schools).toBe(0);
    expect(await count()).toBe(eventCount);
  });

  it('a higher meeting minimum lists the schools of that programme whose status changes, and the event refused', async () => {
    const schools = await h.engine.schools({});
    const inProgramme = new Set<string>();
    for (const s of schools) {
      const { rows } = await h.svc.db.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE urn = $1 AND payload->'programme'->>'id' = $2", [s.urn, PROGRAMME]);
      if (Number(rows[0]!.n) > 0) inProgramme.add(s.urn);
    }
    expect(inProgramme.size).toBeGreaterThan(0);
    const r: WhatIfReport = await run(change({ sessions: [{ kind: 'meeting', min: 6 }] }));
    expect(r.changes[0]!.fields).toEqual(['sessions.meeting.min']);
    const changed = new Set(r.rows.map((x) => x.urn));
    expect(changed.size).toBeGreaterThan(0);
    for (const urn of changed) expect(inProgramme.has(urn)).toBe(true);
    const status = r.rows.filter((x) => x.kind === 'status');
    expect(status.length).toBeGreaterThan(0);
    for (const row of status) expect(row.from).toBe(schools.find((s) => s.urn === row.urn)!.status);
    // A schedule of 4 meetings was recorded; under the proposal it would be refused, naming the rule.
    const refused = r.rows.filter((x) => x.kind === 'refused');
    expect(refused.length).toBe(changed.size);
    for (const row of refused) expect(row.what).toMatch(/^event \d+ \(SCHEDULE_SET\) would be refused: .*at least 6 .*sessions\.meeting\.min/);
    expect(r.counts.status).toBe(status.length);
    expect(await count()).toBe(eventCount);
  });

  it('the --year filter keeps only schools with a programme that year', async () => {
    const r = await run(change({ funding: { amountPence: 250_000 } }), { year: '2018/19' });
    expect(r.schools).toBe(0);
    await expect(run(undefined, { year: '2020-21' })).rejects.toThrow(/year must be an academic year/);
  });
});

describe('what-if rules file', () => {
  it('names the field of each problem (ValidationError) and refuses an unknown programme or field', () => {
    const bad = (set: Record<string, unknown>, programme = PROGRAMME) => {
      try {
        parseProposal({ changes: [{ programme, set }] });
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ funding: { amountPence: -5 } })).toMatch(/changes\.0\.set\.funding\.amountPence .*(>=|at least|too small).*\(got -5\)/);
    expect(bad({ funding: { amountPense: 250_000 } })).toMatch(/changes\.0\.set\.funding\.amountPense is not a field/);
    expect(bad({ sessions: [{ kind: 'meeting', min: 'six' }] })).toMatch(/changes\.0\.set\.sessions\.0\.min/);
    expect(bad({}, 'secondary-development-2099-00')).toMatch(/changes\.0\.programme must be a programme id in the catalogue .*\(got "secondary-development-2099-00"\)/);
    expect(() => parseProposal({ changes: [] })).toThrow(/changes must name at least one programme change/);
  });

  it('`pathway whatif` exits 2 on a bad rules file, naming the field, before opening a database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whatif-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ changes: [{ programme: PROGRAMME, set: { funding: { amountPence: 2500.5 } } }] }));
    const r = await cli(['--db', join(dir, 'none'), 'whatif', '--rules', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/changes\.0\.set\.funding\.amountPence must be a whole number \(got 2500\.5\)/);
    const missing = await cli(['--db', join(dir, 'none'), 'whatif', '--rules', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --rules .*nope\.json: no such file/);
  }, 60_000);
});
