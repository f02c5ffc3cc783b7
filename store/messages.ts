/**
 * The record of emails, one row per message key: an activity checks it and
 * claims the key (message_claims, migration 018) before sending, and writes
 * the row only after the send, so a retried effect sends once and two
 * attempts at once never both send. A message not
 * sent because it came too late is kept as 'skipped' with the reason. Also the
 * problems that stop a message reaching a school (mail_problems) and the
 * corrected headteacher addresses (school_contacts); migration 015. Not pure.
 */
import type { Db } from './db.js';
import { Checks } from './input.js';
import { enqueue } from './outbox.js';
import { ownerDeadSql } from './effect-hosts.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { MAIL_SENDERS_SQL, mailSendersOf, mailSendersParams, type MailSenders, type MailSendersRow } from './ops/mail-senders.js';

export type MessageStatus = 'sent' | 'skipped';

export interface SentMessageInput {
  /** The notify effect's idempotency key. */
  key: string;
  urn: string;
  template: string;
  /** Email addresses. */
  recipients: string[];
  subject: string;
  body?: string;
  /** How it went out, e.g. "smtp", "mailbox" (a folder), "log". */
  transport: string;
  /** ISO instant with offset; default: now (database clock). */
  sentAt?: string;
  /** Default 'sent'. A skipped message went to nobody; `note` says why. */
  status?: MessageStatus;
  note?: string;
  html?: string;
}

export interface SentMessage {
  key: string;
  urn: string;
  template: string;
  recipients: string[];
  subject: string;
  body: string | null;
  transport: string;
  sentAt: string;
  status: MessageStatus;
  note: string | null;
}

interface MessageRow {
  key: string;
  urn: string;
  template: string;
  recipients: string[];
  subject: string;
  body: string | null;
  transport: string;
  sent_at: string;
  status: MessageStatus;
  note: string | null;
}

const COLUMNS = 'key, urn, template, recipients, subject, body, transport, sent_at, status, note';

const toMessage = (r: MessageRow): SentMessage => ({
  key: r.key,
  urn: r.urn,
  template: r.template,
  recipients: r.recipients,
  subject: r.subject,
  body: r.body,
  transport: r.transport,
  sentAt: r.sent_at,
  status: r.status,
  note: r.note,
});

/** A sent message's row as stored, checked: every problem named by field, the rule and the value (ValidationError). Pure. */
function sentMessageRow(input: SentMessageInput): unknown[] {
  const c = new Checks('sent message');
  c.text('key', input.key);
  c.text('urn', input.urn);
  c.text('template', input.template);
  const status = input.status ?? 'sent';
  if (status !== 'sent' && status !== 'skipped') c.add('status', 'must be "sent" or "skipped"', status);
  // A skipped message may have had nobody to go to; a sent one went to someone.
  if (!Array.isArray(input.recipients) || (status === 'sent' && input.recipients.length === 0) || input.recipients.some((r) => typeof r !== 'string' || r.trim() === '')) {
    c.add('recipients', status === 'sent' ? 'must be a non-empty list of addresses' : 'must be a list of addresses', Array.isArray(input.recipients) ? input.recipients.join(', ') : input.recipients);
  }
  if (status === 'skipped' && !input.note?.trim()) c.add('note', 'must say why a skipped message was not sent', input.note);
  if (typeof input.subject !== 'string') c.add('subject', 'must be a string', input.subject);
  c.text('transport', input.transport);
  const sentAt = input.sentAt === undefined ? null : c.instant('sentAt', input.sentAt);
  c.done();
  return [input.key, input.urn, input.template, input.recipients, input.subject, input.body ?? null, input.transport, sentAt, status, input.note ?? null, input.html ?? null];
}

