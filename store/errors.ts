/**
 * Errors of the store layer: the database could not be reached or opened, or
 * its schema history does not match the migration files. Pure.
 */

/** The database could not be reached or opened. CLI exit 1, HTTP 503. Nothing was written. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  constructor(
    /** What was tried, e.g. "Postgres at 127.0.0.1:5432/test". */
    readonly target: string,
    /** What went wrong, in the driver's words. */
    readonly reason: string,
    /** How to fix it. */
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot use ${target}: ${reason}. ${hint}`, options);
  }
}

/** The schema history in the database and the migration files disagree. CLI exit 1. Nothing was changed. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(message: string, readonly migration: string) {
    super(message);
  }
}
