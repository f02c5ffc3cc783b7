import { describe, expect, it } from 'vitest';
import { appendEvent, latestVersion, readStream, tryLockStream } from '../store/event-log.js';
import { cancelTimer, claimDueTimers, listTimers, nextDueAt, upsertTimer, type StoredTimer } from '../store/timers.js';
import type { Db } from '../store/db.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const reminder = (sessionId: string, at: string) => ({ type: 'REMINDER_DUE', at, sessionId, daysBefore: 2 });

/**
 * A scheduler's unit of work, as the embedded host is meant to run it: claim due
 * timers, skip schools another transaction is writing to (they stay due), and
 * for the rest append each timer's event and delete the timer, all in one
 * transaction.
 */
async function fireDue(db: Db, until: string, limit: number, firedBy: string): Promise<{ claimed: number; fired: StoredTimer[] }> {
  return db.tx(async (tx) => {
    const due = await claimDueTimers(tx, until, limit);
    const free = new Set<string>();
    for (const urn of [...new Set(due.map((x) => x.urn))].sort()) if (await tryLockStream(tx, urn)) free.add(urn);
    const fired: StoredTimer[] = [];
    for (const timer of due.filter((x) => free.has(x.urn))) {
      const version = await latestVersion(tx, timer.urn);
      await appendEvent(tx, { urn: timer.urn, expectedVersion: version, type: 'REMINDER_DUE', payload: timer.event, occurredAt: timer.dueAt, actor: 'timer', machineVersion: firedBy, state: { fired: timer.key } });
      await cancelTimer(tx, timer.urn, timer.key);
      fired.push(timer);
    }
    return { claimed: due.length, fired };
  });
}

