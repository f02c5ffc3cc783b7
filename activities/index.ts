/**
 * The activities: every side effect of a pathway, built from their
 * dependencies (`createActivities({ db, mailer })`) as in Temporal's
 * dependency-injection sample. The embedded host runs them from its outbox;
 * the Temporal worker registers them. Each is idempotent on the effect's key:
 * a retry after a crash never mails or pays twice. I/O.
 */
import type { Db } from '../store/db.js';
import { appendEvent, readStream } from '../store/event-log.js';
import { saveStream } from '../store/streams.js';
import { recordPayment } from '../store/ledger.js';
import { asTamperedError } from '../store/tamper.js';
import { claimMessage, claimMessages, messageFactsAndSenders, messageRecorded, messagesRecorded, recordMailProblem, recordSentMessage, recordSentMessages, releaseMessageClaim, type MessageFacts, type SentMessageInput } from '../store/messages.js';
import { liveOwnersFor, ownerFor, reapDeadHosts } from '../store/effect-hosts.js';
import { fault, InjectedFault } from '../store/faults.js';
import type { MailSenders } from '../store/ops/mail-senders.js';
import { serviceKey } from '../store/ops/keys.js';
import { schoolLinkToken, schoolLinkUrl } from '../domain/school-link.js';
import { recordEvaluationRequest } from '../store/evaluations.js';
import { VersionConflictError } from '../domain/errors.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { readableGroupName } from '../domain/words/group-name.js';
import { z } from 'zod';
import type { MessageData, Notify, Recipient } from '../machines/effects.js';
import { publicUrl, renderMessage, templateFor, type Audience, type RenderContext } from './mail/render.js';
import { aboutInstant, whyNotSend } from './mail/timeliness.js';
import type { Mailer } from './mail/mailer.js';
import type { PathwayActivities, RecordEventInput } from './types.js';
import { eachLimited } from './each-limited.js';

export type { PathwayActivities, RecordEventInput } from './types.js';
export { createMailer, noMailer, type Mailer } from './mail/mailer.js';
export { renderMessage, MESSAGE_KINDS, type RenderedMessage, type RenderContext } from './mail/render.js';
export { exampleMessage, allExampleMessages } from './mail/examples.js';
export { eachLimited } from './each-limited.js';

export interface HubLead {
  name: string;
  email: string;
}

export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  /** School time now, for ledger and message timestamps (the embedded simulated clock); default: the database clock (messages: the system clock). */
  now?: () => string | undefined;
  /** The public base URL of links in messages; default PUBLIC_URL, else http://localhost:3000. */
  publicUrl?: string;
}

/** A part of a notify effect for one kind of reader. */
interface Part {
  key: string;
  audience: Audience;
  template: string;
  to: { role: Recipient; name: string; email: string }[];
}

/** Why an address cannot be mailed, or null when it can. Pure. */
export function addressProblem(role: Recipient, email: string | undefined | null): string | null {
  const who = role === 'headteacher' ? 'the headteacher' : role === 'headOfDepartment' ? 'the head of department' : role === 'hubLead' ? 'the hub lead' : 'a teacher';
  if (!email || email.trim() === '') return `${who} has no email address`;
  if (!z.email().safeParse(email.trim()).success) return `${who}'s email address "${email}" is not a valid address`;
  // RFC 2606: nothing sent to .invalid is ever delivered.
  if (/\.invalid$/i.test(email.trim())) return `${who}'s email address "${email}" is a placeholder that cannot receive mail`;
  return null;
}

/**
 * The parts of a notify effect: what is asked of the school goes to the
 * school's people, the escalation to the hub lead, as separate messages.
 * When both are asked for, the hub lead's key gets ":hub". Pure.
 */
export function partsOf(effect: Pick<Notify, 'key' | 'template' | 'to' | 'recipients'>, hubLead: HubLead): Part[] {
  const school = effect.recipients.filter((r) => r.role !== 'hubLead');
  const wantsSchool = effect.to.some((r) => r !== 'hubLead');
  const wantsHub = effect.to.includes('hubLead');
  const parts: Part[] = [];
  if (wantsSchool) parts.push({ key: effect.key, audience: 'school', template: templateFor(effect.template, 'school'), to: school });
  if (wantsHub) parts.push({ key: wantsSchool ? `${effect.key}:hub` : effect.key, audience: 'hub', template: templateFor(effect.template, 'hub'), to: [{ role: 'hubLead', ...hubLead }] });
  return parts;
}

