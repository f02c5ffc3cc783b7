/**
 * Form rules built from a programme catalogue entry, so that a host holding the
 * catalogue checks forms against the same figures the machines use. Pure.
 */
import type { Programme } from '../catalogue/schema.js';
import { EXPERIENCED_SECONDARY_ROLES, READINESS_CRITERIA, defaultRules, type EligibilityCriterionRule, type FormKind, type FormRules, type StatementRule, type TeacherRoleRule } from './rules.js';

const ROLE_RULES: Record<Programme['teacherRoles'], Omit<TeacherRoleRule, 'source'>> = {
  oneIsMathsLead: { rule: 'oneIsMathsLead', anyOf: ['mathsLead'], describe: 'the maths lead' },
  oneExperiencedOneAspiring: {
    rule: 'oneExperiencedOneAspiring',
    anyOf: EXPERIENCED_SECONDARY_ROLES,
    describe: 'one experienced Mastery Advocate with substantial responsibility in the department (head or second of department, KS3 lead or similar)',
  },
  oneSubjectLeaderOrSmt: { rule: 'oneSubjectLeaderOrSmt', anyOf: ['mathsLead', 'seniorLeader'], describe: 'the subject leader or a member of SMT' },
  none: { rule: 'none', anyOf: [], describe: 'anyone' },
};

/** A criterion the seven of seed 002 do not cover is named by any word of five or more letters of its label. */
function criterionRule(id: string, label: string): EligibilityCriterionRule {
  const known = READINESS_CRITERIA.find((c) => c.id === id);
  if (known) return { ...known, label };
  const words = label.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 5);
  return { id, label, keywords: words };
}

/**
 * The rules of a `kind` of form taken from `programme` (deadline, statement
 * limits, role rule, eligibility, signatories, year); what the catalogue does
 * not hold (default hub, known hubs) comes from `base`. Pure.
 */
export function rulesFromProgramme(kind: FormKind, programme: Programme, base: FormRules = defaultRules[kind]): FormRules {
  const source = programme.sources[0] ?? 'web';
  const statements: StatementRule[] = programme.statements.flatMap((w) => {
    const keys = w.who === 'teacher' ? (['teacher1', 'teacher2'] as const) : ([w.who] as const);
    return keys.map((statement) => ({ statement, words: w.words, kind: w.kind, source: w.source }));
  });
  const close = programme.deadlines.applicationsClose;
  return {
    ...base,
    kind,
    title: programme.name,
    route: programme.route,
    phase: programme.phase,
    academicYear: programme.academicYear,
    deadline: close ? { date: close, source } : null,
    statements,
    teacherRoles: { ...ROLE_RULES[programme.teacherRoles], source },
    eligibility: programme.eligibility
      ? { atLeast: programme.eligibility.atLeast, criteria: programme.eligibility.criteria.map((c) => criterionRule(c.id, c.label)), namedIn: 'headteacher', source }
      : null,
    signatories: programme.signatories,
    sources: programme.sources,
  };
}
