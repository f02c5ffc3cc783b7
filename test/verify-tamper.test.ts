/**
 * Tamper evidence against a database writer (issue 12): each forgery is
 * planted in SQL as a writer with the table owner's rights would (triggers
 * switched off, chains recomputed with the published hash), and `verifyLog`
 * (and GET /verify) finds it and names the school, the version or ledger row
 * and what is wrong:
 *   - a forged-and-rechained event (actor changed, chain recomputed, streams updated);
 *   - a truncated tail with `streams` rolled back;
 *   - a deleted school;
 *   - a changed ledger amount;
 *   - a changed `recorded_at`.
 * The first three pass every hash-chain check and are found only through the
 * signed checkpoint. A clean hub verifies clean first, and at the end the
 * findings are exactly the planted ones. PGlite and Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeFor } from '../domain/catalogue/programmes.js';
import type { Db } from '../store/db.js';
import { eventHashV2 } from '../store/hash.js';
import { readStream } from '../store/event-log.js';
import { recordPayment } from '../store/ledger.js';
import { loadSigningKey, type SigningKey } from '../store/checkpoints.js';
import { checkpointNow, verifyLog, type VerifyFinding } from '../service/verify.js';
import { dbTargets } from './helpers/db.js';
import { startApi, type ApiHarness } from './api-harness.js';

const trg = programmeFor('primary', 'trg', '2018/19')!;

/** A school of Great North with six events: applied, eligible, selected, committed, two gap tasks. */
async function school(h: ApiHarness, urn: string): Promise<void> {
  await h.engine.sendMany([
    { urn, actor: 'ops', event: { type: 'APPLY', at: '2019-02-20T12:00:00Z', programme: trg, school: { name: `School ${urn}`, route: 'primary', hub: 'Great North', headteacher: { name: 'H', email: `h@${urn}.example` } }, teachers: [{ name: 'A', email: `a@${urn}.example`, role: 'mathsLead' }, { name: 'B', email: `b@${urn}.example`, role: 'teacher' }] } },
    { urn, actor: 'ops', event: { type: 'ELIGIBILITY_ASSESSED', at: '2019-03-10T12:00:00Z', eligible: true } },
    { urn, actor: 'ops', event: { type: 'SELECTED', at: '2019-03-22T12:00:00Z', groupId: 'g1', groupSize: 3 } },
    { urn, actor: 'ops', event: { type: 'COMMITMENT_SIGNED', at: '2019-03-25T12:00:00Z', signatories: ['headteacher', 'teacher1', 'teacher2'] } },
    { urn, actor: 'ops', event: { type: 'GAP_TASK_COMPLETED', at: '2019-04-01T12:00:00+01:00', task: 'bar models in Year 3' } },
    { urn, actor: 'ops', event: { type: 'GAP_TASK_COMPLETED', at: '2019-04-08T12:00:00+01:00', task: 'fluency starters' } },
  ]);
}