/** Records a sent (or skipped) email unless its key is there already. True if it was new. Not pure. */
export async function recordSentMessage(db: Db, input: SentMessageInput): Promise<boolean> {
  const row = sentMessageRow(input);
  // The send-claim (claimMessage) goes in the same statement: once recorded, no claim is needed.
  const r = await db.query(
    `WITH dropped AS (DELETE FROM message_claims WHERE key = $1)
     INSERT INTO sent_messages (key, urn, template, recipients, subject, body, transport, sent_at, status, note, html)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7, coalesce($8::timestamptz, now()), $9, $10, $11)
     ON CONFLICT (key) DO NOTHING`,
    row,
  );
  return r.rowCount > 0;
}

/**
 * recordSentMessage for many messages in one statement (and one commit): the
 * keys that were new. For a transport that delivers a key once however often
 * it is handed it (the mailbox folder), whose messages a crash before this
 * record only sends to it again, to no effect. Not pure.
 */
export async function recordSentMessages(db: Db, inputs: readonly SentMessageInput[]): Promise<Set<string>> {
  if (inputs.length === 0) return new Set();
  const rows = inputs.map(sentMessageRow);
  const col = (i: number) => rows.map((r) => r[i]);
  // recipients, a list per row, go as JSON: unnest() would flatten an array of arrays.
  const r = await db.query<{ key: string }>(
    `WITH dropped AS (DELETE FROM message_claims WHERE key = ANY($1::text[]))
     INSERT INTO sent_messages (key, urn, template, recipients, subject, body, transport, sent_at, status, note, html)
     SELECT m.key, m.urn, m.template, ARRAY(SELECT jsonb_array_elements_text(m.recipients)), m.subject, m.body, m.transport,
            coalesce(m.sent_at, now()), m.status, m.note, m.html
       FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::text[])
            AS m(key, urn, template, recipients, subject, body, transport, sent_at, status, note, html)
     ON CONFLICT (key) DO NOTHING
     RETURNING key`,
    [col(0), col(1), col(2), col(3).map((x) => JSON.stringify(x)), col(4), col(5), col(6), col(7), col(8), col(9), col(10)],
  );
  return new Set(r.rows.map((x) => x.key));
}

/**
 * Claims message `key` for `owner` before it is handed to the mail transport,
 * so that two attempts never both send it: true when this owner now holds the
 * claim (it was free, or its holder died, or its lease of real time ran out,
 * or it is this owner's own and `ownIdle` says no attempt of this owner is
 * sending it now), false when another live attempt holds it. One INSERT ...
 * ON CONFLICT, so two claimers racing get one true between them. `live`:
 * liveOwnersFor(db) (store/effect-hosts.ts). Release it with
 * releaseMessageClaim after a send that failed; after a send that worked,
 * record it with recordSentMessage (which drops the claim). Not pure.
 */
export async function claimMessage(db: Db, key: string, owner: string, leaseMs: number, live: string[] | null, ownIdle = false): Promise<boolean> {
  return (await claimMessages(db, [key], owner, leaseMs, live, ownIdle)).has(key);
}

/**
 * claimMessage for many keys in one statement (a drain's messages): the keys
 * this owner now holds. Keys are taken in sorted order, so two hosts claiming
 * overlapping sets wait for each other instead of deadlocking. Not pure.
 */
export async function claimMessages(db: Db, keys: readonly string[], owner: string, leaseMs: number, live: string[] | null, ownIdle = false): Promise<Set<string>> {
  const c = new Checks('message claim');
  keys.forEach((k, i) => c.text(`keys[${i}]`, k));
  c.text('owner', owner);
  c.wholeNumber('leaseMs', leaseMs, 1);
  c.done();
  if (keys.length === 0) return new Set();
  const r = await db.query<{ key: string }>(
    `INSERT INTO message_claims AS m (key, owner, lease_until)
       SELECT k, $2, now() + make_interval(secs => $3::float8 / 1000) FROM unnest($1::text[]) AS k ORDER BY k
     ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, claimed_at = now(), lease_until = EXCLUDED.lease_until
       WHERE m.lease_until <= now() OR (m.owner = EXCLUDED.owner AND $5::boolean) OR (m.owner <> EXCLUDED.owner AND ${ownerDeadSql('m.owner', 4)})
     RETURNING key`,
    [[...new Set(keys)], owner, leaseMs, live, ownIdle],
  );
  return new Set(r.rows.map((x) => x.key));
}

