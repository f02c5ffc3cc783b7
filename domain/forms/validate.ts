/**
 * Checking an application form and turning a valid one into what an APPLY
 * event needs. Pure: no I/O, no clock.
 */
import { z } from 'zod';
import { pathOf, problemsWithSeverity, type Problem } from '../errors.js';
import type { PhaseKind, Route } from '../catalogue/schema.js';
import type { SchoolDetails, Teacher } from '../school.js';
import { crossFieldIssues } from './checks.js';
import { defaultRules, isFormKind, type FormKind, type FormRules } from './rules.js';
import { AnyForm, formShapes, type ParsedForm } from './schemas.js';

export interface FormValidation {
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  /** The form's kind, when it names a known one. */
  kind?: FormKind;
  /** The parsed form (trimmed, defaults filled), when ok. */
  form?: ParsedForm;
  /** Every problem found, errors first, then warnings. */
  problems: Problem[];
}

/** The rules a form of `kind` is checked against: the defaults of its kind with `overrides` on top. Pure. */
export function rulesFor(kind: FormKind, overrides?: Partial<FormRules>): FormRules {
  return { ...defaultRules[kind], ...overrides, kind };
}

interface RefineContext {
  rules: FormRules;
  warnings?: Problem[];
}

// Run the cross-field rules even when some fields are wrong, so one parse reports everything.
const ALWAYS_ON_OBJECTS = { when: (payload: { value: unknown }) => payload.value !== null && typeof payload.value === 'object' };

/** The cross-field rules as a superRefine body: errors become zod issues, warnings (which must not fail the parse) go to the context. */
function crossFieldRefinement(context: () => RefineContext) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    const { rules, warnings } = context();
    for (const issue of crossFieldIssues(value, rules)) {
      if (issue.severity === 'warning') {
        warnings?.push({ path: pathOf(issue.path), message: issue.message, value: issue.value, severity: 'warning' });
      } else {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: issue.value, params: { severity: 'error', value: issue.value } });
      }
    }
  };
}

// validateForm's schemas are built once per kind and read the rules of the
// parse in progress from here (parsing is synchronous, so one at a time);
// outside validateForm they use the kind's default rules.
let parseInProgress: RefineContext | null = null;

function sharedSchema<K extends FormKind>(kind: K) {
  return formShapes[kind].superRefine(crossFieldRefinement(() => parseInProgress ?? { rules: defaultRules[kind] }), ALWAYS_ON_OBJECTS);
}

const SHARED = {
  'secondary-eoi-2018': sharedSchema('secondary-eoi-2018'),
  'secondary-development-2020': sharedSchema('secondary-development-2020'),
  'primary-readiness-2020': sharedSchema('primary-readiness-2020'),
  'primary-trg-eoi-2019': sharedSchema('primary-trg-eoi-2019'),
} as const;

/**
 * Checks an application form: the fields, then every cross-field rule of its
 * kind, all in one pass. `rules` replaces parts of the kind's default rules
 * (a hub's own deadline, say); a `rules.kind` that differs from the form's is
 * itself a problem. Never throws. Pure.
 */
export function validateForm(input: unknown, rules?: Partial<FormRules>): FormValidation {
  const kindValue = input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as { kind?: unknown }).kind : undefined;
  if (!isFormKind(kindValue)) {
    const r = AnyForm.safeParse(input);
    // Unreachable in practice (an unknown kind always fails the union), kept so the result is never wrong.
    if (r.success) return validateForm(r.data, rules);
    return { ok: false, problems: problemsWithSeverity(r.error, input) };
  }
  const kind = kindValue;
  if (rules?.kind !== undefined && rules.kind !== kind) {
    return { ok: false, kind, problems: [{ path: 'kind', message: `must be ${rules.kind}: the rules given are for that kind of form`, value: kind, severity: 'error' }] };
  }
  const effective = rulesFor(kind, rules);
  const warnings: Problem[] = [];
  parseInProgress = { rules: effective, warnings };
  let r;
  try {
    r = SHARED[kind].safeParse(input);
  } finally {
    parseInProgress = null;
  }
  const errors = r.success ? [] : problemsWithSeverity(r.error, input);
  const problems = [...errors.filter((p) => p.severity === 'error'), ...errors.filter((p) => p.severity === 'warning'), ...warnings];
  if (!r.success) return { ok: false, kind, problems };
  const form = r.data as ParsedForm;
  if (form.kind === 'primary-trg-eoi-2019' && form.school.hub === undefined && effective.defaultHub) {
    form.school.hub = effective.defaultHub;
  }
  return { ok: true, kind, form, problems };
}

/** What the host needs from a valid form to build an APPLY event (with the catalogue's programme). */
export interface FormApplication {
  urn: string;
  school: SchoolDetails;
  teachers: Teacher[];
  /** The schools the school asks to be grouped with: their URNs where the form gives them, else their names. */
  groupWith: string[];
  route: Route;
  phase: PhaseKind;
  academicYear: string;
}

/**
 * Maps a form that passed validateForm to the school, teachers and group of an
 * APPLY event, and the route, phase and year that pick its programme. A
 * teacher's role is the form's role id (e.g. "mathsLead"). Pure.
 */
export function formToApplication(form: ParsedForm, rules: FormRules = defaultRules[form.kind]): FormApplication {
  const hub = form.school.hub ?? rules.defaultHub;
  if (hub === undefined) throw new Error(`form ${form.kind} for URN ${form.school.urn} names no Maths Hub and its rules give no default hub`);
  const school: SchoolDetails = {
    name: form.school.name,
    route: rules.route,
    hub,
    headteacher: { name: form.school.headteacher.name, email: form.school.headteacher.email },
  };
  if ('localAuthority' in form.school) school.localAuthority = form.school.localAuthority;
  if ('headOfDepartment' in form.school) school.headOfDepartment = { name: form.school.headOfDepartment.name, email: form.school.headOfDepartment.email };
  const groupWith = form.kind === 'primary-readiness-2020' && form.group.applying ? form.group.schools.map((s) => s.urn ?? s.name) : [];
  return {
    urn: form.school.urn,
    school,
    teachers: form.teachers.map((t) => ({ name: t.name, email: t.email, role: t.role })),
    groupWith,
    route: rules.route,
    phase: rules.phase,
    academicYear: rules.academicYear,
  };
}

/** Any form kind under its default rules, field and cross-field errors (for API documentation and parseOrThrow). */
export const FormSchema = z.discriminatedUnion('kind', [SHARED['secondary-eoi-2018'], SHARED['secondary-development-2020'], SHARED['primary-readiness-2020'], SHARED['primary-trg-eoi-2019']]);
