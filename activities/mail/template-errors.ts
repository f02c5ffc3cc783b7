/**
 * The error of a template lookup that finds nothing: bad effect data, never
 * retried. Temporal reads a thrown error's type as
 * `error.constructor?.name ?? error.name` (`ensureApplicationFailure` in
 * @temporalio/common), so this is a class whose constructor's name is the
 * type listed in NON_RETRYABLE_ERROR_TYPES (workflows/messages.ts); an Error
 * with only its `name` set would be retried for ever. Pure.
 */
export class UnknownTemplateError extends Error {
  override readonly name = 'UnknownTemplateError';
  constructor(readonly template: string, known: readonly string[]) {
    super(`no message template "${template}"; known: ${known.join(', ')}`);
  }
}
