/**
 * The cross-field rules of the application forms, read from a `FormRules`
 * object: word limits, submission deadline, the teachers' roles, Readiness
 * eligibility and its naming in the headteacher statement, group applications,
 * the Mastery Specialist answer and the commitment signatures. Pure.
 *
 * They run on whatever the field schemas produced, even when some fields were
 * wrong, so that every problem comes back in one pass. Each rule therefore
 * reads its fields defensively and stays silent about a field that is already
 * wrong on its own (the field schema has reported that).
 */
import type { Signatory } from '../catalogue/schema.js';
import { compareDays, firstDayOfApplications, isIsoDay, lastDayOfAcademicYear } from './fields.js';
import type { FormRules, RuleSource, StatementKey } from './rules.js';
import { countWords, namesCriterion, sameName } from './words.js';

export interface FormIssue {
  path: (string | number)[];
  message: string;
  value?: unknown;
  severity: 'error' | 'warning';
}

type Loose = Record<string, unknown>;

function obj(v: unknown): Loose | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : undefined;
}
function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim().length > 0 ? v.trim() : undefined;
}
function day(v: unknown): string | undefined {
  const s = text(v);
  return s !== undefined && isIsoDay(s) ? s : undefined;
}
function seed(source: RuleSource): string {
  return source === 'hub' ? 'set by the hub' : `seed ${source}`;
}

const SIGNER: Record<Signatory, { label: string; path: (string | number)[] }> = {
  headteacher: { label: 'the headteacher', path: ['school', 'headteacher', 'name'] },
  headOfDepartment: { label: 'the head of department', path: ['school', 'headOfDepartment', 'name'] },
  teacher1: { label: 'teacher 1', path: ['teachers', 0, 'name'] },
  teacher2: { label: 'teacher 2', path: ['teachers', 1, 'name'] },
};

const STATEMENT_BY: Record<StatementKey, string> = {
  headOfDepartment: 'head of department',
  headteacher: 'headteacher',
  teacher1: 'teacher 1',
  teacher2: 'teacher 2',
};

