/**
 * Who an effect's messages come from, in one read: the hub's lead (the
 * contact an admin set, else the default of store/ops/hub-contacts.ts) and,
 * when the effect names one, its work group's name and lead. Each effect
 * asked for both apart before; this is a query on the hot path of the
 * durable host. Not pure.
 */
import { findHub } from '../../domain/catalogue/hubs.js';
import type { Db } from '../db.js';
import { defaultHubLead } from './hub-contacts.js';

export interface MailSenders {
  hubLead: { name: string; email: string };
  /** The work group named by the effect, or null when it names none or the group is not stored. */
  group: { id: string; name: string; lead: { name: string; email: string } } | null;
}

/** The hub lead of `hubNameOrId` and the work group `groupId` (or none). Not pure. */
export async function mailSenders(db: Db, hubNameOrId: string, groupId: string | null): Promise<MailSenders> {
  return (await mailSendersMany(db, [{ hub: hubNameOrId, groupId }]))[0]!;
}

/** mailSenders for many (hub, work group) pairs in one read, in the order asked. Not pure. */
export async function mailSendersMany(db: Db, asked: readonly { hub: string; groupId: string | null }[]): Promise<MailSenders[]> {
  if (asked.length === 0) return [];
  const hubIds = asked.map((a) => findHub(a.hub)?.id ?? a.hub);
  const r = await db.query<{ i: number; lead_name: string | null; lead_email: string | null; group_id: string | null; group_name: string | null; group_lead_name: string | null; group_lead_email: string | null }>(
    `SELECT a.i::int AS i, hc.name AS lead_name, hc.email AS lead_email, g.id AS group_id, g.name AS group_name, g.lead_name AS group_lead_name, g.lead_email AS group_lead_email
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS a(hub, group_id, i)
       LEFT JOIN hub_contacts hc ON hc.hub = a.hub
       LEFT JOIN work_groups g ON g.id = a.group_id`,
    [hubIds, asked.map((a) => a.groupId)],
  );
  const out: MailSenders[] = new Array(asked.length);
  for (const row of r.rows) {
    const fallback = defaultHubLead(asked[row.i - 1]!.hub);
    out[row.i - 1] = {
      hubLead: row.lead_name !== null && row.lead_email !== null ? { name: row.lead_name, email: row.lead_email } : { name: fallback.name, email: fallback.email },
      group: row.group_id !== null ? { id: row.group_id, name: row.group_name!, lead: { name: row.group_lead_name!, email: row.group_lead_email! } } : null,
    };
  }
  return out;
}
