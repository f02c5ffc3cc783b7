/**
 * API users and their tokens (table api_users, migration 010). Only a token's
 * sha256 is stored. Not pure (database I/O).
 */
import type { Db } from '../db.js';

export type Role = 'hub_staff' | 'auditor' | 'admin';

export interface ApiUser {
  id: string;
  name: string;
  role: Role;
  /** Hub ids: one for hub staff, those assigned for an auditor, none for an admin. */
  hubs: string[];
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  /** When the token stops working (wall-clock time): 90 days after it was made unless chosen otherwise. */
  expiresAt: string;
}

interface UserRow {
  id: string;
  name: string;
  role: Role;
  hubs: string[];
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  expires_at: string;
}

const COLUMNS = 'id, name, role, hubs, created_at, created_by, revoked_at, expires_at';

/** The channel on which every change of api_users is announced with the user id (migration 016). */
export const USERS_CHANNEL = 'pathway_api_users';

function fromRow(r: UserRow): ApiUser {
  return { id: r.id, name: r.name, role: r.role, hubs: r.hubs, createdAt: r.created_at, createdBy: r.created_by, revokedAt: r.revoked_at, expiresAt: r.expires_at };
}

/** Adds a user with the hash of their token, expiring at `expiresAt` (ISO); false when the id is taken. Not pure. */
export async function insertUser(db: Db, u: { id: string; name: string; role: Role; hubs: string[]; tokenHash: string; createdBy: string; expiresAt: string }): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO api_users (id, name, role, hubs, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4::text[], $5, $6, $7::timestamptz) ON CONFLICT (id) DO NOTHING`,
    [u.id, u.name, u.role, u.hubs, u.tokenHash, u.createdBy, u.expiresAt],
  );
  return r.rowCount === 1;
}

/**
 * The user holding the token with this hash, revoked or expired too (the
 * caller says which), with whether it has expired by the database's clock;
 * null when no token has this hash. Not pure.
 */
export async function userByTokenHash(db: Db, tokenHash: string): Promise<(ApiUser & { expired: boolean }) | null> {
  const r = await db.query<UserRow & { expired: boolean }>(`SELECT ${COLUMNS}, expires_at <= now() AS expired FROM api_users WHERE token_hash = $1`, [tokenHash]);
  return r.rows[0] ? { ...fromRow(r.rows[0]), expired: r.rows[0].expired } : null;
}

/** One user by id (revoked or not), or null. Not pure. */
export async function userById(db: Db, id: string): Promise<ApiUser | null> {
  const r = await db.query<UserRow>(`SELECT ${COLUMNS} FROM api_users WHERE id = $1`, [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

/** Every user, oldest first; revoked ones only when asked. Not pure. */
export async function listUsers(db: Db, options: { includeRevoked?: boolean } = {}): Promise<ApiUser[]> {
  const r = await db.query<UserRow>(`SELECT ${COLUMNS} FROM api_users${options.includeRevoked ? '' : ' WHERE revoked_at IS NULL'} ORDER BY created_at, id`);
  return r.rows.map(fromRow);
}

/** Revokes a user's token; false when there is no such active user. Not pure. */
export async function revokeUser(db: Db, id: string, at?: string): Promise<boolean> {
  const r = await db.query(`UPDATE api_users SET revoked_at = COALESCE($2::timestamptz, now()) WHERE id = $1 AND revoked_at IS NULL`, [id, at ?? null]);
  return r.rowCount === 1;
}

/** How many users were ever made (revoked included): 0 means a fresh database. Not pure. */
export async function countUsers(db: Db): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_users');
  return r.rows[0]?.n ?? 0;
}
