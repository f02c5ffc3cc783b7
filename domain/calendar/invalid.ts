/**
 * One-problem ValidationError for calendar inputs, so a bad date or time from a
 * hub reaches the CLI as exit 2 and the API as HTTP 400 with the field, the rule
 * and the value. Pure.
 */
import { ValidationError } from '../errors.js';

/** Throws a ValidationError naming `field`, the broken `rule` and the offending `value`. Pure. */
export function invalid(field: string, rule: string, value?: unknown, what = 'calendar input'): never {
  throw new ValidationError([{ path: field, message: rule, value, severity: 'error' }], what);
}
