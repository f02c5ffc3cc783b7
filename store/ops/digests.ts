/**
 * The weekly hub digests (table hub_digests, migration 012): one row per hub
 * per ISO week, claimed before the email goes and marked sent after, so the
 * job can run any number of times and each hub hears once a week. Not pure.
 */
import type { Db } from '../db.js';

export interface DigestRecord {
  hub: string;
  isoWeek: string;
  status: 'pending' | 'sent';
  schools: number;
  recipient: string;
  sentAt: string | null;
}

interface DigestRow {
  hub: string;
  iso_week: string;
  status: 'pending' | 'sent';
  schools: number;
  recipient: string;
  sent_at: string | null;
}

function fromRow(r: DigestRow): DigestRecord {
  return { hub: r.hub, isoWeek: r.iso_week, status: r.status, schools: r.schools, recipient: r.recipient, sentAt: r.sent_at };
}

/**
 * Claims the digest of `hub` for `isoWeek`: true when this caller should send
 * it (no row yet, or a row left pending by a send that failed), false when it
 * was already sent. Not pure.
 */
export async function claimDigest(db: Db, d: { hub: string; isoWeek: string; schools: number; recipient: string }): Promise<boolean> {
  const r = await db.query<{ status: string }>(
    `INSERT INTO hub_digests (hub, iso_week, schools, recipient) VALUES ($1, $2, $3, $4)
     ON CONFLICT (hub, iso_week) DO UPDATE SET schools = EXCLUDED.schools, recipient = EXCLUDED.recipient WHERE hub_digests.status = 'pending'
     RETURNING status`,
    [d.hub, d.isoWeek, d.schools, d.recipient],
  );
  return r.rowCount === 1;
}

/** Marks a claimed digest sent. Not pure. */
export async function markDigestSent(db: Db, hub: string, isoWeek: string, at?: string): Promise<void> {
  await db.query(`UPDATE hub_digests SET status = 'sent', sent_at = COALESCE($3::timestamptz, now()) WHERE hub = $1 AND iso_week = $2`, [hub, isoWeek, at ?? null]);
}

/** The digests recorded for a week (every hub), or for every week when none is given. Not pure. */
export async function listDigests(db: Db, isoWeek?: string): Promise<DigestRecord[]> {
  const r = await db.query<DigestRow>(
    `SELECT hub, iso_week, status, schools, recipient, sent_at FROM hub_digests${isoWeek ? ' WHERE iso_week = $1' : ''} ORDER BY iso_week, hub`,
    isoWeek ? [isoWeek] : [],
  );
  return r.rows.map(fromRow);
}
