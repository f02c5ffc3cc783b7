/**
 * A work group's year of sessions: generated from the calendar and the
 * catalogue and sent to each of its schools (SCHEDULE_SET, with the reminder
 * policy), one session moved (SESSION_MOVED) or cancelled
 * (SESSION_CANCELLED). Reminders follow: the machines reset or drop their
 * timers. A schedule goes to each school in turn, and one school's refusal
 * does not stop the others. A move or a cancellation is all or nothing: each
 * school holding the session is asked by its own rules first, and when any
 * would refuse, nothing is stored (SessionChangeRefused names the schools
 * and why). Not pure (database and engine I/O).
 */
import { generateSchedule, type ScheduleOptions, type GeneratedSession } from '../domain/calendar/schedule.js';
import type { SchoolDays } from '../domain/calendar/reminder-day.js';
import { schoolDaysForYear } from '../domain/calendar/school-days.js';
import type { CalendarScope } from '../domain/calendar/terms.js';
import type { Weekday } from '../domain/calendar/london.js';
import { AT_THE_SCHOOL, type Programme, type SessionKind } from '../domain/catalogue/schema.js';
import { programmeById } from '../domain/catalogue/programmes.js';
import { parseEvent, whyRejected, type PersistedPathway } from '../machines/decide.js';
import type { PathwayContext, SessionRecord } from '../machines/context.js';
import type { PathwayEvent, PathwayEventInput, ReminderPolicy } from '../machines/events.js';
import { moveKeepsRules, sessionBounds } from '../machines/schedule-rules.js';
import type { SchoolSummary } from '../machines/summary.js';
import { getGroup, groupSession, groupSessions, saveGroupSessions, touchGroup, updateGroupSession, type GroupSession, type WorkGroup } from '../store/ops/groups.js';
import { machinePolicy } from '../host/reminder-policy.js';
import { assertWrite } from './access.js';
import type { Principal, Service } from './context.js';
import { NotFoundError, RefusedError, SessionChangeRefused, isCallerError, type SchoolRefusal } from './errors.js';
import { newDateBoundsWords, refusalWords } from './school-words.js';
import { eventTime, london } from './time.js';
import { EventRejectedError } from '../domain/errors.js';

/** Statuses in which a school takes part in its group's sessions. */
const TAKING_PART = new Set(['selected', 'active', 'evaluating', 'overdue']);

export interface SchoolOutcome {
  urn: string;
  ok: boolean;
  /** The school's stream version after the event, when sent. */
  version?: number;
  /** Why the school was skipped or refused, in plain words. */
  reason?: string;
}

export interface GroupChange {
  groupId: string;
  /** The group's version after the change (its If-Match for the next one). */
  groupVersion: number;
  schools: SchoolOutcome[];
}

async function writableGroup(svc: Service, p: Principal, id: string): Promise<WorkGroup> {
  const group = await getGroup(svc.db, id);
  if (!group) throw new NotFoundError('work group', id, '', { kind: 'list-groups' });
  assertWrite(p, group.hub, `work group ${id}`);
  return group;
}

/** A school's refusal in plain words: the rule's reason without the school's id, event name or state. */
function why(err: unknown): string {
  if (err instanceof EventRejectedError) {
    const words = refusalWords(err.why);
    return words.charAt(0).toLowerCase() + words.slice(1);
  }
  return err instanceof Error ? err.message : String(err);
}

/** Sends one event to each school, in turn; a caller's error is that school's outcome, anything else stops the run. */
async function sendEach(svc: Service, p: Principal, schools: SchoolSummary[], event: (s: SchoolSummary) => Parameters<Service['engine']['send']>[1]): Promise<SchoolOutcome[]> {
  const out: SchoolOutcome[] = [];
  for (const s of schools) {
    try {
      const r = await svc.engine.send(s.urn, event(s), { actor: p.id });
      out.push({ urn: s.urn, ok: true, version: r.version });
    } catch (err) {
      if (!isCallerError(err)) throw err;
      out.push({ urn: s.urn, ok: false, reason: why(err) });
    }
  }
  return out;
}

