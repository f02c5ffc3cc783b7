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
import { claimMessage, messageFacts, messageRecorded, recordMailProblem, recordSentMessage, releaseMessageClaim } from '../store/messages.js';
import { liveOwnersFor, ownerFor, reapDeadHosts } from '../store/effect-hosts.js';
import { fault } from '../store/faults.js';
import { mailSenders, type MailSenders } from '../store/ops/mail-senders.js';
import { serviceKey } from '../store/ops/keys.js';
import { schoolLinkToken, schoolLinkUrl } from '../domain/school-link.js';
import { recordEvaluationRequest } from '../store/evaluations.js';
import { VersionConflictError } from '../domain/errors.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { readableGroupName } from '../domain/words/group-name.js';
import { z } from 'zod';
import type { MessageData, Notify, Recipient } from '../machines/effects.js';
import { publicUrl, renderMessage, templateFor, type Audience, type RenderContext } from './mail/render.js';
import { whyNotSend } from './mail/timeliness.js';
import type { Mailer } from './mail/mailer.js';
import type { PathwayActivities, RecordEventInput } from './types.js';

export type { PathwayActivities, RecordEventInput } from './types.js';
export { createMailer, noMailer, type Mailer } from './mail/mailer.js';
export { renderMessage, MESSAGE_KINDS, type RenderedMessage, type RenderContext } from './mail/render.js';
export { exampleMessage, allExampleMessages } from './mail/examples.js';

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

/** Build the activities over a database and a mailer. */
export function createActivities(deps: ActivityDeps): PathwayActivities {
  const { db, mailer } = deps;
  const now = () => deps.now?.();
  const messageNow = () => now() ?? new Date().toISOString();
  const base = deps.publicUrl ?? publicUrl();

  /** The hub lead (store/ops/hub-contacts.ts, its default when none is set) and the work group an effect's messages come from, in one read. */
  const sendersOf = (data: MessageData): Promise<MailSenders> => mailSenders(db, String(data.hub ?? ''), typeof data.groupId === 'string' ? data.groupId : null);

  function contextFor(urn: string, audience: Audience, at: string, senders: MailSenders): Promise<RenderContext> | RenderContext {
    const { group } = senders;
    const context = { now: at, publicUrl: base, hubLead: senders.hubLead, group: group ? { name: readableGroupName(group.name, group.id), lead: group.lead } : null };
    if (audience !== 'school') return { ...context, schoolLink: null };
    return serviceKey(db, 'school-links').then((key) => ({ ...context, schoolLink: schoolLinkUrl(base, schoolLinkToken(key, urn, at)) }));
  }

  /** Sends one part once: skipped when too late, held as a problem when the school's address is missing or invalid. */
  async function deliver(effect: Pick<Notify, 'urn' | 'data' | 'kind' | 'template' | 'to' | 'recipients' | 'key'>, part: Part, senders: MailSenders): Promise<{ sent: boolean; messageId: string | null }> {
    const facts = await messageFacts(db, part.key, effect.urn);
    if (facts.recorded) return { sent: false, messageId: null };
    const at = messageNow();
    // An earlier attempt claimed it and may have sent it: it is finished as sent (the transport drops what it already has), never recorded as skipped.
    const late = facts.claimed ? null : whyNotSend(part.template, effect.data, at);
    if (late) {
      const recorded = await recordSentMessage(db, { key: part.key, urn: effect.urn, template: part.template, recipients: part.to.map((t) => t.email).filter((e) => e), subject: '', transport: 'none (not sent)', sentAt: now(), status: 'skipped', note: late });
      return { sent: recorded, messageId: null };
    }
    let to = part.to;
    if (part.audience === 'school') {
      // A hub's corrected headteacher address wins over the one on the application.
      const fixed = facts.contact;
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
    const message = renderMessage({ template: part.template, urn: effect.urn, data: effect.data }, await contextFor(effect.urn, part.audience, at, senders));
    if (to.length === 0) {
      const recorded = await recordSentMessage(db, { key: part.key, urn: effect.urn, template: part.template, recipients: [], subject: message.subject, body: message.text, html: message.html, transport: 'none (no recipients)', sentAt: now(), status: 'skipped', note: 'not sent: nobody to send it to' });
      return { sent: recorded, messageId: null };
    }
    const owner = ownerFor(db);
    const flight = `${owner}\n${part.key}`;
    if (sendingNow.has(flight)) throw new MessageBeingSentError(part.key);
    // Held from the claim until the send is recorded: no other attempt of this process takes the claim in between.
    sendingNow.add(flight);
    try {
      return await sendClaimed(effect, part, to, message, senders.hubLead, owner);
    } finally {
      sendingNow.delete(flight);
    }
  }

  /** Claims the key, hands the message to the transport, records it as sent; this process's own idle claim is taken again. */
  async function sendClaimed(effect: Pick<Notify, 'urn' | 'data'>, part: Part, to: Part['to'], message: ReturnType<typeof renderMessage>, lead: HubLead, owner: string): Promise<{ sent: boolean; messageId: string | null }> {
    // Claim the key before sending so two attempts never both send; record "sent" only after the send.
    let claimed = await claimMessage(db, part.key, owner, MAIL_CLAIM_MS, liveOwnersFor(db), true);
    if (!claimed && !(await messageRecorded(db, part.key))) {
      // Its holder may be a host on this machine that died and whose session Postgres has not ended yet: end it, then try once more.
      if ((await reapDeadHosts(db, { waitMs: 10_000 })).dead.length > 0) claimed = await claimMessage(db, part.key, owner, MAIL_CLAIM_MS, liveOwnersFor(db), true);
    }
    if (!claimed) {
      if (await messageRecorded(db, part.key)) return { sent: false, messageId: null };
      throw new MessageBeingSentError(part.key);
    }
    // The other attempt may have recorded it (dropping its claim) just before this one claimed.
    if (await messageRecorded(db, part.key)) {
      await releaseMessageClaim(db, part.key, owner);
      return { sent: false, messageId: null };
    }
    fault('mail.after-claim');
    let messageId: string;
    try {
      messageId = (
        await mailer.send({
          key: part.key,
          to: to.map((t) => ({ name: t.name, email: t.email })),
          subject: message.subject,
          text: message.text,
          html: message.html,
          replyTo: lead,
          fromName: renderHubName(effect.data),
          ...(message.ics ? { ics: message.ics } : {}),
        })
      ).messageId;
    } catch (err) {
      await releaseMessageClaim(db, part.key, owner);
      throw err;
    }
    fault('mail.after-send');
    const recorded = await recordSentMessage(db, {
      key: part.key,
      urn: effect.urn,
      template: part.template,
      recipients: to.map((t) => t.email),
      subject: message.subject,
      body: message.text,
      html: message.html,
      transport: mailer.transport,
      sentAt: now(),
    });
    return { sent: recorded, messageId };
  }

  async function sendAll(effect: Pick<Notify, 'urn' | 'data' | 'kind' | 'template' | 'to' | 'recipients' | 'key'>): Promise<{ sent: boolean; messageId: string | null }> {
    const senders = await sendersOf(effect.data);
    let first: { sent: boolean; messageId: string | null } | null = null;
    for (const part of partsOf(effect, senders.hubLead)) {
      const r = await deliver(effect, part, senders);
      first ??= r;
      if (r.sent && !first.sent) first = r;
    }
    return first ?? { sent: false, messageId: null };
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
      if (!effect.key || !effect.template) throw new BadEffectError(`notify effect needs a key and a template, got ${JSON.stringify({ key: effect.key, template: effect.template })}`);
      return sendAll(effect);
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
