/**
 * One school's reads and writes: its state with upcoming deadlines, its
 * history as of a date, the list with filters, and every single-school event
 * (commitment, attendance, gap tasks, release days, evaluation, withdrawal,
 * deferral, resumption, teacher replacement). Every write goes through the
 * engine. Not pure (engine I/O).
 */
import type { History, SchoolFilter, SendResult } from '../host/engine.js';
import type { PathwayEventInput, Teacher } from '../machines/events.js';
import type { PersistedPathway } from '../machines/decide.js';
import { upcomingAt, type SchoolSummary } from '../machines/summary.js';
import type { Signatory } from '../domain/catalogue/schema.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { academicYearOf } from '../domain/calendar/academic-year.js';
import { assertRead, assertWrite, hubIdOf, hubLabel, readableHubs, resolveHub } from './access.js';
import type { Principal, Service } from './context.js';
import { RefusedError } from './errors.js';
import { ValidationError } from '../domain/errors.js';
import { phaseName } from '../domain/words/school-state.js';
import { placeFor, releasePlace } from '../store/ops/groups.js';
import { endOfDayOrInstant, eventTime } from './time.js';

export interface WriteOptions {
  /** If-Match: the school's stream version the caller last saw. */
  expectedVersion?: number;
}

export interface SchoolView {
  urn: string;
  version: number;
  summary: SchoolSummary;
}

/** The school's state, if `p` may see it. Throws UnknownSchoolError or ForbiddenError. Not pure. */
export async function schoolState(svc: Service, p: Principal, urn: string): Promise<SchoolView & { snapshot: PersistedPathway }> {
  const st = await svc.engine.state(urn);
  assertRead(p, hubIdOf(st.summary.hub), { school: urn });
  // The stored summary lists every session not yet recorded; as of now, past ones are attendance to record.
  const summary = { ...st.summary, upcoming: upcomingAt(st.summary.upcoming, svc.now(), st.summary.status) };
  return { urn: st.urn, version: st.version, summary, snapshot: st.snapshot as PersistedPathway };
}

/**
 * Sends one event to one school after checking that `p` may change it.
 * `event` is the event, or (for an event that needs the school's programme,
 * say) a function making it from the school's current state, read first.
 * A plain event is checked by the engine on the head it reads to write
 * (SendOptions.authorize): no read of its own. Throws what the engine
 * throws: EventRejectedError, VersionConflictError, UnknownSchoolError,
 * ValidationError, and the access errors. Not pure.
 */
export async function sendToSchool(
  svc: Service,
  p: Principal,
  urn: string,
  event: PathwayEventInput | ((school: SchoolView & { snapshot: PersistedPathway }) => PathwayEventInput),
  options: WriteOptions = {},
): Promise<SendResult> {
  const send = { actor: p.id, ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}) };
  if (typeof event !== 'function') return svc.engine.send(urn, event, { ...send, authorize: (school) => assertWrite(p, hubIdOf(school.hub), { school: urn }) });
  const st = await svc.engine.state(urn);
  assertWrite(p, hubIdOf(st.summary.hub), { school: urn });
  return svc.engine.send(urn, event({ urn: st.urn, version: st.version, summary: st.summary, snapshot: st.snapshot as PersistedPathway }), send);
}

/** The engine's school filter; the service narrows it to the hubs the caller may read. */
export type SchoolListFilter = SchoolFilter;

/**
 * Schools matching the filter among the hubs `p` may read, in URN order,
 * each with what is coming up as of now, as schoolState gives it (a school
 * that withdrew or deferred has nothing ahead, even in a summary stored
 * before that rule). Not pure.
 */
export async function listSchools(svc: Service, p: Principal, filter: SchoolListFilter = {}): Promise<SchoolSummary[]> {
  const now = svc.now();
  const asOfNow = (list: SchoolSummary[]) => list.map((s) => ({ ...s, upcoming: upcomingAt(s.upcoming, now, s.status) }));
  return asOfNow(await matchingSchools(svc, p, filter));
}

async function matchingSchools(svc: Service, p: Principal, filter: SchoolListFilter): Promise<SchoolSummary[]> {
  const base: SchoolFilter = {};
  if (filter.phase !== undefined) base.phase = filter.phase;
  if (filter.programmeId !== undefined) base.programmeId = filter.programmeId;
  if (filter.academicYear !== undefined) base.academicYear = filter.academicYear;
  if (filter.groupId !== undefined) base.groupId = filter.groupId;
  if (filter.status !== undefined) base.status = filter.status;
  if (filter.overdue !== undefined) base.overdue = filter.overdue;
  if (filter.limit !== undefined) base.limit = filter.limit;
  const allowed = readableHubs(p);
  let hubIds: string[] | null;
  if (filter.hub !== undefined) {
    const h = resolveHub(filter.hub, 'hub');
    assertRead(p, h.id, `the schools of ${h.name}`);
    hubIds = [h.id];
  } else hubIds = allowed;
  if (hubIds === null) return svc.engine.schools(base);
  const lists = await Promise.all(hubIds.map((id) => svc.engine.schools({ ...base, hub: hubLabel(resolveHub(id)) })));
  const all = lists.flat().sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return filter.limit !== undefined ? all.slice(0, filter.limit) : all;
}

/** A school's recorded history, and its state as of `at` (a date: the end of that London day; or an instant). Not pure. */
export async function schoolHistory(svc: Service, p: Principal, urn: string, at?: string): Promise<History> {
  await schoolState(svc, p, urn);
  return svc.engine.history(urn, at === undefined ? {} : { at: endOfDayOrInstant(at) });
}

