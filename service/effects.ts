/**
 * Outstanding effects (issue 12): what the outbox has not carried out yet,
 * for `pathway effects` and GET /effects. Each with its error and when it is
 * next tried: at its school time (a simulated clock must reach it), after
 * its retry wait (real time), or now by a host that holds it. Hub staff and
 * auditors see the schools of their hubs, admins every school. Not pure.
 */
import { pounds } from '../domain/catalogue/describe.js';
import { UnknownSchoolError } from '../domain/errors.js';
import { renderSubject } from '../activities/mail/render.js';
import type { MessageData } from '../machines/effects.js';
import { openEffects, outboxItem, retryNow, type OutboxItem } from '../store/outbox.js';
import { sentMessage } from '../store/messages.js';
import { readableHubs, resolveHub, assertAdmin, assertRead, assertWrite, hubIdOf, hubLabel } from './access.js';
import type { Principal, Service } from './context.js';
import { NotFoundError, RefusedError } from './errors.js';
import { schoolState } from './schools.js';

export interface EffectView {
  key: string;
  urn: string;
  /** funding.release, notify, evaluation.request. */
  type: string;
  status: 'pending' | 'failed';
  /** In words: waiting for its school time, claimed by a host now, waiting to retry, or failed for good. */
  state: 'due' | 'claimed' | 'retrying' | 'failed';
  attempts: number;
  lastError: string | null;
  /** The school time it is due at (ISO UTC). */
  dueAt: string;
  /** Real time (database clock) of the next try when it waits to retry, else null. */
  retryAt: string | null;
  /** The host holding it now, and until when (real time), when one does. */
  claimedBy: string | null;
  claimedUntil: string | null;
  /** One line for a person: the state, the error, the next try. */
  summary: string;
  /** Which one, in words: the email's subject, the grant's amount; null when the payload does not say. */
  describes: string | null;
}

/**
 * Which effect it is, for a person: an email by its subject (rendered from
 * its template and data, as it will be sent), a grant payment by its amount.
 * Null when the stored payload does not say. Pure.
 */
export function effectDescription(type: string, payload: unknown): string | null {
  const p = (payload ?? {}) as { template?: unknown; urn?: unknown; data?: unknown; amountPence?: unknown };
  if (type === 'funding.release' && typeof p.amountPence === 'number') return `${pounds(p.amountPence)} grant`;
  if (type !== 'notify' || typeof p.template !== 'string' || typeof p.urn !== 'string') return null;
  try {
    return renderSubject({ template: p.template, urn: p.urn, data: (p.data ?? {}) as MessageData });
  } catch {
    // A template since renamed, or data it no longer reads: the list still shows the effect, without its subject.
    return null;
  }
}

export interface EffectsFilter {
  status?: 'pending' | 'failed';
  /** One school. */
  urn?: string;
  /** A hub id or name. */
  hub?: string;
  limit?: number;
}

/** The view of one outbox item at real time `now` (ms). Pure. */
export function effectView(item: OutboxItem, now: number): EffectView {
  const claimed = item.leaseOwner !== null && item.leaseUntil !== null && Date.parse(item.leaseUntil) > now;
  const retrying = item.retryAt !== null && Date.parse(item.retryAt) > now;
  const state: EffectView['state'] = item.status === 'failed' ? 'failed' : claimed ? 'claimed' : retrying ? 'retrying' : 'due';
  const error = item.lastError ? `; last error (attempt ${item.attempts}): ${item.lastError}` : '';
  const summary =
    state === 'failed'
      ? `failed for good after ${item.attempts} attempt${item.attempts === 1 ? '' : 's'}${error}`
      : state === 'claimed'
        ? `being carried out by ${item.leaseOwner} (claim held until ${item.leaseUntil})${error}`
        : state === 'retrying'
          ? `next try at ${item.retryAt} (real time)${error}`
          : `due at ${new Date(item.nextAttemptAt).toISOString()} (school time); carried out by the next tick, write or scheduler run whose clock has reached it${error}`;
  return {
    key: item.key,
    urn: item.urn,
    type: item.type,
    status: item.status === 'failed' ? 'failed' : 'pending',
    state,
    attempts: item.attempts,
    lastError: item.lastError,
    dueAt: new Date(item.nextAttemptAt).toISOString(),
    retryAt: item.retryAt,
    claimedBy: claimed ? item.leaseOwner : null,
    claimedUntil: claimed ? item.leaseUntil : null,
    summary,
    describes: effectDescription(item.type, item.payload),
  };
}