describe.each(dbTargets())('timers on $name', (target) => {
  const t = useTestDb(target);

  it('sets, resets and cancels a timer', async () => {
    await upsertTimer(t.db, { urn: '400001', key: 'reminder:s1:14', dueAt: '2021-02-01T09:00:00Z', event: reminder('s1', '2021-02-01T09:00:00Z'), createdByVersion: 3 });
    await upsertTimer(t.db, { urn: '400001', key: 'reminder:s1:14', dueAt: '2021-02-08T09:00:00+00:00', event: reminder('s1', '2021-02-08T09:00:00Z'), createdByVersion: 5 });
    expect(await listTimers(t.db, '400001')).toEqual([
      { urn: '400001', key: 'reminder:s1:14', dueAt: '2021-02-08T09:00:00.000Z', event: reminder('s1', '2021-02-08T09:00:00Z'), createdByVersion: 5 },
    ]);
    expect(await cancelTimer(t.db, '400001', 'reminder:s1:14')).toBe(true);
    expect(await cancelTimer(t.db, '400001', 'reminder:s1:14')).toBe(false);
    expect(await listTimers(t.db, '400001')).toEqual([]);
    await expect(upsertTimer(t.db, { urn: '400001', key: 'k', dueAt: 'soon', event: {}, createdByVersion: 1 })).rejects.toThrow('dueAt must be an ISO date-time with offset');
  });

  it('claims only due timers, ordered by due time, urn and key, and reports the next due time', async () => {
    await upsertTimer(t.db, { urn: '400003', key: 'b', dueAt: '2030-01-02T00:00:00Z', event: {}, createdByVersion: 1 });
    await upsertTimer(t.db, { urn: '400002', key: 'z', dueAt: '2030-01-02T00:00:00Z', event: {}, createdByVersion: 1 });
    await upsertTimer(t.db, { urn: '400003', key: 'a', dueAt: '2030-01-02T00:00:00Z', event: {}, createdByVersion: 1 });
    await upsertTimer(t.db, { urn: '400009', key: 'early', dueAt: '2030-01-01T00:00:00Z', event: {}, createdByVersion: 1 });
    await upsertTimer(t.db, { urn: '400001', key: 'later', dueAt: '2030-01-03T00:00:00Z', event: {}, createdByVersion: 1 });
    expect(await nextDueAt(t.db)).toBe('2030-01-01T00:00:00.000Z');
    const claimed = await t.db.tx((tx) => claimDueTimers(tx, '2030-01-02T00:00:00Z', 10));
    expect(claimed.map((x) => `${x.urn}/${x.key}`)).toEqual(['400009/early', '400002/z', '400003/a', '400003/b']);
    const limited = await t.db.tx((tx) => claimDueTimers(tx, '2030-01-02T00:00:00Z', 2));
    expect(limited.map((x) => `${x.urn}/${x.key}`)).toEqual(['400009/early', '400002/z']);
    await expect(claimDueTimers(t.db, '2030-01-02T00:00:00Z', 1)).rejects.toThrow('claimDueTimers must run inside db.tx()');
    for (const x of await t.db.tx((tx) => claimDueTimers(tx, '2030-12-31T00:00:00Z', 100))) await cancelTimer(t.db, x.urn, x.key);
    expect(await nextDueAt(t.db)).toBeNull();
  });

  it('splits due timers into lanes by school: each lane claims its own, together all of them', async () => {
    const urns = ['400101', '400102', '400103', '400104', '400105', '400106', '400107', '400108'];
    for (const urn of urns) for (const key of ['a', 'b']) await upsertTimer(t.db, { urn, key, dueAt: '2031-01-01T09:00:00Z', event: {}, createdByVersion: 1 });
    const until = '2031-01-01T12:00:00Z';
    const all = await t.db.tx((tx) => claimDueTimers(tx, until, 100));
    const lanes = await Promise.all([0, 1, 2].map((lane) => t.db.tx((tx) => claimDueTimers(tx, until, 100, { lane, of: 3 }))));
    const name = (x: StoredTimer) => `${x.urn}/${x.key}`;
    // Disjoint, and together every due timer; each lane in due order.
    expect(lanes.flat().map(name).sort()).toEqual(all.map(name).sort());
    for (const lane of lanes) expect(lane.map(name)).toEqual(all.map(name).filter((n) => lane.some((x) => name(x) === n)));
    // A school's timers are all in one lane.
    for (const urn of urns) expect(lanes.filter((lane) => lane.some((x) => x.urn === urn))).toHaveLength(1);
    // With 8 schools, more than one lane has work (the split is by school, not all in one).
    expect(lanes.filter((lane) => lane.length > 0).length).toBeGreaterThan(1);
    await expect(t.db.tx((tx) => claimDueTimers(tx, until, 100, { lane: 3, of: 3 }))).rejects.toThrow('lane.lane must be below lane.of (3); got 3');
    for (const x of all) await cancelTimer(t.db, x.urn, x.key);
  });

  it('fires a timer once: its event is appended and its row deleted in one transaction', async () => {
    await appendEvent(t.db, { urn: '400010', expectedVersion: 0, type: 'APPLY', payload: {}, occurredAt: '2021-01-01T00:00:00Z', actor: 'ops', machineVersion: 'm1', state: {} });
    await upsertTimer(t.db, { urn: '400010', key: 'reminder:s1:2', dueAt: '2021-03-01T09:00:00Z', event: reminder('s1', '2021-03-01T09:00:00Z'), createdByVersion: 1 });
    const { fired } = await fireDue(t.db, '2021-03-01T09:00:00Z', 10, 'm1');
    expect(fired.map((x) => x.key)).toEqual(['reminder:s1:2']);
    expect(await fireDue(t.db, '2021-03-01T09:00:00Z', 10, 'm1')).toEqual({ claimed: 0, fired: [] });
    const events = await readStream(t.db, '400010');
    expect(events.map((e) => [e.version, e.type, e.actor])).toEqual([[1, 'APPLY', 'ops'], [2, 'REMINDER_DUE', 'timer']]);
    expect(events[1]!.payload).toEqual(reminder('s1', '2021-03-01T09:00:00Z'));
  });

  it('keeps the timer when firing fails, so it fires on the next run', async () => {
    await upsertTimer(t.db, { urn: '400011', key: 'k', dueAt: '2021-03-01T09:00:00Z', event: {}, createdByVersion: 1 });
    const err = await t.db.tx(async (tx) => {
      const [timer] = await claimDueTimers(tx, '2021-03-01T09:00:00Z', 1);
      await cancelTimer(tx, timer!.urn, timer!.key);
      // No stream at version 5: the append fails, so the delete is rolled back with it.
      await appendEvent(tx, { urn: timer!.urn, expectedVersion: 5, type: 'X', payload: {}, occurredAt: timer!.dueAt, actor: 'timer', machineVersion: 'm', state: {} });
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'VersionConflictError' });
    expect((await listTimers(t.db, '400011')).map((x) => x.key)).toEqual(['k']);
    await cancelTimer(t.db, '400011', 'k');
  });

  it('never fires a timer twice with two schedulers running at once', async () => {
    const urns = ['410001', '410002', '410003', '410004'];
    for (const urn of urns) {
      await appendEvent(t.db, { urn, expectedVersion: 0, type: 'APPLY', payload: {}, occurredAt: '2021-01-01T00:00:00Z', actor: 'ops', machineVersion: 'm', state: {} });
      for (let k = 0; k < 6; k++) {
        await upsertTimer(t.db, { urn, key: `k${k}`, dueAt: `2021-02-0${1 + (k % 3)}T09:00:00Z`, event: { k }, createdByVersion: 1 });
      }
    }
    const fired: string[] = [];
    const scheduler = async (name: string): Promise<void> => {
      for (;;) {
        const { claimed, fired: batch } = await fireDue(t.db, '2021-12-31T00:00:00Z', 3, name);
        if (claimed === 0) return;
        fired.push(...batch.map((x) => `${x.urn}/${x.key}`));
      }
    };
    await Promise.all([scheduler('a'), scheduler('b')]);
    expect(fired).toHaveLength(24);
    expect(new Set(fired).size).toBe(24);
    for (const urn of urns) {
      const events = await readStream(t.db, urn);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      // Each event is a different timer's (an event row keeps its payload, the timer's event; no state since compact events).
      expect(new Set(events.slice(1).map((e) => (e.payload as { k: number }).k)).size).toBe(6);
      expect(await listTimers(t.db, urn)).toEqual([]);
    }
  });
});