// ---------------------------------------------------------------- single-school events

/** Records the signed commitment (COMMITMENT_SIGNED): the phase becomes active. Not pure. */
export async function signCommitment(svc: Service, p: Principal, urn: string, body: { signatories: Signatory[]; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'COMMITMENT_SIGNED', at, signatories: body.signatories }, o);
}

/** Records who came to a session (ATTENDANCE_RECORDED). Not pure. */
export async function recordAttendance(
  svc: Service,
  p: Principal,
  urn: string,
  body: { sessionId: string; teachersPresent: number; headteacherPresent?: boolean; at?: string },
  o: WriteOptions = {},
): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'ATTENDANCE_RECORDED', at, sessionId: body.sessionId, teachersPresent: body.teachersPresent, headteacherPresent: body.headteacherPresent ?? false }, o);
}

/** Records a completed gap task (GAP_TASK_COMPLETED). Not pure. */
export async function recordGapTask(svc: Service, p: Principal, urn: string, body: { task: string; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'GAP_TASK_COMPLETED', at, task: body.task }, o);
}

/** Records teacher release days (RELEASE_DAYS_RECORDED). Not pure. */
export async function recordReleaseDays(svc: Service, p: Principal, urn: string, body: { days: number; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'RELEASE_DAYS_RECORDED', at, days: body.days }, o);
}

/** Records the submitted end-of-year evaluation (EVALUATION_SUBMITTED). Not pure. */
export async function submitEvaluation(svc: Service, p: Principal, urn: string, body: { summary?: string; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'EVALUATION_SUBMITTED', at, summary: body.summary ?? '' }, o);
}

/** Withdraws the school from its phase (WITHDRAWN). Not pure. */
export async function withdrawSchool(svc: Service, p: Principal, urn: string, body: { reason: string; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  const r = await sendToSchool(svc, p, urn, { type: 'WITHDRAWN', at, reason: body.reason }, o);
  // A school that leaves frees its place in its work group for a school on the waiting list. After the event:
  // a refused withdrawal keeps its place (a crash in between leaves it taken until the group's next reservation frees it).
  const programmeId = r.summary.programmeId;
  const place = programmeId ? await placeFor(svc.db, urn, programmeId) : null;
  if (place) await releasePlace(svc.db, place.groupId, urn);
  return r;
}

/** Defers the school to a later academic year (DEFERRED). Not pure. */
export async function deferSchool(svc: Service, p: Principal, urn: string, body: { reason: string; untilYear: string; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'DEFERRED', at, reason: body.reason, untilYear: body.untilYear }, o);
}

/**
 * Resumes a deferred school in the catalogue's programme for its phase and
 * `academicYear` (default: the year it deferred until, or the current year
 * when that is later). Not pure.
 */
export async function resumeSchool(svc: Service, p: Principal, urn: string, body: { academicYear?: string; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const now = svc.now();
  const at = eventTime(now, body.at);
  return sendToSchool(
    svc,
    p,
    urn,
    ({ snapshot }) => {
      const c = snapshot.context;
      if (!c.programme || !c.school) throw new RefusedError(`school ${urn} has no deferred phase to resume`);
      const current = academicYearOf(at);
      const year = body.academicYear ?? (c.deferredUntil && c.deferredUntil > current ? c.deferredUntil : current);
      const programme = programmeFor(c.school.route, c.programme.phase, year);
      if (!programme) throw new RefusedError(`the catalogue has no ${phaseName(c.programme.phase)} programme for ${c.school.route} schools in ${year} yet, so ${c.school.name} cannot start again in that year; it can once that year’s rules are in the catalogue`);
      return { type: 'RESUMED', at, programme };
    },
    o,
  );
}

/**
 * Why `teacher` cannot take lead teacher `slot`'s place among `teachers`, or
 * null: the school's two lead teachers are two people, and a replacement is
 * someone new. Compared by email address, as people are told apart by the
 * emails they get. Pure.
 */
export function replacementProblem(teachers: readonly Pick<Teacher, 'name' | 'email'>[], slot: 1 | 2, teacher: Pick<Teacher, 'email'>): string | null {
  const email = teacher.email.trim().toLowerCase();
  const other = teachers[slot === 1 ? 1 : 0];
  const leaving = teachers[slot - 1];
  if (other && other.email.trim().toLowerCase() === email) return `is the address of lead teacher ${slot === 1 ? 2 : 1}, ${other.name}: the school’s two lead teachers must be different people`;
  if (leaving && leaving.email.trim().toLowerCase() === email) return `is the address of ${leaving.name}, who is leaving: enter the new lead teacher’s address`;
  return null;
}

/** Replaces lead teacher 1 or 2 (TEACHER_REPLACED) with someone who is not already one of them. Not pure. */
export async function replaceTeacher(svc: Service, p: Principal, urn: string, slot: 1 | 2, body: { teacher: Teacher; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(
    svc,
    p,
    urn,
    (school) => {
      const why = typeof body.teacher?.email === 'string' ? replacementProblem(school.snapshot.context.teachers, slot, body.teacher) : null;
      if (why) throw new ValidationError([{ path: 'teacher.email', message: why, value: body.teacher.email, severity: 'error' }], 'the new lead teacher');
      return { type: 'TEACHER_REPLACED', at, slot, teacher: body.teacher };
    },
    o,
  );
}