/** Gives up `owner`'s claim on message `key` (its send failed; another attempt may send it). Not pure. */
export async function releaseMessageClaim(db: Db, key: string, owner: string): Promise<void> {
  await db.query('DELETE FROM message_claims WHERE key = $1 AND owner = $2', [key, owner]);
}

/** What an attempt at a message needs to know first (messageFactsAndSenders): whether it was recorded, whether an attempt holds its send-claim, and the school's corrected headteacher address. */
export interface MessageFacts {
  /** Recorded as sent or skipped. */
  recorded: boolean;
  /** An attempt holds its send-claim. */
  claimed: boolean;
  /** The school's corrected headteacher address, or null. */
  contact: { name: string; email: string } | null;
}

interface MessageFactsRow {
  key: string;
  recorded: boolean;
  claimed: boolean;
  name: string | null;
  email: string | null;
}

/** The facts of the (key, school) pairs in the text[] parameters `keys` and `urns`. */
const MESSAGE_FACTS_SQL = (keys: string, urns: string): string =>
  `SELECT i.key,
          EXISTS (SELECT 1 FROM sent_messages s WHERE s.key = i.key) AS recorded,
          EXISTS (SELECT 1 FROM message_claims m WHERE m.key = i.key) AS claimed,
          c.name, c.email
     FROM unnest(${keys}::text[], ${urns}::text[]) AS i(key, urn)
     LEFT JOIN school_contacts c ON c.urn = i.urn AND c.role = 'headteacher'`;

function messageFactsOf(rows: readonly MessageFactsRow[]): Map<string, MessageFacts> {
  return new Map(rows.map((row) => [row.key, { recorded: row.recorded, claimed: row.claimed, contact: row.name !== null && row.email !== null ? { name: row.name, email: row.email } : null }]));
}

/**
 * What is known of each (key, school) message (MessageFacts, by key) and
 * who sends the effects they belong to (MailSenders, in the order asked), in
 * one statement: what a batch of notify effects reads before
 * it sends (a message's key does not depend on who sends it). Not pure.
 */
export async function messageFactsAndSenders(
  db: Db,
  items: readonly { key: string; urn: string }[],
  asked: readonly { hub: string; groupId: string | null }[],
): Promise<{ facts: Map<string, MessageFacts>; senders: MailSenders[] }> {
  const [hubs, groups] = mailSendersParams(asked);
  const r = await db.query<{ facts: MessageFactsRow[] | null; senders: MailSendersRow[] | null }>(
    `SELECT (SELECT json_agg(f) FROM (${MESSAGE_FACTS_SQL('$1', '$2')}) f) AS facts,
            (SELECT json_agg(s) FROM (${MAIL_SENDERS_SQL('$3', '$4')}) s) AS senders`,
    [items.map((i) => i.key), items.map((i) => i.urn), hubs, groups],
  );
  const row = r.rows[0]!;
  return { facts: messageFactsOf(row.facts ?? []), senders: mailSendersOf(asked, row.senders ?? []) };
}

/** Whether message `key` is recorded (sent or skipped), without reading its body. Not pure. */
export async function messageRecorded(db: Db, key: string): Promise<boolean> {
  return (await messagesRecorded(db, [key])).has(key);
}

/** Which of `keys` are recorded (sent or skipped), in one read, without their bodies. Not pure. */
export async function messagesRecorded(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const r = await db.query<{ key: string }>('SELECT key FROM sent_messages WHERE key = ANY($1::text[])', [[...keys]]);
  return new Set(r.rows.map((x) => x.key));
}

