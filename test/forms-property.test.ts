/**
 * validateForm on anything at all: arbitrary JSON and randomly damaged valid
 * forms never make it throw, and every answer is a usable report.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sentence, type Problem } from '../domain/errors.js';
import { SchoolDetails, Teacher } from '../machines/events.js';
import { countWords, formToApplication, validateForm, type FormValidation } from '../domain/forms/index.js';
import { findJsonBreak } from '../domain/forms/json-error.js';

const NAMES = ['secondary-eoi-2018', 'secondary-development-2020', 'primary-readiness-2020', 'primary-trg-eoi-2019', 'bad-readiness', 'bad-secondary'];
const EXAMPLES: unknown[] = NAMES.map((n) => JSON.parse(readFileSync(`examples/forms/${n}.json`, 'utf8')));

/** The report is well formed: problems have a path and a message, ok means no error, a form comes only with ok. */
function expectWellFormed(r: FormValidation): void {
  for (const p of r.problems) {
    expect(typeof p.path).toBe('string');
    expect(p.path.length).toBeGreaterThan(0);
    expect(typeof p.message).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
    expect(['error', 'warning']).toContain(p.severity);
    expect(sentence(p).length).toBeGreaterThan(p.path.length);
  }
  const errors = r.problems.filter((p: Problem) => p.severity === 'error');
  expect(r.ok).toBe(errors.length === 0);
  expect(r.form !== undefined).toBe(r.ok);
  if (r.ok) {
    // A valid form always maps to what an APPLY event accepts.
    const app = formToApplication(r.form!);
    SchoolDetails.parse(app.school);
    for (const t of app.teachers) Teacher.parse(t);
  }
}

type Path = (string | number)[];

/** Every path to a value inside a JSON value (objects and arrays included). */
function pathsOf(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

type Mutation = { op: 'set'; value: unknown } | { op: 'delete' } | { op: 'addKey'; key: string; value: unknown };

function mutate(form: unknown, path: Path, m: Mutation): unknown {
  const copy = structuredClone(form);
  if (path.length === 0) return m.op === 'set' ? m.value : copy;
  let parent: any = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const last = path[path.length - 1]!;
  if (m.op === 'set') parent[last] = m.value;
  else if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) target[m.key] = m.value;
  }
  return copy;
}

/** Values a person or a program might put in a form field by mistake. */
const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', ' ', '12345', '1234567', 'bob@', 'Y7', 'R', 'mathsLead', 'teacher', '2018-06-16', '2021-02-29', '01636 814000', 'otherReason', '__proto__', 'constructor'),
  fc.string({ maxLength: 30 }),
  fc.lorem({ maxCount: 300, mode: 'words' }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fieldValue.map((value) => ({ op: 'set' as const, value })),
  fc.constant({ op: 'delete' as const }),
  fc.tuple(fc.constantFrom('extra', 'toString', '__proto__', 'constructor', 'hasOwnProperty'), fieldValue).map(([key, value]) => ({ op: 'addKey' as const, key, value })),
);

/** A valid or invalid example with one to four random mutations at random places. */
const damagedForm = fc
  .tuple(fc.integer({ min: 0, max: EXAMPLES.length - 1 }), fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }))
  .map(([n, changes]) => {
    let form = EXAMPLES[n];
    for (const [pick, m] of changes) {
      const paths = pathsOf(form);
      form = mutate(form, paths[pick % paths.length]!, m);
    }
    return form;
  });

describe('validateForm never throws and always reports', () => {
  it('on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        const r = validateForm(input);
        expectWellFormed(r);
        expect(r.ok).toBe(false);
        expect(r.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 1500 },
    );
  });

  it('on arbitrary objects that claim a known kind', () => {
    const kinds = fc.constantFrom('secondary-eoi-2018', 'secondary-development-2020', 'primary-readiness-2020', 'primary-trg-eoi-2019');
    fc.assert(
      fc.property(kinds, fc.dictionary(fc.constantFrom('school', 'teachers', 'statements', 'signatures', 'eligibility', 'group', 'submittedOn', 'masterySpecialist', 'x'), fc.jsonValue({ maxDepth: 3 })), (kind, rest) => {
        const r = validateForm({ ...rest, kind });
        expectWellFormed(r);
        expect(r.kind).toBe(kind);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('on valid forms damaged at random', () => {
    let stillValid = 0;
    fc.assert(
      fc.property(damagedForm, (input) => {
        const r = validateForm(input);
        expectWellFormed(r);
        if (r.ok) stillValid += 1;
      }),
      { numRuns: 2500 },
    );
    // Some damage is harmless (an optional field dropped, a statement rewritten),
    // so the valid path and formToApplication were exercised too.
    expect(stillValid).toBeGreaterThan(30);
  });

  it('gives the same answer twice for the same input', () => {
    fc.assert(
      fc.property(damagedForm, (input) => {
        const before = JSON.stringify(input);
        const a = validateForm(input);
        expect(JSON.stringify(input)).toBe(before); // the input is not changed
        expect(validateForm(input)).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });
});

describe('word limits hold for any statement', () => {
  const readiness = EXAMPLES[2] as { statements: { headteacher: string }; eligibility: { criteria: string[] } };

  it('"up to 250": an error exactly when the statement has more than 250 words', () => {
    fc.assert(
      fc.property(fc.lorem({ maxCount: 320, mode: 'words' }), (text) => {
        const form = { ...readiness, eligibility: { criteria: ['otherReason'], otherReason: 'because of reasons' }, statements: { headteacher: `another reason ${text}` } };
        const over = countWords(form.statements.headteacher) > 250;
        const problems = validateForm(form).problems.filter((p) => p.path === 'statements.headteacher');
        expect(problems.some((p) => p.message.startsWith('must be up to 250 words'))).toBe(over);
        expect(problems.every((p) => p.severity === 'error')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('finding where a form file stops being JSON', () => {
  function parses(text: string): boolean {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  }

  it('finds no break in valid JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(findJsonBreak(text)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with JSON.parse on damaged JSON, and points inside the text', () => {
    const damaged = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\\', '\n', '{', '0'))
      .map(([text, at, insert]) => {
        const cut = at % (text.length + 1);
        return text.slice(0, cut) + insert + text.slice(cut + (insert === '' ? 1 : 0));
      });
    fc.assert(
      fc.property(damaged, (text) => {
        const found = findJsonBreak(text);
        expect(found === null).toBe(parses(text));
        if (found) {
          expect(found.offset).toBeGreaterThanOrEqual(0);
          expect(found.offset).toBeLessThanOrEqual(text.length);
          expect(found.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