/** Runs statements with every user trigger of these tables off, as only their owner could. */
async function asOwner(db: Db, tables: string[], fn: (tx: Db) => Promise<void>): Promise<void> {
  await db.tx(async (tx) => {
    for (const t of tables) await tx.query(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
    await fn(tx);
    for (const t of tables) await tx.query(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
  });
}

const URN = { forged: '510001', truncated: '510002', deleted: '510003', recorded: '510004', untouched: '510005' };

describe.each(dbTargets())('verify finds each forgery by a database writer on $name', (target) => {
  let h: ApiHarness;
  let key: SigningKey;
  let keyDir: string;
  let payKey: string;
  const savedKeyFile = process.env.PATHWAY_SIGNING_KEY_FILE;

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'pathway-verify-key-'));
    // GET /verify finds the key through the configuration, as serve would.
    process.env.PATHWAY_SIGNING_KEY_FILE = join(keyDir, 'signing-key.pem');
    key = loadSigningKey({ file: process.env.PATHWAY_SIGNING_KEY_FILE, create: true })!;
    h = await startApi(target, { start: '2019-06-01T09:00:00Z' });
    for (const urn of Object.values(URN)) await school(h, urn);
    for (const [i, urn] of [URN.untouched, URN.recorded].entries()) {
      const p = await recordPayment(h.svc.db, { key: `funding:${urn}:trg:2018/19`, urn, programmeId: trg.id, academicYear: '2018/19', amountPence: 200_000 + i, reason: 'grant released at the first meeting', paidAt: '2019-04-10T12:00:00Z' });
      if (i === 0) payKey = p.payment.key;
    }
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    rmSync(keyDir, { recursive: true, force: true });
    if (savedKeyFile === undefined) delete process.env.PATHWAY_SIGNING_KEY_FILE;
    else process.env.PATHWAY_SIGNING_KEY_FILE = savedKeyFile;
  });

  const findings = async (): Promise<VerifyFinding[]> => {
    const r = await verifyLog(h.svc.db, { key, record: false });
    expect(r.checkpoint).toMatchObject({ signature: 'valid', source: 'database' });
    return r.findings;
  };

  it('a clean hub verifies clean, is signed into a checkpoint, and the ledger rows are chained', async () => {
    const before = await verifyLog(h.svc.db, { key });
    expect(before).toMatchObject({ clean: true, findings: [], checked: { schools: 5, ledgerRows: 2 }, checkpoint: null });
    expect(before.notes.join(' ')).toMatch(/no checkpoint has been written yet/);
    const cp = await checkpointNow(h.svc.db, key);
    expect(cp).toMatchObject({ written: true, checkpoint: { id: 1, treeSize: 6 } });
    const again = await checkpointNow(h.svc.db, key);
    expect(again).toMatchObject({ written: false, checkpoint: { id: 1 } });
    const ledger = (await h.svc.db.query<{ prev_hash: string | null; hash: string }>('SELECT prev_hash, hash FROM funding_ledger ORDER BY id')).rows;
    expect(ledger[0]!.prev_hash).toBeNull();
    expect(ledger[1]!.prev_hash).toBe(ledger[0]!.hash);
    expect(await findings()).toEqual([]);
    const api = await h.call('GET', '/verify', { as: 'admin' });
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({ clean: true, checkpoint: { id: 1, signature: 'valid' }, checked: { schools: 5, ledgerRows: 2 } });
  });

  it('the ledger refuses UPDATE and DELETE; the event log and checkpoints refuse them too', async () => {
    await expect(h.svc.db.query('UPDATE funding_ledger SET amount_pence = amount_pence * 2')).rejects.toThrow(/funding_ledger is append-only: UPDATE/);
    await expect(h.svc.db.query('DELETE FROM funding_ledger')).rejects.toThrow(/funding_ledger is append-only: DELETE/);
    await expect(h.svc.db.query('DELETE FROM checkpoints')).rejects.toThrow(/checkpoints is append-only: DELETE/);
  });

  it('finds a forged actor whose chain was recomputed and whose stream was updated: only the checkpoint can, and names school and version', async () => {
    const urn = URN.forged;
    const events = await readStream(h.svc.db, urn, { asStored: true });
    // The forger rewrites version 3's actor and re-chains 3..6 with the published v2 hash.
    let prev = events[1]!.hash;
    const rewritten = events.slice(2).map((e) => {
      const actor = e.version === 3 ? 'mallory' : e.actor;
      const hash = eventHashV2({ position: e.position, recordedAt: e.recordedAt, urn, version: e.version, type: e.type, payload: e.payload, occurredAt: e.occurredAt, actor, machineVersion: e.machineVersion, state: e.state, prevHash: prev });
      const row = { version: e.version, actor, prevHash: prev, hash };
      prev = hash;
      return row;
    });
    await asOwner(h.svc.db, ['events'], async (tx) => {
      for (const r of rewritten) await tx.query('UPDATE events SET actor = $3, prev_hash = $4, hash = $5 WHERE urn = $1 AND version = $2', [urn, r.version, r.actor, r.prevHash, r.hash]);
      await tx.query('UPDATE streams SET updated_at = now() WHERE urn = $1', [urn]);
    });
    const f = await findings();
    expect(f.filter((x) => x.school === urn && x.check === 'chain')).toEqual([]);
    expect(f.filter((x) => x.school === urn)).toEqual([
      { check: 'checkpoint', school: urn, version: 6, ledgerRow: null, what: expect.stringMatching(/^version 6 has hash \w{12}\.\.\., but checkpoint 1 \(.*\) signed \w{12}\.\.\.: the history up to version 6 was rewritten and its chain recomputed after the checkpoint$/) },
    ]);
  });

  it('finds a truncated tail with the stream rolled back', async () => {
    const urn = URN.truncated;
    await asOwner(h.svc.db, ['events', 'streams'], async (tx) => {
      await tx.query('DELETE FROM events WHERE urn = $1 AND version = 6', [urn]);
      await tx.query('UPDATE streams SET version = 5 WHERE urn = $1', [urn]);
    });
    const f = await findings();
    expect(f.filter((x) => x.school === urn)).toEqual([{ check: 'checkpoint', school: urn, version: 6, ledgerRow: null, what: expect.stringMatching(/^the log ends at version 5, but checkpoint 1 .* signed version 6: version 6 was deleted/) }]);
  });

  it('finds a deleted school', async () => {
    const urn = URN.deleted;
    await asOwner(h.svc.db, ['events'], async (tx) => {
      for (const t of ['events', 'streams', 'timers', 'outbox']) await tx.query(`DELETE FROM ${t} WHERE urn = $1`, [urn]);
    });
    const f = await findings();
    expect(f.filter((x) => x.school === urn)).toEqual([
      { check: 'checkpoint', school: urn, version: 6, ledgerRow: null, what: expect.stringMatching(/^the school is missing from the log: checkpoint 1 .* signed it at version 6, so all its events were deleted$/) },
    ]);
  });

  it('finds UPDATE funding_ledger SET amount_pence = amount_pence * 2, naming the row and school', async () => {
    await asOwner(h.svc.db, ['funding_ledger'], async (tx) => {
      await tx.query('UPDATE funding_ledger SET amount_pence = amount_pence * 2 WHERE key = $1', [payKey]);
    });
    const id = Number((await h.svc.db.query<{ id: string | number }>('SELECT id FROM funding_ledger WHERE key = $1', [payKey])).rows[0]!.id);
    const f = await findings();
    expect(f.filter((x) => x.check === 'ledger')).toEqual([
      { check: 'ledger', school: URN.untouched, version: null, ledgerRow: id, what: expect.stringMatching(new RegExp(`^ledger row ${id} \\(payment ${payKey}, £4000\\.00\\): was changed after it was recorded`)) },
    ]);
  });

  it('finds a changed recorded_at, which the v2 hash covers', async () => {
    const urn = URN.recorded;
    await asOwner(h.svc.db, ['events'], async (tx) => {
      await tx.query("UPDATE events SET recorded_at = recorded_at - interval '1 day' WHERE urn = $1 AND version = 2", [urn]);
    });
    const f = await findings();
    expect(f.filter((x) => x.school === urn)).toEqual([{ check: 'chain', school: urn, version: 2, ledgerRow: null, what: expect.stringMatching(/^version 2 \(ELIGIBILITY_ASSESSED\) was changed after it was recorded/) }]);
  });

  it('reports exactly the planted forgeries, through GET /verify too; refuses hub staff; an auditor sees other hubs unnamed', async () => {
    const f = await findings();
    const ledgerRow = Number((await h.svc.db.query<{ id: string | number }>('SELECT id FROM funding_ledger WHERE key = $1', [payKey])).rows[0]!.id);
    expect(f.map((x) => `${x.check}:${x.school}:${x.version ?? x.ledgerRow}`).sort()).toEqual(
      [`checkpoint:${URN.forged}:6`, `checkpoint:${URN.truncated}:6`, `checkpoint:${URN.deleted}:6`, `chain:${URN.recorded}:2`, `ledger:${URN.untouched}:${ledgerRow}`].sort(),
    );
    const api = await h.call('GET', '/verify', { as: 'admin' });
    expect(api.status).toBe(200);
    expect(api.body.clean).toBe(false);
    expect(api.body.findings).toHaveLength(5);
    // The admin's check stopped the school whose chain is broken (store/tamper.ts).
    expect((await h.svc.db.query('SELECT 1 FROM tamper_findings WHERE urn = $1', [URN.recorded])).rowCount).toBe(1);
    expect((await h.call('GET', '/verify', { as: 'staffA' })).status).toBe(403);
    const own = await h.call('GET', '/verify', { as: 'auditorA' });
    expect(own.status).toBe(200);
    expect(own.body.findings.find((x: VerifyFinding) => x.check === 'chain').school).toBe(URN.recorded);
    const other = await h.call('GET', '/verify', { as: 'auditorB' });
    expect(other.body.findings).toHaveLength(5);
    expect(other.body.findings.filter((x: VerifyFinding) => x.school !== null || Object.values(URN).some((u) => x.what.includes(u)))).toEqual([]);
    const one = await h.call('GET', `/verify?urn=${URN.truncated}`, { as: 'admin' });
    expect(one.body.findings.map((x: VerifyFinding) => x.school)).toEqual([URN.truncated]);
    expect((await h.call('GET', '/verify?since=abc', { as: 'admin' })).status).toBe(400);
    expect((await h.call('GET', '/verify?since=99', { as: 'admin' })).status).toBe(400);
  });

  it('signs no checkpoint over a forgery', async () => {
    const r = await checkpointNow(h.svc.db, key);
    expect(r.checkpoint).toBeNull();
    expect(r.report.clean).toBe(false);
    expect((await h.svc.db.query('SELECT id FROM checkpoints')).rowCount).toBe(1);
  });
});