export interface GenerateInput {
  /** Default: the group's academic year. After a cohort transition, the year its schools moved to. */
  academicYear?: string;
  weekday?: Weekday;
  /** London wall time, HH:mm. */
  time?: string;
  week?: number;
  place?: string;
  kinds?: Partial<Record<SessionKind, { weekday?: Weekday; time?: string; week?: number; place?: string }>>;
  /** The reminder policy to use instead of the service's (host/reminder-policy.ts). */
  policy?: ReminderPolicy;
  at?: string;
}

export interface Generated extends GroupChange {
  academicYear: string;
  sessions: GeneratedSession[];
}

/**
 * Generates the year's sessions for the group's schools in `academicYear`
 * (each programme among them gets its own, from the catalogue rules and the
 * calendar), keeps them with the group and sends SCHEDULE_SET to each school
 * taking part. `groupVersion` is If-Match for the group. Not pure.
 */
export async function generateGroupSchedule(svc: Service, p: Principal, groupId: string, input: GenerateInput = {}, o: { groupVersion?: number } = {}): Promise<Generated> {
  const group = await writableGroup(svc, p, groupId);
  const at = eventTime(svc.now(), input.at);
  const year = input.academicYear ?? group.academicYear;
  const members = (await svc.engine.schools({ groupId })).filter((s) => s.academicYear === year);
  if (members.length === 0) throw new RefusedError(`work group ${groupId} has no schools in ${year}: select schools into it first`, { kind: 'select-schools', groupId });
  const taking = members.filter((s) => TAKING_PART.has(s.status));
  const skipped: SchoolOutcome[] = members.filter((s) => !TAKING_PART.has(s.status)).map((s) => ({ urn: s.urn, ok: false, reason: `not taking part: ${s.status}${s.reason ? ` (${s.reason})` : ''}` }));
  if (taking.length === 0) throw new RefusedError(`no school of work group ${groupId} is taking part in ${year} (${skipped.map((s) => `${s.urn} ${s.reason}`).join('; ')})`);

  // Every programme among the schools, with the rules each school holds (copied when its phase began).
  const programmes = new Map<string, Programme>();
  for (const s of taking) {
    if (!s.programmeId || programmes.has(s.programmeId)) continue;
    const st = await svc.engine.state(s.urn);
    programmes.set(s.programmeId, (st.snapshot as PersistedPathway).context.programme ?? programmeById(s.programmeId));
  }
  const options: ScheduleOptions = {};
  if (input.weekday) options.weekday = input.weekday;
  if (input.time) options.time = input.time;
  if (input.week !== undefined) options.week = input.week;
  if (input.place) options.place = input.place;
  if (input.kinds) options.kinds = input.kinds;
  const byProgramme = new Map<string, GeneratedSession[]>();
  for (const [id, programme] of programmes) {
    // A place the operator names wins over the catalogue's default ("online or face to face"), but not over "the
    // school": a school visit is held at each school, wherever the group meets (only a place given for visits moves it).
    const atSchool = new Set(programme.sessions.filter((r) => r.place === AT_THE_SCHOOL).map((r) => r.kind));
    const sessions = generateSchedule(programme, year, options).map((x) => ({ ...x, place: input.kinds?.[x.kind]?.place ?? (atSchool.has(x.kind) ? x.place : (input.place ?? x.place)) }));
    if (sessions.length === 0) throw new RefusedError(`${programme.name} has no sessions the calendar can place (its sessions are agreed locally): nothing to schedule for work group ${groupId}`);
    byProgramme.set(id, sessions);
  }

  const version = await touchGroup(svc.db, groupId, o.groupVersion);
  if (version === null) throw new NotFoundError('work group', groupId);
  const all = [...byProgramme.entries()].flatMap(([programmeId, sessions]) => sessions.map((s) => ({ ...s, programmeId })));
  await saveGroupSessions(svc.db, groupId, all.map((s) => ({ sessionId: s.id, academicYear: year, programmeId: s.programmeId, kind: s.kind, at: s.at, place: s.place })));
  const policy = input.policy ?? machinePolicy();
  const days = new Map<string, SchoolDays>();
  for (const s of taking) days.set(s.urn, await schoolDaysOf(svc, s.urn, year));
  const sent = await sendEach(svc, p, taking, (s) => ({ type: 'SCHEDULE_SET', at, sessions: byProgramme.get(s.programmeId!) ?? [], policy, schoolDays: days.get(s.urn)! }));
  return { groupId, groupVersion: version, academicYear: year, sessions: all.map(({ programmeId: _p, ...s }) => s), schools: [...sent, ...skipped] };
}

