/**
 * People and their API tokens: made by an admin (or the operator at the
 * command line), the token shown once and stored as its sha256; looked up on
 * each request; revoked. Hub contacts (the hub lead's address) are managed
 * here too, by admins. Not pure (randomness, database I/O).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open as openFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { hubs as allHubs } from '../domain/catalogue/hubs.js';
import { ValidationError, parseOrThrow } from '../domain/errors.js';
import { countUsers, insertUser, listUsers, revokeUser, userByTokenHash, userById, USERS_CHANNEL, type ApiUser, type Role } from '../store/ops/users.js';
import { hubLeadFor, listHubContacts, setHubContact, defaultHubLead, type HubContact } from '../store/ops/hub-contacts.js';
import { assertAdmin, resolveHub } from './access.js';
import type { Principal, Service } from './context.js';
import { NotFoundError, UnauthenticatedError } from './errors.js';

export const ROLES = ['hub_staff', 'auditor', 'admin'] as const satisfies readonly Role[];

/** A token works this many days unless the admin chooses otherwise; at most MAX_TOKEN_DAYS. */
export const TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

export const NewUser = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
  hubs: z.array(z.string().min(1)).default([]),
  days: z
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(MAX_TOKEN_DAYS, `must be at most ${MAX_TOKEN_DAYS} (ten years)`)
    .default(TOKEN_DAYS)
    .describe(`How long the token works, in days (default ${TOKEN_DAYS})`),
});
export type NewUser = z.input<typeof NewUser>;

/** Tokens look like "mpt_" and 43 base64url characters (256 random bits). */
const TOKEN = /^mpt_[A-Za-z0-9_-]{43}$/;

/** The sha256 (hex) of a token: what the database keeps. Pure. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'user'
  );
}

export interface MadeUser {
  user: ApiUser;
  /** Shown once: only its hash is stored. */
  token: string;
}

/**
 * Makes a person with a new token. Hub staff need exactly one hub, an
 * auditor at least one, an admin none. Throws ValidationError naming the
 * field. `p` must be an admin. Not pure.
 */
export async function addUser(svc: Service, p: Principal, input: NewUser): Promise<MadeUser> {
  assertAdmin(p, 'add users');
  const u = parseOrThrow(NewUser, input, 'user');
  const hubIds = [...new Set(u.hubs.map((h, i) => resolveHub(h, `hubs.${i}`).id))];
  const rule =
    u.role === 'hub_staff' && hubIds.length !== 1 ? 'hub staff work in exactly one hub: give one --hub'
    : u.role === 'auditor' && hubIds.length === 0 ? `an auditor reads the hubs assigned: give at least one --hub (of ${allHubs.length})`
    : u.role === 'admin' && hubIds.length > 0 ? 'an admin sees every hub: give no --hub'
    : null;
  if (rule) throw new ValidationError([{ path: 'hubs', message: rule, value: u.hubs.join(','), severity: 'error' }], 'user');
  const token = `mpt_${randomBytes(32).toString('base64url')}`;
  // Wall-clock time on purpose: a token's life is about people, not school time.
  const expiresAt = new Date(Date.now() + u.days * DAY_MS).toISOString();
  for (;;) {
    const id = `${slug(u.name)}-${randomBytes(2).toString('hex')}`;
    if (await insertUser(svc.db, { id, name: u.name, role: u.role, hubs: hubIds, tokenHash: tokenHash(token), createdBy: p.id, expiresAt })) {
      return { user: (await userById(svc.db, id))!, token };
    }
  }
}

/** Every active user (and revoked ones when asked). `p` must be an admin. Not pure. */
export async function usersList(svc: Service, p: Principal, includeRevoked = false): Promise<ApiUser[]> {
  assertAdmin(p, 'list users');
  return listUsers(svc.db, { includeRevoked });
}

/** Revokes a user's token at once. `p` must be an admin. Not pure. */
export async function revoke(svc: Service, p: Principal, id: string): Promise<ApiUser> {
  assertAdmin(p, 'revoke users');
  // The token stops working in this process at once, whatever the cache held (others hear of it by NOTIFY).
  forget(cacheOf(svc), id);
  if (!(await revokeUser(svc.db, id))) {
    const u = await userById(svc.db, id);
    throw new NotFoundError('active user', id, u ? `revoked at ${u.revokedAt}` : '', u ? undefined : { kind: 'list-users' });
  }
  return (await userById(svc.db, id))!;
}

/**
 * Where the first start writes the admin token: inside a PGlite folder, or
 * in the home folder of the user running the service for Postgres (never in
 * a checkout, where it could be committed). Pure.
 */
export function firstTokenPath(target: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? join(homedir(), '.pathway-first-admin-token') : join(resolve(target), 'first-admin-token');
}

/**
 * Writes the first admin token to `path`, readable by its owner only (0600),
 * so that it never goes to stdout or a log (and so into `docker logs`).
 * Replaces a file left by an earlier first start. Returns the path. Not pure.
 */
export async function saveFirstAdminToken(token: string, path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await rm(path, { force: true });
  const file = await openFile(path, 'wx', 0o600);
  try {
    await file.writeFile(`${token}\n`);
  } finally {
    await file.close();
  }
  return path;
}

