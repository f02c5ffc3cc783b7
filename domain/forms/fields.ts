/**
 * Field schemas shared by the application forms: URN, UK phone number, email,
 * people, dates and signatures. Pure: schemas and small predicates.
 */
import { z } from 'zod';
import { DateTime } from 'luxon';

const LONDON = 'Europe/London';

/** A trimmed, non-empty line of text. */
export const Text = z.string().trim().min(1, 'must not be empty');

/** A person's name: non-empty, at most 100 characters. */
export const Name = Text.max(100, 'must be at most 100 characters');

/** A school's Unique Reference Number: exactly six digits, written as a string. */
export const Urn = z.string().trim().regex(/^\d{6}$/, 'must be exactly 6 digits (the school URN)');

export const Email = z.string().trim().pipe(z.email('must be an email address'));

/**
 * True for a UK telephone number: 0 then 9 or 10 digits, or +44 / 0044 then
 * the same without the 0; spaces, dashes, dots, brackets and "(0)" are allowed
 * as people write them. Pure.
 */
export function isUkPhone(s: string): boolean {
  const compact = s.replace(/\(0\)/g, '').replace(/[\s\-().]/g, '');
  return /^(?:0|\+44|0044)[1-9]\d{8,9}$/.test(compact);
}

export const UkPhone = z.string().trim().refine(isUkPhone, 'must be a UK phone number, e.g. 01636 814000 or +44 1636 814000');

const knownDays = new Map<string, boolean>();

/** True for a real calendar date written YYYY-MM-DD (read in Europe/London). Pure (memoised). */
export function isIsoDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  let valid = knownDays.get(s);
  if (valid === undefined) {
    valid = DateTime.fromISO(s, { zone: LONDON }).isValid;
    // A form has a handful of dates and they repeat; luxon takes ~15 microseconds a date.
    if (knownDays.size >= 4096) knownDays.clear();
    knownDays.set(s, valid);
  }
  return valid;
}

/** A London calendar day, YYYY-MM-DD. */
export const IsoDay = z.string().trim().refine(isIsoDay, 'must be a real date written YYYY-MM-DD');

/**
 * Compares two London calendar days written YYYY-MM-DD (both already checked
 * by isIsoDay): negative when a is earlier. Zero-padded ISO days sort in
 * calendar order as text, and a day has no time or offset to convert, so this
 * needs no time-zone lookup (luxon's costs about 30 microseconds a date, which
 * adds up over every signature of every form). Pure.
 */
export function compareDays(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The last day (31 August) of an academic year written "2020/21". Pure. */
export function lastDayOfAcademicYear(academicYear: string): string {
  const first = Number(academicYear.slice(0, 4));
  return DateTime.fromObject({ year: first + 1, month: 8, day: 31 }, { zone: LONDON }).toISODate()!;
}

/**
 * The first day a form for `academicYear` may be submitted: 1 September of the
 * year before it (Readiness 2020/21 recruited from spring 2020; Secondary
 * Development 2020/21 by 13 July 2020), as a London date. Pure.
 */
export function firstDayOfApplications(academicYear: string): string {
  return `${Number(academicYear.slice(0, 4)) - 1}-09-01`;
}

/** Yes/no answers on the forms are JSON booleans. */
export const YesNo = z.boolean({ error: 'must be true (yes) or false (no)' });

export const Person = z.strictObject({ name: Name, email: Email });
export type Person = z.infer<typeof Person>;

/** An electronic signature: who signed and on which day. */
export const Signature = z.strictObject({ name: Name, signedOn: IsoDay });
export type Signature = z.infer<typeof Signature>;

/** A statement: free text; its word limit is a cross-field rule (it depends on the form's rules). */
export const Statement = z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters');

export const PRIMARY_YEAR_GROUPS = ['R', 'Y1', 'Y2', 'Y3', 'Y4', 'Y5', 'Y6'] as const;
export const SECONDARY_YEAR_GROUPS = ['Y7', 'Y8', 'Y9', 'Y10', 'Y11', 'Y12', 'Y13'] as const;

/** The year groups a teacher teaches: at least one, none twice. */
export function yearGroups(groups: readonly [string, ...string[]]) {
  return z
    .array(z.enum(groups, { error: `must be one of ${groups.join(', ')}` }))
    .min(1, 'must list at least one year group taught')
    .refine((ys) => new Set(ys).size === ys.length, 'must not list a year group twice');
}
