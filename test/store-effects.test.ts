import { describe, expect, it } from 'vitest';
import { ValidationError } from '../domain/errors.js';
import { evaluationRequests, recordEvaluationRequest } from '../store/evaluations.js';
import { payments, recordPayment, type PaymentInput } from '../store/ledger.js';
import { recordSentMessage, sentMessage, sentMessages } from '../store/messages.js';
import { claimPending, drainProbe, enqueue, markDone, markFailed, openEffects, outboxFor, outboxItem, releaseDeadClaims } from '../store/outbox.js';
import { holdLiveness, liveOwnersFor, ownerFor } from '../store/effect-hosts.js';
import { openDb, type Db } from '../store/db.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const grant = (over: Partial<PaymentInput> = {}): PaymentInput => ({
  key: 'funding:500001:secondary-tfm-development:2020/21',
  urn: '500001',
  programmeId: 'secondary-tfm-development',
  academicYear: '2020/21',
  amountPence: 200_000,
  reason: 'Development work group grant, £2000 per department',
  paidAt: '2021-07-20T12:00:00Z',
  ...over,
});

describe.each(dbTargets())('outbox on $name', (target) => {
  const t = useTestDb(target);

  it('keeps one item per effect key however often it is enqueued', async () => {
    const item = { key: 'notify:510001:s1:14', urn: '510001', type: 'notify', payload: { template: 'session-reminder', to: ['headteacher'] } };
    expect(await enqueue(t.db, item)).toBe(true);
    expect(await enqueue(t.db, { ...item, payload: { changed: true } })).toBe(false);
    await markDone(t.db, item.key);
    expect(await enqueue(t.db, item)).toBe(false);
    const all = await outboxFor(t.db, '510001');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ key: item.key, payload: item.payload, status: 'done', attempts: 0 });
  });

  it('claims due pending items oldest first, retries failures after a real-time backoff with a count, and gives up when told', async () => {
    await enqueue(t.db, { key: 'o:1', urn: '510002', type: 'notify', payload: { n: 1 }, notBefore: '2021-01-01T00:00:00Z' });
    await enqueue(t.db, { key: 'o:2', urn: '510002', type: 'notify', payload: { n: 2 }, notBefore: '2021-01-02T00:00:00Z' });
    await enqueue(t.db, { key: 'o:3', urn: '510002', type: 'notify', payload: { n: 3 }, notBefore: '2099-01-01T00:00:00Z' });
    const claim = (now: string, limit = 10) => t.db.tx(async (tx) => (await claimPending(tx, now, limit)).filter((x) => x.urn === '510002').map((x) => x.key));
    expect(await claim('2021-01-05T00:00:00Z')).toEqual(['o:1', 'o:2']);
    expect(await claim('2021-01-05T00:00:00Z', 1)).toEqual(['o:1']);

    // The backoff is real time: however far the school clock moves, o:1 waits its minute.
    const failed = await markFailed(t.db, 'o:1', 'SMTP 451 try again later', 60_000);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, lastError: 'SMTP 451 try again later', nextAttemptAt: '2021-01-01T00:00:00.000Z', leaseOwner: null });
    const realNow = Date.parse((await t.db.query<{ now: string }>('SELECT now() AS now')).rows[0]!.now);
    expect(Date.parse(failed!.retryAt!) - realNow).toBeGreaterThan(50_000);
    expect(Date.parse(failed!.retryAt!) - realNow).toBeLessThan(70_000);
    expect(await claim('2021-01-05T00:00:00Z')).toEqual(['o:2']);
    expect(await claim('2098-01-06T00:00:00Z')).toEqual(['o:2']);
    // A retry due now (0 ms) is claimable again.
    expect(await markFailed(t.db, 'o:1', 'SMTP 451 again', 0)).toMatchObject({ status: 'pending', attempts: 2 });
    expect(await claim('2021-01-06T00:00:00Z')).toEqual(['o:1', 'o:2']);
    const gaveUp = await markFailed(t.db, 'o:1', 'SMTP 550 no such user', null);
    expect(gaveUp).toMatchObject({ status: 'failed', attempts: 3, lastError: 'SMTP 550 no such user', retryAt: null });
    expect(await markDone(t.db, 'o:2', '2021-01-06T00:00:01Z')).toBe(true);
    expect(await markDone(t.db, 'o:2')).toBe(false);
    expect(await outboxItem(t.db, 'o:2')).toMatchObject({ status: 'done', doneAt: '2021-01-06T00:00:01.000Z' });
    expect(await claim('2099-06-01T00:00:00Z')).toEqual(['o:3']);
    expect(await markFailed(t.db, 'o:2', 'late failure', null)).toMatchObject({ status: 'done', attempts: 0 });
    expect(await markFailed(t.db, 'no-such-key', 'x', null)).toBeNull();
    await expect(claimPending(t.db, '2021-01-05T00:00:00Z', 5)).rejects.toThrow('claimPending without a lease must run inside db.tx()');
    expect((await openEffects(t.db, { urns: ['510002'] })).map((e) => [e.key, e.status])).toEqual([['o:1', 'failed'], ['o:3', 'pending']]);
    expect((await openEffects(t.db, { urns: ['510002'], status: 'failed' })).map((e) => e.key)).toEqual(['o:1']);
  });

  it('a claim holds for its lease of REAL time, whatever the school clock says, and then comes back', async () => {
    await enqueue(t.db, { key: 'l:1', urn: '510003', type: 'funding.release', payload: {}, notBefore: '2020-12-03T15:00:00Z' });
    const mine = (items: { key: string }[]) => items.map((x) => x.key).filter((k) => k.startsWith('l:'));
    const live = liveOwnersFor(t.db);
    // This process's owner: alive on PGlite; judged by its lease alone on Postgres (it holds no liveness lock here).
    // Two seconds: long enough that the next claim comes inside it on a loaded machine (300 ms was not, with the whole suite running).
    const first = await claimPending(t.db, '2020-12-03T15:00:00Z', 10, { owner: ownerFor(t.db), leaseMs: 2_000, live });
    expect(mine(first)).toEqual(['l:1']);
    expect(first[0]).toMatchObject({ leaseOwner: ownerFor(t.db), nextAttemptAt: '2020-12-03T15:00:00.000Z' });
    // A school clock years ahead does not end the lease (the old code compared the two clocks)...
    expect(mine(await claimPending(t.db, '2035-01-01T00:00:00Z', 10, { owner: 'lease:second', leaseMs: 60_000, live }))).toEqual([]);
    // ...real time does, and the school clock can stay where it was.
    await new Promise((r) => setTimeout(r, 2_100));
    const again = await claimPending(t.db, '2020-12-03T15:00:01Z', 10, { owner: 'lease:second', leaseMs: 60_000, live });
    expect(mine(again)).toEqual(['l:1']);
    expect(again[0]!.leaseOwner).toBe('lease:second');
    expect((await outboxItem(t.db, 'l:1'))!.attempts).toBe(0);
  });

  it('a claim whose host died is taken over at once; a live host keeps its claim', async () => {
    await enqueue(t.db, { key: 'd:1', urn: '510004', type: 'funding.release', payload: {}, notBefore: '2020-12-03T15:00:00Z' });
    await enqueue(t.db, { key: 'd:2', urn: '510004', type: 'funding.release', payload: {}, notBefore: '2020-12-03T15:00:00Z' });
    const mine = (items: { key: string }[]) => items.map((x) => x.key).filter((k) => k.startsWith('d:')).sort();
    const me = ownerFor(t.db);
    const live = liveOwnersFor(t.db);
    let other: Db | null = null;
    let releaseOther = async () => undefined as void;
    // The live other host: on Postgres a second connection pool holding its liveness lock; on PGlite only this process can be alive.
    let aliveOwner: string;
    if (target.name === 'postgres') {
      other = await openDb(t.database.url, { poolSize: 2 });
      releaseOther = await holdLiveness(other);
      aliveOwner = ownerFor(other);
      expect(aliveOwner).toMatch(/^session:/);
    } else {
      aliveOwner = me;
    }
    try {
      const deadOwner = target.name === 'postgres' ? 'session:a-host-that-died:4242:0000' : 'process:a-host-that-died:4242:0000';
      await t.db.query("UPDATE outbox SET lease_owner = $2, lease_until = now() + interval '1 hour' WHERE key = $1", ['d:1', deadOwner]);
      await t.db.query("UPDATE outbox SET lease_owner = $2, lease_until = now() + interval '1 hour' WHERE key = $1", ['d:2', aliveOwner]);
      if (target.name === 'postgres') {
        expect(mine(await claimPending(t.db, '2020-12-04T00:00:00Z', 10, { owner: me, leaseMs: 60_000, live }))).toEqual(['d:1']);
      } else {
        // On PGlite this process is the only one alive: d:2 is "its own" claim, so the dead one alone comes back.
        expect(mine(await claimPending(t.db, '2020-12-04T00:00:00Z', 10, { owner: 'process:another-engine', leaseMs: 60_000, live }))).toEqual(['d:1']);
      }
      // releaseDeadClaims frees only the dead host's claims (d:1 is now held by a live owner).
      await t.db.query("UPDATE outbox SET lease_owner = $2, lease_until = now() + interval '1 hour' WHERE key = $1", ['d:1', deadOwner]);
      expect((await releaseDeadClaims(t.db, me, live)).filter((k) => k.startsWith('d:'))).toEqual(['d:1']);
      expect((await outboxItem(t.db, 'd:1'))!.leaseOwner).toBeNull();
      expect((await outboxItem(t.db, 'd:2'))!.leaseOwner).toBe(aliveOwner);
      if (other) {
        // When the other host stops, its lock goes with it and its claim comes back.
        await releaseOther();
        expect(mine(await claimPending(t.db, '2020-12-04T00:00:00Z', 10, { owner: me, leaseMs: 60_000, live }))).toEqual(['d:1', 'd:2']);
      }
    } finally {
      await releaseOther();
      await other?.close();
    }
  });
});

