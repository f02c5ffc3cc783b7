/** Maps errors to CLI exit codes and one-line messages. */
import { ValidationError, EventRejectedError, VersionConflictError, UnknownSchoolError, sentence } from '../domain/errors.js';

/** 2 = the input or a rule refused it; 1 = the environment failed (database, network, disk). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ValidationError || err instanceof EventRejectedError || err instanceof VersionConflictError || err instanceof UnknownSchoolError) return 2;
  if (err instanceof UsageError) return 2;
  return 1;
}

export function describeError(err: unknown): string {
  if (err instanceof ValidationError) return ['invalid input:', ...err.problems.map((p) => `  ${sentence(p)}`)].join('\n');
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Bad command-line usage found after parsing (a file that is not JSON, ...). Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