/** The outstanding effects `p` may see, oldest due first. Not pure. */
export async function listEffects(svc: Service, p: Principal, filter: EffectsFilter = {}): Promise<EffectView[]> {
  let urns: string[] | null = null;
  // A hub's effects are chosen by the hub its schools' streams name, in the query: listing the hub's schools first read every summary (a fifth of the hub board's time).
  let hubs: string[] | null = null;
  const allowed = readableHubs(p);
  if (filter.urn !== undefined) {
    // Refused (unknown school, or outside the caller's hubs) exactly as reading the school is.
    await schoolState(svc, p, filter.urn);
    urns = [filter.urn];
  } else if (filter.hub !== undefined) {
    const h = resolveHub(filter.hub, 'hub');
    assertRead(p, h.id, `the effects of ${h.name}`);
    hubs = [hubLabel(h)];
  } else if (allowed !== null) {
    hubs = allowed.map((id) => hubLabel(resolveHub(id)));
  }
  const items = await openEffects(svc.db, { ...(filter.status ? { status: filter.status } : {}), ...(urns ? { urns } : {}), ...(hubs ? { hubs } : {}), ...(filter.limit ? { limit: filter.limit } : {}) });
  const now = Date.parse((await svc.db.query<{ now: string }>('SELECT now() AS now')).rows[0]!.now);
  return items.map((i) => effectView(i, now));
}

/**
 * One line for a school's status when some of its effects are outstanding,
 * else null: e.g. "effects pending: 2 not carried out yet (funding.release
 * due, notify retrying); a payment shown above is not in the ledger until it
 * is". Pure.
 */
export function pendingEffectsNote(effects: EffectView[]): string | null {
  if (effects.length === 0) return null;
  const pending = effects.filter((e) => e.status === 'pending');
  const failed = effects.filter((e) => e.status === 'failed');
  const parts = [
    pending.length ? `${pending.length} not carried out yet (${pending.map((e) => `${e.type} ${e.state}`).join(', ')})` : '',
    failed.length ? `${failed.length} failed for good (${failed.map((e) => `${e.type}: ${e.lastError ?? 'no error kept'}`).join('; ')})` : '',
  ].filter(Boolean);
  const money = effects.some((e) => e.type === 'funding.release') ? '; a grant shown as paid is not in the ledger until its payment is carried out' : '';
  return `effects pending: ${parts.join('; ')}${money} (see pathway effects --urn ${effects[0]!.urn})`;
}

/**
 * The emails among `effects` not sent yet for a reason the hub should know
 * (waiting to be tried again after a failed attempt, or failed for good), in
 * words with the outbox link's text; null when there are none. The board
 * says this beside the emails held for a wrong address. Pure.
 */
export function emailsWaitingWords(effects: readonly EffectView[]): { retrying: number; failed: number; text: string; link: string } | null {
  const mail = effects.filter((e) => e.type === 'notify');
  const retrying = mail.filter((e) => e.state === 'retrying').length;
  const failed = mail.filter((e) => e.state === 'failed').length;
  if (retrying + failed === 0) return null;
  const emails = (n: number) => (n === 1 ? '1 email' : `${n} emails`);
  const parts = [
    ...(retrying ? [`${emails(retrying)} ${retrying === 1 ? 'is' : 'are'} waiting to be tried again after a failed attempt`] : []),
    ...(failed ? [`${emails(failed)} failed and will not be tried again by ${failed === 1 ? 'itself' : 'themselves'}`] : []),
  ];
  return { retrying, failed, text: `${parts.join(', and ')}.`, link: retrying + failed === 1 ? 'See it in the outbox' : 'See them in the outbox' };
}

