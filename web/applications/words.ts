/**
 * Application forms and decisions in words for a hub officer: a form check's
 * problems with each field named as the form names it (never a path such as
 * `teachers.1.email`), criterion and role ids as their labels, and short names
 * for programmes and work groups. Pure.
 */
import { READINESS_CRITERIA } from '../../domain/forms/index.js';
import type { Problem } from '../../domain/errors.js';
import { longDate, phaseName } from '../format.js';
import { programmeReadName } from '../../domain/words/group-name.js';
import { compactGroupName } from '../../service/school-words.js';

const ORDINAL = ['first', 'second', 'third', 'fourth'];

const SIGNERS: Record<string, string> = {
  headteacher: 'the headteacher',
  headOfDepartment: 'the head of department',
  teacher1: 'the first teacher',
  teacher2: 'the second teacher',
};

const PERSON_FIELDS: Record<string, string> = { name: 'name', email: 'email address', phone: 'phone number' };

const TEACHER_FIELDS: Record<string, string> = {
  name: 'name',
  email: 'email address',
  phone: 'phone number',
  role: 'role',
  responsibility: 'responsibility',
  yearGroups: 'year groups',
  ncetmUsername: 'NCETM username',
};

const SCHOOL_FIELDS: Record<string, string> = {
  name: 'the school’s name',
  address: 'the school’s address',
  urn: 'the school’s URN',
  phone: 'the school’s phone number',
  hub: 'the Maths Hub',
  localAuthority: 'the local authority',
};

/** A form field's path as the form names it: "teachers.1.email" -> "the second teacher's email address". Pure. */
export function fieldName(path: string): string {
  const [a, b, c, d] = path.split('.');
  switch (a) {
    case '(root)':
      return 'the form';
    case 'kind':
      return 'the kind of form';
    case 'submittedOn':
      return 'the date the form was sent';
    case 'school':
      if (b === 'headteacher' || b === 'headOfDepartment') return `${SIGNERS[b]}’s ${PERSON_FIELDS[c ?? ''] ?? 'details'}`;
      return SCHOOL_FIELDS[b ?? ''] ?? 'the school’s details';
    case 'teachers': {
      if (b === undefined) return 'the two teachers';
      const who = `the ${ORDINAL[Number(b)] ?? `teacher ${Number(b) + 1}`} teacher`;
      return c ? `${who}’s ${TEACHER_FIELDS[c] ?? c}` : who;
    }
    case 'statements':
      return `the statement by ${SIGNERS[b ?? ''] ?? 'the school'}`;
    case 'eligibility':
      return b === 'otherReason' ? 'the other reason for eligibility' : c !== undefined ? 'a claimed eligibility criterion' : 'the eligibility criteria claimed';
    case 'group':
      if (b === 'applying') return 'applying as a group';
      if (b === 'relationship') return 'the relationship between the schools';
      return d === 'urn' ? 'the URN of a school to be grouped with' : 'the schools to be grouped with';
    case 'masterySpecialist':
      return b === 'name' ? 'the Mastery Specialist’s name' : 'working with a Mastery Specialist';
    case 'signatures':
      return `the signature of ${SIGNERS[b ?? ''] ?? 'a signatory'}${c === 'signedOn' ? ' (its date)' : c === 'name' ? ' (the name signed)' : ''}`;
    default:
      return 'the form';
  }
}

const ROLES: Record<string, string> = {
  mathsLead: 'maths lead',
  seniorLeader: 'senior leader',
  teacher: 'class teacher',
  recentlyQualified: 'recently qualified teacher',
  headOfDepartment: 'head of department',
  secondInDepartment: 'second in department',
  ks3Lead: 'Key Stage 3 lead',
  otherExperienced: 'other experienced teacher',
  nonSpecialist: 'non-specialist teacher',
};

/** A teacher's role id in words ("mathsLead" -> "maths lead"). Pure. */
export function roleWords(role: string): string {
  return ROLES[role] ?? role.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** An eligibility criterion id as its label (the programme's, else the Readiness form's), else the id spelt out. Pure. */
export function criterionLabel(id: string, known: readonly { id: string; label: string }[] = []): string {
  const k = id.toLowerCase().replace(/[^a-z0-9]/g, '');
  const hit = [...known, ...READINESS_CRITERIA].find((c) => c.id.toLowerCase().replace(/[^a-z0-9]/g, '') === k);
  return hit ? hit.label : id.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

const PATH_IN_TEXT = /\b(?:school|teachers|statements|eligibility|group|masterySpecialist|signatures)(?:\.[A-Za-z0-9]+)+|\bsubmittedOn\b/g;

/**
 * One problem of a form check as a sentence: the field as the form names it,
 * then what is wrong, with ids, paths, ISO dates and seed citations turned
 * into words. Pure.
 */
export function problemWords(p: Problem, criteria: readonly { id: string; label: string }[] = []): string {
  let m = p.message
    // Where the rule comes from is for the rule book, not the officer.
    .replace(/\s*\((?:seed|seeds) \d{3}[^()]*(?:\([^()]*\)[^()]*)*\)/g, '')
    .replace(/\bseed \d{3}:?\s*/g, '')
    .replace(PATH_IN_TEXT, (path) => fieldName(path))
    .replace(/\b(\d{4}-\d{2}-\d{2})\b/g, (d) => longDate(d))
    .replace(/"([^"]+)" \(the [^)]*\)/g, '"$1"');
  const known = [...criteria, ...READINESS_CRITERIA];
  for (const c of known) m = m.replace(new RegExp(`\\b${c.id}\\b(?: \\("[^"]*"\\))?`, 'g'), `“${c.label}”`);
  for (const [id, words] of Object.entries(ROLES)) if (/[A-Z]/.test(id)) m = m.replace(new RegExp(`\\b${id}\\b`, 'g'), words);
  const given = p.value === undefined || p.value === null || typeof p.value === 'object' ? '' : String(p.value).replace(/^\d{4}-\d{2}-\d{2}$/, (d) => longDate(d));
  const got = given === '' ? '' : ` You gave “${given.replace(/\b[a-z]+[A-Z][A-Za-z0-9]*\b/g, (id) => ROLES[id] ?? id)}”.`;
  const text = `${fieldName(p.path)} ${m}`.replace(/\s+/g, ' ').trim().replace(/[.:;,]$/, '');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.${got}`;
}

/** A programme's name without its catalogue note ("(rules carried forward from 2020/21)"). Pure. */
export function programmeShort(name: string | null | undefined): string {
  return programmeReadName(name ?? '');
}

/**
 * A work group as officers name it, as the board does: "Readiness 2026/27,
 * group 1 (led by Helen Ashworth)" (compactGroupName), or the name the hub
 * chose. Pure.
 */
export function groupLabel(g: { id: string; phase: string; academicYear: string; name?: string; lead?: { name: string } }): string {
  const led = g.lead ? ` (led by ${g.lead.name})` : '';
  // A name the hub chose (not the default "<programme>, <hub>, group N") is how officers know the group.
  if (g.name && !/,\s+group \S+$/.test(g.name)) return `${g.name}${led}`;
  const n = /-(\d+)$/.exec(g.id)?.[1];
  const compact = g.name ? compactGroupName(g.name, g.id) : null;
  return `${compact ?? `${phaseName(g.phase)} ${g.academicYear}${n ? `, group ${n}` : ''}`}${led}`;
}