describe.each(dbTargets())('the drain probe on $name', (target) => {
  const t = useTestDb(target);

  it('says whether anything is due by the school clock, and whether another host holds a claim, without claiming anything', async () => {
    const me = 'lease:me';
    expect(await drainProbe(t.db, '2021-01-05T00:00:00Z', me)).toEqual({ due: false, foreignClaims: false, retryInMs: null });
    await enqueue(t.db, { key: 'p:1', urn: '510020', type: 'notify', payload: {}, notBefore: '2021-01-10T00:00:00Z' });
    // Not due before its school time; due from it on.
    expect(await drainProbe(t.db, '2021-01-09T23:59:59Z', me)).toEqual({ due: false, foreignClaims: false, retryInMs: null });
    expect(await drainProbe(t.db, '2021-01-10T00:00:00Z', me)).toEqual({ due: true, foreignClaims: false, retryInMs: null });
    // Probing claimed nothing: the claim still gets it.
    expect((await claimPending(t.db, '2021-01-10T00:00:00Z', 10, { owner: me, leaseMs: 60_000, live: null })).map((x) => x.key)).toEqual(['p:1']);
    // My own claim is not another host's.
    expect((await drainProbe(t.db, '2021-01-10T00:00:00Z', me)).foreignClaims).toBe(false);
    expect((await drainProbe(t.db, '2021-01-10T00:00:00Z', 'lease:other')).foreignClaims).toBe(true);
    // A failed attempt waiting for its real-time retry is not due, whatever the school clock says.
    await markFailed(t.db, 'p:1', 'SMTP 451', 60_000);
    const waiting = await drainProbe(t.db, '2099-01-01T00:00:00Z', me);
    expect({ due: waiting.due, foreignClaims: waiting.foreignClaims }).toEqual({ due: false, foreignClaims: false });
    // It says when that retry comes (real time), so a tick can wait for it without asking again; not before the item's school time.
    expect(waiting.retryInMs).toBeGreaterThan(50_000);
    expect(waiting.retryInMs).toBeLessThanOrEqual(60_000);
    expect((await drainProbe(t.db, '2021-01-09T00:00:00Z', me)).retryInMs).toBeNull();
    // A send-claim on a message held by another host counts too.
    await t.db.query("INSERT INTO message_claims (key, owner, lease_until) VALUES ('m:1', 'lease:other', now() + interval '1 minute')");
    expect((await drainProbe(t.db, '2021-01-10T00:00:00Z', me)).foreignClaims).toBe(true);
    expect((await drainProbe(t.db, '2021-01-10T00:00:00Z', 'lease:other')).foreignClaims).toBe(false);
  });

  it('names a bad school clock', async () => {
    await expect(drainProbe(t.db, 'tomorrow', 'lease:me')).rejects.toThrow(/now/);
  });
});

