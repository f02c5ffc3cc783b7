/**
 * The date option of `pathway schools history --at` and `pathway tick
 * --until`: a London date (the end of that day) or an ISO instant with offset.
 */
import { DateTime } from 'luxon';
import { UsageError } from '../exit.js';

/** Checks --at: a date (YYYY-MM-DD, the end of that London day) or an ISO instant with offset. Throws UsageError. Pure. */
export function historyAt(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if (!DateTime.fromISO(value, { zone: 'Europe/London' }).isValid) throw new UsageError(`--at ${value} is not a real date`);
    return value;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && DateTime.fromISO(value, { setZone: true }).isValid) return value;
  throw new UsageError(`--at must be a date (2021-03-01, meaning the end of that day in London) or an ISO date-time with offset, not ${JSON.stringify(value)}`);
}