/** The sent email with this key, or null if none was sent. Not pure. */
export async function sentMessage(db: Db, key: string): Promise<SentMessage | null> {
  const r = await db.query<MessageRow>(`SELECT ${COLUMNS} FROM sent_messages WHERE key = $1`, [key]);
  const row = r.rows[0];
  return row ? toMessage(row) : null;
}

/**
 * Emails recorded, for one school or all, oldest first: sent ones and (with
 * `status`) skipped ones; a school's message history is this list. Not pure.
 */
export async function sentMessages(db: Db, filter: { urn?: string; status?: MessageStatus } = {}): Promise<SentMessage[]> {
  const r = await db.query<MessageRow>(
    `SELECT ${COLUMNS} FROM sent_messages WHERE ($1::text IS NULL OR urn = $1) AND ($2::text IS NULL OR status = $2) ORDER BY sent_at, key`,
    [filter.urn ?? null, filter.status ?? null],
  );
  return r.rows.map(toMessage);
}

/** Appended to a held message's key when it is sent again to a corrected address. */
export const RESENT_SUFFIX = ':to-corrected-address';

/** A message that could not reach its reader, as the hub board and the digest show it. */
export interface MailProblem {
  urn: string;
  /** The school's hub id. */
  hub: string;
  /** The message's key. */
  key: string;
  template: string;
  /** In plain words, e.g. "the headteacher has no email address". */
  problem: string;
  recordedAt: string;
}

const hubIdOf = (hub: string): string => findHub(hub)?.id ?? hub;

/**
 * Records that message `key` could not reach a school's reader, keeping the
 * notify effect (`effect`, with the recipients it was for) to send once the
 * address is fixed. Once per key. Not pure.
 */
export async function recordMailProblem(db: Db, p: { key: string; urn: string; hub: string; template: string; problem: string; effect: unknown; recordedAt?: string }): Promise<boolean> {
  const c = new Checks('mail problem');
  c.text('key', p.key);
  c.text('urn', p.urn);
  c.text('template', p.template);
  c.text('problem', p.problem);
  const effect = c.json('effect', p.effect);
  const at = p.recordedAt === undefined ? null : c.instant('recordedAt', p.recordedAt);
  c.done();
  const r = await db.query(
    `INSERT INTO mail_problems (key, urn, hub, template, problem, effect, recorded_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, coalesce($7::timestamptz, now()))
     ON CONFLICT (key) DO NOTHING`,
    [p.key, p.urn, hubIdOf(p.hub), p.template, p.problem, effect, at],
  );
  return r.rowCount > 0;
}

/**
 * Open mail problems (not yet resolved by a corrected address), for some
 * schools and/or one hub (id or name), oldest first. Not pure.
 */
export async function mailProblems(db: Db, filter: { urns?: string[]; hub?: string } = {}): Promise<MailProblem[]> {
  const r = await db.query<{ urn: string; hub: string; key: string; template: string; problem: string; recorded_at: string }>(
    `SELECT urn, hub, key, template, problem, recorded_at FROM mail_problems
      WHERE resolved_at IS NULL AND ($1::text[] IS NULL OR urn = ANY($1::text[])) AND ($2::text IS NULL OR hub = $2)
      ORDER BY recorded_at, key`,
    [filter.urns ?? null, filter.hub === undefined ? null : hubIdOf(filter.hub)],
  );
  return r.rows.map((x) => ({ urn: x.urn, hub: x.hub, key: x.key, template: x.template, problem: x.problem, recordedAt: new Date(x.recorded_at).toISOString() }));
}

/** A school's corrected headteacher address, or null. Not pure. */
export async function schoolContact(db: Db, urn: string): Promise<{ name: string; email: string } | null> {
  const r = await db.query<{ name: string; email: string }>("SELECT name, email FROM school_contacts WHERE urn = $1 AND role = 'headteacher'", [urn]);
  return r.rows[0] ?? null;
}

