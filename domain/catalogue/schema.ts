/**
 * Zod schema of the programme catalogue: the figures of each Teaching for Mastery
 * programme, versioned by academic year. Pure: schemas and types only.
 *
 * Machines never hard-code a date or an amount; they read a `Programme` that the
 * host copies into the event that starts a phase, so a replay uses the rules that
 * applied at the time.
 */
import { z } from 'zod';

/** "2020/21": an English academic year, 1 September to 31 August. */
export const AcademicYear = z
  .string()
  .regex(/^\d{4}\/\d{2}$/, 'must look like 2020/21')
  .refine((s) => (Number(s.slice(0, 4)) + 1) % 100 === Number(s.slice(5)), 'second year must follow the first');
export type AcademicYear = z.infer<typeof AcademicYear>;

/** A calendar date, YYYY-MM-DD, read in Europe/London. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
/** A calendar month, YYYY-MM. */
export const IsoMonth = z.string().regex(/^\d{4}-\d{2}$/, 'must be a month YYYY-MM');

export const PhaseKind = z.enum(['trg', 'readiness', 'development', 'embedding', 'sustaining']);
export type PhaseKind = z.infer<typeof PhaseKind>;

export const Route = z.enum(['primary', 'secondary']);
export type Route = z.infer<typeof Route>;

/** Seed document ids from ../shared/seeds (000..004), or "web" for later public Maths Hubs pages. */
export const SourceId = z.enum(['000', '001', '002', '003', '004', 'web']);

export const SessionKind = z.enum(['meeting', 'workshop', 'visit', 'inSchoolDay']);
export type SessionKind = z.infer<typeof SessionKind>;

/** A session's place when it is held at each school of the group (school visits), not at the group's venue. */
export const AT_THE_SCHOOL = 'the school';

export const SessionRule = z.object({
  kind: SessionKind,
  /** How many the school must attend (min) and at most will be offered (max). */
  min: z.number().int().nonnegative(),
  max: z.number().int().positive().optional(),
  lengthHalfDays: z.number().positive().default(1),
  cadence: z.enum(['halfTermly', 'termly', 'spread', 'asAgreed']),
  /** Months (inclusive) in which these sessions fall, e.g. Nov 2020 to Jul 2021. */
  window: z.object({ from: IsoMonth, to: IsoMonth }).optional(),
  place: z.string().optional(),
  /** The headteacher must attend the first one (Readiness workshops, seed 002). */
  headteacherAttendsFirst: z.boolean().default(false),
  gapTasksBetween: z.boolean().default(false),
  source: z.array(SourceId).min(1),
  /** How a vague phrase in the documents was read ("regular" visits -> one a term). */
  note: z.string().optional(),
});
export type SessionRule = z.infer<typeof SessionRule>;

export const Signatory = z.enum(['headteacher', 'headOfDepartment', 'teacher1', 'teacher2']);
export type Signatory = z.infer<typeof Signatory>;

export const WordLimit = z.object({
  who: z.enum(['headteacher', 'headOfDepartment', 'teacher']),
  words: z.number().int().positive(),
  /** "about N" gives a warning past N; "up to N" is an error past N. */
  kind: z.enum(['about', 'upTo']),
  source: SourceId,
});

export const EligibilityCriterion = z.object({ id: z.string(), label: z.string() });

/** A place where the documents disagree; both readings stay visible as data. */
export const Inconsistency = z.object({
  field: z.string(),
  readings: z.array(z.object({ text: z.string(), source: SourceId })).min(2),
  used: z.string().describe('which reading the rules use, and why'),
});

export const Funding = z.object({
  amountPence: z.number().int().nonnegative(),
  recipient: z.enum(['school', 'department']),
  purpose: z.string(),
  /** Released once, after commitment is signed and the first meeting is held. */
  release: z.literal('afterCommitmentAndFirstMeeting'),
  source: z.array(SourceId).min(1),
});

export const Programme = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string(),
  phase: PhaseKind,
  route: Route,
  academicYear: AcademicYear,
  /** First day of activity, when it starts before 1 September (Readiness: summer term 2020). */
  startsOn: IsoDate.optional(),
  leader: z.string(),
  group: z.object({
    maxSchools: z.number().int().positive().nullable(),
    teachersPerSchool: z.number().int().positive(),
    maxTeachers: z.number().int().positive().nullable().default(null),
    /** e.g. Secondary 2018/19: 2 schools per specialist. */
    schoolsPerLeader: z.number().int().positive().nullable().default(null),
  }),
  /** Rule on the two teachers' roles checked by the forms. */
  teacherRoles: z.enum(['oneIsMathsLead', 'oneExperiencedOneAspiring', 'oneSubjectLeaderOrSmt', 'none']),
  sessions: z.array(SessionRule),
  inSchoolDays: z.object({ min: z.number(), max: z.number(), between: z.string(), source: SourceId }).nullable().default(null),
  releaseDays: z.object({ minCombined: z.number(), includesMeetings: z.boolean(), source: SourceId }).nullable().default(null),
  funding: Funding.nullable(),
  /** Funding that this phase earns but that is paid in a later phase (Readiness -> £1000 in Development). */
  fundingNote: z.string().optional(),
  /** The same promise as data: amount, and the phase and year that pay it. */
  fundingLater: z
    .object({ amountPence: z.number().int().positive(), phase: PhaseKind, academicYear: AcademicYear, source: z.array(SourceId).min(1) })
    .optional(),
  deadlines: z.object({
    applicationsClose: IsoDate.optional(),
    schoolsInformed: IsoDate.optional(),
    /** "Mastery Ready by the end of 2020/21". */
    outcomeBy: IsoDate.optional(),
  }),
  eligibility: z.object({ criteria: z.array(EligibilityCriterion).min(1), atLeast: z.number().int().positive() }).nullable(),
  statements: z.array(WordLimit),
  signatories: z.array(Signatory).min(1),
  evaluation: z.object({ required: z.boolean(), due: z.literal('endOfYear'), what: z.string() }),
  /** Costs the school carries (TRG: cover costs). */
  schoolMeetsCosts: z.string().optional(),
  inconsistencies: z.array(Inconsistency).default([]),
  takeOnce: z.boolean().default(false),
  /**
   * How many schools one leader (the Mastery Specialist or Readiness Lead) may
   * lead in this programme, with the words of the source: two departments per
   * Secondary Mastery Specialist (000), up to eight schools per Readiness Lead (002).
   */
  leaderLoad: z
    .object({ max: z.number().int().positive(), unit: z.enum(['schools', 'departments']), source: z.array(SourceId).min(1), quote: z.string().min(1) })
    .optional(),
  /**
   * A school moving on from Readiness enters this programme only when judged
   * "Mastery Ready" at the end of its Readiness year (002). Kept in the
   * programme, so histories recorded before the rule replay as they were.
   */
  masteryReadyFrom: z.object({ phase: z.literal('readiness'), source: z.array(SourceId).min(1), quote: z.string().min(1) }).optional(),
  sources: z.array(SourceId).min(1),
  /** Set on a year no document describes: the id of the documented entry whose rules were copied. */
  carriedFrom: z.string().optional(),
  /** Provenance and reading notes in plain words. */
  note: z.string().optional(),
});
export type Programme = z.infer<typeof Programme>;
/** What the caller writes; defaults filled by parsing. */
export type ProgrammeInput = z.input<typeof Programme>;

export const MathsHub = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string(),
  region: z.string(),
  leadSchool: z.string(),
  source: SourceId,
});
export type MathsHub = z.infer<typeof MathsHub>;
