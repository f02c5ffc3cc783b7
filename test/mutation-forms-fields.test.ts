/**
 * The field rules of the application forms (domain/forms/fields.ts) called
 * directly, with the values people type and the words they get back (issue
 * 15: the mutation run on this module left these untested).
 */
import { describe, expect, it } from 'vitest';
import { Email, IsoDay, Name, Statement, Text, UkPhone, Urn, isIsoDay, isUkPhone } from '../domain/forms/fields.js';
import type { z } from 'zod';

/** The first problem's words, or null when the value is accepted. */
function problem(schema: z.ZodType, value: unknown): string | null {
  const r = schema.safeParse(value);
  return r.success ? null : (r.error.issues[0]?.message ?? '');
}

describe('fields', () => {
  it('says what is wrong with an empty line, a long name, a long statement and a bad email', () => {
    expect(problem(Text, '   ')).toBe('must not be empty');
    expect(problem(Name, 'x'.repeat(101))).toBe('must be at most 100 characters');
    expect(problem(Name, 'x'.repeat(100))).toBeNull();
    expect(problem(Statement, '')).toBe('must not be empty');
    expect(problem(Statement, 'w '.repeat(10_001))).toBe('must be at most 20000 characters');
    expect(problem(Email, 'head@school')).toBe('must be an email address');
    expect(problem(Email, ' head@school.example ')).toBeNull();
  });

  it('takes a URN of exactly six digits, spaces around it ignored', () => {
    expect(problem(Urn, ' 108514 ')).toBeNull();
    for (const bad of ['10851', '1085140', '10851a', 'URN 108514']) expect(problem(Urn, bad), bad).toBe('must be exactly 6 digits (the school URN)');
  });

  it('takes UK phone numbers as people write them, and nothing around them', () => {
    for (const ok of ['01636 814000', '+44 (0)1636 814000', '0044 1636-814000', '(01636) 814.000', '020 7946 0000']) expect(isUkPhone(ok), ok).toBe(true);
    for (const bad of ['x01636814000', '01636814000x', '+4401636814000x', '1636 814000', '016368140', '016368140000', '00 1636 814000']) expect(isUkPhone(bad), bad).toBe(false);
    expect(problem(UkPhone, '12345')).toBe('must be a UK phone number, e.g. 01636 814000 or +44 1636 814000');
  });

  it('takes real calendar days written YYYY-MM-DD only, the same answer each time asked', () => {
    for (const ok of ['2020-02-29', '2021-12-31']) expect(isIsoDay(ok), ok).toBe(true);
    for (const bad of ['2021-02-29', '2020-13-01', '20200101', 'x2020-01-01', '2020-01-01x', '2020-01-01T09:00', '2020-1-1']) {
      expect(isIsoDay(bad), bad).toBe(false);
      expect(isIsoDay(bad), `${bad}, asked again`).toBe(false);
    }
    expect(problem(IsoDay, '2021-02-30')).toBe('must be a real date written YYYY-MM-DD');
    expect(problem(IsoDay, ' 2021-02-28 ')).toBeNull();
  });
});
