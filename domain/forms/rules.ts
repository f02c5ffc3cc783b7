/**
 * The rules each application form is checked against, as data: deadlines,
 * statement word limits, the teachers' role rule, Readiness eligibility and who
 * signs. Every figure cites the seed document it comes from (../shared/seeds).
 * Pure: types and constants only.
 *
 * The forms take their rules from a `FormRules` object rather than from the
 * programme catalogue, so a hub can change a deadline or a limit without code,
 * and `rulesFromProgramme` (./from-programme.ts) can build one from a catalogue
 * entry when the host has it.
 */
import type { PhaseKind, Route, Signatory } from '../catalogue/schema.js';

export const FORM_KINDS = ['secondary-eoi-2018', 'secondary-development-2020', 'primary-readiness-2020', 'primary-trg-eoi-2019'] as const;
export type FormKind = (typeof FORM_KINDS)[number];

/** A seed document id (000..004), or "hub" for a rule a hub set itself. */
export type RuleSource = '000' | '001' | '002' | '003' | '004' | 'web' | 'hub';

/** Which statement on the form a word limit applies to (`statements.<key>`). */
export type StatementKey = 'headOfDepartment' | 'headteacher' | 'teacher1' | 'teacher2';

export interface StatementRule {
  statement: StatementKey;
  words: number;
  /** "about N": a warning whenever over N. "up to N": an error when over N. */
  kind: 'about' | 'upTo';
  source: RuleSource;
}

/** Role vocabulary of secondary Mastery Advocates (seed 000, 003). */
export const SECONDARY_ROLES = ['headOfDepartment', 'secondInDepartment', 'ks3Lead', 'otherExperienced', 'teacher', 'recentlyQualified', 'nonSpecialist'] as const;
export type SecondaryRole = (typeof SECONDARY_ROLES)[number];
/** "An experienced teacher with substantial responsibility within the department ... Head of Department or Second in Department, the Key Stage 3 Lead or someone with a similar role" (000, 003). */
export const EXPERIENCED_SECONDARY_ROLES: readonly SecondaryRole[] = ['headOfDepartment', 'secondInDepartment', 'ks3Lead', 'otherExperienced'];

/**
 * Role vocabulary of primary lead teachers. `mathsLead` is the maths subject
 * leader (002 "the maths lead", 004 "the subject leader"); `seniorLeader` is a
 * member of the senior management team (004 "SMT").
 */
export const PRIMARY_ROLES = ['mathsLead', 'seniorLeader', 'teacher', 'recentlyQualified'] as const;
export type PrimaryRole = (typeof PRIMARY_ROLES)[number];

export type TeacherRoleRuleName = 'oneIsMathsLead' | 'oneExperiencedOneAspiring' | 'oneSubjectLeaderOrSmt' | 'none';

export interface TeacherRoleRule {
  rule: TeacherRoleRuleName;
  /** At least one of the two teachers must hold one of these roles. */
  anyOf: readonly string[];
  /** Who that teacher is, in the words of the seed. */
  describe: string;
  source: RuleSource;
}

export const ELIGIBILITY_CRITERION_IDS = [
  'ofstedRiOrInadequate',
  'lowMathsProgressOrAttainment',
  'namedByLocalAuthority',
  'lowSocialMobilityArea',
  'needsMathsLeadershipSupport',
  'highStaffTurnover',
  'otherReason',
] as const;
export type EligibilityCriterionId = (typeof ELIGIBILITY_CRITERION_IDS)[number];

export interface EligibilityCriterionRule {
  id: string;
  /** The criterion as seed 002 words it. */
  label: string;
  /**
   * Words or phrases any one of which, found in the headteacher statement as
   * whole words (case, accents and punctuation ignored), counts as naming the
   * criterion. Deliberately generous: the check catches a statement that does
   * not mention a criterion the school ticks, it does not grade the prose.
   */
  keywords: readonly string[];
  /** For "another reason": any word of five or more letters from the school's own stated reason also counts. */
  matchesOwnReason?: boolean;
}

export interface EligibilityRule {
  atLeast: number;
  criteria: readonly EligibilityCriterionRule[];
  /** The statement that must name each criterion claimed. */
  namedIn: StatementKey;
  source: RuleSource;
}

export interface Deadline {
  /** Last day (Europe/London) on which a form may be submitted, YYYY-MM-DD. */
  date: string;
  source: RuleSource;
  /** The seed's own words, for messages and audits. */
  quote?: string;
}

export interface FormRules {
  kind: FormKind;
  title: string;
  route: Route;
  phase: PhaseKind;
  /** The academic year the programme runs in ("2020/21"). With no deadline, a form submitted after this year has ended is refused. */
  academicYear: string;
  deadline: Deadline | null;
  statements: readonly StatementRule[];
  teacherRoles: TeacherRoleRule;
  eligibility: EligibilityRule | null;
  signatories: readonly Signatory[];
  /** The hub the form goes to when the form itself has no hub field (TRG: Cambridge Maths Hub, 004). */
  defaultHub?: string;
  /** When given, `school.hub` must be one of these names (the host passes the catalogue's hubs). */
  knownHubs?: readonly string[];
  sources: readonly RuleSource[];
}