/** Whether anyone was ever made: a fresh database has nobody. Not pure. */
export async function hasUsers(svc: Service): Promise<boolean> {
  return (await countUsers(svc.db)) > 0;
}

/**
 * How long a token found valid is trusted without asking the database again.
 * A change to a token (revoked, expired early) made by any process is
 * announced by the database (migration 016's trigger, LISTEN/NOTIFY on
 * Postgres) and drops the cached answer at once; this time only bounds how
 * long a cached answer can outlive a lost notification connection.
 */
export const TOKEN_CACHE_MS = 5_000;
const MAX_CACHED = 1_000;

interface TokenCache {
  /** Token hash -> the person, and until when the answer holds (wall clock, ms; never past the token's expiry). */
  entries: Map<string, { principal: Principal; until: number }>;
  /** Bumped on every announced change: a lookup that began before a change must not cache its answer. */
  generation: number;
  /** Listening for announced changes: not yet, starting, or listening. */
  watching: 'no' | 'starting' | 'yes';
}

/** Per database. */
const tokenCache = new WeakMap<object, TokenCache>();

function cacheOf(svc: Service): TokenCache {
  let c = tokenCache.get(svc.db);
  if (!c) tokenCache.set(svc.db, (c = { entries: new Map(), generation: 0, watching: 'no' }));
  return c;
}

/** Drops every cached answer about user `id` (every answer when id is null). */
function forget(cache: TokenCache, id: string | null): void {
  cache.generation++;
  if (id === null) cache.entries.clear();
  else for (const [hash, entry] of cache.entries) if (entry.principal.id === id) cache.entries.delete(hash);
}

/**
 * Starts listening for announced changes to tokens, once per database; on a
 * lost connection everything cached is dropped and listening starts again at
 * the next request. A database that cannot listen keeps the short cache. Not pure.
 */
async function watchTokenChanges(svc: Service, cache: TokenCache): Promise<void> {
  if (cache.watching !== 'no' || !svc.db.listen) return;
  cache.watching = 'starting';
  try {
    await svc.db.listen(
      USERS_CHANNEL,
      (id) => forget(cache, id || null),
      () => {
        cache.watching = 'no';
        forget(cache, null);
      },
    );
    cache.watching = 'yes';
  } catch {
    cache.watching = 'no';
  }
}

/** The person holding `token` (from "Authorization: Bearer <token>"); UnauthenticatedError otherwise. Not pure. */
export async function authenticate(svc: Service, token: string | undefined): Promise<Principal> {
  if (!token) throw new UnauthenticatedError('no API token: send "Authorization: Bearer <token>" (make one with pathway users add)');
  if (!TOKEN.test(token)) throw new UnauthenticatedError('the API token is not one this service issues (mpt_ and 43 characters)');
  const hash = tokenHash(token);
  const cache = cacheOf(svc);
  await watchTokenChanges(svc, cache);
  const hit = cache.entries.get(hash);
  // Wall-clock time on purpose: the cache is about the database, not school time.
  const now = Date.now();
  if (hit && hit.until > now) return hit.principal;
  const generation = cache.generation;
  const u = await userByTokenHash(svc.db, hash);
  if (!u || u.revokedAt !== null) {
    cache.entries.delete(hash);
    throw new UnauthenticatedError('the API token is unknown or was revoked');
  }
  if (u.expired) {
    cache.entries.delete(hash);
    throw new UnauthenticatedError(`the API token expired on ${u.expiresAt.slice(0, 10)}: ask an admin for a new one (pathway users add)`);
  }
  const principal: Principal = { id: u.id, name: u.name, role: u.role, hubs: u.hubs };
  if (cache.generation === generation) {
    if (cache.entries.size >= MAX_CACHED) cache.entries.clear();
    cache.entries.set(hash, { principal, until: Math.min(now + TOKEN_CACHE_MS, Date.parse(u.expiresAt)) });
  }
  return principal;
}

/** Sets a hub's lead contact (escalations and the weekly digest go there). `p` must be an admin. Not pure. */
export async function setHubLead(svc: Service, p: Principal, hub: string, contact: { name: string; email: string }): Promise<HubContact> {
  assertAdmin(p, 'set hub contacts');
  const h = resolveHub(hub, 'hub');
  const c = parseOrThrow(z.object({ name: z.string().trim().min(1, 'must not be empty'), email: z.email('must be an email address') }), contact, 'hub contact');
  return setHubContact(svc.db, { hub: h.id, name: c.name, email: c.email, updatedBy: p.id });
}

/** The lead contact of one hub (the default when none is set), if `p` may read that hub. Not pure. */
export async function hubLead(svc: Service, hub: string): Promise<HubContact> {
  return hubLeadFor(svc.db, resolveHub(hub, 'hub').id);
}

/** The contacts admins have set, and the default address for the rest. `p` must be an admin. Not pure. */
export async function hubContacts(svc: Service, p: Principal): Promise<{ configured: HubContact[]; defaultExample: HubContact }> {
  assertAdmin(p, 'list hub contacts');
  return { configured: await listHubContacts(svc.db), defaultExample: defaultHubLead(allHubs[0]!.id) };
}