/** What became of an effect tried again now. */
export interface EffectRetried {
  key: string;
  urn: string;
  type: string;
  /**
   * 'sent': carried out now (an email: sent); 'not-sent': an email carried
   * out but not sent, as it was too late by now (`note` says why); 'failed':
   * tried and failed again (`error`); 'queued': due again, carried out by the
   * host (a Temporal worker, or a drain already under way); 'already-done':
   * it had been carried out before this asked (nothing done); 'busy': a host
   * is carrying it out now (nothing done).
   */
  outcome: 'sent' | 'not-sent' | 'failed' | 'queued' | 'already-done' | 'busy';
  error: string | null;
  note: string | null;
  /** Which one, in words (an email's subject), as the outbox lists it; null when the payload does not say. */
  describes: string | null;
}

/** An engine that can carry out its outbox now (the embedded one). */
function drainable(engine: unknown): engine is { drainOutbox(): Promise<unknown> } {
  return typeof (engine as { drainOutbox?: unknown }).drainOutbox === 'function';
}

/**
 * Tries an outstanding effect again now: one that failed for good, or one
 * waiting out its retry wait. Hub staff may retry their hubs' emails; other
 * effects (payments, evaluation requests) only an admin. Asking twice does
 * it once: the second finds it carried out, or being carried out, and each
 * effect's key keeps an email from going twice. On the embedded host it is
 * carried out before this returns, so the caller can say what happened.
 * Throws NotFoundError (unknown key, or a school `p` may not see),
 * ForbiddenError, RefusedError (not waiting: due at its own time). Not pure.
 */
export async function retryEffect(svc: Service, p: Principal, key: string): Promise<EffectRetried> {
  const before = await outboxItem(svc.db, key);
  if (!before) throw new NotFoundError('outbox item', key);
  let hub: string | null;
  try {
    hub = hubIdOf((await schoolState(svc, p, before.urn)).summary.hub);
  } catch (err) {
    // A school of another hub: answered as an unknown item, so the refusal does not confirm it.
    if (err instanceof UnknownSchoolError) throw new NotFoundError('outbox item', key);
    throw err;
  }
  assertWrite(p, hub, { school: before.urn });
  if (before.type !== 'notify') assertAdmin(p, 'try a payment or an evaluation request again');
  const base = { key, urn: before.urn, type: before.type, error: null, note: null, describes: effectDescription(before.type, before.payload) };
  if (before.status === 'done') return { ...base, outcome: 'already-done' };
  const { requeued, item } = await retryNow(svc.db, key);
  if (!requeued) {
    if (item?.status === 'done') return { ...base, outcome: 'already-done' };
    if (item?.leaseOwner && item.leaseUntil && Date.parse(item.leaseUntil) > Date.now()) return { ...base, outcome: 'busy' };
    if (item?.status === 'pending' && item.retryAt === null && item.attempts > 0) return { ...base, outcome: 'queued' };
    throw new RefusedError(`${key} is not waiting to be tried again: it has not failed, and is carried out when it is due`);
  }
  if (drainable(svc.engine)) await svc.engine.drainOutbox();
  const after = await outboxItem(svc.db, key);
  if (!after || after.status === 'pending') return { ...base, outcome: after?.retryAt ? 'failed' : 'queued', error: after?.lastError ?? null };
  if (after.status === 'failed') return { ...base, outcome: 'failed', error: after.lastError };
  if (after.type !== 'notify') return { ...base, outcome: 'sent' };
  // An email carried out: sent, or recorded as not sent (too late by now). Its parts: the school's and the hub lead's.
  const parts = (await Promise.all([key, `${key}:hub`].map((k) => sentMessage(svc.db, k)))).filter((m) => m !== null);
  const skipped = parts.find((m) => m.status !== 'sent');
  return parts.length > 0 && parts.every((m) => m.status !== 'sent') ? { ...base, outcome: 'not-sent', note: skipped?.note ?? null } : { ...base, outcome: 'sent' };
}
