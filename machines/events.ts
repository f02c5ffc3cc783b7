/**
 * The events a school's pathway accepts, as zod schemas (one source for the
 * machines, the CLI, the HTTP API and the Temporal updates). Pure.
 *
 * Every event carries `at`: when it happened, an ISO instant. Time enters the
 * machines only this way.
 */
import { z } from 'zod';
import { Programme, SessionKind, Signatory, AcademicYear } from '../domain/catalogue/schema.js';
import { BIG_IDEAS, Leader, PlanAims, PlanProgress } from '../domain/people.js';
import { SchoolDays } from '../domain/calendar/reminder-day.js';

/** An ISO 8601 instant with offset, e.g. 2020-11-05T09:30:00Z or 2020-11-05T09:30:00+00:00. */
export const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, 'must be an ISO date-time with offset, e.g. 2021-03-01T09:00:00Z');

// The people and school a form produces are the domain's; the machines take them as they are.
export { Person, Teacher, SchoolDetails } from '../domain/school.js';
import { Teacher, SchoolDetails } from '../domain/school.js';

export const ScheduledSession = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, dot, dash or underscore'),
  kind: SessionKind,
  at: Instant,
  place: z.string().default('to be confirmed'),
});
export type ScheduledSession = z.infer<typeof ScheduledSession>;

/** Reminder policy (hub data): days before each session, and the escalation delay after a miss. */
export const ReminderPolicy = z.object({
  daysBefore: z.array(z.number().int().positive()).default([14, 2]),
  escalateAfterDays: z.number().int().positive().default(1),
  evaluationDaysBefore: z.array(z.number().int().positive()).default([14]),
});
export type ReminderPolicy = z.infer<typeof ReminderPolicy>;

const at = { at: Instant };

export const PathwayEvent = z.discriminatedUnion('type', [
  // --- applications and selection (hub operations) ---
  z.object({ type: z.literal('APPLY'), ...at, programme: Programme, school: SchoolDetails, teachers: z.array(Teacher).min(1).max(2), groupWith: z.array(z.string()).default([]) }),
  z.object({ type: z.literal('ELIGIBILITY_ASSESSED'), ...at, eligible: z.boolean(), criteria: z.array(z.string()).default([]), note: z.string().optional() }),
  z.object({ type: z.literal('SELECTED'), ...at, groupId: z.string().min(1), groupSize: z.number().int().positive() }),
  z.object({ type: z.literal('WAITLISTED'), ...at, reason: z.string().min(1) }),
  z.object({ type: z.literal('DECLINED'), ...at, reason: z.string().min(1), alternative: z.string().optional() }),
  z.object({ type: z.literal('COMMITMENT_SIGNED'), ...at, signatories: z.array(Signatory).min(1) }),
  // --- the year's activity ---
  // schoolDays: the school's open days over the year, recorded by the host so that a reminder falling on a day the
  // school is shut moves to an open one (domain/calendar/reminder-day.ts); absent (as in every schedule set before
  // it was recorded), reminders fall on the day counted back, as they did.
  // joinedLate: the group's dates as they stood when the school joined it (1.3.0): those held by then are not its own.
  // Absent, the dates are the school's (a group's year planned, or recorded after the fact, with every member in it).
  z.object({
    type: z.literal('SCHEDULE_SET'),
    ...at,
    sessions: z.array(ScheduledSession).min(1),
    policy: ReminderPolicy.default({ daysBefore: [14, 2], escalateAfterDays: 1, evaluationDaysBefore: [14] }),
    schoolDays: SchoolDays.optional(),
    joinedLate: z.boolean().optional(),
  }),
  z.object({ type: z.literal('SESSION_MOVED'), ...at, sessionId: z.string(), to: Instant, place: z.string().optional() }),
  z.object({ type: z.literal('SESSION_CANCELLED'), ...at, sessionId: z.string(), reason: z.string().min(1) }),
  z.object({ type: z.literal('ATTENDANCE_RECORDED'), ...at, sessionId: z.string(), teachersPresent: z.number().int().min(0).max(2), headteacherPresent: z.boolean().default(false) }),
  z.object({ type: z.literal('GAP_TASK_COMPLETED'), ...at, task: z.string().min(1) }),
  z.object({ type: z.literal('RELEASE_DAYS_RECORDED'), ...at, days: z.number().positive().max(50) }),
  z.object({ type: z.literal('EVALUATION_SUBMITTED'), ...at, summary: z.string().default('') }),
  // --- the school's leader and action plan on the 5 Big Ideas (seeds 001, 002) ---
  // load: how many schools of this programme the leader leads with this one (the host counts them).
  z.object({ type: z.literal('LEADER_ALLOCATED'), ...at, leader: Leader, load: z.number().int().positive() }),
  z.object({ type: z.literal('ACTION_PLAN_CREATED'), ...at, aims: PlanAims }),
  z.object({
    type: z.literal('ACTION_PLAN_REVIEWED'),
    ...at,
    sessionId: z.string().min(1),
    progress: PlanProgress.refine((p) => BIG_IDEAS.some((k) => p[k] !== undefined), 'must give the progress on at least one of the 5 Big Ideas'),
    note: z.string().max(2000).default(''),
  }),
  z.object({ type: z.literal('MASTERY_READY_JUDGED'), ...at, ready: z.boolean(), note: z.string().max(2000).default('') }),
  // --- moves between phases and years ---
  // groupId: the work group the school continues in; without it the old phase's group is left behind.
  z.object({ type: z.literal('ADVANCED'), ...at, programme: Programme, groupId: z.string().min(1).optional() }),
  z.object({ type: z.literal('WITHDRAWN'), ...at, reason: z.string().min(1) }),
  z.object({ type: z.literal('DEFERRED'), ...at, reason: z.string().min(1), untilYear: AcademicYear }),
  z.object({ type: z.literal('RESUMED'), ...at, programme: Programme }),
  z.object({ type: z.literal('TEACHER_REPLACED'), ...at, slot: z.union([z.literal(1), z.literal(2)]), teacher: Teacher }),
  // --- timer firings (actor "timer"): the machine set them, the host sends them back ---
  z.object({ type: z.literal('REMINDER_DUE'), ...at, sessionId: z.string(), daysBefore: z.number().int() }),
  z.object({ type: z.literal('SESSION_CHECK_DUE'), ...at, sessionId: z.string() }),
  z.object({ type: z.literal('EVALUATION_REMINDER_DUE'), ...at, daysBefore: z.number().int() }),
  z.object({ type: z.literal('YEAR_ENDED'), ...at, academicYear: AcademicYear }),
]);
export type PathwayEvent = z.infer<typeof PathwayEvent>;
export type PathwayEventInput = z.input<typeof PathwayEvent>;
export type PathwayEventType = PathwayEvent['type'];
export type EventOf<T extends PathwayEventType> = Extract<PathwayEvent, { type: T }>;

/** Events only the host's timers may send. */
export const TIMER_EVENTS: readonly PathwayEventType[] = ['REMINDER_DUE', 'SESSION_CHECK_DUE', 'EVALUATION_REMINDER_DUE', 'YEAR_ENDED'];