/**
 * Whose term dates a school keeps: its local authority's, else its hub's,
 * as domain/calendar/terms.ts resolves them. The service holds no term-date
 * overrides yet, so every school follows the default England pattern; the
 * scope names the school so that overrides, once held, apply here. Pure.
 */
export function calendarScopeOf(c: Pick<PathwayContext, 'school'>): CalendarScope {
  return { ...(c.school?.hub ? { hub: c.school.hub } : {}), ...(c.school?.localAuthority ? { localAuthority: c.school.localAuthority } : {}) };
}

/**
 * The open days a school's reminders follow in `academicYear`, recorded in
 * its SCHEDULE_SET so that the machine moves a reminder off a closed day
 * and a replay moves it the same way. Not pure (reads the school's state).
 */
async function schoolDaysOf(svc: Service, urn: string, academicYear: string): Promise<SchoolDays> {
  const c = ((await svc.engine.state(urn)).snapshot as PersistedPathway).context;
  return schoolDaysForYear(academicYear, calendarScopeOf(c));
}

async function sessionOf(svc: Service, group: WorkGroup, sessionId: string): Promise<GroupSession> {
  const s = await groupSession(svc.db, group.id, sessionId);
  if (!s) throw new NotFoundError('session', `${sessionId} in work group ${group.id}`, '', { kind: 'show-group', groupId: group.id });
  if (s.status === 'cancelled') throw new RefusedError(`session ${sessionId} of work group ${group.id} is cancelled`);
  return s;
}

async function schoolsWithSession(svc: Service, groupId: string, s: GroupSession): Promise<SchoolSummary[]> {
  return (await svc.engine.schools({ groupId })).filter((x) => x.programmeId === s.programmeId && x.academicYear === s.academicYear && TAKING_PART.has(x.status));
}

/**
 * Why a school's rules refuse a move or cancellation of its record of a
 * session, in words for the hub: no ids, events or rule names. `why` is the
 * machine's own reason (whyRejected); when it is the rule on where the
 * session may fall (moveKeepsRules), the words come from the same bounds
 * (sessionBounds). Pure.
 */
export function sessionRefusalWords(c: PathwayContext, record: SessionRecord, event: PathwayEvent, why: string): string {
  if (record.status === 'held' || record.status === 'missed') return 'its attendance at this session is already recorded for that school';
  if (record.status === 'cancelled') return 'the session is already cancelled for that school';
  if (event.type === 'SESSION_MOVED' && c.programme && why === moveKeepsRules(c, event)) return newDateBoundsWords(c.programme, record.kind, sessionBounds(c.programme, record.kind));
  const words = refusalWords(why);
  return words.charAt(0).toLowerCase() + words.slice(1);
}

/**
 * Asks each school holding the session (its record has it) whether its
 * rules take `event`, as the engine would, before anything is stored; a
 * school without the session is left out (the change is not its). Throws
 * SessionChangeRefused when any would refuse. Not pure (reads the engine).
 */
async function askEach(svc: Service, schools: SchoolSummary[], sessionId: string, change: 'move' | 'cancel', input: PathwayEventInput): Promise<SchoolSummary[]> {
  const event = parseEvent(input);
  const holding: SchoolSummary[] = [];
  const refusals: SchoolRefusal[] = [];
  for (const s of schools) {
    const snapshot = (await svc.engine.state(s.urn)).snapshot as PersistedPathway;
    const record = snapshot.context.sessions.find((x) => x.id === sessionId);
    if (!record) continue;
    holding.push(s);
    const why = whyRejected(snapshot, event);
    if (why !== null) refusals.push({ urn: s.urn, name: s.name ?? `School ${s.urn}`, reason: sessionRefusalWords(snapshot.context, record, event, why) });
  }
  if (refusals.length) throw new SessionChangeRefused(change, refusals, holding.length);
  return holding;
}

