/**
 * store/ledger.ts called directly on PGlite (issue 15's mutation score): a
 * payment is dated at the event that released it and names its version,
 * found only from a state of the same school, programme and year with a
 * grant paid; an explicit date or version wins; one payment per key and per
 * school, programme and year, the earlier row returned (the one with this
 * key first); every bad field named at once; the filters of `payments`, each
 * alone and together, oldest first.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../domain/errors.js';
import { appendWithState } from './helpers/old-rows.js';
import { payments, recordPayment, releasingEventOf, type PaymentInput } from '../store/ledger.js';
import { releasingEvents } from '../store/ledger-events.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const grant = (over: Partial<PaymentInput> = {}): PaymentInput => ({
  key: 'funding:600001:2021/22',
  urn: '600001',
  programmeId: 'secondary-development-2021-22',
  academicYear: '2021/22',
  amountPence: 200_000,
  reason: 'the first meeting was held',
  ...over,
});

/** A state as the hosts store it: the programme and how much of its grant is paid. */
const state = (programmeId: string, academicYear: string, fundingPaidPence: number | null) => ({
  value: 'active',
  context: { programme: { id: programmeId, academicYear }, ...(fundingPaidPence === null ? {} : { fundingPaidPence }) },
});

describe.each(dbTargets().filter((x) => x.name === 'pglite'))('the funding ledger, what payments rely on ($name)', (target) => {
  const t = useTestDb(target);

  async function history(urn: string, states: ReturnType<typeof state>[]): Promise<void> {
    for (const [i, s] of states.entries()) {
      const at = `2021-09-${String(10 + i).padStart(2, '0')}T09:00:00Z`;
      await appendWithState(t.db, { urn, expectedVersion: i, type: 'ATTENDANCE_RECORDED', payload: { type: 'ATTENDANCE_RECORDED', at }, occurredAt: at, actor: 'ops', machineVersion: 'pathway@1', state: s });
    }
  }

  it('finds the releasing event: the first of this school, programme and year whose state shows the grant paid', async () => {
    await history('600010', [
      state('secondary-development-2021-22', '2021/22', null), // v1: nothing paid yet
      state('secondary-development-2021-22', '2021/22', 0), // v2: nothing paid
      state('secondary-development-2020-21', '2021/22', 200_000), // v3: another programme
      state('secondary-development-2021-22', '2020/21', 200_000), // v4: another year
      state('secondary-development-2021-22', '2021/22', 200_000), // v5: this one
      state('secondary-development-2021-22', '2021/22', 200_000), // v6: later
    ]);
    await history('600011', [state('secondary-development-2021-22', '2021/22', 200_000)]);
    expect(await releasingEventOf(t.db, '600010', 'secondary-development-2021-22', '2021/22')).toEqual({ version: 5, occurredAt: '2021-09-14T09:00:00.000Z' });
    expect(await releasingEventOf(t.db, '600010', 'secondary-development-2022-23', '2021/22')).toBeNull();
    expect(await releasingEventOf(t.db, '600012', 'secondary-development-2021-22', '2021/22')).toBeNull();

    const paid = await recordPayment(t.db, grant({ key: 'k-600010', urn: '600010' }));
    expect(paid).toEqual({
      recorded: true,
      payment: {
        key: 'k-600010',
        urn: '600010',
        programmeId: 'secondary-development-2021-22',
        academicYear: '2021/22',
        amountPence: 200_000,
        reason: 'the first meeting was held',
        paidAt: '2021-09-14T09:00:00.000Z',
        recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        releasedByVersion: 5,
      },
    });
  });

  it('an explicit date wins (the version is then only the one given); an explicit version is kept beside the found date', async () => {
    await history('600020', [state('secondary-development-2021-22', '2021/22', 200_000)]);
    const dated = await recordPayment(t.db, grant({ key: 'k-600020', urn: '600020', paidAt: '2021-10-01T12:00:00+01:00' }));
    expect(dated.payment).toMatchObject({ paidAt: '2021-10-01T11:00:00.000Z', releasedByVersion: null });
    await history('600021', [state('secondary-development-2021-22', '2021/22', 200_000)]);
    const versioned = await recordPayment(t.db, grant({ key: 'k-600021', urn: '600021', releasedByVersion: 7 }));
    expect(versioned.payment).toMatchObject({ paidAt: '2021-09-10T09:00:00.000Z', releasedByVersion: 7 });
    // No releasing event and no date: the database's clock, and no version.
    const now = Date.now();
    const undated = await recordPayment(t.db, grant({ key: 'k-600022', urn: '600022' }));
    expect(undated.payment.releasedByVersion).toBeNull();
    expect(Math.abs(Date.parse(undated.payment.paidAt) - now)).toBeLessThan(60_000);
  });

  it('one payment per key and per school, programme and year: a second call returns the earlier row, the one with its key first', async () => {
    const first = await recordPayment(t.db, grant({ paidAt: '2021-11-01T09:00:00Z' }));
    expect(first.recorded).toBe(true);
    // Same key, other school: refused by the key, and the row with that key is returned.
    const sameKey = await recordPayment(t.db, grant({ urn: '600002', paidAt: '2021-11-02T09:00:00Z' }));
    expect(sameKey).toEqual({ recorded: false, payment: first.payment });
    // Another key, same school, programme and year: the first row.
    const sameGrant = await recordPayment(t.db, grant({ key: 'other', amountPence: 100_000, paidAt: '2021-11-03T09:00:00Z' }));
    expect(sameGrant).toEqual({ recorded: false, payment: first.payment });
    // A key that is in the ledger for another school's grant, for a school whose own grant is also there: the key's row comes first.
    const b = await recordPayment(t.db, grant({ key: 'k-b', urn: '600003', paidAt: '2021-11-04T09:00:00Z' }));
    const both = await recordPayment(t.db, grant({ key: 'k-b', paidAt: '2021-11-05T09:00:00Z' }));
    expect(both).toEqual({ recorded: false, payment: b.payment });
    // Another year of the same school is a payment of its own.
    expect((await recordPayment(t.db, grant({ key: 'k-2022', academicYear: '2022/23', paidAt: '2022-11-01T09:00:00Z' }))).recorded).toBe(true);
    expect((await payments(t.db, { urn: '600001' })).map((p) => p.key)).toEqual(['funding:600001:2021/22', 'k-2022']);
  });

  it('names every bad field at once and writes nothing', async () => {
    const err = await recordPayment(t.db, { key: '', urn: '', programmeId: '', academicYear: '', amountPence: 0, reason: '', paidAt: 'soon', releasedByVersion: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).problems.map((p) => p.path);
    expect(paths).toEqual(['key', 'urn', 'programmeId', 'academicYear', 'amountPence', 'reason', 'paidAt', 'releasedByVersion']);
    expect((err as Error).message).toMatch(/^payment is invalid: /);
    const big = await recordPayment(t.db, grant({ key: 'big', urn: '600004', amountPence: 2_147_483_648 })).catch((e: unknown) => e);
    expect((big as ValidationError).problems).toEqual([expect.objectContaining({ path: 'amountPence', message: 'must be at most 2147483647 pence', value: 2_147_483_648 })]);
    expect((await recordPayment(t.db, grant({ key: 'max', urn: '600005', amountPence: 2_147_483_647, paidAt: '2021-12-01T09:00:00Z' }))).recorded).toBe(true);
    expect(await payments(t.db, { urn: '600004' })).toEqual([]);
  });

  it('lists payments by each filter alone and together, oldest first then by key', async () => {
    const at = (d: string) => `${d}T09:00:00Z`;
    await recordPayment(t.db, grant({ key: 'f-c', urn: '600030', paidAt: at('2021-10-02') }));
    await recordPayment(t.db, grant({ key: 'f-b', urn: '600031', paidAt: at('2021-10-01') }));
    await recordPayment(t.db, grant({ key: 'f-a', urn: '600032', paidAt: at('2021-10-01') }));
    await recordPayment(t.db, grant({ key: 'f-d', urn: '600030', programmeId: 'secondary-embedding-2022-23', academicYear: '2022/23', paidAt: at('2022-10-01') }));
    const keys = async (f: Parameters<typeof payments>[1]) => (await payments(t.db, f)).map((p) => p.key).filter((k) => k.startsWith('f-'));
    expect(await keys({})).toEqual(['f-a', 'f-b', 'f-c', 'f-d']);
    expect(await keys({ urn: '600030' })).toEqual(['f-c', 'f-d']);
    expect(await keys({ programmeId: 'secondary-embedding-2022-23' })).toEqual(['f-d']);
    expect(await keys({ academicYear: '2021/22' })).toEqual(['f-a', 'f-b', 'f-c']);
    expect(await keys({ urns: ['600031', '600032'] })).toEqual(['f-a', 'f-b']);
    expect(await keys({ urns: [] })).toEqual([]);
    expect(await keys({ urn: '600030', academicYear: '2021/22', programmeId: 'secondary-development-2021-22', urns: ['600030'] })).toEqual(['f-c']);
  });
});

describe.each(dbTargets().filter((x) => x.name === 'pglite'))('the event that released each payment, with its sessions ($name)', (target) => {
  const t = useTestDb(target);

  it('gives each payment its releasing event with the sessions stored with it, [] when none were, and leaves out keys it has no event for', async () => {
    const sessions = [{ id: 'meeting-1', kind: 'meeting', at: '2021-09-14T09:00:00Z', status: 'held' }];
    const at = '2021-09-14T09:00:00Z';
    const paidState = (withSessions: boolean) => ({ value: 'active', context: { programme: { id: 'secondary-development-2021-22', academicYear: '2021/22' }, fundingPaidPence: 200_000, ...(withSessions ? { sessions } : {}) } });
    for (const [urn, withSessions] of [['600020', true], ['600021', false]] as const) {
      await appendWithState(t.db, { urn, expectedVersion: 0, type: 'ATTENDANCE_RECORDED', payload: { type: 'ATTENDANCE_RECORDED', at }, occurredAt: at, actor: 'ops', machineVersion: 'pathway@1', state: paidState(withSessions) });
      await recordPayment(t.db, grant({ key: `k-${urn}`, urn }));
    }
    const found = await releasingEvents(t.db, ['k-600020', 'k-600021', 'k-nobody']);
    expect([...found.keys()].sort()).toEqual(['k-600020', 'k-600021']);
    expect(found.get('k-600020')).toMatchObject({ version: 1, type: 'ATTENDANCE_RECORDED', occurredAt: '2021-09-14T09:00:00.000Z', sessions });
    expect(found.get('k-600021')!.sessions).toEqual([]);
    expect(await releasingEvents(t.db, [])).toEqual(new Map());
  });
});
