/**
 * Hub lead contacts (table hub_contacts, migration 012): who receives a hub's
 * escalations and weekly digest. Not pure (database I/O).
 *
 * When an admin has set no contact for a hub, the address is HUB_LEAD_EMAIL
 * if that is set, else `lead@<hub-id>.mathshub.invalid` (the activities'
 * default) — a reserved domain that never delivers, so an unset contact shows
 * up in the mailbox folder instead of reaching a stranger.
 */
import { settings, type Environment } from '../../config/load.js';
import { findHub, hubSlug } from '../../domain/catalogue/hubs.js';
import type { Db } from '../db.js';

export interface HubContact {
  /** The hub's id, e.g. "cambridge". */
  hub: string;
  name: string;
  email: string;
  /** False when no admin set it and this is the default. */
  configured: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

interface ContactRow {
  hub: string;
  name: string;
  email: string;
  updated_at: string;
  updated_by: string;
}

function fromRow(r: ContactRow): HubContact {
  return { hub: r.hub, name: r.name, email: r.email, configured: true, updatedAt: r.updated_at, updatedBy: r.updated_by };
}

/** The hub lead used when none is set: HUB_LEAD_EMAIL, else a never-delivering reserved address. Reads the environment. Not pure. */
export function defaultHubLead(hubId: string, env?: Environment): HubContact {
  const hub = findHub(hubId);
  const id = hub?.id ?? (hubSlug(hubId) || 'unknown-hub');
  const email = (env ? env.HUB_LEAD_EMAIL?.trim() : settings().hubLeadEmail) || `lead@${id}.mathshub.invalid`;
  return { hub: id, name: `${hub?.name ?? `${hubId} Maths Hub`} lead`, email, configured: false, updatedAt: null, updatedBy: null };
}

/** Sets (or replaces) a hub's lead contact. `hub` is the hub's id. Not pure. */
export async function setHubContact(db: Db, c: { hub: string; name: string; email: string; updatedBy: string }): Promise<HubContact> {
  const r = await db.query<ContactRow>(
    `INSERT INTO hub_contacts (hub, name, email, updated_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (hub) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING hub, name, email, updated_at, updated_by`,
    [c.hub, c.name, c.email, c.updatedBy],
  );
  return fromRow(r.rows[0]!);
}

/** Every hub contact an admin set, by hub id. Not pure. */
export async function listHubContacts(db: Db): Promise<HubContact[]> {
  const r = await db.query<ContactRow>('SELECT hub, name, email, updated_at, updated_by FROM hub_contacts ORDER BY hub');
  return r.rows.map(fromRow);
}

/**
 * The lead of a hub named by id or name ("cambridge", "Cambridge", "Cambridge
 * Maths Hub"): the contact an admin set, else the default (see above). This
 * is what a "hubLead" recipient of a notify effect resolves to. Not pure.
 */
export async function hubLeadFor(db: Db, hubNameOrId: string): Promise<HubContact> {
  const id = findHub(hubNameOrId)?.id ?? hubNameOrId;
  const r = await db.query<ContactRow>('SELECT hub, name, email, updated_at, updated_by FROM hub_contacts WHERE hub = $1', [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : defaultHubLead(hubNameOrId);
}
