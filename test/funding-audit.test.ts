/**
 * The funding conformance audit (service/funding-audit.ts, GET /audit/funding,
 * `pathway audit funding`) over a hub simulated through the embedded host:
 * clean as the engine left it; then each fault an auditor must catch,
 * planted in SQL behind the engine's back, is found and named with its rule,
 * its seed and the events that show it: a double payment, a payment before
 * the first meeting, a wrong amount, an entitled school left unpaid.
 * PGlite and Postgres.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateHub } from '../host/simulate.js';
import { evidenceWords, fundingAudit, fundingFindings, type FundingFinding } from '../service/funding-audit.js';
import { payments, type Payment } from '../store/ledger.js';
import { dbTargets, postgresTestUrl } from './helpers/db.js';
import { HUB_A, startApi, type ApiHarness } from './api-harness.js';

describe.each(dbTargets())('the funding audit on $name', (target) => {
  let h: ApiHarness;
  let paid: Payment[];
  const planted: Record<string, Payment> = {};

  beforeAll(async () => {
    h = await startApi(target, { start: '2019-06-01T09:00:00Z' });
    await simulateHub({ engine: h.engine, schools: 16, years: 2, seed: 11, start: '2019/20', hub: HUB_A, batchSize: 200 });
    await h.engine.drainOutbox();
    paid = await payments(h.svc.db);
  }, 300_000);
  afterAll(async () => {
    await h?.close();
  });

  const audit = () => fundingAudit(h.svc, h.principals.admin);
  const findingsOf = async (urn: string): Promise<FundingFinding[]> => (await audit()).findings.filter((f) => f.urn === urn);

  it('finds nothing in the hub the engine ran: every payment on the date of the event that released it', async () => {
    expect(paid.length).toBeGreaterThanOrEqual(5);
    const a = await audit();
    expect(a.findings).toEqual([]);
    expect(a.clean).toBe(true);
    expect(a.payments).toBe(paid.length);
    expect(a.entitled).toBe(paid.length);
    // Dated at the school time of the releasing event, the wall clock beside it.
    for (const p of paid) {
      const e = (await h.svc.db.query<{ occurred_at: Date | string; type: string }>('SELECT occurred_at, type FROM events WHERE urn = $1 AND version = $2', [p.urn, p.releasedByVersion])).rows[0]!;
      expect(new Date(e.occurred_at).toISOString()).toBe(p.paidAt);
      expect(e.type).toBe('ATTENDANCE_RECORDED');
      expect(Date.parse(p.recordedAt)).toBeGreaterThan(Date.parse('2026-01-01'));
    }
    // The API and an auditor of the hub read the same, clean.
    const r = await h.call('GET', '/audit/funding', { as: 'auditorA' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ clean: true, findings: [], payments: paid.length });
    // An auditor of another hub sees none of these schools.
    expect((await h.call('GET', '/audit/funding', { as: 'auditorB' })).body).toMatchObject({ clean: true, payments: 0 });
  });

  it('finds a double payment, naming both payments and the rule', async () => {
    const p = (planted.double = paid[0]!);
    await h.svc.db.query('ALTER TABLE funding_ledger DROP CONSTRAINT funding_ledger_once_per_year');
    await h.svc.db.query(
      `INSERT INTO funding_ledger (key, urn, programme_id, academic_year, amount_pence, reason, paid_at, released_by_version)
       SELECT key || ':again', urn, programme_id, academic_year, amount_pence, reason, paid_at + interval '3 days', released_by_version FROM funding_ledger WHERE key = $1`,
      [p.key],
    );
    const found = (await findingsOf(p.urn)).filter((f) => f.rule === 'once');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ payment: `${p.key}:again`, payments: [p.key, `${p.key}:again`], academicYear: p.academicYear });
    expect(found[0]!.problem).toMatch(/paid 2 times/);
    expect(found[0]!.ruleText).toMatch(/once per school, programme and year.*seed/);
    expect(found[0]!.events[0]).toMatchObject({ version: p.releasedByVersion, type: 'ATTENDANCE_RECORDED' });
  });

  it('finds a payment dated before the first meeting, with the meeting as evidence', async () => {
    const p = (planted.early = paid[1]!);
    // The ledger is append-only (migration 020): a planted change needs its trigger off, as only the table's owner could.
    await h.svc.db.query('ALTER TABLE funding_ledger DISABLE TRIGGER funding_ledger_append_only');
    await h.svc.db.query("UPDATE funding_ledger SET paid_at = paid_at - interval '1 minute' WHERE key = $1", [p.key]);
    const found = (await findingsOf(p.urn)).filter((f) => f.rule === 'firstMeeting');
    expect(found).toHaveLength(1);
    expect(found[0]!.problem).toMatch(/before the first meeting was held on \d{4}-\d{2}-\d{2}/);
    expect(found[0]!.events).toEqual([expect.objectContaining({ version: p.releasedByVersion, type: 'ATTENDANCE_RECORDED', shows: 'first meeting held' })]);
    expect(found[0]!.ruleText).toMatch(/first meeting held first: .* pays £[\d,]+ .*\((seeds? \d{3}|the Maths Hubs web pages)/);
  });

  it('finds a wrong amount, saying what the rules in force asked', async () => {
    const p = (planted.amount = paid[2]!);
    // The ledger is append-only (migration 020): a planted change needs its trigger off, as only the table's owner could.
    await h.svc.db.query('ALTER TABLE funding_ledger DISABLE TRIGGER funding_ledger_append_only');
    await h.svc.db.query('UPDATE funding_ledger SET amount_pence = amount_pence - 50000 WHERE key = $1', [p.key]);
    const found = (await findingsOf(p.urn)).filter((f) => f.rule === 'amount');
    expect(found).toHaveLength(1);
    const pounds = (n: number) => `£${(n / 100).toLocaleString('en-GB')}`;
    expect(found[0]!.problem).toBe(`paid ${pounds(p.amountPence - 50000)}, not ${pounds(p.amountPence)}`);
    expect(found[0]!.events[0]).toMatchObject({ type: expect.stringMatching(/^(APPLY|ADVANCED|RESUMED)$/) });
  });

  it('finds an entitled school the ledger never paid, with the commitment and the first meeting', async () => {
    const p = (planted.unpaid = paid[3]!);
    // The ledger is append-only (migration 020): a planted change needs its trigger off, as only the table's owner could.
    await h.svc.db.query('ALTER TABLE funding_ledger DISABLE TRIGGER funding_ledger_append_only');
    await h.svc.db.query('DELETE FROM funding_ledger WHERE key = $1', [p.key]);
    const found = (await findingsOf(p.urn)).filter((f) => f.rule === 'entitled');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ payment: null, programmeId: p.programmeId, academicYear: p.academicYear });
    expect(found[0]!.events.map((e) => e.shows)).toEqual(['commitment signed', 'first meeting held', 'grant released']);
    expect(found[0]!.problem).toMatch(/entitled to £[\d,]+ since .* but the ledger holds no payment \(the school’s record says it was paid at event \d+\)/);
  });

  it('reports exactly the planted faults, by the API as JSON and CSV, with the year filter', async () => {
    const a = await audit();
    expect(a.clean).toBe(false);
    const byRule = a.findings.map((f) => `${f.urn}:${f.rule}`).sort();
    expect(byRule).toEqual([`${planted.double!.urn}:once`, `${planted.early!.urn}:firstMeeting`, `${planted.amount!.urn}:amount`, `${planted.unpaid!.urn}:entitled`].sort());
    const csv = await h.call('GET', '/audit/funding', { as: 'auditorA', headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toMatch(/^text\/csv/);
    const lines = String(csv.body).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('URN,School,Maths Hub,Programme,Academic year,Rule,Rule in words,Problem,Payment reference,Other payments,Evidence (event versions)');
    expect(lines).toHaveLength(5);
    expect(lines.some((l) => l.includes('once per school, programme and year') && l.includes(`${planted.double!.key}:again`))).toBe(true);
    const year = planted.amount!.academicYear;
    const inYear = await h.call('GET', `/audit/funding?year=${encodeURIComponent(year)}`, { as: 'admin' });
    expect(inYear.body.findings.every((f: FundingFinding) => f.academicYear === year)).toBe(true);
    expect(inYear.body.findings.some((f: FundingFinding) => f.rule === 'amount')).toBe(true);
    expect((await h.call('GET', '/audit/funding?year=2020', { as: 'admin' })).status).toBe(400);
  });

  it('`pathway audit funding` exits 1 with the findings (CSV), and 2 for a bad year', async () => {
    // The CLI opens the database itself: a Postgres database can be shared, a PGlite memory database cannot.
    if (target.name !== 'postgres') return;
    const name = (await h.svc.db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
    const url = new URL(postgresTestUrl());
    url.pathname = `/${name}`;
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/pathway.mjs', '--db', url.toString(), ...args], { encoding: 'utf8', timeout: 120_000 });
    const r = run('audit', 'funding', '--csv');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(1);
    expect(r.stdout.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean)).toHaveLength(5);
    const bad = run('audit', 'funding', '--year', '2020');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/year must be an academic year like 2026\/27/);
  }, 240_000);
});

describe('the audit rules as a pure fold', () => {
  const rules = { id: 'p', name: 'Secondary Development 2020/21', academicYear: '2020/21', funding: { amountPence: 200_000, recipient: 'department', source: ['000'] } };
  const ev = (version: number, at: string, shows: string) => ({ version, type: 'X', occurredAt: at, shows });
  const facts = [{ urn: '100001', programmeId: 'p', academicYear: '2020/21', rules, entered: ev(1, '2020-06-01T10:00:00.000Z', 'entered'), commitment: ev(4, '2020-10-01T10:00:00.000Z', 'commitment signed'), firstMeeting: ev(8, '2020-11-05T10:00:00.000Z', 'first meeting held'), released: ev(8, '2020-11-05T10:00:00.000Z', 'grant released') }];
  const schools = new Map([['100001', { urn: '100001', name: 'A School', hub: 'Great North' }]]);
  const pay = (o: Partial<{ key: string; amountPence: number; paidAt: string; academicYear: string }> = {}) => ({ key: 'k1', urn: '100001', programmeId: 'p', academicYear: '2020/21', amountPence: 200_000, paidAt: '2020-11-05T10:00:00.000Z', releasedByVersion: 8, ...o });

  it('is clean for a payment on the releasing event, and names the seed in each rule', () => {
    expect(fundingFindings([pay()], facts, schools)).toEqual([]);
    const f = fundingFindings([pay({ amountPence: 100_000 })], facts, schools);
    expect(f.map((x) => x.rule)).toEqual(['amount']);
    expect(f[0]!.ruleText).toBe('amount for the route and phase: Secondary Development 2020/21 (2020/21) pays £2,000 per department (seed 000), once the commitment is signed and the first meeting held');
  });

  it('finds a payment before the commitment, outside its academic year, and never released', () => {
    expect(fundingFindings([pay({ paidAt: '2020-09-30T10:00:00.000Z' })], facts, schools).map((x) => x.rule)).toEqual(['commitment', 'firstMeeting']);
    expect(fundingFindings([pay({ paidAt: '2021-09-02T10:00:00.000Z' })], facts, schools).map((x) => x.rule)).toEqual(['academicYear']);
    expect(fundingFindings([pay()], [{ ...facts[0]!, released: null }], schools).map((x) => x.rule)).toEqual(['released']);
  });

  it('dates evidence and payments on the London school day, not the UTC one', () => {
    // 23:30 UTC on 31 March 2021 is 00:30 on 1 April in London (summer time).
    expect(evidenceWords([{ version: 9, type: 'SESSION_ATTENDED', occurredAt: '2021-03-31T23:30:00.000Z', shows: 'first meeting held' }])).toBe('event 9 (SESSION_ATTENDED, 2021-04-01): first meeting held');
    const f = fundingFindings([pay({ paidAt: '2021-08-31T23:30:00.000Z' })], facts, schools);
    expect(f.map((x) => x.rule)).toEqual(['academicYear']);
    expect(f[0]!.problem).toContain('paid on 2021-09-01');
  });
});
