/**
 * The "Record an application" page's form, both ways: which catalogue
 * programmes take applications now and which form each uses, the page's
 * fields for a programme (labels, word limits, roles, year groups, criteria),
 * the posted fields turned into the domain's application form, and a form
 * check's problems turned into the GOV.UK error summary and inline errors
 * (each linked to its field). Field names and ids are the form's paths with
 * dots as hyphens ("teachers.1.email" -> "teachers-1-email"). Pure.
 */
import { catalogue } from '../domain/catalogue/programmes.js';
import type { Programme } from '../domain/catalogue/schema.js';
import { academicYearOf, nextAcademicYear } from '../domain/calendar/academic-year.js';
import { lastDayOfAcademicYear, PRIMARY_YEAR_GROUPS, SECONDARY_YEAR_GROUPS } from '../domain/forms/fields.js';
import { PRIMARY_ROLES, SECONDARY_ROLES, type FormKind, type StatementKey } from '../domain/forms/rules.js';
import { rulesFromProgramme } from '../domain/forms/from-programme.js';
import type { Problem } from '../domain/errors.js';
import { fieldName, problemWords, programmeShort, roleWords } from './applications/words.js';
import type { FormErrors } from './forms.js';

/** A posted form body: one value, or several for checkboxes. */
export type Body = Record<string, string | string[] | undefined>;

/** The application form a programme takes, by its route and phase; null when schools do not apply for it (they move into it). Pure. */
export function formKindFor(p: Pick<Programme, 'route' | 'phase'>): FormKind | null {
  if (p.route === 'secondary' && p.phase === 'development') return 'secondary-development-2020';
  if (p.route === 'primary' && p.phase === 'readiness') return 'primary-readiness-2020';
  if (p.route === 'primary' && p.phase === 'trg') return 'primary-trg-eoi-2019';
  return null;
}

/**
 * The programmes a school can apply for on `today` (a London YYYY-MM-DD):
 * of this academic year or the next, taking applications (a form exists for
 * it), and not past its closing date (or, with none, the end of its year).
 * Next year's first, as most forms arrive in the summer before. Pure.
 */
export function openProgrammes(today: string): Programme[] {
  const thisYear = academicYearOf(`${today}T12:00:00Z`);
  const years = [nextAcademicYear(thisYear), thisYear];
  return catalogue
    .filter((p) => years.includes(p.academicYear) && formKindFor(p) !== null)
    .filter((p) => today <= (p.deadlines.applicationsClose ?? lastDayOfAcademicYear(p.academicYear)))
    .sort((a, b) => years.indexOf(a.academicYear) - years.indexOf(b.academicYear) || a.route.localeCompare(b.route) || a.phase.localeCompare(b.phase));
}

export interface StatementField {
  key: StatementKey;
  id: string;
  label: string;
  hint: string;
  /** The word limit, when the programme sets one. */
  maxwords?: number;
  /** "about": over the limit is a warning; "upTo": an error. */
  limitKind?: 'about' | 'upTo';
}

/** Everything the page needs to draw the form for one programme. */
export interface FormSpec {
  kind: FormKind;
  programme: { id: string; name: string; academicYear: string; closes: string | null };
  secondary: boolean;
  readiness: boolean;
  trg: boolean;
  roles: { value: string; text: string }[];
  yearGroups: { value: string; text: string }[];
  statements: StatementField[];
  criteria: { value: string; text: string }[];
  /** How many partner schools a group application can name on the page. */
  partnerRows: number;
}

const PARTNER_ROWS = 3;

const STATEMENT_TEXT: Record<FormKind, Partial<Record<StatementKey, { label: string; hint: string }>>> = {
  'secondary-eoi-2018': {},
  'secondary-development-2020': {
    headOfDepartment: { label: 'Why the department wants to take part', hint: 'The head of department’s statement.' },
  },
  'primary-readiness-2020': {
    headteacher: { label: 'Headteacher’s statement', hint: 'Why the school wants to take part. It must mention each eligibility criterion ticked above.' },
  },
  'primary-trg-eoi-2019': {
    teacher1: { label: 'First teacher’s statement', hint: 'Why the first teacher wants to take part.' },
    teacher2: { label: 'Second teacher’s statement', hint: 'Why the second teacher wants to take part.' },
    headteacher: { label: 'Headteacher’s statement', hint: 'Why the school wants to take part.' },
  },
};

function yearGroupText(y: string): string {
  return y === 'R' ? 'Reception' : `Year ${y.slice(1)}`;
}