describe.each(dbTargets().filter((x) => x.name === 'postgres'))('timer claims on $name (concurrent transactions)', (target) => {
  const t = useTestDb(target);

  it('gives two claimers holding their transactions open disjoint timers (SKIP LOCKED)', async () => {
    for (let i = 0; i < 10; i++) {
      await upsertTimer(t.db, { urn: `42000${i}`, key: 'due', dueAt: `2021-05-01T09:00:0${i}Z`, event: { i }, createdByVersion: 1 });
    }
    let arrived = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    // Without SKIP LOCKED the second claimer would wait on the first's locks and never arrive.
    const bothArrived = Promise.race([gate, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the second claimer was blocked by the first one\'s row locks')), 5000).unref())]);
    const claimer = (): Promise<string[]> => t.db.tx(async (tx) => {
      const claimed = await claimDueTimers(tx, '2021-05-01T09:00:09Z', 4);
      // Both transactions hold their row locks at the same time before either ends.
      if (++arrived === 2) openGate();
      await bothArrived;
      return claimed.map((x) => x.urn);
    });
    const [a, b] = await Promise.all([claimer(), claimer()]);
    expect(a).toHaveLength(4);
    expect(b).toHaveLength(4);
    expect(a.filter((u) => b.includes(u))).toEqual([]);
    // Ordered by due time: between them they took the eight earliest.
    expect([...a, ...b].sort()).toEqual(['420000', '420001', '420002', '420003', '420004', '420005', '420006', '420007']);
  });
});
