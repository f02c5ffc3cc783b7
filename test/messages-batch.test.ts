/**
 * A drain's messages go out as one batch (activities/index.ts notifyMany):
 * one message's trouble does not hold back the others, each outcome is its
 * own, and nothing is sent twice. On PGlite and Postgres.
 */
import { describe, expect, it } from 'vitest';
import { createHostActivities, MessageBeingSentError } from '../activities/index.js';
import { mailProblems, sentMessage } from '../store/messages.js';
import { dbTargets, useTestDb } from './helpers/db.js';
import { countingMailer, selectedSchool } from './fixtures/mail-effects.js';

const NOW = '2020-07-20T12:00:00Z';

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
});