function renderHubName(data: MessageData): string {
  const hub = typeof data.hub === 'string' ? data.hub : '';
  const found = hub ? findHub(hub) : undefined;
  return found?.name ?? (hub ? (/maths hub$/i.test(hub) ? hub : `${hub} Maths Hub`) : 'Maths Hub');
}

/** Bad effect data: retrying cannot help (Temporal: non-retryable). */
export class BadEffectError extends Error {
  override readonly name = 'BadEffectError';
}

/** How long a send-claim holds in real time when its owner cannot be seen to die (a lease-only owner). */
const MAIL_CLAIM_MS = 5 * 60_000;

/**
 * The messages an attempt in this process is handing to the transport now,
 * by owner and key: a claim of this process's own that is not here was left
 * by an attempt that failed part-way (a lost connection), and is taken again.
 */
const sendingNow = new Set<string>();

/** Another live attempt holds the send-claim on this message: retryable, it is tried again later. */
export class MessageBeingSentError extends Error {
  override readonly name = 'MessageBeingSentError';
  constructor(readonly key: string) {
    super(`message ${key} is being sent by another attempt that holds its send-claim; it will be tried again`);
  }
}

/** Why a notify effect cannot be carried out at all (retrying cannot help), or null. Pure. */
function badNotify(effect: Notify): BadEffectError | null {
  return !effect.key || !effect.template ? new BadEffectError(`notify effect needs a key and a template, got ${JSON.stringify({ key: effect.key, template: effect.template })}`) : null;
}

/** A notify effect as the mail path reads it (requestEvaluation's email is one too). */
type Mail = Pick<Notify, 'urn' | 'data' | 'kind' | 'template' | 'to' | 'recipients' | 'key'>;
/** What became of one message, or of one notify effect (its first part that was sent). */
type Delivered = { sent: boolean; messageId: string | null };
/** One part of one effect, on its way out. */
interface Delivery {
  effect: Mail;
  part: Part;
  senders: MailSenders;
}
/** A part ready for the transport: its readers and its rendered message. */
interface Ready {
  d: Delivery;
  to: Part['to'];
  message: ReturnType<typeof renderMessage>;
  /** Index into the batch's outcomes. */
  at: number;
}

/** A hub lead for working out parts' keys alone (partsOf's keys do not depend on the lead). */
const NO_LEAD: HubLead = { name: '', email: '' };

/** Messages of one batch handed to the transport at once: their records' commits share the disk's flushes. */
const SEND_PARALLEL = 8;

/** Build the activities over a database and a mailer. */
export function createActivities(deps: ActivityDeps): PathwayActivities {
  const { notifyMany: _batch, ...activities } = createHostActivities(deps);
  return activities;
}

/**
 * The activities plus a batch entry point for a host that carries out effects
 * in batches: the embedded drain sends a pass's messages with it (host/embedded.ts
 * drainOnce); test/messages-batch.test.ts keeps it honest.
 */
export interface HostActivities extends PathwayActivities {
  /**
   * Many notify effects at once: the reads, the send-claims and the checks
   * after them are one statement each for the whole batch. Over SMTP each
   * message is recorded as sent right after its own send, so a crash can send
   * again at most the messages in the transport at that moment. A transport
   * that keeps one copy a key (Mailer.idempotent: the mailbox folder) has the
   * batch's sends recorded in one statement after them all: a crash before
   * it hands them to the transport again, which keeps none twice.
   * An outcome per effect, in order; an InjectedFault (a test's crash) is
   * thrown, not returned.
   */
  notifyMany(effects: readonly Notify[]): Promise<PromiseSettledResult<Delivered>[]>;
}

