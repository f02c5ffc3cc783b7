/**
 * Known answers for the v2 event hash (store/hash.ts) and the ledger row
 * hash (store/ledger.ts, migration 020). The hex values are fixed, not
 * computed by the code under test: each is sha256 of the text written out
 * here, which anyone can check with `printf '%s' '<text>' | sha256sum`.
 * One case per field, each changing only that field. The ledger's text is
 * also computed by the database (funding_ledger_row_text) when it chains a
 * row: the stored hash must be the JavaScript one. PGlite and Postgres.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, eventHashV2, storedEventHash, type HashedEventFieldsV2 } from '../store/hash.js';
import { ledgerRowHash, ledgerRowText, recordPayment, type LedgerHashFields } from '../store/ledger.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const BASE: HashedEventFieldsV2 = {
  position: 41,
  urn: '100001',
  version: 1,
  type: 'GAP_TASK_COMPLETED',
  payload: { type: 'GAP_TASK_COMPLETED', at: '2021-01-04T09:30:00Z', task: 'audit' },
  occurredAt: '2021-01-04T09:30:00.000Z',
  recordedAt: '2021-01-04T09:31:02.345Z',
  actor: 'ops@hub.example',
  machineVersion: 'pathway@1',
  state: { value: 'active', context: { tasks: 1 } },
  prevHash: null,
};

const BASE_CANONICAL =
  '{"actor":"ops@hub.example","hash_version":2,"machine_version":"pathway@1","occurred_at":"2021-01-04T09:30:00.000Z",' +
  '"payload":{"at":"2021-01-04T09:30:00Z","task":"audit","type":"GAP_TASK_COMPLETED"},"position":41,"prev_hash":null,' +
  '"recorded_at":"2021-01-04T09:31:02.345Z","state":{"context":{"tasks":1},"value":"active"},"type":"GAP_TASK_COMPLETED","urn":"100001","version":1}';
const BASE_HEX = '60d209f57ab2a12d993c5463c5edbe9fe83bd7abc91c10eed65c9786e8cfc7de';

const PER_FIELD: { field: string; change: Partial<HashedEventFieldsV2>; hex: string }[] = [
  { field: 'position', change: { position: 42 }, hex: '5bd9ea0d55d4000aca82cd16db5c5273359fb264e51d74ce68316ae6d6afce4a' },
  { field: 'recorded_at', change: { recordedAt: '2021-01-04T09:31:02.346Z' }, hex: '2eb0a640be3371ef48902196bf91ffcae47849b2a9f6eaef8cfd4c4a8cbcd871' },
  { field: 'urn', change: { urn: '100002' }, hex: 'a35c5f97c4fd4b25f6ffc0d618bb86af7b3d540ef53407101bc15219b2622d32' },
  { field: 'version', change: { version: 2 }, hex: '03906b975a470d463dec51d727afba7e0a4bdcf0516f1835b483b160b7dc5251' },
  { field: 'type', change: { type: 'TASK_COMPLETED' }, hex: '59e98bdb499de02ba25a8bd4eb380859c58b05b0d76cb01481dc899a9ad24e95' },
  { field: 'payload', change: { payload: { type: 'GAP_TASK_COMPLETED', at: '2021-01-04T09:30:00Z', task: 'audits' } }, hex: 'adf4ece38923b16f02176cada98a9d1d14c6c8f8c0e4113941239f38a1be6bb3' },
  { field: 'occurred_at', change: { occurredAt: '2021-01-04T09:30:00.001Z' }, hex: '686326f7efddf7496f78ad99348a26975f802a3be9cae2a7c4eecbaa350d1df0' },
  { field: 'actor', change: { actor: 'timer' }, hex: 'bc160e95db4a2610aa7c09162394abe2a5f12beff8025a915c84d885c76d6763' },
  { field: 'machine_version', change: { machineVersion: 'pathway@2' }, hex: '2d11f04e03c4f3cfa860bc283ce7b6eb518f43e766a9058e1ea507c4286031d9' },
  { field: 'state', change: { state: { value: 'active', context: { tasks: 2 } } }, hex: 'e03308d3f972cc9027682fe09737be3d1c67a62442a3ac667885d18fa1113fb0' },
  { field: 'prev_hash', change: { prevHash: '0'.repeat(64) }, hex: '8a6e5d73c55a5fb385fe2c74521e1fc05820b806f8363aea8275ef3b8cbe28d2' },
];

describe('event hash v2, known answers', () => {
  it('writes the documented canonical text and hashes it to the fixed hex', () => {
    const { occurredAt, recordedAt, machineVersion, prevHash, ...rest } = BASE;
    expect(canonicalJson({ ...rest, hash_version: 2, occurred_at: occurredAt, recorded_at: recordedAt, machine_version: machineVersion, prev_hash: prevHash })).toBe(BASE_CANONICAL);
    expect(eventHashV2(BASE)).toBe(BASE_HEX);
  });

  it.each(PER_FIELD)('covers $field: changing it alone gives its own fixed hex', ({ change, hex }) => {
    const h = eventHashV2({ ...BASE, ...change });
    expect(h).toBe(hex);
    expect(h).not.toBe(BASE_HEX);
  });

  it('has a case for every field but the version tag, and every stored column of events but the hash itself', () => {
    const covered = PER_FIELD.map((c) => c.field).sort();
    expect([...covered, 'hash_version'].sort()).toEqual(Object.keys(JSON.parse(BASE_CANONICAL) as object).sort());
    // events' columns (migration 001 plus hash_version of 020), less the hash.
    expect([...covered, 'hash_version'].sort()).toEqual(['actor', 'hash_version', 'machine_version', 'occurred_at', 'payload', 'position', 'prev_hash', 'recorded_at', 'state', 'type', 'urn', 'version']);
  });

  it('is tagged, so the same fields under v1 give another hash; a stored row is checked under its own version', () => {
    expect(eventHash(BASE)).not.toBe(BASE_HEX);
    expect(storedEventHash(1, BASE)).toBe(eventHash(BASE));
    expect(storedEventHash(2, BASE)).toBe(BASE_HEX);
    expect(() => storedEventHash(3, BASE)).toThrow(/hash_version 3 is not known/);
  });
});

const LEDGER: LedgerHashFields = {
  id: 1,
  key: 'k1',
  urn: '100001',
  programmeId: 'primary-trg-2018-19',
  academicYear: '2018/19',
  amountPence: 200000,
  reason: 'grant',
  paidAtMicros: '1606989600000000',
  recordedAtMicros: '1606989600123456',
  releasedByVersion: 7,
  prevHash: null,
};
const LEDGER_TEXT = 'pathway-ledger/11:12:k16:10000119:primary-trg-2018-197:2018/196:2000005:grant16:160698960000000016:16069896001234561:70:';
const LEDGER_HEX = '3800d1b16b2369e2d60f39ae9455a2f14e331d54bf21b1cec2b569cb257d95fe';

describe('ledger row hash, known answer', () => {
  it('writes each column length-prefixed and hashes the text to the fixed hex', () => {
    expect(ledgerRowText(LEDGER)).toBe(LEDGER_TEXT);
    expect(ledgerRowHash(LEDGER)).toBe(LEDGER_HEX);
  });

  it('changes with every column', () => {
    const changes: Partial<LedgerHashFields>[] = [{ id: 2 }, { key: 'k2' }, { urn: '100002' }, { programmeId: 'x' }, { academicYear: '2019/20' }, { amountPence: 400000 }, { reason: 'grants' }, { paidAtMicros: '1606989600000001' }, { recordedAtMicros: '1606989600123457' }, { releasedByVersion: null }, { prevHash: 'a'.repeat(64) }];
    const hashes = new Set(changes.map((c) => ledgerRowHash({ ...LEDGER, ...c })));
    expect(hashes.size).toBe(changes.length);
    expect(hashes.has(LEDGER_HEX)).toBe(false);
  });
});

describe.each(dbTargets())('the database chains ledger rows as the JavaScript check does, on $name', (target) => {
  const t = useTestDb(target);

  it('stores the hash of the documented text, chained to the row before, with non-ASCII text and microseconds', async () => {
    const a = await recordPayment(t.db, { key: 'k-é-1', urn: '100001', programmeId: 'primary-trg-2018-19', academicYear: '2018/19', amountPence: 200000, reason: 'grant – first meeting ✓', paidAt: '2019-04-10T12:00:00.123Z', releasedByVersion: 7 });
    const b = await recordPayment(t.db, { key: 'k-2', urn: '100002', programmeId: 'primary-trg-2018-19', academicYear: '2018/19', amountPence: 150000, reason: 'grant', paidAt: '2019-04-11T12:00:00Z' });
    expect(a.recorded && b.recorded).toBe(true);
    const rows = (
      await t.db.query<{ id: string | number; key: string; urn: string; programme_id: string; academic_year: string; amount_pence: number; reason: string; paid_us: string; recorded_us: string; released_by_version: number | null; prev_hash: string | null; hash: string }>(
        `SELECT id, key, urn, programme_id, academic_year, amount_pence, reason, (extract(epoch FROM paid_at) * 1000000)::bigint::text AS paid_us,
                (extract(epoch FROM recorded_at) * 1000000)::bigint::text AS recorded_us, released_by_version, prev_hash, hash
           FROM funding_ledger ORDER BY id`,
      )
    ).rows;
    expect(rows).toHaveLength(2);
    expect(rows[0]!.prev_hash).toBeNull();
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash);
    expect(Number(rows[1]!.id)).toBe(Number(rows[0]!.id) + 1);
    // recorded_at is now(): microseconds, which a millisecond copy would lose.
    for (const r of rows) {
      expect(r.hash).toBe(ledgerRowHash({ id: Number(r.id), key: r.key, urn: r.urn, programmeId: r.programme_id, academicYear: r.academic_year, amountPence: r.amount_pence, reason: r.reason, paidAtMicros: r.paid_us, recordedAtMicros: r.recorded_us, releasedByVersion: r.released_by_version, prevHash: r.prev_hash }));
    }
    const sqlText = (await t.db.query<{ t: string }>("SELECT funding_ledger_row_text(1, 'k1', '100001', 'primary-trg-2018-19', '2018/19', 200000, 'grant', '2020-12-03T10:00:00Z', '2020-12-03T10:00:00.123456Z', 7, NULL) AS t")).rows[0]!.t;
    expect(sqlText).toBe(LEDGER_TEXT);
  });
});
