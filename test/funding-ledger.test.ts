/**
 * The funding ledger for people: a grant released by the first meeting of a
 * year long past (held on 3 December 2020, recorded in 2026) is dated 3
 * December 2020, with the wall-clock time it was carried out beside it and
 * the event that released it; GET /funding (JSON; CSV by Accept: text/csv)
 * with hub, year and URN filters and another hub's reader seeing nothing; the
 * school's history shows a dated FUNDING_RELEASED entry; and migration 017
 * moves the rows written before it (paid_at was the wall clock) to the
 * releasing event's time. PGlite and Postgres.
 */
import { mkdtempSync, readdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule } from '../domain/calendar/index.js';
import { migrate, MIGRATIONS_DIR } from '../store/migrate.js';
import { payments } from '../store/ledger.js';
import { auditedHistory, historyRowsWithAudit } from '../service/school-audit.js';
import { spawnSync } from 'node:child_process';
import { dbTargets, postgresTestUrl, useTestDb } from './helpers/db.js';
import { startApi, type ApiHarness } from './api-harness.js';

const secondary = programmeFor('secondary', 'development', '2020/21')!;
const school = (urn: string, hub: string) => ({
  name: `School ${urn}`,
  route: 'secondary' as const,
  hub,
  headteacher: { name: 'Head Teacher', email: `head@${urn}.example` },
  headOfDepartment: { name: 'Head of Maths', email: `hod@${urn}.example` },
});
const teachers = (urn: string) => [
  { name: 'Advocate One', email: `one@${urn}.example`, role: 'headOfDepartment' },
  { name: 'Advocate Two', email: `two@${urn}.example`, role: 'aspiringLeader' },
];
const sessions = generateSchedule(secondary, '2020/21');
const first = [...sessions].sort((a, b) => (a.at < b.at ? -1 : 1))[0]!;

/** A secondary school of 2020/21 up to its first meeting, held on the day generateSchedule gave it. */
function year(urn: string, hub: string) {
  return [
    { urn, actor: 'ops', event: { type: 'APPLY' as const, at: '2020-07-01T12:00:00+01:00', programme: secondary, school: school(urn, hub), teachers: teachers(urn) } },
    { urn, actor: 'ops', event: { type: 'ELIGIBILITY_ASSESSED' as const, at: '2020-07-02T12:00:00+01:00', eligible: true } },
    { urn, actor: 'ops', event: { type: 'SELECTED' as const, at: '2020-07-03T12:00:00+01:00', groupId: `g-${urn}`, groupSize: 2 } },
    { urn, actor: 'ops', event: { type: 'COMMITMENT_SIGNED' as const, at: '2020-09-01T12:00:00+01:00', signatories: ['headteacher' as const, 'headOfDepartment' as const, 'teacher1' as const, 'teacher2' as const] } },
    { urn, actor: 'ops', event: { type: 'SCHEDULE_SET' as const, at: '2020-09-02T12:00:00+01:00', sessions } },
  ];
}

