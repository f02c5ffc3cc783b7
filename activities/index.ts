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
import { recordSentMessage, sentMessage } from '../store/messages.js';
import { recordEvaluationRequest } from '../store/evaluations.js';
import { VersionConflictError } from '../domain/errors.js';
import type { Notify, Recipient } from '../machines/effects.js';
import { render } from './mail/templates.js';
import type { Mailer } from './mail/mailer.js';
import type { PathwayActivities, RecordEventInput } from './types.js';

export type { PathwayActivities, RecordEventInput } from './types.js';
export { createMailer, type Mailer } from './mail/mailer.js';

export interface HubLead {
  name: string;
  email: string;
}

export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  /** Who leads a hub's programme (escalations, digests). Default: "<hub> Maths Hub lead" at lead@<hub>.mathshub.invalid. */
  hubLead?: (hubId: string) => Promise<HubLead | null>;
  /** School time now, for ledger and message timestamps (the embedded simulated clock); default: the database clock. */
  now?: () => string | undefined;
}

/** The hub lead address used when no hub contact is stored. Pure. */
export function defaultHubLead(hub: string): HubLead {
  // The hub may come as a name ("East Midlands East") or an id; an address needs the id form.
  const id = hub.toLowerCase().replace(/\bmaths hub\b/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unknown-hub';
  return { name: `${hub || 'Maths Hub'} lead`, email: process.env.HUB_LEAD_EMAIL ?? `lead@${id}.mathshub.invalid` };
}

/** Bad effect data: retrying cannot help (Temporal: non-retryable). */
export class BadEffectError extends Error {
  override readonly name = 'BadEffectError';
}

/** Build the activities over a database and a mailer. */
export function createActivities(deps: ActivityDeps): PathwayActivities {
  const { db, mailer } = deps;
  const now = () => deps.now?.();
  const hubLead = deps.hubLead ?? (async (hub: string) => defaultHubLead(hub));

  async function addressesOf(to: Recipient[], recipients: Notify['recipients'], hub: string): Promise<{ name: string; email: string }[]> {
    const out = recipients.map((r) => ({ name: r.name, email: r.email }));
    if (to.includes('hubLead')) out.push((await hubLead(hub)) ?? defaultHubLead(hub));
    const seen = new Set<string>();
    return out.filter((r) => (seen.has(r.email.toLowerCase()) ? false : (seen.add(r.email.toLowerCase()), true)));
  }

  async function send(key: string, urn: string, template: string, to: { name: string; email: string }[], data: Notify['data']): Promise<{ sent: boolean; messageId: string | null }> {
    if (await sentMessage(db, key)) return { sent: false, messageId: null };
    const message = render({ template, data });
    let messageId: string | null = null;
    if (to.length > 0) messageId = (await mailer.send({ key, to, ...message })).messageId;
    const recorded = await recordSentMessage(db, {
      key,
      urn,
      template,
      recipients: to.map((t) => t.email),
      subject: message.subject,
      body: message.text,
      transport: to.length > 0 ? mailer.transport : 'none (no recipients)',
      sentAt: now(),
    });
    return { sent: recorded, messageId };
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
        return { version: appended.version, duplicate: false };
      } catch (err) {
        // A retried activity finds its own event already there: same version, same type and time.
        if (err instanceof VersionConflictError) {
          const [existing] = await readStream(db, input.urn, { toVersion: input.expectedVersion + 1 }).then((r) => r.slice(-1));
          if (existing && existing.version === input.expectedVersion + 1 && existing.type === input.type && Date.parse(existing.occurredAt) === Date.parse(input.occurredAt)) {
            return { version: existing.version, duplicate: true };
          }
        }
        throw err;
      }
    },

    async notify(effect) {
      if (!effect.key || !effect.template) throw new BadEffectError(`notify effect needs a key and a template, got ${JSON.stringify({ key: effect.key, template: effect.template })}`);
      const to = await addressesOf(effect.to, effect.recipients, String(effect.data.hub ?? ''));
      return send(effect.key, effect.urn, effect.template, to, effect.data);
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
        paidAt: now(),
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
      await send(`${effect.key}:email`, effect.urn, 'evaluation-request', effect.recipients.map((r) => ({ name: r.name, email: r.email })), effect.data);
      return { created };
    },
  };
}