/**
 * Sets a school's headteacher address (a hub's correction) and queues again,
 * in the outbox, every message held by a problem for that school: each goes
 * out to the new address, unless by then it is too late (the activity checks).
 * One transaction. Returns how many were queued. Not pure.
 */
export async function setSchoolContact(
  db: Db,
  c: { urn: string; name: string; email: string; updatedBy: string; at?: string; /** The contact before, when no correction is stored yet (the application's). */ previous?: { name: string; email: string } | null },
): Promise<{ requeued: number; changed: boolean }> {
  const checks = new Checks('school contact');
  checks.text('urn', c.urn);
  checks.text('name', c.name);
  checks.text('updatedBy', c.updatedBy);
  if (typeof c.email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c.email)) checks.add('email', 'must be an email address', c.email);
  const at = c.at === undefined ? undefined : checks.instant('at', c.at);
  checks.done();
  return db.tx(async (tx) => {
    const stored = await tx.query<{ name: string; email: string }>("SELECT name, email FROM school_contacts WHERE urn = $1 AND role = 'headteacher' FOR UPDATE", [c.urn]);
    const before = stored.rows[0] ?? c.previous ?? null;
    const changed = !before || before.name !== c.name || before.email.toLowerCase() !== c.email.toLowerCase();
    if (changed) {
      await tx.query(
        `INSERT INTO school_contact_changes (urn, role, old_name, old_email, new_name, new_email, changed_at, changed_by)
         VALUES ($1, 'headteacher', $2, $3, $4, $5, coalesce($6::timestamptz, now()), $7)`,
        [c.urn, before?.name ?? null, before?.email ?? null, c.name, c.email, at ?? null, c.updatedBy],
      );
    }
    await tx.query(
      `INSERT INTO school_contacts (urn, role, name, email, updated_by) VALUES ($1, 'headteacher', $2, $3, $4)
       ON CONFLICT (urn, role) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [c.urn, c.name, c.email, c.updatedBy],
    );
    const open = await tx.query<{ key: string; effect: unknown }>('SELECT key, effect FROM mail_problems WHERE urn = $1 AND resolved_at IS NULL ORDER BY recorded_at, key FOR UPDATE', [c.urn]);
    for (const p of open.rows) {
      const effect = { ...(p.effect as Record<string, unknown>), key: `${p.key}${RESENT_SUFFIX}` };
      await enqueue(tx, { key: effect.key as string, urn: c.urn, type: 'notify', payload: effect, ...(at ? { notBefore: at } : {}) });
    }
    await tx.query(`UPDATE mail_problems SET resolved_at = coalesce($2::timestamptz, now()), resolution = 'address corrected; message queued again' WHERE urn = $1 AND resolved_at IS NULL`, [c.urn, at ?? null]);
    return { requeued: open.rows.length, changed };
  });
}

/** One change of a school's headteacher contact (setSchoolContact). */
export interface ContactChange {
  role: 'headteacher';
  from: { name: string; email: string } | null;
  to: { name: string; email: string };
  at: string;
  by: string;
  recordedAt: string;
}

/** The changes of a school's headteacher contact, oldest first. Not pure. */
export async function contactChanges(db: Db, urn: string): Promise<ContactChange[]> {
  const r = await db.query<{ old_name: string | null; old_email: string | null; new_name: string; new_email: string; changed_at: Date | string; changed_by: string; recorded_at: Date | string }>(
    `SELECT old_name, old_email, new_name, new_email, changed_at, changed_by, recorded_at FROM school_contact_changes WHERE urn = $1 ORDER BY changed_at, id`,
    [urn],
  );
  const iso = (v: Date | string) => new Date(v).toISOString();
  return r.rows.map((x) => ({
    role: 'headteacher' as const,
    from: x.old_name !== null && x.old_email !== null ? { name: x.old_name, email: x.old_email } : null,
    to: { name: x.new_name, email: x.new_email },
    at: iso(x.changed_at),
    by: x.changed_by,
    recordedAt: iso(x.recorded_at),
  }));
}
