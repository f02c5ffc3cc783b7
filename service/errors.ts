/**
 * Errors of the hub operations service beyond the domain's own (ValidationError,
 * EventRejectedError, VersionConflictError, UnknownSchoolError). Each names
 * what was asked and why it cannot be done. The HTTP API maps them to status
 * codes (api/errors.ts), the CLI to exit codes (cliFailure). Pure.
 */
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../domain/errors.js';
import { GroupVersionConflict } from '../store/ops/groups.js';

/** No token, or a token that is unknown or revoked. HTTP 401. */
export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}

/** The caller's role or hubs do not allow this. HTTP 403. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

/**
 * What the caller can do next, named apart from any interface: each interface
 * words it (the CLI as the command to run), so no message names an HTTP route
 * to a person at the command line or a command to an API client.
 */
export type NextStep = { kind: 'list-groups' } | { kind: 'create-group' } | { kind: 'select-schools'; groupId: string } | { kind: 'show-group'; groupId: string } | { kind: 'list-users' };

/** A work group, session or user that does not exist. HTTP 404. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly what: string, readonly id: string, hint = '', readonly next?: NextStep) {
    super(`no ${what} ${id}${hint ? `: ${hint}` : ''}`);
  }
}

/** Something with this id exists already. HTTP 409. */
export class AlreadyExistsError extends Error {
  override readonly name = 'AlreadyExistsError';
}

/** Well formed, but the programme's rules or the group's state refuse it (a full group, the wrong hub). HTTP 422. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(message: string, readonly next?: NextStep) {
    super(message);
  }
}

/** A school that would refuse a change of its work group's session, and why, in plain words (no ids or rule names). */
export interface SchoolRefusal {
  urn: string;
  name: string;
  reason: string;
}

/**
 * A change of one session of a work group (a move, a cancellation) that the
 * rules of some of its schools refuse: asked before anything is stored, so
 * nothing was changed, for the group or any of its schools. HTTP 422.
 */
export class SessionChangeRefused extends RefusedError {
  constructor(readonly change: 'move' | 'cancel', readonly refusals: SchoolRefusal[], readonly schools: number) {
    super(
      `the session was not ${change === 'move' ? 'moved' : 'cancelled'}, for any of its ${schools} ${schools === 1 ? 'school' : 'schools'}, and nothing was changed: ` +
        refusals.map((r) => `${r.name} (URN ${r.urn}): ${r.reason}`).join('; '),
    );
  }
}

/** True for errors caused by what the caller asked (exit 2 in the CLI), false for the environment's failures. Pure. */
export function isCallerError(err: unknown): boolean {
  return (
    err instanceof ValidationError ||
    err instanceof EventRejectedError ||
    err instanceof VersionConflictError ||
    err instanceof UnknownSchoolError ||
    err instanceof GroupVersionConflict ||
    err instanceof ForbiddenError ||
    err instanceof NotFoundError ||
    err instanceof AlreadyExistsError ||
    err instanceof RefusedError ||
    err instanceof UnauthenticatedError
  );
}

/**
 * A change arrived while the service was already handling as many as it
 * takes at once (api/write-gate.ts): refused before its body is read, so
 * nothing of it is saved; 503 with Retry-After. Here, not in api/, because
 * the pages answer it too.
 */
export class ServiceBusyError extends Error {
  override readonly name = 'ServiceBusyError';
  constructor(readonly limit: number, readonly retryAfterSeconds = 1) {
    super(`the service is busy saving ${limit} other changes, the most it takes at once; nothing of this one was saved: try again in ${retryAfterSeconds} s`);
  }
}
