/**
 * The HTTP API's zod schemas: path parameters, query strings, request bodies
 * and the responses, one source for validation and for the OpenAPI document
 * at /docs. Event fields reuse the machines' own schemas (machines/events.ts).
 * Pure: schemas only.
 */
import { z } from 'zod';
import { PhaseKind, SessionKind, Signatory } from '../domain/catalogue/schema.js';
import { ReminderPolicy, Teacher } from '../machines/events.js';
import { BoundedAcademicYear, BoundedDateOrInstant, BoundedInstant } from '../domain/boundary.js';
import { WEEKDAYS } from '../domain/calendar/london.js';
import { STATUS_CHOICES } from '../domain/words/school-state.js';

// ---------------------------------------------------------------- parameters

export const Urn = z.string().regex(/^\d{6}$/, 'must be a school URN: exactly 6 digits');
export const GroupId = z.string().max(100, 'must be at most 100 characters').regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');
export const SessionId = z.string().max(200, 'must be at most 200 characters').regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, dot, dash or underscore');
/** An ISO instant with offset: a real date in 1990-2100, offset within ±14:00 (domain/boundary.ts). */
const Instant = BoundedInstant.describe('ISO 8601 instant with offset, e.g. 2021-03-01T09:00:00Z');
/** An academic year such as 2020/21, from 1990/91 to 2099/00. */
const AcademicYear = BoundedAcademicYear.describe('Academic year, e.g. 2020/21');
const Text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const When = Instant.optional().describe('When it happened (ISO instant with offset); default now. Never in the future.');