/** The fields of the form for `programme` (which must take applications). Pure. */
export function formSpec(programme: Programme): FormSpec {
  const kind = formKindFor(programme);
  if (!kind) throw new Error(`programme ${programme.id} takes no application form`);
  const rules = rulesFromProgramme(kind, programme);
  const secondary = programme.route === 'secondary';
  const statements = (Object.entries(STATEMENT_TEXT[kind]) as [StatementKey, { label: string; hint: string }][]).map(([key, t]) => {
    const limit = rules.statements.find((s) => s.statement === key);
    const words = limit ? ` ${limit.kind === 'about' ? 'About' : 'Up to'} ${limit.words} words.` : '';
    return { key, id: `statements-${key}`, label: t.label, hint: `${t.hint}${words}`, ...(limit ? { maxwords: limit.words, limitKind: limit.kind } : {}) };
  });
  return {
    kind,
    programme: { id: programme.id, name: programmeShort(programme.name), academicYear: programme.academicYear, closes: programme.deadlines.applicationsClose ?? null },
    secondary,
    readiness: kind === 'primary-readiness-2020',
    trg: kind === 'primary-trg-eoi-2019',
    roles: (secondary ? SECONDARY_ROLES : PRIMARY_ROLES).map((r) => ({ value: r, text: roleWords(r).replace(/^./, (c) => c.toUpperCase()) })),
    yearGroups: (secondary ? SECONDARY_YEAR_GROUPS : PRIMARY_YEAR_GROUPS).map((y) => ({ value: y, text: yearGroupText(y) })),
    statements,
    criteria: (rules.eligibility?.criteria ?? []).map((c) => ({ value: c.id, text: c.label })),
    partnerRows: PARTNER_ROWS,
  };
}

function one(body: Body, name: string): string | undefined {
  const v = body[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  // An empty box is a missing answer: the form check says "is required" rather than "must not be empty".
  return s === undefined || s === '' ? undefined : s;
}

function many(body: Body, name: string): string[] {
  const v = body[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => x.trim()).filter(Boolean);
}

function yesNo(body: Body, name: string): boolean | undefined {
  const v = one(body, name);
  return v === 'yes' ? true : v === 'no' ? false : undefined;
}

/** Drops keys whose value is undefined, so an unanswered optional field is absent rather than present and empty. */
function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The posted fields as the domain's application form of `spec.kind`, sent
 * `today`, without signatures (the commitment is signed later, on the school
 * page). Answers hidden by a "no" (a Mastery Specialist's name, partner
 * schools, another reason not ticked) are left out, as the person sees them
 * gone. Pure.
 */
export function formFromFields(spec: FormSpec, body: Body, today: string): Record<string, unknown> {
  const person = (prefix: string) => defined({ name: one(body, `${prefix}-name`), email: one(body, `${prefix}-email`) });
  const school: Record<string, unknown> = defined({
    name: one(body, 'school-name'),
    address: one(body, 'school-address'),
    urn: one(body, 'school-urn'),
    phone: one(body, 'school-phone'),
    hub: one(body, 'school-hub'),
    headteacher: person('school-headteacher'),
  });
  if (spec.secondary) school.headOfDepartment = person('school-headOfDepartment');
  if (spec.readiness) school.localAuthority = one(body, 'school-localAuthority');
  const teachers = [0, 1].map((i) => {
    const f = (k: string) => one(body, `teachers-${i}-${k}`);
    const base = { name: f('name'), email: f('email'), role: f('role'), yearGroups: many(body, `teachers-${i}-yearGroups`) };
    if (spec.trg) return defined(base);
    if (spec.readiness) return defined({ ...base, ncetmUsername: f('ncetmUsername'), phone: f('phone'), responsibility: f('responsibility') });
    return defined({ ...base, responsibility: f('responsibility') });
  });
  const statements = Object.fromEntries(spec.statements.map((s) => [s.key, one(body, s.id)]).filter(([, v]) => v !== undefined));
  const form: Record<string, unknown> = { kind: spec.kind, submittedOn: today, school: defined(school), teachers, statements, signatures: {} };
  if (spec.secondary) {
    const workedWith = yesNo(body, 'masterySpecialist-workedWith');
    form.masterySpecialist = defined({ workedWith, name: workedWith ? one(body, 'masterySpecialist-name') : undefined });
  }
  if (spec.readiness) {
    const criteria = many(body, 'eligibility-criteria');
    form.eligibility = defined({ criteria, otherReason: criteria.includes('otherReason') ? one(body, 'eligibility-otherReason') : undefined });
    const applying = yesNo(body, 'group-applying');
    const schools = applying
      ? Array.from({ length: spec.partnerRows }, (_, i) => defined({ name: one(body, `group-schools-${i}-name`), urn: one(body, `group-schools-${i}-urn`) })).filter((s) => Object.keys(s).length > 0)
      : [];
    form.group = defined({ applying, schools, relationship: applying ? one(body, 'group-relationship') : undefined });
  }
  return form;
}

/** The id of every field the form for `spec` draws (the first of a group of checkboxes or radios). Pure. */
export function fieldIds(spec: FormSpec): string[] {
  const ids = ['school-name', 'school-urn', 'school-address', 'school-phone', 'school-hub'];
  if (spec.readiness) ids.push('school-localAuthority');
  ids.push('school-headteacher-name', 'school-headteacher-email');
  if (spec.secondary) ids.push('school-headOfDepartment-name', 'school-headOfDepartment-email');
  for (const i of [0, 1]) {
    ids.push(`teachers-${i}-name`, `teachers-${i}-email`);
    if (spec.readiness) ids.push(`teachers-${i}-ncetmUsername`, `teachers-${i}-phone`);
    ids.push(`teachers-${i}-role`);
    if (!spec.trg) ids.push(`teachers-${i}-responsibility`);
    ids.push(`teachers-${i}-yearGroups`);
  }
  if (spec.secondary) ids.push('masterySpecialist-workedWith', 'masterySpecialist-name');
  if (spec.readiness) ids.push('eligibility-criteria', 'eligibility-otherReason');
  ids.push(...spec.statements.map((s) => s.id));
  if (spec.readiness) {
    ids.push('group-applying');
    for (let i = 0; i < spec.partnerRows; i++) ids.push(`group-schools-${i}-name`, `group-schools-${i}-urn`);
    ids.push('group-relationship');
  }
  return ids;
}

/**
 * The field a problem's path points at: the path with hyphens for dots, or
 * its nearest drawn parent ("teachers.1.yearGroups.0" -> the year groups
 * boxes); a problem with the pair of teachers goes to the first role; one
 * about the whole form, its date or its programme goes to the programme. Pure.
 */
export function fieldIdFor(path: string, ids: readonly string[]): string {
  if (path === 'teachers') return 'teachers-0-role';
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const id = parts.slice(0, n).join('-');
    if (ids.includes(id)) return id;
    const child = ids.find((x) => x.startsWith(`${id}-`));
    if (child && n === parts.length) return child;
  }
  return 'programme';
}

