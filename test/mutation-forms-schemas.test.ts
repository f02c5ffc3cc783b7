/**
 * The length limits of the application forms' fields (domain/forms/schemas.ts)
 * as an applicant meets them: a value one character too long is named by its
 * field with the limit in words; at the limit it is taken (issue 15: the
 * mutation run on this module left the limits' words untested).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateForm } from '../domain/forms/validate.js';

const readiness = () => JSON.parse(readFileSync('examples/forms/primary-readiness-2020.json', 'utf8')) as Record<string, any>;

function problemAt(form: unknown, path: string): string | undefined {
  const r = validateForm(form);
  return r.problems.find((p) => p.path === path && p.severity === 'error')?.message;
}

describe('the Readiness form (seed 002): each limited field says its limit', () => {
  const cases: [string, number, (f: Record<string, any>, v: string) => void][] = [
    ['school.hub', 120, (f, v) => (f.school.hub = v)],
    ['school.address', 500, (f, v) => (f.school.address = v)],
    ['school.localAuthority', 120, (f, v) => (f.school.localAuthority = v)],
    ['teachers.0.ncetmUsername', 100, (f, v) => (f.teachers[0].ncetmUsername = v)],
    ['teachers.0.responsibility', 200, (f, v) => (f.teachers[0].responsibility = v)],
    ['eligibility.otherReason', 1000, (f, v) => (f.eligibility.otherReason = v)],
    ['group.relationship', 1000, (f, v) => (f.group.relationship = v)],
  ];
  it.each(cases)('%s: at most %i characters', (path, limit, set) => {
    const over = readiness();
    set(over, 'x'.repeat(limit + 1));
    expect(problemAt(over, path)).toBe(`must be at most ${limit} characters`);
    const at = readiness();
    set(at, 'x'.repeat(limit));
    expect(problemAt(at, path)).toBeUndefined();
  });

  it('names the seed when the form lists other than two teachers', () => {
    const one = readiness();
    one.teachers = one.teachers.slice(0, 1);
    expect(problemAt(one, 'teachers')).toBe('must list exactly two teachers (seed 002)');
  });
});

describe('the Secondary Development form (seeds 000, 003)', () => {
  it('a Mastery Advocate’s responsibility: at most 200 characters', () => {
    const form = JSON.parse(readFileSync('examples/forms/secondary-development-2020.json', 'utf8')) as Record<string, any>;
    form.teachers[0].responsibility = 'x'.repeat(201);
    expect(problemAt(form, 'teachers.0.responsibility')).toBe('must be at most 200 characters');
  });
});
