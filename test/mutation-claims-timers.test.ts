/**
 * Tests added from the mutation run on store/timers.ts: a timer belongs to
 * one school and one key (cancelling or listing one school's timer never
 * touches another's), a school's timers come back earliest first, and a bad
 * timer or claim is refused naming every wrong field, before anything is
 * written. Postgres only (quicker to start than PGlite, which matters when a
 * mutation run repeats the file per mutant): store-timers.test.ts runs both.
 */
import { describe, expect, it } from 'vitest';
import { cancelTimer, claimDueTimers, listTimers, nextDueAt, upsertTimer } from '../store/timers.js';
import { ValidationError } from '../domain/errors.js';
import { dbTargets, useTestDb } from './helpers/db.js';

async function refusal(p: Promise<unknown>): Promise<ValidationError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ValidationError);
  return e as ValidationError;
}

describe.each(dbTargets().filter((x) => x.name === 'postgres'))('timers, what the claims rely on ($name)', (target) => {
  const t = useTestDb(target);

  it("cancels and lists one school's timer only, earliest first then by key", async () => {
    const at = '2031-01-05T09:00:00Z';
    await upsertTimer(t.db, { urn: '430001', key: 'same', dueAt: at, event: { n: 1 }, createdByVersion: 0 });
    await upsertTimer(t.db, { urn: '430002', key: 'same', dueAt: at, event: { n: 2 }, createdByVersion: 4 });
    await upsertTimer(t.db, { urn: '430002', key: 'b-late', dueAt: '2031-01-06T09:00:00+01:00', event: { n: 3 }, createdByVersion: 4 });
    await upsertTimer(t.db, { urn: '430002', key: 'a-early', dueAt: '2031-01-04T09:00:00Z', event: { n: 4 }, createdByVersion: 4 });
    await upsertTimer(t.db, { urn: '430002', key: 'a-same', dueAt: at, event: { n: 5 }, createdByVersion: 4 });
    expect((await listTimers(t.db, '430002')).map((x) => [x.key, x.dueAt])).toEqual([
      ['a-early', '2031-01-04T09:00:00.000Z'],
      ['a-same', '2031-01-05T09:00:00.000Z'],
      ['same', '2031-01-05T09:00:00.000Z'],
      ['b-late', '2031-01-06T08:00:00.000Z'],
    ]);
    expect(await cancelTimer(t.db, '430001', 'same')).toBe(true);
    expect(await listTimers(t.db, '430001')).toEqual([]);
    expect((await listTimers(t.db, '430002')).map((x) => x.key)).toEqual(['a-early', 'a-same', 'same', 'b-late']);
    expect(await cancelTimer(t.db, '430001', 'a-early')).toBe(false);
    // The earliest of all schools' timers, as a UTC instant.
    expect(await nextDueAt(t.db)).toBe('2031-01-04T09:00:00.000Z');
    const claimed = await t.db.tx((tx) => claimDueTimers(tx, '2031-01-04T09:00:00Z', 1));
    expect(claimed).toEqual([{ urn: '430002', key: 'a-early', dueAt: '2031-01-04T09:00:00.000Z', event: { n: 4 }, createdByVersion: 4 }]);
    for (const x of await listTimers(t.db, '430002')) await cancelTimer(t.db, x.urn, x.key);
  });

  it('refuses a timer with every wrong field named at once, and writes nothing', async () => {
    const e = await refusal(upsertTimer(t.db, { urn: ' ', key: '', dueAt: '2031-02-01 09:00', event: undefined, createdByVersion: -1 }));
    expect(e.problems.map((p) => [p.path, p.message])).toEqual([
      ['urn', 'must be a non-empty string'],
      ['key', 'must be a non-empty string'],
      ['dueAt', 'must be an ISO date-time with offset, e.g. 2021-03-01T09:00:00Z'],
      ['event', 'must be a JSON value (not undefined or a function)'],
      ['createdByVersion', 'must be a whole number of at least 0'],
    ]);
    expect(e.message).toMatch(/^timer is invalid: /);
    const nul = await refusal(upsertTimer(t.db, { urn: '430003', key: 'k', dueAt: '2031-02-01T09:00:00Z', event: { note: 'a\u0000b' }, createdByVersion: 1 }));
    expect(nul.problems.map((p) => p.path)).toEqual(['event.note']);
    expect(await listTimers(t.db, '430003')).toEqual([]);
    expect(await listTimers(t.db, ' ')).toEqual([]);
  });

  it('refuses a timer on a date that does not exist, rather than moving it to another day', async () => {
    const e = await refusal(upsertTimer(t.db, { urn: '430005', key: 'k', dueAt: '2031-02-30T09:00:00Z', event: {}, createdByVersion: 1 }));
    expect(e.problems.map((p) => [p.path, p.message, p.value])).toEqual([['dueAt', '2031-02-30 is not a date: February 2031 has 28 days', '2031-02-30T09:00:00Z']]);
    expect(await listTimers(t.db, '430005')).toEqual([]);
  });

  it('refuses a claim with a bad instant or a limit below 1, naming them', async () => {
    const e = await refusal(t.db.tx((tx) => claimDueTimers(tx, 'tomorrow', 0)));
    expect(e.problems.map((p) => [p.path, p.message, p.value])).toEqual([
      ['until', 'must be an ISO date-time with offset, e.g. 2021-03-01T09:00:00Z', 'tomorrow'],
      ['limit', 'must be a whole number of at least 1', 0],
    ]);
    expect(e.message).toMatch(/^claimDueTimers is invalid: /);
  });

  it('refuses to claim outside a transaction, where its row locks would end at once and two schedulers could fire one timer', async () => {
    await upsertTimer(t.db, { urn: '430004', key: 'k', dueAt: '2031-03-01T09:00:00Z', event: {}, createdByVersion: 1 });
    await expect(claimDueTimers(t.db, '2031-03-01T09:00:00Z', 1)).rejects.toThrow(
      new Error('claimDueTimers must run inside db.tx(): its row locks last only as long as the transaction'),
    );
    expect((await listTimers(t.db, '430004')).map((x) => x.key)).toEqual(['k']);
    await cancelTimer(t.db, '430004', 'k');
  });
});