export interface FormCheck extends FormErrors {
  /** Warnings in words: shown, never blocking. */
  warnings: string[];
}

/**
 * A problem worded for this page: a missing choice is "required" (not the
 * list of every role), the eligibility rule asks for a tick rather than
 * listing every criterion, and a rule's source is not shown. Pure.
 */
function pageProblem(p: Problem): Problem {
  const message = p.message.replace(/\s*\(seed web\)/g, '');
  if (/\.role$/.test(p.path) && p.value === undefined) return { ...p, message: 'is required' };
  const atLeast = /^must claim at least (\d+) of the/.exec(message);
  if (p.path === 'eligibility.criteria' && atLeast) return { ...p, message: `must include at least ${atLeast[1]}: select the criteria the school meets` };
  return { ...p, message };
}

/** Answers chosen from a list (radios, a select, ticks): a missing one is "Select …", a missing typed one "Enter …". */
const CHOSEN = /^(?:group\.applying|masterySpecialist\.workedWith|teachers\.\d+\.role|school\.hub|school\.route|eligibility\.criteria)$/;

/** The yes-or-no questions, as "Select whether …" asks them. */
const WHETHER: Record<string, string> = {
  'group.applying': 'the school is applying as a group',
  'masterySpecialist.workedWith': 'the school has worked with a Mastery Specialist',
};

/** A missing answer as GOV.UK words it ("Enter the school’s name", "Select applying as a group"); null for any other problem. Pure. */
function missingWords(p: Problem): string | null {
  if (p.severity === 'warning' || !/^is required(?::|$)/.test(p.message)) return null;
  const whether = WHETHER[p.path];
  return `${whether ? `Select whether ${whether}` : `${CHOSEN.test(p.path) ? 'Select' : 'Enter'} ${fieldName(p.path)}`}.`;
}

/** A form check's problems as the error summary (each linked to its field, in the page's order), inline errors, and warnings. Pure. */
export function formCheck(problems: readonly Problem[], spec: FormSpec): FormCheck {
  const ids = fieldIds(spec);
  const criteria = spec.criteria.map((c) => ({ id: c.value, label: c.text }));
  const found: { id: string; text: string }[] = [];
  const warnings: string[] = [];
  for (const p of problems) {
    const worded = pageProblem(p);
    const text = missingWords(worded) ?? problemWords(worded, criteria);
    if (p.severity === 'warning') warnings.push(text);
    else found.push({ id: fieldIdFor(p.path, ids), text });
  }
  const order = (id: string) => (id === 'programme' ? -1 : ids.indexOf(id));
  found.sort((a, b) => order(a.id) - order(b.id));
  const fieldErrors: Record<string, string> = {};
  for (const f of found) fieldErrors[f.id] = fieldErrors[f.id] ? `${fieldErrors[f.id]} ${f.text}` : f.text;
  return { errors: found.map((f) => ({ text: f.text, href: `#${f.id}` })), fieldErrors, warnings };
}