/** What a move would send, and to which schools, once its checks pass. */
interface MovePlan {
  group: WorkGroup;
  session: GroupSession;
  to: string;
  event: PathwayEventInput & { type: 'SESSION_MOVED' };
  schools: SchoolSummary[];
}

async function planMove(svc: Service, p: Principal, groupId: string, sessionId: string, input: { to: string; place?: string; at?: string }): Promise<MovePlan> {
  const group = await writableGroup(svc, p, groupId);
  const at = eventTime(svc.now(), input.at);
  const session = await sessionOf(svc, group, sessionId);
  const to = london(input.to);
  if (Date.parse(to) <= Date.parse(at)) throw new RefusedError(`a session cannot be moved into the past: ${to} is not after ${at}`);
  const event = { type: 'SESSION_MOVED' as const, at, sessionId, to, ...(input.place ? { place: input.place } : {}) };
  const schools = await askEach(svc, await schoolsWithSession(svc, groupId, session), sessionId, 'move', event);
  return { group, session, to, event, schools };
}

/**
 * Checks a move as moveGroupSession does (the group, the session, each
 * school's rules) and stores nothing: a page asks it before it asks the
 * person to confirm a date with warnings. Throws as moveGroupSession would. Not pure (reads).
 */
export async function checkGroupSessionMove(svc: Service, p: Principal, groupId: string, sessionId: string, input: { to: string; place?: string; at?: string }): Promise<void> {
  await planMove(svc, p, groupId, sessionId, input);
}

/**
 * Moves one session of a group to `to` (and `place`) for each of its
 * schools; reminders move with it. All or nothing: when any school's rules
 * refuse (a date outside its programme's year, its attendance recorded),
 * SessionChangeRefused and nothing is stored. Not pure.
 */
export async function moveGroupSession(
  svc: Service,
  p: Principal,
  groupId: string,
  sessionId: string,
  input: { to: string; place?: string; at?: string },
  o: { groupVersion?: number } = {},
): Promise<GroupChange & { session: GroupSession }> {
  const { session, to, event, schools } = await planMove(svc, p, groupId, sessionId, input);
  const version = await touchGroup(svc.db, groupId, o.groupVersion);
  if (version === null) throw new NotFoundError('work group', groupId);
  const outcomes = await sendEach(svc, p, schools, () => event);
  // Only a change between the check and the send (another writer) can refuse now: the group follows its schools.
  if (outcomes.length && !outcomes.some((x) => x.ok)) throw refusedAfterAll('move', outcomes, schools);
  await updateGroupSession(svc.db, groupId, sessionId, { at: to, ...(input.place ? { place: input.place } : {}) });
  return { groupId, groupVersion: version, schools: outcomes, session: { ...session, at: to, place: input.place ?? session.place } };
}

function refusedAfterAll(change: 'move' | 'cancel', outcomes: SchoolOutcome[], schools: SchoolSummary[]): SessionChangeRefused {
  return new SessionChangeRefused(change, outcomes.map((x) => ({ urn: x.urn, name: schools.find((s) => s.urn === x.urn)?.name ?? `School ${x.urn}`, reason: x.reason ?? 'refused' })), outcomes.length);
}

/**
 * Cancels one session of a group for each of its schools; its reminders are
 * dropped. All or nothing, as a move. Not pure.
 */
