/**
 * Maps errors to CLI exit codes and one-line messages. Errors are told apart by
 * name, so that starting the CLI does not load the service and the store just
 * to have their classes at hand. Pure.
 */
import { ValidationError, sentence } from '../domain/errors.js';

/** Errors caused by what the caller asked (exit 2), by name: bad input, a rule refused, not found, stale version. */
const CALLER_ERRORS = new Set([
  'ValidationError',
  'EventRejectedError',
  'VersionConflictError',
  'UnknownSchoolError',
  'GroupVersionConflict',
  'ForbiddenError',
  'NotFoundError',
  'AlreadyExistsError',
  'RefusedError',
  'UnauthenticatedError',
  'UsageError',
  'ConfigError',
]);

/** 2 = the input or a rule refused it; 1 = the environment failed (database, network, disk), or a history was tampered with. */
export function exitCodeFor(err: unknown): number {
  return err instanceof Error && CALLER_ERRORS.has(err.name) ? 2 : 1;
}

/** The command that does a service error's next step (service/errors.ts NextStep). Pure. */
export function nextStepCommand(next: { kind: string; groupId?: string }): string | null {
  switch (next.kind) {
    case 'list-groups':
      return 'list the work groups with `pathway groups list`';
    case 'create-group':
      return 'create one with `pathway groups create --programme <id> --hub <hub> --lead-name <name> --lead-email <email>`, then select again';
    case 'select-schools':
      return `select schools into it with \`pathway applications select <urn> --group ${next.groupId}\``;
    case 'show-group':
      return `see its sessions with \`pathway groups show ${next.groupId}\``;
    case 'apply':
      return 'an application is submitted with `pathway applications submit <form.json>`';
    case 'list-users':
      return 'see the people with `pathway users list`';
    default:
      return null;
  }
}

export function describeError(err: unknown): string {
  if (err instanceof ValidationError) return ['invalid input:', ...err.problems.map((p) => `  ${sentence(p)}`)].join('\n');
  if (err instanceof Error) {
    const next = err.name === 'UnknownSchoolError' ? { kind: 'apply' } : (err as { next?: { kind: string; groupId?: string } }).next;
    const command = next ? nextStepCommand(next) : null;
    return command ? `${err.message}; ${command}` : err.message;
  }
  return String(err);
}

/** Bad command-line usage found after parsing (a file that is not JSON, ...). Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
