/**
 * The narrow windows of the effects, made to happen on purpose with the named
 * fault points (store/faults.ts), in-process, on PGlite and Postgres:
 * - mail: a crash after the send-claim and before the send leaves no
 *   'sent' record, so the restarted attempt sends it (a path that recorded
 *   "sent" before sending would lose the message here); two attempts at once
 *   never both send; a crash after the send and before the record sends it
 *   again with the same Message-ID (the one window left, said plainly); a
 *   connection lost while recording the send leaves the claim, and the same
 *   host's retry, however late, records it as sent, never as skipped;
 * - recordEvent (the Temporal host's append): a retry after its event was
 *   committed finds it and returns it as a duplicate, and a different event
 *   at that version is still a conflict.
 * "Restart" = the claim's owner is a host that died (what a new process
 * sees after kill -9); test/faults-crash.test.ts does it with real processes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decide, initialState, parseEvent, type PersistedPathway } from '../machines/decide.js';
import { VersionConflictError } from '../domain/errors.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities, createHostActivities, MessageBeingSentError } from '../activities/index.js';
import { createMailer, type Mailer } from '../activities/mail/mailer.js';
import { armFaults, disarmFaults, InjectedFault } from '../store/faults.js';
import { sentMessage } from '../store/messages.js';
import type { Db } from '../store/db.js';
import { ConnectionLostError } from '../store/reconnect.js';
import { dbTargets, useTestDb } from './helpers/db.js';
import { countingMailer, selectedSchool } from './fixtures/mail-effects.js';

/** `db`, whose first statement matching `like` fails as a connection lost in flight does (it never reaches the server). */
function losingOnce(db: Db, like: RegExp): Db {
  let armed = true;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return async (sql: string, params?: unknown[]) => {
          if (armed && like.test(sql)) {
            armed = false;
            throw new ConnectionLostError('the test database', 'running a statement', 'terminating connection due to administrator command');
          }
          return target.query(sql, params);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** What a new process sees after the one holding the claim was killed: the claim's owner is dead. */
async function ownerDied(db: Db, key: string): Promise<void> {
  const dead = db.kind === 'postgres' ? 'session:killed-host:1:dead' : 'process:killed-host:1:dead';
  const r = await db.query('UPDATE message_claims SET owner = $2 WHERE key = $1', [key, dead]);
  expect(r.rowCount, `a send-claim on ${key}`).toBe(1);
}

describe.each(dbTargets())('faults in the send path on $name', (target) => {
  const t = useTestDb(target);
  afterEach(() => disarmFaults());

  it('a crash between the send-claim and the send: nothing recorded as sent; the restarted attempt sends it once', async () => {
    const mailer = countingMailer();
    const acts = createActivities({ db: t.db, mailer, now: () => '2020-07-20T12:00:00Z' });
    const { notify } = selectedSchool();
    armFaults(['mail.after-claim']);
    await expect(acts.notify(notify)).rejects.toBeInstanceOf(InjectedFault);
    expect(mailer.sent).toEqual([]);
    // Had "sent" been recorded before the send, the message would now be lost for good.
    expect(await sentMessage(t.db, notify.key)).toBeNull();
    // A restarted host takes the claim at once, because its owner died.
    await ownerDied(t.db, notify.key);
    const r = await acts.notify(notify);
    expect(r.sent).toBe(true);
    expect(mailer.sent.map((m) => m.key)).toEqual([notify.key]);
    expect((await sentMessage(t.db, notify.key))?.status).toBe('sent');
    // Done: the claim is gone and nothing more is sent.
    expect((await t.db.query('SELECT 1 FROM message_claims WHERE key = $1', [notify.key])).rowCount).toBe(0);
    expect((await acts.notify(notify)).sent).toBe(false);
    expect(mailer.sent).toHaveLength(1);
  });

  it('a crash between the send and its record: sent again on restart with the same Message-ID (the one window left)', async () => {
    const mailer = countingMailer();
    const acts = createActivities({ db: t.db, mailer, now: () => '2020-07-20T12:00:00Z' });
    const { notify } = selectedSchool();
    armFaults(['mail.after-send']);
    await expect(acts.notify(notify)).rejects.toBeInstanceOf(InjectedFault);
    expect(mailer.sent).toHaveLength(1);
    expect(await sentMessage(t.db, notify.key)).toBeNull();
    await ownerDied(t.db, notify.key);
    expect((await acts.notify(notify)).sent).toBe(true);
    expect(mailer.sent.map((m) => m.messageId)).toEqual([mailer.sent[0]!.messageId, mailer.sent[0]!.messageId]);
    expect((await acts.notify(notify)).sent).toBe(false);
    expect(mailer.sent).toHaveLength(2);
  });

  it('the mailbox folder, which keeps one file a key: a batch is recorded in one statement after its sends, and a crash part-way delivers each message once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathway-mailbox-batch-'));
    try {
      const mailer = createMailer({ mailboxDir: dir });
      expect(mailer.idempotent).toBe(true);
      let records = 0;
      const counted = new Proxy(t.db, {
        get(target, prop) {
          if (prop === 'query') return (sql: string, params?: unknown[]) => (/INSERT INTO sent_messages/.test(sql) && records++, target.query(sql, params));
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const acts = createHostActivities({ db: counted, mailer, now: () => '2020-07-20T12:00:00Z' });
      const notifies = [selectedSchool().notify, selectedSchool().notify, selectedSchool().notify];
      const urns = notifies.map((n) => n.urn);
      // Only this test's rows: the database is shared with the tests before it.
      const mine = async () => (await t.db.query<{ key: string; status: string }>('SELECT key, status FROM sent_messages WHERE urn = ANY($1::text[]) ORDER BY key', [urns])).rows;
      const claimsBefore = (await t.db.query<{ key: string }>('SELECT key FROM message_claims')).rows.map((r) => r.key);
      const claims = async () => (await t.db.query('SELECT 1 FROM message_claims WHERE NOT (key = ANY($1::text[]))', [claimsBefore])).rowCount;
      const files = () => readdirSync(dir).filter((f) => f.endsWith('.eml'));
      armFaults({ 'mail.after-send': 2 });
      await expect(acts.notifyMany(notifies)).rejects.toBeInstanceOf(InjectedFault);
      // Two were in the folder when the process "died"; none is recorded yet: they are recorded together, after the sends.
      expect(files().length).toBeGreaterThanOrEqual(2);
      expect(await mine()).toEqual([]);
      disarmFaults();
      // A restarted host: every claim's owner is dead. Each message is handed to the folder again; those already
      // there are not written twice; all are recorded, in one statement.
      const dead = t.db.kind === 'postgres' ? 'session:killed-host:1:dead' : 'process:killed-host:1:dead';
      expect(await claims()).toBeGreaterThanOrEqual(2);
      await t.db.query('UPDATE message_claims SET owner = $1 WHERE NOT (key = ANY($2::text[]))', [dead, claimsBefore]);
      records = 0;
      const outcomes = await acts.notifyMany(notifies);
      expect(outcomes.map((o) => o.status === 'fulfilled' && o.value.sent)).toEqual([true, true, true]);
      expect(records).toBe(1);
      const stored = await mine();
      expect(stored.length).toBeGreaterThanOrEqual(3);
      expect(stored.every((r) => r.status === 'sent')).toBe(true);
      // One file a message, each once; nothing claimed any more; a third attempt sends and records nothing.
      expect(files()).toHaveLength(stored.length);
      expect(await claims()).toBe(0);
      records = 0;
      expect((await acts.notifyMany(notifies)).map((o) => o.status === 'fulfilled' && o.value.sent)).toEqual([false, false, false]);
      expect(records).toBe(0);
      expect(files()).toHaveLength(stored.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a connection lost while recording the send: the same host’s retry a month later records it as sent, not as too late', async () => {
    const mailer = countingMailer();
    const { notify } = selectedSchool();
    const lossy = losingOnce(t.db, /INSERT INTO sent_messages/);
    await expect(createActivities({ db: lossy, mailer, now: () => '2020-07-20T12:00:00Z' }).notify(notify)).rejects.toBeInstanceOf(ConnectionLostError);
    expect(mailer.sent).toHaveLength(1);
    expect(await sentMessage(t.db, notify.key)).toBeNull();
    // No attempt of this process is sending it now, so its own claim is taken again; the message is past its 7 days, but it went out.
    const r = await createActivities({ db: lossy, mailer, now: () => '2020-08-20T12:00:00Z' }).notify(notify);
    expect(r.sent).toBe(true);
    const stored = await sentMessage(t.db, notify.key);
    expect(stored?.status).toBe('sent');
    expect(stored?.subject).not.toBe('');
    expect(mailer.sent.map((m) => m.messageId)).toEqual([mailer.sent[0]!.messageId, mailer.sent[0]!.messageId]);
    expect((await t.db.query('SELECT 1 FROM message_claims WHERE key = $1', [notify.key])).rowCount).toBe(0);
  });

  it('a message with no claim left on it that is past its time is recorded as skipped, and nothing is sent', async () => {
    const mailer = countingMailer();
    const { notify } = selectedSchool();
    expect((await createActivities({ db: t.db, mailer, now: () => '2020-08-20T12:00:00Z' }).notify(notify)).sent).toBe(true);
    expect(mailer.sent).toEqual([]);
    const stored = await sentMessage(t.db, notify.key);
    expect(stored?.status).toBe('skipped');
    expect(stored?.note).toMatch(/more than 7 days before it could go out/);
  });

  it('two attempts at once never both send: the second finds the claim held and is told to retry', async () => {
    const mailer = countingMailer();
    const acts = createActivities({ db: t.db, mailer, now: () => '2020-07-20T12:00:00Z' });
    const { notify } = selectedSchool();
    const held = mailer.hold();
    const first = acts.notify(notify);
    await held.entered;
    // The first is inside the transport now, holding the claim.
    await expect(acts.notify(notify)).rejects.toBeInstanceOf(MessageBeingSentError);
    held.release();
    expect((await first).sent).toBe(true);
    // The retry of the second finds it sent.
    expect((await acts.notify(notify)).sent).toBe(false);
    expect(mailer.sent).toHaveLength(1);
  });

  it('a failed send gives its claim back at once: the retry sends', async () => {
    const failing: Mailer = { transport: 'smtp', send: async () => Promise.reject(new Error('SMTP 451 try later')), describe: () => 'failing', close: async () => undefined };
    const { notify } = selectedSchool();
    await expect(createActivities({ db: t.db, mailer: failing, now: () => '2020-07-20T12:00:00Z' }).notify(notify)).rejects.toThrow('SMTP 451');
    const mailer = countingMailer();
    expect((await createActivities({ db: t.db, mailer, now: () => '2020-07-20T12:00:00Z' }).notify(notify)).sent).toBe(true);
    expect(mailer.sent).toHaveLength(1);
  });
});

describe.each(dbTargets())('recordEvent retried after its commit on $name', (target) => {
  const t = useTestDb(target);
  afterEach(() => disarmFaults());

  it('the retry finds its own event and returns it as a duplicate; a different event at that version is a conflict', async () => {
    const acts = createActivities({ db: t.db, mailer: countingMailer() });
    const { urn, events } = selectedSchool();
    let state: PersistedPathway = initialState(urn);
    const inputs = events.map(({ input, version }) => {
      const e = parseEvent(input);
      const d = decide(state, e);
      state = d.snapshot;
      return { urn, expectedVersion: version - 1, type: e.type, payload: e, occurredAt: e.at, actor: 'worker', machineVersion: d.machineVersion, snapshot: d.snapshot, summary: d.summary };
    });
    expect(await acts.recordEvent(inputs[0]!)).toEqual({ version: 1, duplicate: false });
    // The activity dies after its commit (the worker crashed, or the reply was lost); Temporal retries it.
    armFaults(['record-event.after-append']);
    await expect(acts.recordEvent(inputs[1]!)).rejects.toBeInstanceOf(InjectedFault);
    disarmFaults();
    expect(await acts.recordEvent(inputs[1]!)).toEqual({ version: 2, duplicate: true });
    expect((await t.db.query('SELECT version FROM events WHERE urn = $1 ORDER BY version', [urn])).rows).toEqual([{ version: 1 }, { version: 2 }]);
    // Not every conflict is a duplicate: another event at version 2 is refused.
    await expect(acts.recordEvent({ ...inputs[2]!, expectedVersion: 1 })).rejects.toBeInstanceOf(VersionConflictError);
    expect(await acts.recordEvent(inputs[2]!)).toEqual({ version: 3, duplicate: false });
  });
});
