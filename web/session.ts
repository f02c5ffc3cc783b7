/**
 * Who is signed in to the pages: the session cookie (sealed by
 * @fastify/secure-session) holds the person's token, checked against the
 * users table on every request, so a revoked token signs the person out at
 * once. A session ends after an hour without use or twelve hours after
 * sign-in, whichever comes first. Not pure (cookie and database).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Service } from '../service/context.js';
import { authenticate } from '../service/users.js';
import { UnauthenticatedError } from '../service/errors.js';

declare module '@fastify/secure-session' {
  interface SessionData {
    token: string;
    signedInAt: number;
    seenAt: number;
    /** Shown once on the next page ("You have signed out", "Attendance recorded"). */
    flash: string;
  }
}

/** Idle time after which a session ends (wall clock: it is about people, not school time). */
export const IDLE_MS = 60 * 60_000;
/** Longest a session lasts after sign-in. */
export const ABSOLUTE_MS = 12 * 60 * 60_000;

/** Why the person is asked to sign in again, for the sign-in page. */
export type SignInReason = 'expired' | 'revoked' | 'required';

/** The signed-in person, or null; an expired or revoked session is cleared. Not pure. */
export async function loadPrincipal(svc: Service, request: FastifyRequest, idleMs = IDLE_MS): Promise<Principal | null> {
  const s = request.session;
  const token = s?.get('token');
  if (!token) return null;
  const now = Date.now();
  const signedInAt = s.get('signedInAt') ?? 0;
  const seenAt = s.get('seenAt') ?? 0;
  if (now - seenAt > idleMs || now - signedInAt > ABSOLUTE_MS) {
    endSession(request);
    (request as { sessionEnded?: SignInReason }).sessionEnded = 'expired';
    return null;
  }
  try {
    const p = await authenticate(svc, token);
    // Refresh the idle clock at most once a minute, so most pages send no new cookie.
    if (now - seenAt > Math.min(60_000, idleMs / 4)) s.set('seenAt', now);
    return p;
  } catch (err) {
    if (!(err instanceof UnauthenticatedError)) throw err;
    endSession(request);
    (request as { sessionEnded?: SignInReason }).sessionEnded = 'revoked';
    return null;
  }
}

/**
 * The person a session belongs to, read only: for a page served outside the
 * pages' own context (the not-found page of any address), which can neither
 * refresh nor clear the cookie. Null when the session has run out or its
 * token was revoked. Not pure (database).
 */
export async function principalOfSession(svc: Service, session: { get(key: 'token' | 'signedInAt' | 'seenAt'): unknown } | null, idleMs = IDLE_MS): Promise<Principal | null> {
  const token = session?.get('token');
  if (typeof token !== 'string' || token === '') return null;
  const now = Date.now();
  const signedInAt = Number(session!.get('signedInAt') ?? 0);
  const seenAt = Number(session!.get('seenAt') ?? 0);
  if (now - seenAt > idleMs || now - signedInAt > ABSOLUTE_MS) return null;
  try {
    return await authenticate(svc, token);
  } catch (err) {
    if (err instanceof UnauthenticatedError) return null;
    throw err;
  }
}

/** How a request outside the pages' context finds who is signed in, by the instance the pages were registered on. */
const readersOutside = new WeakMap<object, (request: FastifyRequest) => Promise<Principal | null>>();

/** Set by the pages plugin: `read` finds who a request's session cookie belongs to, read only. Not pure. */
export function readSessionsOutside(root: object, read: (request: FastifyRequest) => Promise<Principal | null>): void {
  readersOutside.set(root, read);
}

/**
 * Who is signed in, for a page served before or outside the pages' own
 * hooks (the not-found page of any address, the busy page of the write
 * gate): null when nobody is, or the pages are not registered. Not pure.
 */
export async function signedInOutside(request: FastifyRequest): Promise<Principal | null> {
  return (await readersOutside.get(request.server)?.(request).catch(() => null)) ?? null;
}

/** Starts a session for a token already checked. Not pure. */
export function startSession(request: FastifyRequest, token: string): void {
  const now = Date.now();
  request.session.regenerate();
  request.session.set('token', token);
  request.session.set('signedInAt', now);
  request.session.set('seenAt', now);
}

/** Ends the session (sign out, expiry). Not pure. */
export function endSession(request: FastifyRequest): void {
  request.session?.delete();
}

/** Leaves a one-line message for the next page. Not pure. */
export function flash(request: FastifyRequest, message: string): void {
  request.session.set('flash', message);
}

/** Takes the message left for this page, if any. Not pure. */
export function takeFlash(request: FastifyRequest): string | null {
  const m = request.session?.get('flash');
  if (!m) return null;
  request.session.set('flash', undefined);
  return m;
}

/** Only a path on this site may be a return address (no open redirects). Pure. */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length < 500 ? value : '/';
}

/** The signed-in person, or a redirect to sign-in that comes back here. Not pure. */
export function requireSignIn(request: FastifyRequest, reply: FastifyReply): Principal | null {
  if (request.principal) return request.principal;
  const reason = (request as { sessionEnded?: SignInReason }).sessionEnded ?? 'required';
  void reply.redirect(`/sign-in?reason=${reason}&return=${encodeURIComponent(safeReturnPath(request.url))}`, 303);
  return null;
}
