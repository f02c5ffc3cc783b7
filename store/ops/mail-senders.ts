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
  const hubId = findHub(hubNameOrId)?.id ?? hubNameOrId;
  const r = await db.query<{ lead_name: string | null; lead_email: string | null; group_id: string | null; group_name: string | null; group_lead_name: string | null; group_lead_email: string | null }>(
    `SELECT hc.name AS lead_name, hc.email AS lead_email, g.id AS group_id, g.name AS group_name, g.lead_name AS group_lead_name, g.lead_email AS group_lead_email
       FROM (SELECT 1) AS one
       LEFT JOIN hub_contacts hc ON hc.hub = $1
       LEFT JOIN work_groups g ON g.id = $2`,
    [hubId, groupId],
  );
  const row = r.rows[0]!;
  const fallback = defaultHubLead(hubNameOrId);
  return {
    hubLead: row.lead_name !== null && row.lead_email !== null ? { name: row.lead_name, email: row.lead_email } : { name: fallback.name, email: fallback.email },
    group: row.group_id !== null ? { id: row.group_id, name: row.group_name!, lead: { name: row.group_lead_name!, email: row.group_lead_email! } } : null,
  };
}
