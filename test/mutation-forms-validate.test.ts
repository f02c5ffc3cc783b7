/**
 * Tests added from the mutation run on domain/forms/validate.ts (101/140
 * before them): the TRG form's default hub, a form with no hub at all, input
 * that is not an object, and the shared schema (FormSchema, used for the API
 * documentation and parseOrThrow) checking forms under the default rules
 * even right after validateForm ran with other rules. The forms module is
 * imported inside each test: its schemas are built as it loads, and a
 * broken one must fail a test, not the file's load (which a mutation run
 * would not count).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const load = (name: string): Json => JSON.parse(readFileSync(`examples/forms/${name}.json`, 'utf8'));
const forms = () => import('../domain/forms/index.js');
const KINDS = ['secondary-eoi-2018', 'secondary-development-2020', 'primary-readiness-2020', 'primary-trg-eoi-2019'];

describe('validateForm, beyond the rules', () => {
  it("gives a TRG form that names no hub its rules' default hub, and keeps a hub it names", async () => {
    const { validateForm, formToApplication, defaultRules } = await forms();
    const form = load('primary-trg-eoi-2019');
    delete form.school.hub;
    const r = validateForm(form);
    expect(r.ok).toBe(true);
    expect(r.form?.school.hub).toBe('Cambridge Maths Hub');
    expect(formToApplication(r.form!).school.hub).toBe('Cambridge Maths Hub');
    const other = load('primary-trg-eoi-2019');
    other.school.hub = 'Jurassic Maths Hub';
    expect(validateForm(other, { knownHubs: ['Jurassic Maths Hub', 'Cambridge Maths Hub'] }).form?.school.hub).toBe('Jurassic Maths Hub');
    // With no default in its rules the hub stays unset, and the application cannot be made.
    const none = validateForm(form, { defaultHub: undefined });
    expect(none.ok).toBe(true);
    expect(none.form?.school.hub).toBeUndefined();
    expect(() => formToApplication(none.form!, { ...defaultRules['primary-trg-eoi-2019'], defaultHub: undefined })).toThrow(
      new Error(`form primary-trg-eoi-2019 for URN ${form.school.urn} names no Maths Hub and its rules give no default hub`),
    );
  });

  it('answers input that is not an object, or an unknown kind, with problems, never by throwing', async () => {
    const { validateForm } = await forms();
    for (const input of [undefined, null, 'a form', 42, [], [{ kind: 'secondary-eoi-2018' }], { kind: 'tax-return-2020' }]) {
      const r = validateForm(input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      expect(r.problems.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(r.kind).toBeUndefined();
    }
  });
});

describe('FormSchema, the schema of every kind under its default rules', () => {
  it('accepts each seed example, warnings and all, and refuses an unknown kind', async () => {
    const { FormSchema } = await forms();
    for (const kind of KINDS) expect(FormSchema.safeParse(load(kind)).success, kind).toBe(true);
    // A warning (two teachers of the same name) does not fail the parse, even with nowhere to put it.
    const warned = load('secondary-eoi-2018');
    warned.teachers[1].name = 'David Okafor';
    warned.signatures.teacher2.name = 'David Okafor';
    expect(FormSchema.safeParse(warned).success).toBe(true);
    expect(FormSchema.safeParse({ ...load('secondary-eoi-2018'), kind: 'tax-return-2020' }).success).toBe(false);
  });

  it('uses the default rules even right after validateForm ran under a hub deadline', async () => {
    const { FormSchema, validateForm } = await forms();
    const form = load('primary-readiness-2020');
    expect(validateForm(form, { deadline: { date: '2020-03-01', source: 'hub' } }).ok).toBe(false);
    expect(FormSchema.safeParse(form).success).toBe(true);
    const late = FormSchema.safeParse({ ...form, teachers: [{ ...form.teachers[0], role: 'teacher' }, form.teachers[1]] });
    expect(late.success).toBe(false);
  });
});
