/**
 * A drain's messages go out as one batch (activities/index.ts notifyMany):
 * one message's trouble does not hold back the others, each outcome is its
 * own, and nothing is sent twice. On PGlite and Postgres.
 */
import { describe, expect, it } from 'vitest';
import { createHostActivities, MessageBeingSentError } from '../activities/index.js';
import { createEmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { mailProblems, sentMessage } from '../store/messages.js';
import { enqueue } from '../store/outbox.js';
import { ConnectionLostError } from '../store/reconnect.js';
import type { Db } from '../store/db.js';
import type { Store } from '../store/index.js';
import { dbTargets, useTestDb } from './helpers/db.js';
import { countingMailer, selectedSchool } from './fixtures/mail-effects.js';

const NOW = '2020-07-20T12:00:00Z';

const lostConnection = () => new ConnectionLostError('the test database', 'running a statement', 'terminating connection due to administrator command');

/**
 * An embedded engine (manual dispatch, 1 ms retry) whose every statement goes
 * through `intercept` first, which may throw (a lost connection) or run it
 * (`run`) before throwing (a write that landed, its answer lost); a statement
 * it returns from normally runs as usual.
 */
async function engineWithLosses(db: Db, intercept: (sql: string, run: () => Promise<unknown>) => Promise<void>) {
  const lossy = new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return async (sql: string, params?: unknown[]) => {
          await intercept(sql, () => target.query(sql, params));
          return target.query(sql, params);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Db;
  const mailer = countingMailer();
  const store: Store = { db: lossy, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
  const engine = await createEmbeddedEngine({ store, mailer, clock: new SimulatedClock(NOW), dispatch: 'manual', retryBaseMs: 1 });
  return { engine, mailer };
}

/** Two schools' notify effects in the outbox, due now. */
async function twoPendingNotes(db: Db) {
  const effects = [selectedSchool().notify, selectedSchool().notify];
  for (const e of effects) await enqueue(db, { key: e.key, urn: e.urn, type: 'notify', payload: e, notBefore: NOW });
  return effects;
}

describe.each(dbTargets())('messages in one batch on $name', (target) => {
  const t = useTestDb(target);

  it('one already sent, one with a bad headteacher address, one being sent by another attempt: the rest go out once, and each gets its own outcome', async () => {
    const mailer = countingMailer();
    const acts = createHostActivities({ db: t.db, mailer, now: () => NOW });
    const [done, badHead, busy, plainA, plainB] = [selectedSchool(), selectedSchool(), selectedSchool(), selectedSchool(), selectedSchool()].map((s) => s.notify);
    const held = { ...badHead!, recipients: badHead!.recipients.map((r) => (r.role === 'headteacher' ? { ...r, email: 'head@school.invalid' } : r)) };
    expect((await acts.notify(done!)).sent).toBe(true);

    // Another attempt of this process is inside the transport with `busy`, holding its send-claim.
    const otherMailer = countingMailer();
    const gate = otherMailer.hold();
    const other = createHostActivities({ db: t.db, mailer: otherMailer, now: () => NOW }).notifyMany([busy!]);
    await gate.entered;
    const outcomes = await acts.notifyMany([done!, held, busy!, plainA!, plainB!]);
    gate.release();
    expect((await other)[0]).toMatchObject({ status: 'fulfilled', value: { sent: true } });

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(outcomes[0]).toMatchObject({ value: { sent: false } });
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(MessageBeingSentError);
    expect(outcomes[3]).toMatchObject({ value: { sent: true, messageId: `<${plainA!.key}@test>` } });
    expect(outcomes[4]).toMatchObject({ value: { sent: true } });
    // The teachers still get the one whose headteacher's address is bad; the headteacher's copy is held for the hub to correct.
    expect(outcomes[1]).toMatchObject({ value: { sent: true } });
    expect((await sentMessage(t.db, held.key))?.recipients).not.toContain('head@school.invalid');
    expect((await mailProblems(t.db, { urns: [held.urn] })).map((p) => p.problem)).toEqual([expect.stringMatching(/placeholder that cannot receive mail/)]);

    expect(mailer.sent.map((m) => m.key).sort()).toEqual([done!.key, held.key, plainA!.key, plainB!.key].sort());
    expect(otherMailer.sent.map((m) => m.key)).toEqual([busy!.key]);
    for (const e of [done!, held, busy!, plainA!, plainB!]) expect((await sentMessage(t.db, e.key))?.status, e.key).toBe('sent');
    // No send-claim is left behind, and the batch again sends nothing.
    expect((await t.db.query('SELECT key FROM message_claims')).rows).toEqual([]);
    const again = await acts.notifyMany([done!, held, busy!, plainA!, plainB!]);
    expect(again.map((o) => (o.status === 'fulfilled' ? o.value.sent : o.reason))).toEqual([false, false, false, false, false]);
    expect(mailer.sent).toHaveLength(4);
  });

  it('a notify effect without a template is refused on its own; the others in the batch are sent', async () => {
    const mailer = countingMailer();
    const acts = createHostActivities({ db: t.db, mailer, now: () => NOW });
    const [a, b] = [selectedSchool().notify, selectedSchool().notify];
    const outcomes = await acts.notifyMany([{ ...a!, template: '' }, b!]);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { name: 'BadEffectError', message: expect.stringMatching(/needs a key and a template/) } });
    expect(outcomes[1]).toMatchObject({ status: 'fulfilled', value: { sent: true } });
    expect(mailer.sent.map((m) => m.key)).toEqual([b!.key]);
  });

  it('a connection lost under a message’s send-claim leaves nothing leased: it is tried again after its backoff and each message is sent once', async () => {
    let armed = true;
    const { engine, mailer } = await engineWithLosses(t.db, async (sql) => {
      if (armed && /INSERT INTO message_claims/.test(sql)) {
        armed = false;
        throw lostConnection();
      }
    });
    try {
      const effects = await twoPendingNotes(t.db);
      // The drain does not fail: the batch's claim was one statement for both, so both are marked failed, their retry (1 ms) comes round, and the same drain sends them.
      expect(await engine.drainOutbox()).toMatchObject({ done: 2, failed: 2 });
      expect((await t.db.query<{ status: string; attempts: number; lease_owner: string | null }>('SELECT status, attempts, lease_owner FROM outbox ORDER BY key')).rows).toEqual([
        { status: 'done', attempts: 1, lease_owner: null },
        { status: 'done', attempts: 1, lease_owner: null },
      ]);
      expect(mailer.sent.map((m) => m.key).sort()).toEqual(effects.map((e) => e.key).sort());
    } finally {
      await engine.close();
    }
  });

  it('a connection lost again under recording the failure (the outage cut the pool’s idle connections too) neither fails the drain nor leaves the effects leased; a record that landed before the cut counts its attempt once', async () => {
    // faults-postgres, before: the batch's claim failed, then markFailed met another connection the same kill had cut; the drain failed and its effects stayed leased to this live host.
    let claims = 1;
    let marks = 2;
    const { engine, mailer } = await engineWithLosses(t.db, async (sql, run) => {
      if (claims > 0 && /INSERT INTO message_claims/.test(sql)) {
        claims--;
        throw lostConnection();
      }
      if (marks > 0 && /SET attempts = attempts \+ 1/.test(sql)) {
        // The first record is lost before it lands, the second lands and its answer is lost.
        if (marks-- === 1) await run();
        throw lostConnection();
      }
    });
    try {
      const effects = await twoPendingNotes(t.db);
      expect(await engine.drainOutbox()).toMatchObject({ done: 2, failed: 2 });
      expect(marks).toBe(0);
      expect((await t.db.query<{ status: string; attempts: number; lease_owner: string | null }>('SELECT status, attempts, lease_owner FROM outbox WHERE key = ANY($1::text[]) ORDER BY key', [effects.map((e) => e.key)])).rows).toEqual([
        { status: 'done', attempts: 1, lease_owner: null },
        { status: 'done', attempts: 1, lease_owner: null },
      ]);
      expect(mailer.sent.map((m) => m.key).sort()).toEqual(effects.map((e) => e.key).sort());
    } finally {
      await engine.close();
    }
  });
  it('marking the pass done meets one dead connection after another (every idle one the kill cut): the drain asks until it lands and leaves nothing leased', async () => {
    // faults-postgres in a loaded run: markManyDone was asked twice only, the drain failed and two reminders stayed leased to this live host.
    let cuts = 4;
    const { engine, mailer } = await engineWithLosses(t.db, async (sql) => {
      if (cuts > 0 && /SET status = 'done'/.test(sql)) {
        cuts--;
        throw lostConnection();
      }
    });
    try {
      const effects = await twoPendingNotes(t.db);
      expect(await engine.drainOutbox()).toMatchObject({ done: 2, failed: 0 });
      expect(cuts).toBe(0);
      expect((await t.db.query<{ status: string; lease_owner: string | null }>('SELECT status, lease_owner FROM outbox WHERE key = ANY($1::text[]) ORDER BY key', [effects.map((e) => e.key)])).rows).toEqual([
        { status: 'done', lease_owner: null },
        { status: 'done', lease_owner: null },
      ]);
      expect(mailer.sent.map((m) => m.key).sort()).toEqual(effects.map((e) => e.key).sort());
    } finally {
      await engine.close();
    }
  });
});
