/**
 * store/outbox.ts called directly on PGlite (issue 15's mutation score): an
 * effect kept once by its key; claims due by school time, oldest first and
 * up to the limit, never one waiting for its retry or held by a live host,
 * taken over when the claim runs out or its owner died; done and failed
 * (retry or give up) as the hosts record them; the lists and counts that
 * `pathway effects` and the pages show. Every bad argument named.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../domain/errors.js';
import { claimPending, drainProbe, enqueue, markDone, markManyDone, markFailed, nextRetryWithin, openEffectCounts, openEffects, outboxFor, outboxItem, releaseDeadClaims } from '../store/outbox.js';
import { claimMessage } from '../store/messages.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const problems = async (p: Promise<unknown>): Promise<{ what: string; paths: string[] }> => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  return { what: (err as Error).message.split(' is invalid')[0]!, paths: (err as ValidationError).problems.map((x) => x.path) };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(dbTargets().filter((x) => x.name === 'pglite'))('the outbox, what effects rely on ($name)', (target) => {
  const t = useTestDb(target);

  it('keeps one effect per key, whatever its status, and names every bad field', async () => {
    expect(await enqueue(t.db, { key: 'k1', urn: '700001', type: 'mail', payload: { a: 1 }, notBefore: '2021-01-01T09:00:00Z' })).toBe(true);
    expect(await enqueue(t.db, { key: 'k1', urn: '700002', type: 'funding', payload: { a: 2 } })).toBe(false);
    expect(await outboxItem(t.db, 'k1')).toMatchObject({ key: 'k1', urn: '700001', type: 'mail', payload: { a: 1 }, status: 'pending', attempts: 0, lastError: null, doneAt: null, leaseOwner: null, leaseUntil: null, retryAt: null });
    expect(new Date((await outboxItem(t.db, 'k1'))!.nextAttemptAt).toISOString()).toBe('2021-01-01T09:00:00.000Z');
    expect(await outboxItem(t.db, 'nope')).toBeNull();
    expect(await problems(enqueue(t.db, { key: '', urn: '', type: '', payload: undefined, notBefore: 'later' }))).toEqual({ what: 'outbox item', paths: ['key', 'urn', 'type', 'payload', 'notBefore'] });
    expect(await problems(claimPending(t.db, 'now', 0, { owner: '', leaseMs: 0, live: [] }))).toEqual({ what: 'claimPending', paths: ['now', 'limit', 'lease.owner', 'lease.leaseMs'] });
    expect(await problems(markDone(t.db, 'k1', 'yesterday'))).toEqual({ what: 'markDone', paths: ['doneAt'] });
    expect(await problems(markFailed(t.db, 'k1', 'x', -1))).toEqual({ what: 'markFailed', paths: ['retryAfterMs'] });
    // An undated effect is due at once (the database clock).
    expect(await enqueue(t.db, { key: 'k-now', urn: '700003', type: 'mail', payload: null })).toBe(true);
    expect(Math.abs(Date.parse((await outboxItem(t.db, 'k-now'))!.nextAttemptAt) - Date.now())).toBeLessThan(60_000);
  });

  it('claims what is due by school time, oldest due first then by key, up to the limit, for the lease of real time', async () => {
    for (const [key, at] of [['c-3', '2022-03-01T09:00:00Z'], ['c-2b', '2022-02-01T09:00:00Z'], ['c-2a', '2022-02-01T09:00:00Z'], ['c-late', '2030-01-01T09:00:00Z']] as const) {
      await enqueue(t.db, { key, urn: '700010', type: 'mail', payload: {}, notBefore: at });
    }
    const lease = { owner: 'host-a', leaseMs: 60_000, live: ['host-a', 'host-b'] };
    // Exactly at its due time an effect is due; a minute before, not.
    expect((await claimPending(t.db, '2022-01-31T23:59:00Z', 10, lease)).filter((x) => x.key.startsWith('c-'))).toEqual([]);
    const two = await claimPending(t.db, '2022-02-01T09:00:00Z', 2, lease);
    expect(two.map((x) => x.key).sort()).toEqual(['c-2a', 'c-2b']);
    expect(two.every((x) => x.leaseOwner === 'host-a' && Date.parse(x.leaseUntil!) > Date.now() + 30_000)).toBe(true);
    // Held by a live host: another host gets only what is left.
    const rest = await claimPending(t.db, '2022-12-31T00:00:00Z', 10, { ...lease, owner: 'host-b' });
    expect(rest.map((x) => x.key).filter((k) => k.startsWith('c-'))).toEqual(['c-3']);
    // The owner died (not among the live): its claims are taken over; the owner itself does not take its own again.
    expect((await claimPending(t.db, '2022-12-31T00:00:00Z', 10, { ...lease, owner: 'host-a' })).map((x) => x.key).filter((k) => k.startsWith('c-'))).toEqual([]);
    const over = await claimPending(t.db, '2022-12-31T00:00:00Z', 10, { owner: 'host-c', leaseMs: 60_000, live: ['host-c'] });
    expect(over.map((x) => x.key).filter((k) => k.startsWith('c-')).sort()).toEqual(['c-2a', 'c-2b', 'c-3']);
    // With a limit, the earliest due are taken, not the first enqueued: everything else due by then is held by a live sink first.
    await enqueue(t.db, { key: 'L-later', urn: '700012', type: 'mail', payload: {}, notBefore: '2050-03-01T09:00:00Z' });
    await enqueue(t.db, { key: 'L-earlier', urn: '700012', type: 'mail', payload: {}, notBefore: '2050-02-01T09:00:00Z' });
    await claimPending(t.db, '2049-12-31T00:00:00Z', 1000, { owner: 'sink', leaseMs: 600_000, live: ['sink', 'host-x'] });
    expect((await claimPending(t.db, '2050-12-31T00:00:00Z', 1, { owner: 'host-x', leaseMs: 60_000, live: ['sink', 'host-x'] })).map((x) => x.key)).toEqual(['L-earlier']);
    // A claim that runs out is taken again, even with its owner alive.
    await enqueue(t.db, { key: 'short', urn: '700011', type: 'mail', payload: {}, notBefore: '2022-01-01T09:00:00Z' });
    expect((await claimPending(t.db, '2022-01-02T00:00:00Z', 10, { owner: 'host-d', leaseMs: 1, live: ['host-d', 'host-e'] })).map((x) => x.key)).toContain('short');
    await sleep(20);
    expect((await claimPending(t.db, '2022-01-02T00:00:00Z', 10, { owner: 'host-e', leaseMs: 60_000, live: ['host-d', 'host-e'] })).map((x) => x.key)).toContain('short');
  });

  it('returns the effects it claimed in the order they were enqueued, then by key', async () => {
    await enqueue(t.db, { key: 'S-b', urn: '700013', type: 'mail', payload: {}, notBefore: '2060-02-01T09:00:00Z' });
    await sleep(5);
    await enqueue(t.db, { key: 'S-a', urn: '700013', type: 'mail', payload: {}, notBefore: '2060-01-01T09:00:00Z' });
    // Enqueued in one transaction: the same created_at, so by key.
    await t.db.tx(async (tx) => {
      await enqueue(tx, { key: 'S-d', urn: '700013', type: 'mail', payload: {}, notBefore: '2060-01-01T09:00:00Z' });
      await enqueue(tx, { key: 'S-c', urn: '700013', type: 'mail', payload: {}, notBefore: '2060-01-01T09:00:00Z' });
    });
    await claimPending(t.db, '2059-12-31T00:00:00Z', 1000, { owner: 'sink-2', leaseMs: 600_000, live: ['sink-2', 'host-s'] });
    const got = await claimPending(t.db, '2060-12-31T00:00:00Z', 10, { owner: 'host-s', leaseMs: 60_000, live: ['sink-2', 'host-s'] });
    expect(got.map((x) => x.key).filter((k) => k.startsWith('S-'))).toEqual(['S-b', 'S-a', 'S-c', 'S-d']);
  });

  it('without a lease claims only inside a transaction, locking the rows for it', async () => {
    await expect(claimPending(t.db, '2040-01-01T00:00:00Z', 5)).rejects.toThrow('claimPending without a lease must run inside db.tx(): its row locks last only as long as the transaction');
    await enqueue(t.db, { key: 'tx-1', urn: '700020', type: 'mail', payload: {}, notBefore: '2035-01-01T00:00:00Z' });
    const got = await t.db.tx((tx) => claimPending(tx, '2035-01-01T00:00:00Z', 50));
    expect(got.map((x) => x.key)).toContain('tx-1');
    expect(got.find((x) => x.key === 'tx-1')!.leaseOwner).toBeNull();
  });

  it('marks a pass of effects done in one go, counting only those not done before, and names a bad key', async () => {
    for (const k of ['b-1', 'b-2', 'b-3']) await enqueue(t.db, { key: k, urn: '700032', type: 'mail', payload: {}, notBefore: '2023-01-01T09:00:00Z' });
    expect(await markManyDone(t.db, [], '2023-01-01T09:05:00Z')).toBe(0);
    expect(await markManyDone(t.db, ['b-1'], '2023-01-01T09:05:00Z')).toBe(1);
    expect(await markManyDone(t.db, ['b-1', 'b-2', 'b-3', 'unknown'], '2023-01-01T09:06:00Z')).toBe(2);
    const items = await Promise.all(['b-1', 'b-2', 'b-3'].map((k) => outboxItem(t.db, k)));
    expect(items.map((i) => i!.status)).toEqual(['done', 'done', 'done']);
    // b-1 keeps the time it was first done at.
    expect(items.map((i) => new Date(i!.doneAt!).toISOString())).toEqual(['2023-01-01T09:05:00.000Z', '2023-01-01T09:06:00.000Z', '2023-01-01T09:06:00.000Z']);
    await expect(markManyDone(t.db, ['b-1', ''])).rejects.toThrow(/keys/);
  });

  it('records done once, and a failure as a retry after real time or as given up', async () => {
    await enqueue(t.db, { key: 'd-1', urn: '700030', type: 'mail', payload: {}, notBefore: '2023-01-01T09:00:00Z' });
    expect(await markDone(t.db, 'd-1', '2023-01-01T09:05:00Z')).toBe(true);
    expect(await markDone(t.db, 'd-1')).toBe(false);
    expect(await markDone(t.db, 'unknown')).toBe(false);
    const done = (await outboxItem(t.db, 'd-1'))!;
    expect(done).toMatchObject({ status: 'done', lastError: null, leaseOwner: null, retryAt: null });
    expect(new Date(done.doneAt!).toISOString()).toBe('2023-01-01T09:05:00.000Z');
    // A done effect is not failed afterwards: the row as it is comes back.
    expect(await markFailed(t.db, 'd-1', 'late error', null)).toMatchObject({ status: 'done', attempts: 0, lastError: null });
    expect(await markFailed(t.db, 'unknown', 'x', null)).toBeNull();

    await enqueue(t.db, { key: 'f-1', urn: '700031', type: 'funding', payload: {}, notBefore: '2023-01-01T09:00:00Z' });
    await claimPending(t.db, '2023-01-02T00:00:00Z', 100, { owner: 'host-f', leaseMs: 60_000, live: ['host-f'] });
    const retry = (await markFailed(t.db, 'f-1', 'SMTP 451', 60_000))!;
    expect(retry).toMatchObject({ status: 'pending', attempts: 1, lastError: 'SMTP 451', leaseOwner: null, leaseUntil: null });
    expect(Date.parse(retry.retryAt!)).toBeGreaterThan(Date.now() + 30_000);
    // Waiting for its retry: not claimed, by anyone.
    expect((await claimPending(t.db, '2023-01-02T00:00:00Z', 100, { owner: 'host-g', leaseMs: 60_000, live: ['host-g'] })).map((x) => x.key)).not.toContain('f-1');
    // Retry at once (0 ms): claimable again.
    expect((await markFailed(t.db, 'f-1', 'SMTP 451 again', 0))!.attempts).toBe(2);
    expect((await claimPending(t.db, '2023-01-02T00:00:00Z', 100, { owner: 'host-g', leaseMs: 60_000, live: ['host-g'] })).map((x) => x.key)).toContain('f-1');
    const gaveUp = (await markFailed(t.db, 'f-1', 'bad address', null))!;
    expect(gaveUp).toMatchObject({ status: 'failed', attempts: 3, lastError: 'bad address', retryAt: null, leaseOwner: null });
    expect((await claimPending(t.db, '2099-01-01T00:00:00Z', 100, { owner: 'host-g', leaseMs: 60_000, live: ['host-g'] })).map((x) => x.key)).not.toContain('f-1');
    // Carried out by hand after all: done, its error cleared.
    expect(await markDone(t.db, 'f-1')).toBe(true);
    expect(await outboxItem(t.db, 'f-1')).toMatchObject({ status: 'done', lastError: null });
  });

  it('frees the claims of dead owners only, and lists and counts what is still open', async () => {
    for (const [key, urn, at] of [['o-1', '700040', '2024-03-01T09:00:00Z'], ['o-2', '700040', '2024-01-01T09:00:00Z'], ['o-3', '700041', '2024-02-01T09:00:00Z'], ['o-4', '700042', '2024-02-01T09:00:00Z']] as const) {
      await enqueue(t.db, { key, urn, type: 'mail', payload: {}, notBefore: at });
    }
    await enqueue(t.db, { key: 'o-z', urn: '700043', type: 'mail', payload: {}, notBefore: '2023-12-01T09:00:00Z' });
    await claimPending(t.db, '2024-01-15T00:00:00Z', 100, { owner: 'dead-host', leaseMs: 60_000, live: ['dead-host'] }); // o-z, o-2 (and what earlier tests left)
    await claimPending(t.db, '2024-02-15T00:00:00Z', 100, { owner: 'me', leaseMs: 60_000, live: ['me', 'dead-host'] }); // o-3, o-4
    expect(await outboxItem(t.db, 'o-2')).toMatchObject({ leaseOwner: 'dead-host' });
    const mine = (keys: string[]) => keys.filter((k) => k.startsWith('o-'));
    expect(mine(await releaseDeadClaims(t.db, 'me', ['me']))).toEqual(['o-2', 'o-z']);
    expect(await outboxItem(t.db, 'o-2')).toMatchObject({ leaseOwner: null, leaseUntil: null });
    expect(await outboxItem(t.db, 'o-3')).toMatchObject({ leaseOwner: 'me' });
    expect(mine(await releaseDeadClaims(t.db, 'me', ['me']))).toEqual([]);
    await markFailed(t.db, 'o-4', 'gone', null);
    await markDone(t.db, 'o-3');

    const keys = async (f: Parameters<typeof openEffects>[1]) => (await openEffects(t.db, f)).map((x) => x.key).filter((k) => k.startsWith('o-'));
    expect(await keys({ urns: ['700040', '700041', '700042'] })).toEqual(['o-2', 'o-4', 'o-1']);
    expect(await keys({ status: 'pending', urns: ['700040', '700041', '700042'] })).toEqual(['o-2', 'o-1']);
    expect(await keys({ status: 'failed', urns: ['700040', '700041', '700042'] })).toEqual(['o-4']);
    expect(await keys({ urns: ['700040'], limit: 1 })).toEqual(['o-2']);
    expect(await keys({ urns: ['700041'] })).toEqual([]);
    expect(Object.fromEntries(await openEffectCounts(t.db, ['700040', '700041', '700042', '700099']))).toEqual({ '700040': { pending: 2, failed: 0 }, '700042': { pending: 0, failed: 1 } });
    expect((await outboxFor(t.db, '700040')).map((x) => x.key)).toEqual(['o-1', 'o-2']);
  });
});

describe.each(dbTargets().filter((x) => x.name === 'pglite'))('how long a tick waits for an effect’s retry ($name)', (target) => {
  const t = useTestDb(target);

  it('is the real time to the soonest retry of an effect due by school time, within the limit; else none', async () => {
    const now = '2023-05-01T09:00:00Z';
    expect(await nextRetryWithin(t.db, now, 1_000)).toBeNull();
    await enqueue(t.db, { key: 'r-due', urn: '700100', type: 'mail', payload: {}, notBefore: '2023-04-30T09:00:00Z' });
    await enqueue(t.db, { key: 'r-soon', urn: '700100', type: 'mail', payload: {}, notBefore: '2023-04-30T09:00:00Z' });
    await enqueue(t.db, { key: 'r-later-school', urn: '700100', type: 'mail', payload: {}, notBefore: '2023-06-01T09:00:00Z' });
    // Pending and due, nothing to wait for: no retry to wait out.
    expect(await nextRetryWithin(t.db, now, 1_000)).toBeNull();
    await markFailed(t.db, 'r-due', 'lost connection', 60_000);
    await markFailed(t.db, 'r-soon', 'lost connection', 3_000);
    await markFailed(t.db, 'r-later-school', 'lost connection', 1_000);
    // The soonest of those due by school time; the one due in June does not count in May (margins for a loaded machine).
    const wait = await nextRetryWithin(t.db, now, 10_000);
    expect(wait).toBeGreaterThan(1_000);
    expect(wait).toBeLessThanOrEqual(3_000);
    // Beyond the limit: none.
    expect(await nextRetryWithin(t.db, now, 500)).toBeNull();
    // In June the 1 s one comes first.
    const june = await nextRetryWithin(t.db, '2023-06-02T09:00:00Z', 10_000);
    expect(june).toBeGreaterThanOrEqual(0);
    expect(june).toBeLessThanOrEqual(1_000);
    // Done effects are not waited for; the minute-long wait counts only within a limit that reaches it.
    await markDone(t.db, 'r-soon');
    await markDone(t.db, 'r-later-school');
    expect(await nextRetryWithin(t.db, now, 10_000)).toBeNull();
    expect(await nextRetryWithin(t.db, now, 120_000)).toBeGreaterThan(30_000);
    await markDone(t.db, 'r-due');
    expect(await nextRetryWithin(t.db, now, 120_000)).toBeNull();
    expect(await problems(nextRetryWithin(t.db, 'soon', -1))).toEqual({ what: 'nextRetryWithin', paths: ['now', 'withinMs'] });
  });

  it('is 0, not none, for a retry whose backoff ran out before it was asked (a busy machine): the tick still drains it', async () => {
    const now = '2023-07-01T09:00:00Z';
    await enqueue(t.db, { key: 'r-lapsed', urn: '700101', type: 'mail', payload: {}, notBefore: '2023-06-30T09:00:00Z' });
    await markFailed(t.db, 'r-lapsed', 'lost connection', 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(await nextRetryWithin(t.db, now, 1_000)).toBe(0);
    await markDone(t.db, 'r-lapsed');
    expect(await nextRetryWithin(t.db, now, 1_000)).toBeNull();
  });

  it('drainProbe: is anything due by school time (its retry wait over), and does anyone else hold a claim', async () => {
    // Before the retries above (due from April 2023), so only this test's effect counts.
    const now = '2022-05-01T09:00:00Z';
    expect(await drainProbe(t.db, now, 'host-a')).toEqual({ due: false, foreignClaims: false, retryInMs: null });
    await enqueue(t.db, { key: 'p-1', urn: '700200', type: 'mail', payload: {}, notBefore: '2022-04-30T09:00:00Z' });
    expect(await drainProbe(t.db, '2022-04-29T09:00:00Z', 'host-a')).toEqual({ due: false, foreignClaims: false, retryInMs: null });
    expect(await drainProbe(t.db, now, 'host-a')).toEqual({ due: true, foreignClaims: false, retryInMs: null });
    // Claimed by host-b: a claim of someone else's for host-a, none for host-b itself.
    expect((await claimPending(t.db, now, 10, { owner: 'host-b', leaseMs: 60_000, live: ['host-a', 'host-b'] })).map((x) => x.key)).toContain('p-1');
    expect((await drainProbe(t.db, now, 'host-a')).foreignClaims).toBe(true);
    expect((await drainProbe(t.db, now, 'host-b')).foreignClaims).toBe(false);
    // Waiting out a retry: not due until it is over.
    await markFailed(t.db, 'p-1', 'SMTP 451', 60_000);
    const waiting = await drainProbe(t.db, now, 'host-b');
    expect({ due: waiting.due, foreignClaims: waiting.foreignClaims }).toEqual({ due: false, foreignClaims: false });
    // The retry's real-time wait comes with it, so a tick need not ask nextRetryWithin.
    expect(waiting.retryInMs).toBeGreaterThan(55_000);
    expect(waiting.retryInMs).toBeLessThanOrEqual(60_000);
    // A message claimed by another host counts too.
    expect(await claimMessage(t.db, 'm-1', 'host-c', 60_000, ['host-c'])).toBe(true);
    expect(await drainProbe(t.db, now, 'host-b')).toMatchObject({ due: false, foreignClaims: true });
    expect(await drainProbe(t.db, now, 'host-c')).toMatchObject({ due: false, foreignClaims: false });
    expect(await problems(drainProbe(t.db, 'today', ''))).toEqual({ what: 'drainProbe', paths: ['now', 'me'] });
  });
});