export const UrnParams = z.object({ urn: Urn });
export const GroupParams = z.object({ id: GroupId });
export const SessionParams = z.object({ id: GroupId, sessionId: SessionId });
export const TeacherSlotParams = z.object({ urn: Urn, slot: z.enum(['1', '2'], { error: 'must be 1 or 2' }) });
export const UserParams = z.object({ id: z.string().max(100).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a user id such as jane-smith-1a2b') });
export const HubParams = z.object({ hub: Text(120) });

/** If-Match with a stream (or group) version: 7, "7" or W/"7". */
export const IfMatchHeaders = z.object({
  'if-match': z
    .string()
    .regex(/^\s*(W\/)?"?\d{1,9}"?\s*$/, 'must be the version you last saw, e.g. "7" (from the ETag or the version field)')
    .optional()
    .describe('The version you last saw; the write is refused with 409 if it changed since.'),
});

const YesNo = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');

export const SchoolsQuery = z.strictObject({
  hub: Text(120).optional().describe('Hub id or name, e.g. cambridge'),
  phase: z.enum([...PhaseKind.options, 'none']).optional(),
  programme: z.string().max(100).optional().describe('Programme id, e.g. secondary-development-2020-21'),
  year: AcademicYear.optional(),
  status: z.enum(STATUS_CHOICES.map((c) => c.name) as [string, ...string[]]).optional().describe('A status by its name: active is "Taking part", evaluating "Evaluation due", declined "Not offered a place"'),
  overdue: YesNo.optional(),
  group: GroupId.optional(),
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(10000, 'must be at most 10000').optional(),
});

export const ApplyQuery = z.strictObject({
  programme: z.string().max(100).optional().describe("A catalogue programme of the form's route and phase in another year, e.g. primary-readiness-2026-27"),
});

export const ApplicationsQuery = z.strictObject({
  hub: Text(120).optional(),
  programme: z.string().max(100).optional(),
  year: AcademicYear.optional(),
  status: z.string().max(40).regex(/^[a-z]+$/, 'must be a status word such as eligible').optional(),
});

export const GroupsQuery = z.strictObject({
  hub: Text(120).optional(),
  programme: z.string().max(100).optional(),
  year: AcademicYear.optional(),
});

export const HistoryQuery = z.strictObject({
  at: BoundedDateOrInstant.optional().describe('The state on this date (the end of that London day) or at this instant'),
});

export const UsersQuery = z.strictObject({ revoked: YesNo.optional() });

// ---------------------------------------------------------------- bodies

export const EligibilityBody = z.strictObject({
  eligible: z.boolean({ error: 'must be true or false' }),
  criteria: z.array(Text(80)).max(20).optional().describe("Criteria met (catalogue ids such as ofsted-ri-or-inadequate, or the forms' ofstedRiOrInadequate); default: those the form claimed"),
  note: Text(2000).optional(),
  at: When,
});
export const SelectBody = z.strictObject({ groupId: GroupId.optional().describe('Default: a group chosen to keep group applications together'), at: When });
export const ReasonBody = z.strictObject({ reason: Text(2000), at: When });
export const DeclineBody = z.strictObject({ reason: Text(2000), alternative: Text(500).optional().describe('What the hub offers instead'), at: When });
export const CommitmentBody = z.strictObject({ signatories: z.array(Signatory).min(1, 'must name at least one signatory').max(4), at: When });
export const AttendanceBody = z.strictObject({
  sessionId: SessionId,
  teachersPresent: z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0, 1 or 2').max(2, 'must be 0, 1 or 2'),
  headteacherPresent: z.boolean({ error: 'must be true or false' }).optional(),
  at: When,
});
export const GapTaskBody = z.strictObject({ task: Text(500), at: When });
export const ReleaseDaysBody = z.strictObject({ days: z
    .number({ error: 'must be a number' })
    .positive('must be more than 0')
    .max(50, 'must be at most 50')
    .multipleOf(0.5, 'must be in whole or half days, e.g. 1 or 1.5'), at: When });
export const EvaluationBody = z.strictObject({ summary: z.string().max(20000, 'must be at most 20000 characters').optional(), at: When });
export const DeferBody = z.strictObject({ reason: Text(2000), untilYear: AcademicYear, at: When });
export const ResumeBody = z.strictObject({ academicYear: AcademicYear.optional().describe('Default: the year deferred until, or the current year if later'), at: When });
export const TeacherBody = z.strictObject({ teacher: Teacher, at: When });

export const GroupBody = z.strictObject({
  programmeId: z.string().min(1).max(100).describe('A catalogue programme id, e.g. secondary-development-2020-21'),
  hub: Text(120),
  lead: z.strictObject({ name: Text(100), email: z.email('must be an email address') }),
  id: GroupId.optional(),
  name: Text(200).optional(),
});
export const AddSchoolBody = z.strictObject({ urn: Urn, at: When });

const Weekday = z.enum(WEEKDAYS as unknown as ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']);
const WallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm on a 24-hour clock, e.g. 09:30');
const SlotChoice = z.strictObject({ weekday: Weekday.optional(), time: WallTime.optional(), week: z.number().int().min(1).max(8).optional(), place: Text(200).optional() });
export const GenerateBody = z.strictObject({
  academicYear: AcademicYear.optional(),
  weekday: Weekday.optional(),
  time: WallTime.optional(),
  week: z.number().int('must be a whole number').min(1).max(8).optional(),
  place: Text(200).optional(),
  kinds: z.strictObject({ meeting: SlotChoice.optional(), workshop: SlotChoice.optional(), visit: SlotChoice.optional(), inSchoolDay: SlotChoice.optional() }).optional(),
  policy: ReminderPolicy.optional(),
  at: When,
});
export const MoveBody = z.strictObject({ to: Instant, place: Text(200).optional(), at: When });
export const CancelBody = z.strictObject({ reason: Text(2000), at: When });

export const CohortBody = z.strictObject({
  from: AcademicYear,
  to: AcademicYear,
  groupId: GroupId.optional(),
  hub: Text(120).optional(),
  dryRun: z.boolean({ error: 'must be true or false' }).default(false),
});

export const UserBody = z.strictObject({
  name: Text(100),
  role: z.enum(['hub_staff', 'auditor', 'admin']),
  hubs: z.array(Text(120)).max(40).default([]),
  days: z
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(3650, 'must be at most 3650 (ten years)')
    .optional()
    .describe('How long the token works, in days; default 90'),
});
export const HubContactBody = z.strictObject({ name: Text(100), email: z.email('must be an email address') });

// ---------------------------------------------------------------- responses

export const ProblemOut = z.object({
  path: z.string(),
  message: z.string(),
  value: z.unknown().optional(),
  severity: z.enum(['error', 'warning']),
  in: z.enum(['body', 'query', 'params', 'headers']).optional(),
});
export const ErrorOut = z.looseObject({
  error: z.string().describe('What went wrong and what to do, in plain words'),
  problems: z.array(ProblemOut).optional(),
  currentVersion: z.number().optional().describe('On 409: the version now'),
  requestId: z.string().optional().describe('The id of this request, also in the X-Request-Id header: quote it when reporting a fault'),
});

export const SummaryOut = z.looseObject({
  urn: z.string(),
  name: z.string().nullable(),
  route: z.string().nullable(),
  hub: z.string().nullable(),
  phase: z.string(),
  status: z.string(),
  programmeId: z.string().nullable(),
  academicYear: z.string().nullable(),
  groupId: z.string().nullable(),
  overdue: z.boolean(),
  upcoming: z.array(z.object({ what: z.string(), at: z.string() })),
});

export const WriteOut = z.looseObject({
  urn: z.string(),
  version: z.number().describe('The stream version now: send it as If-Match next time'),
  summary: SummaryOut,
  effects: z.array(z.looseObject({ type: z.string() })).describe('What the event set in motion: timers, emails, grants'),
});

export const SchoolOut = z.looseObject({ urn: z.string(), version: z.number(), summary: SummaryOut });
export const SchoolListOut = z.object({ count: z.number(), schools: z.array(SummaryOut) });

export const GroupOut = z.looseObject({
  id: z.string(),
  name: z.string(),
  hub: z.string(),
  programmeId: z.string(),
  academicYear: z.string(),
  maxSchools: z.number().nullable(),
  lead: z.object({ name: z.string(), email: z.string() }),
  version: z.number(),
});
export const SessionOut = z.looseObject({ sessionId: z.string(), kind: SessionKind, at: z.string(), place: z.string(), status: z.string() });
export const SchoolOutcomeOut = z.object({ urn: z.string(), ok: z.boolean(), version: z.number().optional(), reason: z.string().optional() });
export const GroupChangeOut = z.looseObject({ groupId: z.string(), groupVersion: z.number(), schools: z.array(SchoolOutcomeOut) });

export const TransitionOut = z.object({
  from: z.string(),
  to: z.string(),
  dryRun: z.boolean(),
  counts: z.record(z.string(), z.number()),
  datesGiven: z.number().int().optional().describe('Schools moved into a work group whose next year was already planned, and given its dates'),
  datesWithheld: z.string().optional().describe('Why the schools moved (or, in a dry run, that would move) into the work group are not given its dates: it has held all its sessions of that year'),
  rows: z.array(
    z.object({
      urn: z.string(),
      name: z.string().nullable(),
      groupId: z.string().nullable(),
      fromPhase: z.string(),
      fromYear: z.string(),
      fromStatus: z.string(),
      toPhase: z.string().nullable(),
      toProgrammeId: z.string().nullable(),
      outcome: z.string(),
      reason: z.string().nullable(),
    }),
  ),
});

export const UserOut = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  hubs: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
  expiresAt: z.string().describe('When the token stops working (90 days after it was made unless chosen otherwise)'),
});