/** Build the activities with the batch entry points of a host. */
export function createHostActivities(deps: ActivityDeps): HostActivities {
  const { db, mailer } = deps;
  const now = () => deps.now?.();
  const messageNow = () => now() ?? new Date().toISOString();
  const base = deps.publicUrl ?? publicUrl();

  function contextFor(urn: string, audience: Audience, at: string, senders: MailSenders, template: string, data: MessageData): Promise<RenderContext> | RenderContext {
    const { group } = senders;
    const context = { now: at, publicUrl: base, hubLead: senders.hubLead, group: group ? { name: readableGroupName(group.name, group.id), lead: group.lead, datesSet: group.datesSet } : null };
    if (audience !== 'school') return { ...context, schoolLink: null };
    // The link keeps working until a month after what the email asks is due (an evaluation due on 31 August, the last session of a schedule).
    return serviceKey(db, 'school-links').then((key) => ({ ...context, schoolLink: schoolLinkUrl(base, schoolLinkToken(key, urn, at, [aboutInstant(template, data)])) }));
  }

  /**
   * Before the claim, one part: done already (recorded), skipped when too
   * late, held as a problem when the school's address is missing or invalid;
   * otherwise its readers and its rendered message.
   */
  async function prepare(d: Delivery, facts: MessageFacts | undefined): Promise<Delivered | Omit<Ready, 'at'>> {
    const { effect, part } = d;
    if (facts?.recorded) return { sent: false, messageId: null };
    const at = messageNow();
    // An earlier attempt claimed it and may have sent it: it is finished as sent (the transport drops what it already has), never recorded as skipped.
    const late = facts?.claimed ? null : whyNotSend(part.template, effect.data, at);
    if (late) {
      const recorded = await recordSentMessage(db, { key: part.key, urn: effect.urn, template: part.template, recipients: part.to.map((t) => t.email).filter((e) => e), subject: '', transport: 'none (not sent)', sentAt: now(), status: 'skipped', note: late });
      return { sent: recorded, messageId: null };
    }
    let to = part.to;
    if (part.audience === 'school') {
      // A hub's corrected headteacher address wins over the one on the application.
      const fixed = facts?.contact;
      if (fixed) to = to.map((r) => (r.role === 'headteacher' ? { ...r, name: fixed.name, email: fixed.email } : r));
      const bad = to.map((r) => ({ r, problem: addressProblem(r.role, r.email) })).filter((x) => x.problem !== null);
      if (bad.length > 0) {
        to = to.filter((r) => !bad.some((b) => b.r === r));
        const held = bad.filter((b) => b.r.role === 'headteacher');
        if (held.length > 0) {
          // Kept to send once the hub corrects the address (store/messages.ts setSchoolContact).
          await recordMailProblem(db, {
            key: part.key,
            urn: effect.urn,
            hub: String(effect.data.hub ?? ''),
            template: part.template,
            problem: held.map((b) => b.problem).join('; '),
            effect: { ...effect, type: 'notify', key: part.key, to: ['headteacher'], recipients: held.map((b) => b.r) },
            ...(now() ? { recordedAt: now() } : {}),
          });
        }
        if (to.length === 0) return { sent: false, messageId: null };
      }
    }
    const message = renderMessage({ template: part.template, urn: effect.urn, data: effect.data }, await contextFor(effect.urn, part.audience, at, d.senders, part.template, effect.data));
    if (to.length === 0) {
      const recorded = await recordSentMessage(db, { key: part.key, urn: effect.urn, template: part.template, recipients: [], subject: message.subject, body: message.text, html: message.html, transport: 'none (no recipients)', sentAt: now(), status: 'skipped', note: 'not sent: nobody to send it to' });
      return { sent: recorded, messageId: null };
    }
    return { d, to, message };
  }

  /** A claim another owner held when the batch claimed: sent and recorded by then, or its holder died on this machine (reaped, then claimed once more). */
  async function claimAfterAll(key: string, owner: string): Promise<'claimed' | 'recorded'> {
    if (await messageRecorded(db, key)) return 'recorded';
    // Its holder may be a host on this machine that died and whose session Postgres has not ended yet: end it, then try once more.
    if ((await reapDeadHosts(db, { waitMs: 10_000 })).dead.length > 0 && (await claimMessage(db, key, owner, MAIL_CLAIM_MS, liveOwnersFor(db), true))) return 'claimed';
    if (await messageRecorded(db, key)) return 'recorded';
    throw new MessageBeingSentError(key);
  }

  /** Hands one claimed message to the transport; a failed send gives the claim back. Its Message-ID. */
  async function handOver(r: Ready, owner: string): Promise<string> {
    const { effect, part } = r.d;
    let messageId: string;
    try {
      messageId = (
        await mailer.send({
          key: part.key,
          to: r.to.map((t) => ({ name: t.name, email: t.email })),
          subject: r.message.subject,
          text: r.message.text,
          html: r.message.html,
          replyTo: r.d.senders.hubLead,
          fromName: renderHubName(effect.data),
          ...(r.message.ics ? { ics: r.message.ics } : {}),
        })
      ).messageId;
    } catch (err) {
      await releaseMessageClaim(db, part.key, owner);
      throw err;
    }
    fault('mail.after-send');
    return messageId;
  }

  /** The record of a message handed to the transport. */
  function sentRecord(r: Ready): SentMessageInput {
    return {
      key: r.d.part.key,
      urn: r.d.effect.urn,
      template: r.d.part.template,
      recipients: r.to.map((t) => t.email),
      subject: r.message.subject,
      body: r.message.text,
      html: r.message.html,
      transport: mailer.transport,
      sentAt: now(),
    };
  }

  /** Hands one claimed message to the transport and records it as sent. */
  async function sendClaimed(r: Ready, owner: string): Promise<Delivered> {
    const messageId = await handOver(r, owner);
    return { sent: await recordSentMessage(db, sentRecord(r)), messageId };
  }

  /**
   * Sends each part once, given what is known of them all (`facts`, read
   * with their senders): one claim of all that are to go out (claim before
   * the send so two attempts never both send; record "sent" only after it),
   * one check after the claim, then each send and its record (for a
   * transport that keeps one copy a key, the sends, then one record of them
   * all). An outcome per part, in order.
   */
  async function deliverAll(parts: readonly Delivery[], facts: Map<string, MessageFacts>): Promise<PromiseSettledResult<Delivered>[]> {
    const out: PromiseSettledResult<Delivered>[] = new Array(parts.length);
    const settle = async (at: number, work: () => Promise<Delivered>) => {
      try {
        out[at] = { status: 'fulfilled', value: await work() };
      } catch (err) {
        // An injected crash stands for the process dying here: nothing more is written.
        if (err instanceof InjectedFault) throw err;
        out[at] = { status: 'rejected', reason: err };
      }
    };
    const ready: Ready[] = [];
    await eachLimited(parts.map((d, at) => ({ d, at })), SEND_PARALLEL, ({ d, at }) =>
      settle(at, async () => {
        const p = await prepare(d, facts.get(d.part.key));
        if (!('d' in p)) return p;
        ready.push({ ...p, at });
        return { sent: false, messageId: null };
      }),
    );
    if (ready.length === 0) return out;
    ready.sort((a, b) => a.at - b.at);

    const owner = ownerFor(db);
    const flights: string[] = [];
    try {
      const going: Ready[] = [];
      for (const r of ready) {
        const flight = `${owner}\n${r.d.part.key}`;
        // Held from the claim until the send is recorded: no other attempt of this process takes the claim in between.
        if (sendingNow.has(flight) || flights.includes(flight)) out[r.at] = { status: 'rejected', reason: new MessageBeingSentError(r.d.part.key) };
        else {
          sendingNow.add(flight);
          flights.push(flight);
          going.push(r);
        }
      }
      const claimed = await claimMessages(db, going.map((r) => r.d.part.key), owner, MAIL_CLAIM_MS, liveOwnersFor(db), true);
      const held: Ready[] = [];
      for (const r of going) {
        if (claimed.has(r.d.part.key)) held.push(r);
        else await settle(r.at, async () => ((await claimAfterAll(r.d.part.key, owner)) === 'claimed' ? (held.push(r), { sent: false, messageId: null }) : { sent: false, messageId: null }));
      }
      // Another attempt may have recorded one (dropping its claim) just before this one claimed.
      const recorded = await messagesRecorded(db, held.map((r) => r.d.part.key));
      const toSend: Ready[] = [];
      for (const r of held) {
        if (!recorded.has(r.d.part.key)) toSend.push(r);
        else await settle(r.at, async () => (await releaseMessageClaim(db, r.d.part.key, owner), { sent: false, messageId: null }));
      }
      for (let i = 0; i < toSend.length; i++) fault('mail.after-claim');
      if (!mailer.idempotent) await eachLimited(toSend, SEND_PARALLEL, (r) => settle(r.at, () => sendClaimed(r, owner)));
      else {
        // The transport keeps one copy a key: the sends are recorded together, after them all (one commit, not one each).
        const handed: { r: Ready; messageId: string }[] = [];
        await eachLimited(toSend, SEND_PARALLEL, (r) => settle(r.at, async () => (handed.push({ r, messageId: await handOver(r, owner) }), { sent: false, messageId: null })));
        let recorded: Set<string> | null = null;
        let failure: unknown = null;
        try {
          recorded = await recordSentMessages(db, handed.map((h) => sentRecord(h.r)));
        } catch (err) {
          failure = err;
        }
        for (const h of handed) {
          out[h.r.at] = recorded ? { status: 'fulfilled', value: { sent: recorded.has(h.r.d.part.key), messageId: h.messageId } } : { status: 'rejected', reason: failure };
        }
      }
    } finally {
      for (const f of flights) sendingNow.delete(f);
    }
    return out;
  }

  /** The outcome of each notify effect: its parts sent together; it fails if one of its parts failed, else its first part that was sent (or its first). */
  async function notifyMany(effects: readonly Mail[]): Promise<PromiseSettledResult<Delivered>[]> {
    // A part's key does not depend on who sends it: the facts of every part and the senders of every effect are one read.
    const keys = effects.flatMap((effect) => partsOf(effect, NO_LEAD).map((part) => ({ key: part.key, urn: effect.urn })));
    const asked = effects.map((e) => ({ hub: String(e.data.hub ?? ''), groupId: typeof e.data.groupId === 'string' ? e.data.groupId : null }));
    const { facts, senders } = await messageFactsAndSenders(db, keys, asked);
    const parts: { effect: number; d: Delivery }[] = [];
    effects.forEach((effect, i) => {
      for (const part of partsOf(effect, senders[i]!.hubLead)) parts.push({ effect: i, d: { effect, part, senders: senders[i]! } });
    });
    const delivered = await deliverAll(parts.map((p) => p.d), facts);
    return effects.map((_, i) => {
      const mine = delivered.filter((_, j) => parts[j]!.effect === i);
      const failed = mine.find((r) => r.status === 'rejected');
      if (failed) return failed;
      const values = mine.map((r) => (r as PromiseFulfilledResult<Delivered>).value);
      return { status: 'fulfilled', value: values.find((v) => v.sent) ?? values[0] ?? { sent: false, messageId: null } };
    });
  }

  /** One effect's messages; throws what its first failed part met. */
  async function sendAll(effect: Mail): Promise<Delivered> {
    const [r] = await notifyMany([effect]);
    if (r!.status === 'rejected') throw r!.reason;
    return r!.value;
  }

  return {
    async recordEvent(input: RecordEventInput) {
      try {
        const appended = await db.tx(async (tx) => {
          const a = await appendEvent(tx, {
            urn: input.urn,
            expectedVersion: input.expectedVersion,
            type: input.type,
            payload: input.payload,
            occurredAt: input.occurredAt,
            actor: input.actor,
            machineVersion: input.machineVersion,
            state: input.snapshot,
          });
          await saveStream(tx, { urn: input.urn, version: a.version, snapshot: input.snapshot, summary: input.summary });
          return a;
        });
        fault('record-event.after-append');
        return { version: appended.version, duplicate: false };
      } catch (err) {
        // A retried activity finds its own event already there: same version, same type and time.
        if (err instanceof VersionConflictError) {
          const [existing] = await readStream(db, input.urn, { toVersion: input.expectedVersion + 1 }).then((r) => r.slice(-1));
          if (existing && existing.version === input.expectedVersion + 1 && existing.type === input.type && Date.parse(existing.occurredAt) === Date.parse(input.occurredAt)) {
            return { version: existing.version, duplicate: true };
          }
        }
        // A school stopped by a tampered history (store/tamper.ts): the database refused; retrying cannot help until an admin signs off.
        throw asTamperedError(err);
      }
    },

    async notify(effect) {
      const bad = badNotify(effect);
      if (bad) throw bad;
      return sendAll(effect);
    },

    async notifyMany(effects) {
      const good = effects.filter((e) => !badNotify(e));
      const sent = good.length > 0 ? await notifyMany(good) : [];
      let next = 0;
      return effects.map((e): PromiseSettledResult<Delivered> => {
        const bad = badNotify(e);
        return bad ? { status: 'rejected', reason: bad } : sent[next++]!;
      });
    },

    async releaseFunding(effect) {
      if (!(effect.amountPence > 0)) throw new BadEffectError(`funding.release ${effect.key}: amountPence must be positive, got ${effect.amountPence}`);
      const { recorded } = await recordPayment(db, {
        key: effect.key,
        urn: effect.urn,
        programmeId: effect.programmeId,
        academicYear: effect.academicYear,
        amountPence: effect.amountPence,
        reason: effect.reason,
        // Dated at the releasing event's school time, found in the log (store/ledger.ts); the wall clock is kept beside it.
      });
      return { paid: recorded };
    },

    async requestEvaluation(effect) {
      const created = await recordEvaluationRequest(db, {
        key: effect.key,
        urn: effect.urn,
        programmeId: effect.programmeId,
        academicYear: effect.academicYear,
        dueBy: effect.dueBy,
        requestedAt: now(),
      });
      await sendAll({ key: `${effect.key}:email`, urn: effect.urn, kind: 'reminder', template: 'evaluation-request', to: ['headteacher', 'teachers'], recipients: effect.recipients, data: effect.data });
      return { created };
    },
  };
}
