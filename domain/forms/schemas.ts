/**
 * The four application forms as zod schemas, one per `kind`, with the fields
 * of the seed forms. These check each field on its own; the rules that tie
 * fields together (word limits, deadline, roles, eligibility, signatures) are
 * in ./checks.ts and are attached per call by ./validate.ts, because they read
 * a `FormRules` object. Pure: schemas and types only.
 *
 * Objects are strict: a misspelt field name is reported, not silently dropped.
 */
import { z } from 'zod';
import { Email, IsoDay, Name, Person, Signature, Statement, Text, UkPhone, Urn, YesNo, yearGroups, PRIMARY_YEAR_GROUPS, SECONDARY_YEAR_GROUPS } from './fields.js';
import { PRIMARY_ROLES, SECONDARY_ROLES } from './rules.js';

const Hub = Text.max(120, 'must be at most 120 characters');
const Address = Text.max(500, 'must be at most 500 characters');

const schoolBase = {
  name: Name,
  address: Address,
  urn: Urn,
  phone: UkPhone,
  headteacher: Person,
};

const roleOf = <const R extends readonly [string, ...string[]]>(roles: R) => z.enum(roles, { error: `must be one of ${roles.join(', ')}` });

/** A Mastery Advocate (000, 003): "Role/responsibility in the Maths department", "Year Groups being taught". */
const SecondaryTeacher = z.strictObject({
  name: Name,
  email: Email,
  role: roleOf(SECONDARY_ROLES),
  /** The role in the teacher's own words, as written on the form. */
  responsibility: Text.max(200, 'must be at most 200 characters').optional(),
  yearGroups: yearGroups(SECONDARY_YEAR_GROUPS),
});

const twoTeachers = <T extends z.ZodType>(teacher: T, source: string) =>
  z.array(teacher).min(2, `must list exactly two teachers (seed ${source})`).max(2, `must list exactly two teachers (seed ${source})`);

/** "Has your school been working with a Maths Hub Mastery Specialist? If yes, please name the Mastery Specialist" (000). */
const MasterySpecialistEngagement = z.strictObject({ workedWith: YesNo, name: Name.optional() });

const secondaryFields = {
  submittedOn: IsoDay,
  school: z.strictObject({ ...schoolBase, hub: Hub, headOfDepartment: Person }),
  teachers: twoTeachers(SecondaryTeacher, '000'),
  masterySpecialist: MasterySpecialistEngagement,
  statements: z.strictObject({ headOfDepartment: Statement }),
  signatures: z.strictObject({
    headteacher: Signature.optional(),
    headOfDepartment: Signature.optional(),
    teacher1: Signature.optional(),
    teacher2: Signature.optional(),
  }),
};

/** Secondary Teaching for Mastery Work Group, Expression of Interest 2018/19 (seed 000). */
export const SecondaryEoi2018Form = z.strictObject({ kind: z.literal('secondary-eoi-2018'), ...secondaryFields });

/**
 * Secondary Development Work Group application 2020/21 (seed 003). The seed
 * has the 2020/21 information but not the form itself, so the fields are those
 * of the 2018/19 form (000); the 2020/21 facts (deadline 13 July 2020, roles)
 * are in its rules.
 */
export const SecondaryDevelopment2020Form = z.strictObject({ kind: z.literal('secondary-development-2020'), ...secondaryFields });

/** A Readiness lead teacher (002): name, NCETM username, email, telephone, "School role/s including teaching group/s in 2019/20". */
const ReadinessTeacher = z.strictObject({
  name: Name,
  /** "This is not your password, just the name that you registered with on the NCETM" (002). */
  ncetmUsername: Text.max(100, 'must be at most 100 characters'),
  email: Email,
  phone: UkPhone.optional(),
  role: roleOf(PRIMARY_ROLES),
  responsibility: Text.max(200, 'must be at most 200 characters').optional(),
  yearGroups: yearGroups(PRIMARY_YEAR_GROUPS),
});

const GroupSchool = z.strictObject({ name: Name, urn: Urn.optional() });

/** Primary Mastery Readiness Work Group application, summer 2020 start (seed 002). */
export const PrimaryReadiness2020Form = z.strictObject({
  kind: z.literal('primary-readiness-2020'),
  submittedOn: IsoDay,
  school: z.strictObject({ ...schoolBase, hub: Hub, localAuthority: Text.max(120, 'must be at most 120 characters') }),
  teachers: twoTeachers(ReadinessTeacher, '002'),
  statements: z.strictObject({ headteacher: Statement }),
  eligibility: z.strictObject({
    /** Ids of the criteria the school meets (see READINESS_CRITERIA); checked against the rules. */
    criteria: z.array(Text),
    /** The school's own words when it claims `otherReason`. */
    otherReason: Text.max(1000, 'must be at most 1000 characters').optional(),
  }),
  group: z.strictObject({
    applying: YesNo,
    schools: z.array(GroupSchool).default([]),
    relationship: Text.max(1000, 'must be at most 1000 characters').optional(),
  }),
  signatures: z.strictObject({
    headteacher: Signature.optional(),
    teacher1: Signature.optional(),
    teacher2: Signature.optional(),
  }),
});

/** A TRG teacher (004): name, year group, email. The role is not a box on the 004 form, but the leaflet requires "one of each pair being the subject leader or member of SMT", so the form asks for it. */
const TrgTeacher = z.strictObject({
  name: Name,
  email: Email,
  role: roleOf(PRIMARY_ROLES),
  yearGroups: yearGroups(PRIMARY_YEAR_GROUPS),
});

/** Primary pilot Teacher Research Group, Expression of Interest, summer 2019 (seed 004). The form has no hub box: it goes to Cambridge Maths Hub. */
export const PrimaryTrgEoi2019Form = z.strictObject({
  kind: z.literal('primary-trg-eoi-2019'),
  submittedOn: IsoDay,
  school: z.strictObject({ ...schoolBase, hub: Hub.optional() }),
  teachers: twoTeachers(TrgTeacher, '004'),
  statements: z.strictObject({ teacher1: Statement, teacher2: Statement, headteacher: Statement }),
  signatures: z.strictObject({
    headteacher: Signature.optional(),
    teacher1: Signature.optional(),
    teacher2: Signature.optional(),
  }),
});

/** Each form kind's field schema. */
export const formShapes = {
  'secondary-eoi-2018': SecondaryEoi2018Form,
  'secondary-development-2020': SecondaryDevelopment2020Form,
  'primary-readiness-2020': PrimaryReadiness2020Form,
  'primary-trg-eoi-2019': PrimaryTrgEoi2019Form,
} as const;

/** Any form, told apart by `kind`, field rules only. */
export const AnyForm = z.discriminatedUnion('kind', [SecondaryEoi2018Form, SecondaryDevelopment2020Form, PrimaryReadiness2020Form, PrimaryTrgEoi2019Form]);

export type SecondaryEoi2018Form = z.infer<typeof SecondaryEoi2018Form>;
export type SecondaryDevelopment2020Form = z.infer<typeof SecondaryDevelopment2020Form>;
export type PrimaryReadiness2020Form = z.infer<typeof PrimaryReadiness2020Form>;
export type PrimaryTrgEoi2019Form = z.infer<typeof PrimaryTrgEoi2019Form>;
/** A form that passed validateForm. */
export type ParsedForm = z.infer<typeof AnyForm>;
/** What a caller writes (defaults not yet filled). */
export type FormInput = z.input<typeof AnyForm>;