/** Seed 002, "Who can apply?": the seven circumstances, at least one of which a Readiness school must meet. */
export const READINESS_CRITERIA: readonly EligibilityCriterionRule[] = [
  { id: 'ofstedRiOrInadequate', label: 'Has been judged at RI or Inadequate for at least their most recent OFSTED inspection', keywords: ['ofsted', 'ri', 'requires improvement', 'inadequate', 'special measures', 'serious weaknesses', 'inspection'] },
  { id: 'lowMathsProgressOrAttainment', label: 'Has low progress or attainment data for mathematics across the school', keywords: ['progress', 'attainment', 'low attaining', 'outcomes', 'results', 'sats'] },
  { id: 'namedByLocalAuthority', label: 'Has been identified, by their Local Authority, as being suitable for the programme', keywords: ['local authority', 'la', 'lea', 'council'] },
  { id: 'lowSocialMobilityArea', label: 'Is in an area of low social mobility such as Opportunity Areas, Category 5/6 areas', keywords: ['social mobility', 'opportunity area', 'category 5', 'category 6', 'deprivation', 'deprived'] },
  { id: 'needsMathsLeadershipSupport', label: 'Identified as needing additional support for leadership of mathematics', keywords: ['leadership', 'leading mathematics', 'leading maths', 'new subject leader', 'new maths lead'] },
  { id: 'highStaffTurnover', label: 'Has a high turnover of staff, meaning that the implementation of sustained change can be difficult', keywords: ['turnover', 'staffing', 'staff changes', 'retention', 'recruitment', 'new staff', 'staff leaving'] },
  { id: 'otherReason', label: 'Another identifiable reason for being unable to engage in developing teaching for mastery yet', keywords: ['other reason', 'another reason'], matchesOwnReason: true },
];

const SECONDARY_ROLE_RULE = (source: RuleSource): TeacherRoleRule => ({
  rule: 'oneExperiencedOneAspiring',
  anyOf: EXPERIENCED_SECONDARY_ROLES,
  describe: 'one experienced Mastery Advocate with substantial responsibility in the department (head or second of department, KS3 lead or similar)',
  source,
});

/** "Explain briefly (about 150 words) why the department wishes to participate" (000). */
const HEAD_OF_DEPARTMENT_STATEMENT: StatementRule = { statement: 'headOfDepartment', words: 150, kind: 'about', source: '000' };

/** The default rules of each form kind, from the seed documents. */
export const defaultRules: Readonly<Record<FormKind, FormRules>> = {
  'secondary-eoi-2018': {
    kind: 'secondary-eoi-2018',
    title: 'Secondary Teaching for Mastery Work Group: Expression of Interest 2018/19',
    route: 'secondary',
    phase: 'development',
    academicYear: '2018/19',
    deadline: { date: '2018-06-15', source: '000', quote: 'Deadline 15th June 2018' },
    statements: [HEAD_OF_DEPARTMENT_STATEMENT],
    teacherRoles: SECONDARY_ROLE_RULE('000'),
    eligibility: null,
    signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'],
    sources: ['000'],
  },
  // Seed 003 gives the 2020/21 facts but not its form: the fields and the
  // statement limit are those of the 2018/19 form (000).
  'secondary-development-2020': {
    kind: 'secondary-development-2020',
    title: 'Secondary Teaching for Mastery Development Work Group: application 2020/21',
    route: 'secondary',
    phase: 'development',
    academicYear: '2020/21',
    deadline: { date: '2020-07-13', source: '003', quote: 'submit ... by Monday 13th July 2020' },
    statements: [HEAD_OF_DEPARTMENT_STATEMENT],
    teacherRoles: SECONDARY_ROLE_RULE('003'),
    eligibility: null,
    signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'],
    sources: ['003', '000'],
  },
  // Seed 002 names no closing date ("Early applications are encouraged"), so
  // by default only the end of the Readiness year (2020/21) bounds submission;
  // a hub sets its own date through `deadline`.
  'primary-readiness-2020': {
    kind: 'primary-readiness-2020',
    title: 'Primary Mastery Readiness Work Group: application (summer 2020 start)',
    route: 'primary',
    phase: 'readiness',
    academicYear: '2020/21',
    deadline: null,
    statements: [{ statement: 'headteacher', words: 250, kind: 'upTo', source: '002' }],
    teacherRoles: { rule: 'oneIsMathsLead', anyOf: ['mathsLead'], describe: 'the maths lead', source: '002' },
    eligibility: { atLeast: 1, criteria: READINESS_CRITERIA, namedIn: 'headteacher', source: '002' },
    signatories: ['headteacher', 'teacher1', 'teacher2'],
    sources: ['002'],
  },
  // The pilot TRGs ran in summer 2019, i.e. in academic year 2018/19 (004).
  'primary-trg-eoi-2019': {
    kind: 'primary-trg-eoi-2019',
    title: 'Primary Teaching for Mastery pilot Teacher Research Group: Expression of Interest (summer 2019)',
    route: 'primary',
    phase: 'trg',
    academicYear: '2018/19',
    deadline: { date: '2019-03-06', source: '004', quote: 'return ... by March 6th 2019' },
    statements: [
      { statement: 'teacher1', words: 100, kind: 'about', source: '004' },
      { statement: 'teacher2', words: 100, kind: 'about', source: '004' },
      { statement: 'headteacher', words: 100, kind: 'about', source: '004' },
    ],
    teacherRoles: { rule: 'oneSubjectLeaderOrSmt', anyOf: ['mathsLead', 'seniorLeader'], describe: 'the subject leader or a member of SMT', source: '004' },
    eligibility: null,
    signatories: ['headteacher', 'teacher1', 'teacher2'],
    defaultHub: 'Cambridge Maths Hub',
    sources: ['004'],
  },
};

/** True when `kind` names a form this service knows. Pure. */
export function isFormKind(kind: unknown): kind is FormKind {
  return typeof kind === 'string' && (FORM_KINDS as readonly string[]).includes(kind);
}