describe.each(dbTargets())('funding ledger on $name', (target) => {
  const t = useTestDb(target);

  it('pays a grant once per key and once per school, programme and year', async () => {
    const first = await recordPayment(t.db, grant());
    // The ledger adds its own columns (store/ledger.ts); the grant's are as paid.
    expect(first).toMatchObject({ recorded: true, payment: { ...grant(), paidAt: '2021-07-20T12:00:00.000Z' } });
    const again = await recordPayment(t.db, grant({ paidAt: '2021-07-21T12:00:00Z' }));
    expect(again).toEqual({ recorded: false, payment: first.payment });
    // A different key for the same school, programme and year is still the same grant.
    const otherKey = await recordPayment(t.db, grant({ key: 'funding:500001:dup', amountPence: 100_000 }));
    expect(otherKey).toEqual({ recorded: false, payment: first.payment });
    // The next year is a new grant.
    expect((await recordPayment(t.db, grant({ key: 'funding:500001:2021/22', academicYear: '2021/22', paidAt: '2022-07-20T12:00:00Z' }))).recorded).toBe(true);
    expect((await payments(t.db, { urn: '500001' })).map((p) => [p.academicYear, p.amountPence])).toEqual([['2020/21', 200_000], ['2021/22', 200_000]]);
    expect((await payments(t.db, { academicYear: '2021/22' })).map((p) => p.key)).toEqual(['funding:500001:2021/22']);
  });

  it('pays once when the same grant is released concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => recordPayment(t.db, grant({ key: `race:${i}`, urn: '500002' }))));
    expect(results.filter((r) => r.recorded)).toHaveLength(1);
    const winner = results.find((r) => r.recorded)!.payment;
    for (const r of results) expect(r.payment).toEqual(winner);
    expect(await payments(t.db, { urn: '500002' })).toHaveLength(1);
  });

  it('refuses a payment that is not a positive whole number of pence', async () => {
    const err = await recordPayment(t.db, grant({ key: 'bad', urn: '500003', amountPence: 19.99 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain('amountPence must be a whole number of at least 1 (got 19.99)');
    expect(await payments(t.db, { urn: '500003' })).toEqual([]);
  });
});

describe.each(dbTargets())('sent messages and evaluation requests on $name', (target) => {
  const t = useTestDb(target);

  it('records an email once per key, with its recipients', async () => {
    const msg = { key: 'notify:520001:s1:2', urn: '520001', template: 'session-reminder', recipients: ['head@school.example', 'maths.lead@school.example'], subject: 'Workshop on Tuesday', body: 'See you there.', transport: 'mailbox', sentAt: '2021-03-01T08:00:00Z' };
    expect(await recordSentMessage(t.db, msg)).toBe(true);
    expect(await recordSentMessage(t.db, { ...msg, subject: 'again' })).toBe(false);
    expect(await sentMessage(t.db, msg.key)).toEqual({ ...msg, sentAt: '2021-03-01T08:00:00.000Z', status: 'sent', note: null });
    expect(await sentMessage(t.db, 'never-sent')).toBeNull();
    expect((await sentMessages(t.db, { urn: '520001' })).map((m) => m.subject)).toEqual(['Workshop on Tuesday']);
    await expect(recordSentMessage(t.db, { ...msg, key: 'x', recipients: [] })).rejects.toThrow('recipients must be a non-empty list of addresses');
  });

  it('records an evaluation request once per key', async () => {
    const req = { key: 'evaluation:520002:2020/21', urn: '520002', programmeId: 'secondary-tfm-development', academicYear: '2020/21', dueBy: '2021-07-16T16:00:00+01:00', requestedAt: '2021-06-01T09:00:00Z' };
    expect(await recordEvaluationRequest(t.db, req)).toBe(true);
    expect(await recordEvaluationRequest(t.db, { ...req, dueBy: '2021-08-01T00:00:00Z' })).toBe(false);
    expect(await evaluationRequests(t.db, { urn: '520002' })).toEqual([{ ...req, dueBy: '2021-07-16T15:00:00.000Z', requestedAt: '2021-06-01T09:00:00.000Z' }]);
  });
});
