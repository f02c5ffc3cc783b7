/**
 * Who an effect's messages come from: the hub's lead (the contact an admin
 * set, else the default of store/ops/hub-contacts.ts) and, when the effect
 * names one, its work group's name and lead. Read in the statement that
 * reads what is known of the messages (store/messages.ts
 * messageFactsAndSenders), on the hot path of the durable host. Pure: the
 * SQL and the mapping of its rows.
 */
import { findHub } from '../../domain/catalogue/hubs.js';
import { defaultHubLead } from './hub-contacts.js';

export interface MailSenders {
  hubLead: { name: string; email: string };
  /**
   * The work group named by the effect, or null when it names none or the
   * group is not stored. `datesSet`: the group's sessions for its year are
   * planned already (a school selected into it now gets them at once).
   */
  group: { id: string; name: string; lead: { name: string; email: string }; datesSet: boolean } | null;
}

/** A row of MAIL_SENDERS_SQL. */
export interface MailSendersRow {
  i: number;
  lead_name: string | null;
  lead_email: string | null;
  group_id: string | null;
  group_name: string | null;
  group_lead_name: string | null;
  group_lead_email: string | null;
  group_dates_set: boolean | null;
}

/** The senders of the (hub id, work group id) pairs in the text[] parameters `hubs` and `groups` ("$1", "$2"), numbered from 1 (`i`): for a query that reads them beside others. */
export const MAIL_SENDERS_SQL = (hubs: string, groups: string): string =>
  `SELECT a.i::int AS i, hc.name AS lead_name, hc.email AS lead_email, g.id AS group_id, g.name AS group_name, g.lead_name AS group_lead_name, g.lead_email AS group_lead_email,
          EXISTS (SELECT 1 FROM group_sessions gs WHERE gs.group_id = g.id AND gs.academic_year = g.academic_year AND gs.status <> 'cancelled') AS group_dates_set
     FROM unnest(${hubs}::text[], ${groups}::text[]) WITH ORDINALITY AS a(hub, group_id, i)
     LEFT JOIN hub_contacts hc ON hc.hub = a.hub
     LEFT JOIN work_groups g ON g.id = a.group_id`;

/** MAIL_SENDERS_SQL's two parameters for the pairs asked. Pure. */
export function mailSendersParams(asked: readonly { hub: string; groupId: string | null }[]): [string[], (string | null)[]] {
  return [asked.map((a) => findHub(a.hub)?.id ?? a.hub), asked.map((a) => a.groupId)];
}

/** The senders of the pairs asked, in order, from the rows of MAIL_SENDERS_SQL. Pure. */
export function mailSendersOf(asked: readonly { hub: string; groupId: string | null }[], rows: readonly MailSendersRow[]): MailSenders[] {
  const out: MailSenders[] = new Array(asked.length);
  for (const row of rows) {
    const fallback = defaultHubLead(asked[row.i - 1]!.hub);
    out[row.i - 1] = {
      hubLead: row.lead_name !== null && row.lead_email !== null ? { name: row.lead_name, email: row.lead_email } : { name: fallback.name, email: fallback.email },
      group: row.group_id !== null ? { id: row.group_id, name: row.group_name!, lead: { name: row.group_lead_name!, email: row.group_lead_email! }, datesSet: row.group_dates_set === true } : null,
    };
  }
  return out;
}
