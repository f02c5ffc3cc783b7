/**
 * One school's mail in one read, for its page: what became of each reminder
 * (sent, skipped with the reason, held for a bad address and whether resent),
 * every mail problem (open or resolved), and the hub's corrected headteacher
 * address. No message bodies. Not pure.
 */
import type { Db } from './db.js';
import type { MessageStatus } from './messages.js';

/** A reminder that went out or was recorded as not sent. */
export interface ReminderRecord {
  key: string;
  template: string;
  status: MessageStatus;
  note: string | null;
  recipients: string[];
  at: string;
}

/** A message held for want of a good address. */
export interface ProblemRecord {
  key: string;
  template: string;
  problem: string;
  recordedAt: string;
  resolvedAt: string | null;
}

export interface SchoolMail {
  reminders: ReminderRecord[];
  problems: ProblemRecord[];
  /** The hub's corrected headteacher address, when one was set. */
  contact: { name: string; email: string } | null;
}

interface Row {
  source: 'message' | 'problem' | 'contact';
  key: string;
  template: string;
  status: MessageStatus | null;
  note: string | null;
  recipients: string[] | null;
  problem: string | null;
  at: string;
  resolved_at: string | null;
}

const iso = (t: string | null): string | null => (t === null ? null : new Date(t).toISOString());

/** The reminders, mail problems and corrected contact of school `urn`, oldest first, in one query. Not pure. */
export async function schoolMail(db: Db, urn: string): Promise<SchoolMail> {
  const r = await db.query<Row>(
    `SELECT 'message' AS source, key, template, status, note, recipients, NULL::text AS problem, sent_at AS at, NULL::timestamptz AS resolved_at
       FROM sent_messages WHERE urn = $1 AND key LIKE '%reminder:%'
     UNION ALL
     SELECT 'problem', key, template, NULL, NULL, NULL, problem, recorded_at, resolved_at
       FROM mail_problems WHERE urn = $1
     UNION ALL
     SELECT 'contact', name, 'headteacher', NULL, email, NULL, NULL, updated_at, NULL
       FROM school_contacts WHERE urn = $1 AND role = 'headteacher'
     ORDER BY at, key`,
    [urn],
  );
  const out: SchoolMail = { reminders: [], problems: [], contact: null };
  for (const x of r.rows) {
    if (x.source === 'message') out.reminders.push({ key: x.key, template: x.template, status: x.status!, note: x.note, recipients: x.recipients ?? [], at: iso(x.at)! });
    else if (x.source === 'problem') out.problems.push({ key: x.key, template: x.template, problem: x.problem ?? '', recordedAt: iso(x.at)!, resolvedAt: iso(x.resolved_at) });
    else out.contact = { name: x.key, email: x.note ?? '' };
  }
  return out;
}