export async function cancelGroupSession(
  svc: Service,
  p: Principal,
  groupId: string,
  sessionId: string,
  input: { reason: string; at?: string },
  o: { groupVersion?: number } = {},
): Promise<GroupChange & { session: GroupSession }> {
  const group = await writableGroup(svc, p, groupId);
  const at = eventTime(svc.now(), input.at);
  const session = await sessionOf(svc, group, sessionId);
  const event = { type: 'SESSION_CANCELLED' as const, at, sessionId, reason: input.reason };
  const schools = await askEach(svc, await schoolsWithSession(svc, groupId, session), sessionId, 'cancel', event);
  const version = await touchGroup(svc.db, groupId, o.groupVersion);
  if (version === null) throw new NotFoundError('work group', groupId);
  const outcomes = await sendEach(svc, p, schools, () => event);
  if (outcomes.length && !outcomes.some((x) => x.ok)) throw refusedAfterAll('cancel', outcomes, schools);
  await updateGroupSession(svc.db, groupId, sessionId, { status: 'cancelled', note: input.reason });
  return { groupId, groupVersion: version, schools: outcomes, session: { ...session, status: 'cancelled', note: input.reason } };
}

/** What a school joining a group whose dates are set was given. */
export interface JoinedDates {
  /** The group's sessions the school now holds (0 when the group has none for its year yet). */
  sessions: number;
  /** Of those, how many had already taken place when it joined. */
  alreadyHeld: number;
  /** The school's stream version after the schedule, when one was sent. */
  version?: number;
  /** Why the school's rules refused the group's dates, in plain words. */
  refused?: string;
}

/**
 * A school selected into a group after the group's year was planned gets the
 * group's dates, the ones its fellow members hold (moved dates as moved,
 * cancelled ones left out), so it has reminders and a dates email like them.
 * Sessions already past are kept, as held before the school joined (its
 * rules date that from its SELECTED, machines/rules.ts heldBeforeJoining):
 * no attendance is expected or chased at them, and its minimum counts only
 * the sessions it can attend. The reminder policy is a fellow member's, so the group's
 * schools are reminded alike. A school whose rules refuse the dates keeps its
 * place; `refused` says why. Not pure.
 */
export async function giveGroupDates(svc: Service, p: Principal, urn: string, groupId: string, at: string): Promise<JoinedDates> {
  const school = (await svc.engine.state(urn)).summary;
  if (!school.academicYear || !school.programmeId) return { sessions: 0, alreadyHeld: 0 };
  const sessions = (await groupSessions(svc.db, groupId, school.academicYear)).filter((s) => s.programmeId === school.programmeId && s.status !== 'cancelled');
  if (sessions.length === 0) return { sessions: 0, alreadyHeld: 0 };
  let policy = machinePolicy();
  for (const other of await svc.engine.schools({ groupId })) {
    if (other.urn === urn || other.programmeId !== school.programmeId || other.academicYear !== school.academicYear) continue;
    const c = ((await svc.engine.state(other.urn)).snapshot as PersistedPathway).context;
    if (c.sessions.length) {
      policy = c.policy;
      break;
    }
  }
  const alreadyHeld = sessions.filter((s) => Date.parse(s.at) <= Date.parse(at)).length;
  // The fellow member's policy, but the school's own term dates. joinedLate: the dates held by the time it joined
  // (this `at`, its selection's) are the group's, not the school's.
  const schoolDays = await schoolDaysOf(svc, urn, school.academicYear);
  const event = { type: 'SCHEDULE_SET' as const, at, sessions: sessions.map((s) => ({ id: s.sessionId, kind: s.kind, at: s.at, place: s.place })), policy, schoolDays, joinedLate: true };
  try {
    const r = await svc.engine.send(urn, event, { actor: p.id });
    return { sessions: sessions.length, alreadyHeld, version: r.version };
  } catch (err) {
    if (!isCallerError(err)) throw err;
    return { sessions: 0, alreadyHeld: 0, refused: why(err) };
  }
}

/** What a late joiner was given, as a sentence for the hub ("" when the group's year was not planned yet). Pure. */
export function joinedDatesWords(d: JoinedDates): string {
  if (d.refused) return `The group’s dates were not given to the school: ${d.refused}.`;
  if (d.sessions === 0) return '';
  const held = d.alreadyHeld ? ` ${d.alreadyHeld} of them had already taken place, before it joined: no attendance is expected from it at ${d.alreadyHeld === 1 ? 'that one' : 'those'}.` : '';
  return `It has the group’s ${d.sessions} dates, and its headteacher and teachers are sent them.${held}`;
}
