/**
 * How the API reports failures: one JSON shape `{ error, problems?,
 * currentVersion? }` and a status code per kind of failure.
 *
 *   400  bad input (zod): `problems` lists each field as {path, message, value, in}
 *   401  no token, or an unknown or revoked one
 *   403  outside the caller's hub, or not allowed by their role (auditors never write)
 *   404  unknown school, work group, session, user, or route
 *   409  If-Match is stale (`currentVersion` says the version now), or an id is taken
 *   413  body over the limit (256 KB)
 *   415  body not JSON
 *   429  too many failed authentications from one address, or too many
 *        writes on one token, in a minute (Retry-After says how long to wait)
 *   422  well formed, but the programme's rules refuse it (EventRejectedError:
 *        `error` says why), or a group is full / in another hub
 *   423  the school's history was found tampered: no write until an admin
 *        signs off a correction (`reason`, `atVersion` say what was found)
 *   500  a fault of the service itself (logged with the request id, which the
 *        reply carries in X-Request-Id and `requestId`; the message says only that)
 *   503  the database is unavailable, or the service is saving as many changes
 *        at once as it takes (Retry-After says when to try again; nothing saved)
 *
 * 422 rather than 409 for a rule's refusal, so that 409 always means "reload
 * and try again" and 422 "this will not work as asked". Nothing is written on
 * any error: every check runs before the engine appends. Not pure (replies).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError, sentence, type Problem } from '../domain/errors.js';
import { DatabaseUnavailableError } from '../store/errors.js';
import { asTamperedError, TamperedSchoolError } from '../store/tamper.js';
import { GroupVersionConflict } from '../store/ops/groups.js';
import { AlreadyExistsError, ForbiddenError, NotFoundError, RefusedError, ServiceBusyError, UnauthenticatedError } from '../service/errors.js';

/** A request part that failed its schema: the problems, tagged with where they are. */
export class RequestValidationError extends ValidationError {
  constructor(problems: Problem[], readonly part: 'body' | 'query' | 'params' | 'headers') {
    super(problems.map((p) => ({ ...p, in: part }) as Problem), `request ${part === 'params' ? 'path' : part}`);
  }
}

/** Too many tries (failed authentications from one address, or writes on one token): 429 with Retry-After. */
export class TooManyRequestsError extends Error {
  override readonly name = 'TooManyRequestsError';
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

interface Body {
  error: string;
  problems?: (Problem & { in?: string })[];
  currentVersion?: number;
  [k: string]: unknown;
}

/** The status and body for an error. Pure. */
export function errorReply(err: unknown): { status: number; body: Body } {
  if (err instanceof ValidationError) {
    const errors = err.problems.filter((p) => p.severity === 'error');
    return { status: 400, body: { error: `${errors.length === 1 ? 'one problem' : `${errors.length} problems`}: ${errors.map(sentence).join(' ')}`, problems: err.problems } };
  }
  if (err instanceof UnauthenticatedError) return { status: 401, body: { error: err.message } };
  if (err instanceof TooManyRequestsError) return { status: 429, body: { error: err.message } };
  if (err instanceof ForbiddenError) return { status: 403, body: { error: err.message } };
  if (err instanceof UnknownSchoolError || err instanceof NotFoundError) return { status: 404, body: { error: err.message } };
  if (err instanceof VersionConflictError) return { status: 409, body: { error: err.message, currentVersion: err.actual } };
  if (err instanceof GroupVersionConflict) return { status: 409, body: { error: err.message, currentVersion: err.actual } };
  if (err instanceof AlreadyExistsError) return { status: 409, body: { error: err.message } };
  const tampered = asTamperedError(err);
  if (tampered instanceof TamperedSchoolError) return { status: 423, body: { error: tampered.message, reason: tampered.reason, atVersion: tampered.atVersion } };
  if (err instanceof EventRejectedError) {
    // The rule a refusal names ("(rule leaderLoad, seed 000: ...)"), and the request field it is about where a route knows it.
    const rule = /\(rule (\w+)/.exec(err.why)?.[1];
    const field = (err as { field?: unknown }).field;
    return { status: 422, body: { error: err.message, reason: err.why, state: err.state, phase: err.phase, status: err.status, event: err.eventType, ...(rule ? { rule } : {}), ...(typeof field === 'string' ? { field } : {}) } };
  }
  if (err instanceof RefusedError) return { status: 422, body: { error: err.message } };
  if (err instanceof DatabaseUnavailableError) return { status: 503, body: { error: 'the database is unavailable; try again shortly' } };
  if (err instanceof ServiceBusyError) return { status: 503, body: { error: err.message } };
  const fe = err as Partial<FastifyError>;
  if (fe && typeof fe.code === 'string' && fe.code.startsWith('FST_')) {
    const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 400;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, body: { error: 'the request body is too large: at most 256 KB' } };
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, body: { error: 'send the body as JSON (Content-Type: application/json)' } };
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { status: 400, body: { error: 'the body is empty but Content-Type says JSON: send a JSON object' } };
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe as { name?: string }).name === 'SyntaxError') return { status: 400, body: { error: `the body is not valid JSON: ${fe.message}` } };
    return { status, body: { error: fe.message ?? 'bad request' } };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: fe.message ?? 'bad request' } };
  }
  return { status: 500, body: { error: 'the service failed to handle this request; it was logged with its request id' } };
}

/**
 * Fastify's error handler: log every server fault (whatever the request
 * logging), reply with the mapped status and body, the request id in both.
 * Not pure.
 */
export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = errorReply(err);
  if (err instanceof TooManyRequestsError || err instanceof ServiceBusyError) void reply.header('retry-after', String(err.retryAfterSeconds));
  // Shedding load is the service working as meant: a warning, not a fault.
  if (err instanceof ServiceBusyError) request.log.warn({ method: request.method, url: request.url.split('?')[0], status, limit: err.limit }, 'change refused: busy');
  else if (status >= 500) request.log.error({ err, method: request.method, url: request.url.split('?')[0], status }, 'request failed');
  void reply.code(status).type('application/json; charset=utf-8').send({ ...body, requestId: String(request.id) });
}
