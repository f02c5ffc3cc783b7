/**
 * The record of emails sent, one row per notify effect key: an activity checks
 * it before sending and writes it after, so a retried effect sends once. Not pure.
 */
import type { Db } from './db.js';
import { Checks } from './input.js';

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
}

const COLUMNS = 'key, urn, template, recipients, subject, body, transport, sent_at';

const toMessage = (r: MessageRow): SentMessage => ({
  key: r.key,
  urn: r.urn,
  template: r.template,
  recipients: r.recipients,
  subject: r.subject,
  body: r.body,
  transport: r.transport,
  sentAt: r.sent_at,
});

/** Records a sent email unless its key is there already. True if it was new. Not pure. */
export async function recordSentMessage(db: Db, input: SentMessageInput): Promise<boolean> {
  const c = new Checks('sent message');
  c.text('key', input.key);
  c.text('urn', input.urn);
  c.text('template', input.template);
  if (!Array.isArray(input.recipients) || input.recipients.length === 0 || input.recipients.some((r) => typeof r !== 'string' || r.trim() === '')) {
    c.add('recipients', 'must be a non-empty list of addresses', Array.isArray(input.recipients) ? input.recipients.join(', ') : input.recipients);
  }
  if (typeof input.subject !== 'string') c.add('subject', 'must be a string', input.subject);
  c.text('transport', input.transport);
  const sentAt = input.sentAt === undefined ? null : c.instant('sentAt', input.sentAt);
  c.done();
  const r = await db.query(
    `INSERT INTO sent_messages (key, urn, template, recipients, subject, body, transport, sent_at)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7, coalesce($8::timestamptz, now()))
     ON CONFLICT (key) DO NOTHING`,
    [input.key, input.urn, input.template, input.recipients, input.subject, input.body ?? null, input.transport, sentAt],
  );
  return r.rowCount > 0;
}

/** The sent email with this key, or null if none was sent. Not pure. */
export async function sentMessage(db: Db, key: string): Promise<SentMessage | null> {
  const r = await db.query<MessageRow>(`SELECT ${COLUMNS} FROM sent_messages WHERE key = $1`, [key]);
  const row = r.rows[0];
  return row ? toMessage(row) : null;
}

/** Sent emails, for one school or all, oldest first. Not pure. */
export async function sentMessages(db: Db, filter: { urn?: string } = {}): Promise<SentMessage[]> {
  const r = await db.query<MessageRow>(
    `SELECT ${COLUMNS} FROM sent_messages WHERE ($1::text IS NULL OR urn = $1) ORDER BY sent_at, key`,
    [filter.urn ?? null],
  );
  return r.rows.map(toMessage);
}