function at(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/**
 * The submission date against the programme year: not before applications
 * for that year could open (1 September of the year before), not after the
 * deadline ("2018-06-15": a later London day is refused), and with no
 * deadline not after the programme year has ended.
 */
function checkSubmission(form: Loose, rules: FormRules, out: FormIssue[]): void {
  const submitted = day(form.submittedOn);
  if (!submitted) return;
  const opens = firstDayOfApplications(rules.academicYear);
  if (compareDays(submitted, opens) < 0) {
    out.push({
      path: ['submittedOn'],
      message: `is before applications for the ${rules.academicYear} programme could open on ${opens}: a form is submitted in the programme year or the year before it (rule academicYear)`,
      value: submitted,
      severity: 'error',
    });
    return;
  }
  if (rules.deadline) {
    const { date, source, quote } = rules.deadline;
    if (compareDays(submitted, date) > 0) {
      out.push({ path: ['submittedOn'], message: `is after the application deadline ${date} (${seed(source)}${quote ? `: "${quote}"` : ''})`, value: submitted, severity: 'error' });
    }
    return;
  }
  const lastDay = lastDayOfAcademicYear(rules.academicYear);
  if (compareDays(submitted, lastDay) > 0) {
    out.push({ path: ['submittedOn'], message: `is after the ${rules.academicYear} programme year ended on ${lastDay}`, value: submitted, severity: 'error' });
  }
}

function checkStatements(form: Loose, rules: FormRules, out: FormIssue[]): void {
  const statements = obj(form.statements);
  if (!statements) return;
  for (const limit of rules.statements) {
    const s = statements[limit.statement];
    if (typeof s !== 'string' || s.trim() === '') continue;
    const words = countWords(s);
    const path = ['statements', limit.statement];
    const by = STATEMENT_BY[limit.statement];
    if (words === 0) {
      out.push({ path, message: `must be written in words: the ${by} statement has none`, severity: 'error' });
    } else if (limit.kind === 'upTo' && words > limit.words) {
      out.push({ path, message: `must be up to ${limit.words} words (${seed(limit.source)}); the ${by} statement has ${words}`, severity: 'error' });
    } else if (limit.kind === 'about' && words > limit.words) {
      // "About N" states no tolerance: any excess is worth a look, never a refusal.
      out.push({ path, message: `has ${words} words, more than the "about ${limit.words} words" asked for (${seed(limit.source)}): a warning, the form is still accepted`, severity: 'warning' });
    }
  }
}

function checkTeachers(form: Loose, rules: FormRules, out: FormIssue[]): void {
  if (!Array.isArray(form.teachers)) return;
  const teachers = form.teachers.map(obj);
  const emails = teachers.map((t) => text(t?.email)?.toLowerCase());
  if (emails[0] && emails[0] === emails[1]) {
    out.push({ path: ['teachers', 1, 'email'], message: 'must differ from teachers.0.email: the form needs two different teachers', value: text(teachers[1]?.email), severity: 'error' });
  }
  const names = teachers.map((t) => text(t?.name));
  if (names[0] && names[1] && sameName(names[0], names[1]) && !(emails[0] && emails[0] === emails[1])) {
    out.push({ path: ['teachers', 1, 'name'], message: 'is the same name as teachers.0.name: check that two different teachers are meant', value: names[1], severity: 'warning' });
  }

  const roleRule = rules.teacherRoles;
  const roles = teachers.map((t) => t?.role);
  // Judge the pair only once both roles are given (a missing role is reported by its field).
  if (roleRule.rule !== 'none' && teachers.length === 2 && roles.every((r) => typeof r === 'string')) {
    if (!roles.some((r) => roleRule.anyOf.includes(r as string))) {
      out.push({
        path: ['teachers'],
        message: `must include ${roleRule.describe}: one teacher's role must be ${roleRule.anyOf.join(' or ')} (${seed(roleRule.source)})`,
        value: roles.join(', '),
        severity: 'error',
      });
    }
  }

  // A teacher who is head of department should be the head of department named on the form.
  const hod = text(obj(obj(form.school)?.headOfDepartment)?.name);
  if (hod) {
    teachers.forEach((t, i) => {
      const name = text(t?.name);
      if (t?.role === 'headOfDepartment' && name && !sameName(name, hod)) {
        out.push({ path: ['teachers', i, 'role'], message: `is headOfDepartment but school.headOfDepartment.name is "${hod}", not "${name}"`, value: 'headOfDepartment', severity: 'warning' });
      }
    });
  }
}

function checkEligibility(form: Loose, rules: FormRules, out: FormIssue[]): void {
  const rule = rules.eligibility;
  const eligibility = obj(form.eligibility);
  if (!rule || !eligibility || !Array.isArray(eligibility.criteria)) return;
  const known = new Map(rule.criteria.map((c) => [c.id, c]));
  const claimed: string[] = [];
  eligibility.criteria.forEach((c, i) => {
    if (typeof c !== 'string') return;
    if (!known.has(c)) {
      out.push({ path: ['eligibility', 'criteria', i], message: `must be one of ${[...known.keys()].join(', ')} (${seed(rule.source)})`, value: c, severity: 'error' });
    } else if (claimed.includes(c)) {
      out.push({ path: ['eligibility', 'criteria', i], message: 'is listed twice', value: c, severity: 'warning' });
    } else {
      claimed.push(c);
    }
  });
  const unknownListed = eligibility.criteria.some((c) => typeof c !== 'string' || !known.has(c));
  if (claimed.length < rule.atLeast && !unknownListed) {
    out.push({
      path: ['eligibility', 'criteria'],
      message: `must claim at least ${rule.atLeast} of the ${rule.criteria.length} eligibility criteria (${seed(rule.source)}): ${[...known.keys()].join(', ')}`,
      severity: 'error',
    });
  }

  const ownReason = text(eligibility.otherReason);
  if (claimed.includes('otherReason') && !ownReason) {
    out.push({ path: ['eligibility', 'otherReason'], message: 'is required when eligibility.criteria claims otherReason: say what the other reason is', severity: 'error' });
  } else if (ownReason && !claimed.includes('otherReason') && known.has('otherReason')) {
    out.push({ path: ['eligibility', 'otherReason'], message: 'is given but eligibility.criteria does not claim otherReason', severity: 'warning' });
  }

  const statement = obj(form.statements)?.[rule.namedIn];
  if (typeof statement !== 'string' || statement.trim() === '') return;
  for (const id of claimed) {
    const criterion = known.get(id)!;
    if (!namesCriterion(statement, criterion, ownReason)) {
      const hint = criterion.matchesOwnReason ? 'mention the other reason' : `mention it, e.g. "${criterion.keywords.slice(0, 3).join('", "')}"`;
      out.push({
        path: ['statements', rule.namedIn],
        message: `must name each eligibility criterion the school claims, and does not name ${id} ("${criterion.label}"): ${hint} (${seed(rule.source)})`,
        severity: 'error',
      });
    }
  }
}

function checkGroup(form: Loose, out: FormIssue[]): void {
  const group = obj(form.group);
  if (!group || typeof group.applying !== 'boolean') return;
  const schools = Array.isArray(group.schools) ? group.schools : [];
  if (group.applying) {
    if (schools.length === 0) out.push({ path: ['group', 'schools'], message: 'must name at least one school to be placed with when group.applying is yes (seed 002)', severity: 'error' });
    if (!text(group.relationship)) out.push({ path: ['group', 'relationship'], message: 'is required when group.applying is yes: describe the relationship to the schools named (seed 002)', severity: 'error' });
  } else if (schools.length > 0 || text(group.relationship)) {
    out.push({ path: ['group', 'applying'], message: 'is no, so the schools and relationship given are ignored', value: false, severity: 'warning' });
  }
  const ownUrn = text(obj(form.school)?.urn);
  schools.forEach((s, i) => {
    const urn = text(obj(s)?.urn);
    if (ownUrn && urn === ownUrn) out.push({ path: ['group', 'schools', i, 'urn'], message: 'is the applying school itself: name the other schools', value: urn, severity: 'error' });
  });
}

function checkMasterySpecialist(form: Loose, out: FormIssue[]): void {
  const ms = obj(form.masterySpecialist);
  if (!ms || typeof ms.workedWith !== 'boolean') return;
  if (ms.workedWith && ms.name === undefined) {
    out.push({ path: ['masterySpecialist', 'name'], message: 'is required when masterySpecialist.workedWith is yes: name the Mastery Specialist (seed 000)', severity: 'error' });
  } else if (!ms.workedWith && text(ms.name)) {
    out.push({ path: ['masterySpecialist', 'name'], message: 'is given but masterySpecialist.workedWith is no', value: text(ms.name), severity: 'warning' });
  }
}

function checkSignatures(form: Loose, rules: FormRules, out: FormIssue[]): void {
  const signatures = obj(form.signatures);
  if (!signatures) return;
  const submitted = day(form.submittedOn);
  for (const who of rules.signatories) {
    const { label, path } = SIGNER[who];
    const sig = signatures[who];
    if (sig === undefined) {
      out.push({ path: ['signatures', who], message: `is missing: ${label} must sign the commitment on the form`, severity: 'error' });
      continue;
    }
    const s = obj(sig);
    if (!s) continue;
    const signer = text(s.name);
    const onForm = text(at(form, path));
    if (signer && onForm && !sameName(signer, onForm)) {
      out.push({ path: ['signatures', who, 'name'], message: `must be the name of ${label} on the form, "${onForm}" (${path.join('.')})`, value: signer, severity: 'error' });
    }
    const signedOn = day(s.signedOn);
    if (signedOn && submitted && compareDays(signedOn, submitted) > 0) {
      out.push({ path: ['signatures', who, 'signedOn'], message: `must be on or before submittedOn ${submitted}: the form is signed before it is sent`, value: signedOn, severity: 'error' });
    }
  }
}

function hubKey(name: string): string {
  return name.trim().toLowerCase().replace(/\s+maths\s+hub$/, '').replace(/\s+/g, ' ');
}

function checkHub(form: Loose, rules: FormRules, out: FormIssue[]): void {
  const hub = text(obj(form.school)?.hub);
  if (!hub || !rules.knownHubs || rules.knownHubs.length === 0) return;
  if (!rules.knownHubs.some((h) => hubKey(h) === hubKey(hub))) {
    out.push({ path: ['school', 'hub'], message: `must be one of the ${rules.knownHubs.length} Maths Hubs, e.g. "${rules.knownHubs[0]}"`, value: hub, severity: 'error' });
  }
}

const POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/i;

function checkAddress(form: Loose, out: FormIssue[]): void {
  const address = text(obj(form.school)?.address);
  if (address && !POSTCODE.test(address)) {
    out.push({ path: ['school', 'address'], message: 'should include the postcode', value: address, severity: 'warning' });
  }
}

/**
 * Every cross-field problem of a form (errors and warnings), given the rules
 * of its kind. `form` may be partly invalid; nothing here throws. Pure.
 */
export function crossFieldIssues(form: unknown, rules: FormRules): FormIssue[] {
  const f = obj(form);
  if (!f) return [];
  const out: FormIssue[] = [];
  checkAddress(f, out);
  checkHub(f, rules, out);
  checkTeachers(f, rules, out);
  checkMasterySpecialist(f, out);
  checkStatements(f, rules, out);
  checkEligibility(f, rules, out);
  checkGroup(f, out);
  checkSignatures(f, rules, out);
  checkSubmission(f, rules, out);
  return out;
}