describe.each(dbTargets())('the funding ledger on $name', (target) => {
  let h: ApiHarness;
  beforeAll(async () => {
    // The service's clock says 2026; the year being recorded is 2020/21.
    h = await startApi(target, { start: '2026-11-30T10:00:00Z' });
    await h.engine.sendMany([...year('600001', 'Great North'), ...year('600002', 'Cambridge')]);
    for (const urn of ['600001', '600002']) {
      await h.engine.send(urn, { type: 'ATTENDANCE_RECORDED', at: first.at, sessionId: first.id, teachersPresent: 2, headteacherPresent: false }, { actor: 'ops' });
    }
    await h.engine.drainOutbox();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('dates the payment at the releasing event, keeps the wall clock beside it, and names the event', async () => {
    const [p] = await payments(h.svc.db, { urn: '600001' });
    expect(p).toBeDefined();
    expect(p!.paidAt).toBe(new Date(first.at).toISOString());
    expect(p!.paidAt.slice(0, 4)).toBe('2020');
    // recorded_at is the database's clock: today, not the simulated 2026 clock nor 2020.
    expect(Math.abs(Date.parse(p!.recordedAt) - Date.now())).toBeLessThan(10 * 60_000);
    const e = (await h.svc.db.query<{ type: string; occurred_at: Date | string }>('SELECT type, occurred_at FROM events WHERE urn = $1 AND version = $2', ['600001', p!.releasedByVersion])).rows[0]!;
    expect(e.type).toBe('ATTENDANCE_RECORDED');
    expect(new Date(e.occurred_at).toISOString()).toBe(p!.paidAt);
  });

  it('GET /funding lists the payments a reader may see, with filters, and as CSV', async () => {
    const all = await h.call('GET', '/funding', { as: 'admin' });
    expect(all.status).toBe(200);
    expect(all.body.rows.map((r: { urn: string }) => r.urn).sort()).toEqual(['600001', '600002']);
    expect(all.body.totalPence).toBe(2 * secondary.funding!.amountPence);
    expect(all.body.rows[0]).toMatchObject({ academicYear: '2020/21', amountPence: secondary.funding!.amountPence, releasedBy: { number: expect.any(Number), what: expect.any(String) }, key: expect.stringMatching(/:grant$/) });

    const a = await h.call('GET', '/funding', { as: 'auditorA' });
    expect(a.body.rows.map((r: { urn: string }) => r.urn)).toEqual(['600001']);
    expect((await h.call('GET', '/funding?hub=cambridge', { as: 'admin' })).body.rows.map((r: { urn: string }) => r.urn)).toEqual(['600002']);
    expect((await h.call('GET', '/funding?hub=cambridge', { as: 'auditorA' })).status).toBe(403);
    expect((await h.call('GET', '/funding?year=2021/22', { as: 'admin' })).body.rows).toEqual([]);
    expect((await h.call('GET', '/funding?urn=600002', { as: 'admin' })).body.rows).toHaveLength(1);
    const bad = await h.call('GET', '/funding?year=2020', { as: 'admin' });
    expect(bad.status).toBe(400);
    expect(bad.body.problems[0]).toMatchObject({ path: 'year' });

    const csv = await h.call('GET', '/funding?year=2020/21', { as: 'admin', headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toBe('text/csv; charset=utf-8');
    const lines = String(csv.body).replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('URN,School,Maths Hub,Programme,Academic year,Amount (GBP),Amount (pence),Paid on,Released by event,What released it,Event happened,Payment reference,Carried out (UTC)');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`,2020/21,${(secondary.funding!.amountPence / 100).toFixed(2)},${secondary.funding!.amountPence},${first.at.slice(0, 10)},`);
  });

  it("shows a dated FUNDING_RELEASED entry in the school's history, after the event that released it, and not before its date", async () => {
    const full = await auditedHistory(h.svc, h.principals.admin, '600001');
    expect(full.funding).toEqual([expect.objectContaining({ kind: 'FUNDING_RELEASED', at: new Date(first.at).toISOString(), amountPence: secondary.funding!.amountPence, academicYear: '2020/21', releasedBy: { version: 6, type: 'ATTENDANCE_RECORDED' } })]);
    const rows = historyRowsWithAudit(full.entries.map((e) => [String(e.version), e.occurredAt, e.type, e.actor, e.recordedAt, e.machineVersion, e.status]), full, (x) => x);
    expect(rows.map((r) => r[2])).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED', 'SELECTED', 'COMMITMENT_SIGNED', 'SCHEDULE_SET', 'ATTENDANCE_RECORDED', 'FUNDING_RELEASED']);
    expect(rows[6]![6]).toMatch(/^£2,000 for .*\(2020\/21\), released by event 6 \(ATTENDANCE_RECORDED\); payment reference 600001:/);
    const before = await auditedHistory(h.svc, h.principals.admin, '600001', '2020-09-30');
    expect(before.funding).toEqual([]);
    const api = await h.call('GET', '/schools/600001/history', { as: 'auditorA' });
    expect(api.body.funding).toHaveLength(1);
  });

  it('`pathway funding --csv` writes the same CSV a spreadsheet opens; `--urn` must be a URN', async () => {
    // The CLI opens the database itself: a Postgres database can be shared, a PGlite memory database cannot.
    if (target.name !== 'postgres') return;
    const name = (await h.svc.db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
    const url = new URL(postgresTestUrl());
    url.pathname = `/${name}`;
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/pathway.mjs', '--db', url.toString(), ...args], { encoding: 'utf8', timeout: 120_000 });
    const csv = run('funding', '--csv', '--year', '2020/21');
    expect(csv.status).toBe(0);
    expect(csv.stdout.startsWith('\uFEFF')).toBe(true);
    const lines = csv.stdout.slice(1).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^URN,School,Maths Hub,Programme,Academic year,Amount \(GBP\),/);
    const text = run('funding', '--urn', '600001');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/1 payment, £2,000 in all\./);
    expect(run('funding', '--urn', '12').status).toBe(2);
  }, 240_000);
});

describe.each(dbTargets())('migration 017 on a ledger written before it, $name', (target) => {
  // A database migrated up to 015, with a payment dated by the wall clock, then migrated on.
  const t = useTestDb(target, { migrate: false });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pathway-migrations-'));
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && f < '016')) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('moves the old date to recorded_at and dates the payment at its releasing event', async () => {
    await migrate(t.db, { dir });
    const state = (paid: number) => JSON.stringify({ context: { programme: { id: 'secondary-development-2020-21' }, fundingPaidPence: paid } });
    for (const [version, at, paid] of [[1, '2020-07-01T11:00:00Z', 0], [2, '2020-12-03T10:00:00Z', 200000], [3, '2021-01-05T10:00:00Z', 200000]] as const) {
      await t.db.query(
        `INSERT INTO events (urn, version, type, payload, occurred_at, actor, machine_version, state, prev_hash, hash) VALUES ('700001', $1, 'X', '{}', $2, 'a', 'm', $3::jsonb, $4, $5)`,
        [version, at, state(paid), version === 1 ? null : 'a'.repeat(64), String(version).repeat(64).slice(0, 64).replace(/[^0-9a-f]/g, 'a')],
      );
    }
    await t.db.query(`INSERT INTO funding_ledger (key, urn, programme_id, academic_year, amount_pence, reason, paid_at) VALUES ('k1', '700001', 'secondary-development-2020-21', '2020/21', 200000, 'grant', '2026-11-30T09:00:00Z')`);
    await t.db.query(`INSERT INTO funding_ledger (key, urn, programme_id, academic_year, amount_pence, reason, paid_at) VALUES ('k2', '700002', 'secondary-development-2020-21', '2020/21', 200000, 'grant', '2026-11-30T09:05:00Z')`);
    await migrate(t.db);
    const [k1, k2] = await payments(t.db, { programmeId: 'secondary-development-2020-21' }).then((ps) => [ps.find((p) => p.key === 'k1')!, ps.find((p) => p.key === 'k2')!]);
    expect(k1).toMatchObject({ paidAt: '2020-12-03T10:00:00.000Z', recordedAt: '2026-11-30T09:00:00.000Z', releasedByVersion: 2 });
    // No event released it: its date is kept, and so is the record of when it was carried out.
    expect(k2).toMatchObject({ paidAt: '2026-11-30T09:05:00.000Z', recordedAt: '2026-11-30T09:05:00.000Z', releasedByVersion: null });
  });
});
