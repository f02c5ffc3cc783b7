/**
 * Signed links for headteachers: a reminder email carries a link to a
 * read-only page about the school that needs no account. The link names the
 * school and when it stops working, sealed with an HMAC under the service's
 * key, so it cannot be altered or extended. Pure: the key and the time come in
 * as data.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a link in an email keeps working at least, from when it is made. */
export const SCHOOL_LINK_DAYS = 60;

/**
 * How long a link keeps working after the last date its email is about
 * (the evaluation's due date, a session): the reader may act a little late.
 */
export const SCHOOL_LINK_MARGIN_DAYS = 30;

const DAY_MS = 86_400_000;

/** Where the headteacher's page lives under the service's base URL. */
export const SCHOOL_LINK_PATH = '/for-schools';

export interface SchoolLinkClaims {
  urn: string;
  /** ISO instant after which the link is refused. */
  expiresAt: string;
}

export type SchoolLinkCheck =
  | { ok: true; claims: SchoolLinkClaims }
  | { ok: false; reason: 'malformed' | 'tampered' | 'expired'; claims?: SchoolLinkClaims };

const b64 = (b: Buffer) => b.toString('base64url');
const mac = (key: Uint8Array, payload: string) => createHmac('sha256', key).update(`school-link.v1.${payload}`).digest();

/** The token for a school's link, valid until `expiresAt`. Pure. */
export function signSchoolLink(key: Uint8Array, claims: SchoolLinkClaims): string {
  const payload = b64(Buffer.from(JSON.stringify({ u: claims.urn, e: claims.expiresAt }), 'utf8'));
  return `${payload}.${b64(mac(key, payload))}`;
}

/**
 * When a link made at `at` stops working: SCHOOL_LINK_DAYS after it is made,
 * or, when what comes with it asks something of the school by a date (the
 * evaluation due by 31 August, the sessions of a schedule), SCHOOL_LINK_MARGIN_DAYS
 * after the latest of those `dates`, whichever is later. So a link never dies
 * before what its email asks is due. Dates that are not instants are ignored. Pure.
 */
export function schoolLinkExpiry(at: string, dates: readonly (string | null | undefined)[] = []): string {
  const latest = Math.max(-Infinity, ...dates.map((d) => (typeof d === 'string' ? Date.parse(d) : NaN)).filter((t) => !Number.isNaN(t)));
  return new Date(Math.max(Date.parse(at) + SCHOOL_LINK_DAYS * DAY_MS, latest + SCHOOL_LINK_MARGIN_DAYS * DAY_MS)).toISOString();
}

/** The token of a link for `urn` made at `at`, valid until schoolLinkExpiry(at, dates). Pure. */
export function schoolLinkToken(key: Uint8Array, urn: string, at: string, dates: readonly (string | null | undefined)[] = []): string {
  return signSchoolLink(key, { urn, expiresAt: schoolLinkExpiry(at, dates) });
}

/** Checks a token's seal, then its expiry against `now` (ISO). Pure. */
export function verifySchoolLink(key: Uint8Array, token: string, now: string): SchoolLinkCheck {
  const m = /^([A-Za-z0-9_-]{8,400})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, payload, sig] = m as unknown as [string, string, string];
  // Compare the encoded text, not decoded bytes: base64url ignores the last character's low bits, so
  // several spellings decode to one seal, and a link altered there must still be refused.
  const expected = Buffer.from(b64(mac(key, payload)), 'ascii');
  const given = Buffer.from(sig, 'ascii');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'tampered' };
  let claims: SchoolLinkClaims;
  try {
    const o = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u?: unknown; e?: unknown };
    if (typeof o.u !== 'string' || typeof o.e !== 'string' || Number.isNaN(Date.parse(o.e))) return { ok: false, reason: 'malformed' };
    claims = { urn: o.u, expiresAt: o.e };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (Date.parse(now) > Date.parse(claims.expiresAt)) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/** The full URL of a school link under `baseUrl` (no trailing slash needed). Pure. */
export function schoolLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${SCHOOL_LINK_PATH}/${token}`;
}
