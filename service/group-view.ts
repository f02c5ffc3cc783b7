/**
 * Work groups as the hub pages show them: each group with its capacity and
 * how many of its sessions were held, and one group's year of sessions with
 * each school's attendance ("Meeting 2 of 6", held / planned / cancelled,
 * recorded for 2 of 3 schools). Reads only: the writes stay in groups.ts,
 * schedule.ts and schools.ts. Not pure (database and engine reads).
 */
import { findHub } from '../domain/catalogue/hubs.js';
import { placeInWords } from '../domain/words/place.js';
import { programmeById } from '../domain/catalogue/programmes.js';
import { academicYearOf } from '../domain/calendar/academic-year.js';
import { kindName } from '../domain/words/kinds.js';
import type { PersistedPathway } from '../machines/decide.js';
import type { SessionRecord } from '../machines/context.js';
import type { Teacher } from '../machines/events.js';
import type { SchoolSummary } from '../machines/summary.js';
import { getGroup, groupSessions, listGroups, placesOf, type GroupPlace, type GroupSession, type WorkGroup } from '../store/ops/groups.js';
import { assertRead, canRead, resolveHub } from './access.js';
import type { Principal, Service } from './context.js';
import { NotFoundError } from './errors.js';
import { countedSessionsName, sessionKindsOf } from '../domain/words/kinds.js';
import { programmeReadName } from '../domain/words/group-name.js';

/** A session's length: the catalogue counts half days; 13:30 to 16:00 is one (as in the machines' messages). */
const HALF_DAY_MINUTES = 150;

/** Statuses in which a school's attendance is taken (its commitment is signed). */
const ACCEPTING = new Set(['active', 'evaluating', 'overdue']);

/** The kind of a session in words ("School visit"), as every page names it. Pure. */
export function kindWords(kind: GroupSession['kind']): string {
  return kindName(kind, 'short') ?? kind;
}

/** One school's record of one session. */
export interface SchoolAttendance {
  urn: string;
  name: string;
  /** The school's stream version (If-Match for its attendance). */
  version: number;
  /** scheduled: not recorded yet; held: a teacher came; missed: recorded, nobody came; cancelled. */
  status: SessionRecord['status'];
  teachersPresent: number;
  headteacherPresent: boolean;
  /** The two lead teachers, in the order the school named them. */
  teachers: Pick<Teacher, 'name' | 'email'>[];
  headteacher: string | null;
  /** This is the first workshop of a programme that asks the headteacher to come to it. */
  headteacherExpected: boolean;
  /** The school's status ("selected", "active"...): attendance is taken once its commitment is signed. */
  schoolStatus: string;
  /** Its attendance can be recorded now (it is taking part: commitment signed). */
  accepting: boolean;
}

/** One session of a group, in words and figures. */
export interface SessionView {
  groupId: string;
  sessionId: string;
  academicYear: string;
  programmeId: string;
  kind: GroupSession['kind'];
  kindWords: string;
  /** Its number among the group's sessions of its kind in the year that are not cancelled (0 when cancelled). */
  number: number;
  of: number;
  /** "Meeting 2 of 6", or "Meeting (cancelled)". */
  label: string;
  startsAt: string;
  endsAt: string;
  /** null: venue to be confirmed. */
  place: string | null;
  status: 'planned' | 'held' | 'cancelled';
  /** Why it was cancelled. */
  note: string | null;
  /** It has started by the service clock. */
  past: boolean;
  /** It has started, no school's attendance shows it held, and some school's attendance is still to be recorded. */
  attendanceDue: boolean;
  /** It has started and every school's attendance is recorded: nobody came. */
  nobodyCame: boolean;
  /** Some school's attendance at it can be recorded now (it has started; the school signed its commitment). */
  recordable: boolean;
  /** The schools whose record holds this session as theirs to attend. */
  schools: SchoolAttendance[];
  /** Schools that joined the group after this session was held: it is in their record, no attendance is expected of them. */
  joinedAfter: { urn: string; name: string }[];
  /** Schools whose attendance is recorded (held or missed). */
  recorded: number;
}

export interface MemberSchool {
  urn: string;
  name: string;
  summary: SchoolSummary | null;
  /** Holds one of the group's places (counts towards its capacity). */
  hasPlace: boolean;
  /**
   * Took its place here and has since moved on (the next phase, another
   * group): `summary` is where it is now, so the page does not count its
   * attendance against this group's sessions.
   */
  movedOn?: boolean;
}

export interface GroupView {
  group: WorkGroup;
  programmeName: string;
  /** What the programme's counted sessions are called, for "… attended": "Meetings", "Workshops". */
  attended: string;
  places: GroupPlace[];
  /** The group is at its size limit. */
  full: boolean;
  members: MemberSchool[];
  /** Academic years with sessions, in order. */
  years: string[];
  /** The year shown. */
  year: string;
  sessions: SessionView[];
  now: string;
}

export interface GroupRow {
  group: WorkGroup;
  programmeName: string;
  places: number;
  full: boolean;
  /** The year whose sessions are counted (this year's when it has any). */
  year: string;
  sessionsTotal: number;
  held: number;
  /** Not held, and not yet started (or with no school to record). */
  planned: number;
  /** Started, and some school's attendance still to be recorded. */
  unrecorded: number;
  /** Started, and recorded as missed by every school. */
  nobodyCame: number;
  cancelled: number;
}

/**
 * A group's name as people read it: a name made from the group's id ("...,
 * group emeast-development-2026-1") says "group 1"; the hub (in the page
 * header already) and the catalogue's "(rules carried ...)" note are left
 * out. A name an officer chose is kept. Pure.
 */
export function groupDisplayName(g: Pick<WorkGroup, 'id' | 'name' | 'hub'>): string {
  const num = /-(\d+)$/.exec(g.id)?.[1];
  let n = g.name.replace(/\s*\(rules carried [^)]*\)/g, '');
  const hub = findHub(g.hub);
  if (hub) n = n.split(`, ${hub.name}`).join('');
  n = n.split(`group ${g.id}`).join(num ? `group ${num}` : 'group');
  return n.split(g.id).join(num ? `group ${num}` : 'this group').trim();
}

function named(g: WorkGroup): WorkGroup {
  return { ...g, name: groupDisplayName(g) };
}

function programmeName(id: string): string {
  try {
    return programmeReadName(programmeById(id).name);
  } catch {
    return id;
  }
}

function attendedName(id: string): string {
  return countedSessionsName(sessionKindsOf(id), true);
}

function endOf(snapshots: PersistedPathway[], programmeId: string, kind: GroupSession['kind'], at: string): string {
  const rules = snapshots.find((s) => s.context.programme?.id === programmeId)?.context.programme?.sessions ?? safeRules(programmeId);
  const halfDays = rules.find((r) => r.kind === kind)?.lengthHalfDays ?? 1;
  return new Date(Date.parse(at) + halfDays * HALF_DAY_MINUTES * 60_000).toISOString();
}

function safeRules(programmeId: string) {
  try {
    return programmeById(programmeId).sessions;
  } catch {
    return [];
  }
}

/** The year to show: the one asked for, else this year's when it has sessions, else the latest with any. Pure. */
export function yearToShow(years: string[], now: string, asked?: string): string | null {
  if (asked && years.includes(asked)) return asked;
  const current = academicYearOf(now);
  if (years.includes(current)) return current;
  return years[years.length - 1] ?? null;
}

function firstCounted(sessions: SessionRecord[]): SessionRecord | undefined {
  // As firstSession in machines/rules.ts: a late joiner's first is the first after it joined.
  return sessions
    .filter((s) => (s.kind === 'meeting' || s.kind === 'workshop') && s.status !== 'cancelled' && s.status !== 'beforeJoining')
    .reduce<SessionRecord | undefined>((first, s) => (!first || Date.parse(s.at) < Date.parse(first.at) ? s : first), undefined);
}

interface MemberState {
  urn: string;
  version: number;
  summary: SchoolSummary;
  snapshot: PersistedPathway;
}

/** The sessions of a year in words, with each member school's attendance. Pure. */
export function describeSessions(groupId: string, sessions: GroupSession[], members: MemberState[], now: string): SessionView[] {
  const snapshots = members.map((m) => m.snapshot);
  const counters = new Map<string, GroupSession[]>();
  for (const s of sessions) {
    if (s.status === 'cancelled') continue;
    const key = `${s.programmeId}|${s.academicYear}|${s.kind}`;
    counters.set(key, [...(counters.get(key) ?? []), s]);
  }
  return sessions.map((s) => {
    const same = counters.get(`${s.programmeId}|${s.academicYear}|${s.kind}`) ?? [];
    const number = s.status === 'cancelled' ? 0 : same.findIndex((x) => x.sessionId === s.sessionId) + 1;
    const schools: SchoolAttendance[] = [];
    const joinedAfter: SessionView['joinedAfter'] = [];
    for (const m of members) {
      const c = m.snapshot.context;
      const rec = c.sessions.find((x) => x.id === s.sessionId);
      if (!rec) continue;
      // Not counted among the schools whose attendance is due or recorded: the session was held before it joined.
      if (rec.status === 'beforeJoining') {
        joinedAfter.push({ urn: m.urn, name: m.summary.name ?? `School ${m.urn}` });
        continue;
      }
      const headFirst = (c.programme?.sessions ?? []).some((r) => r.headteacherAttendsFirst) && firstCounted(c.sessions)?.id === s.sessionId;
      schools.push({
        urn: m.urn,
        name: m.summary.name ?? `School ${m.urn}`,
        version: m.version,
        status: rec.status,
        teachersPresent: rec.teachersPresent,
        headteacherPresent: rec.headteacherPresent,
        teachers: c.teachers.map((t) => ({ name: t.name, email: t.email })),
        headteacher: c.school?.headteacher.name ?? null,
        headteacherExpected: headFirst,
        schoolStatus: m.summary.status,
        accepting: ACCEPTING.has(m.summary.status),
      });
    }
    schools.sort((a, b) => a.name.localeCompare(b.name));
    joinedAfter.sort((a, b) => a.name.localeCompare(b.name));
    const recorded = schools.filter((x) => x.status === 'held' || x.status === 'missed').length;
    const held = schools.some((x) => x.status === 'held');
    const words = kindWords(s.kind);
    const past = Date.parse(s.at) <= Date.parse(now);
    const planned = s.status !== 'cancelled' && !held;
    return {
      groupId,
      sessionId: s.sessionId,
      academicYear: s.academicYear,
      programmeId: s.programmeId,
      kind: s.kind,
      kindWords: words,
      number,
      of: same.length,
      label: s.status === 'cancelled' ? `${words} (cancelled)` : `${words} ${number} of ${same.length}`,
      startsAt: s.at,
      endsAt: endOf(snapshots, s.programmeId, s.kind, s.at),
      place: placeInWords(s.place, 'group'),
      status: s.status === 'cancelled' ? 'cancelled' : held ? 'held' : 'planned',
      note: s.note,
      past,
      attendanceDue: planned && past && schools.some((x) => x.status === 'scheduled'),
      nobodyCame: planned && past && schools.length > 0 && schools.every((x) => x.status === 'missed'),
      recordable: s.status !== 'cancelled' && past && schools.some((x) => x.accepting && (x.status === 'scheduled' || x.status === 'missed')),
      schools,
      joinedAfter,
      recorded,
    };
  });
}

async function memberStates(svc: Service, groupId: string): Promise<MemberState[]> {
  const summaries = await svc.engine.schools({ groupId });
  return Promise.all(
    summaries.map(async (s) => {
      const st = await svc.engine.state(s.urn);
      return { urn: s.urn, version: st.version, summary: st.summary, snapshot: st.snapshot as PersistedPathway };
    }),
  );
}

async function readableGroup(svc: Service, p: Principal, id: string): Promise<WorkGroup> {
  const group = await getGroup(svc.db, id);
  if (!group) throw new NotFoundError('work group', id);
  assertRead(p, group.hub, `work group ${id}`);
  return named(group);
}

/** One group with its members, capacity and the sessions of one year (`year`, else the one to show). Not pure. */
export async function groupView(svc: Service, p: Principal, id: string, year?: string): Promise<GroupView> {
  const group = await readableGroup(svc, p, id);
  const now = svc.now();
  const [places, states, all] = await Promise.all([placesOf(svc.db, id), memberStates(svc, id), groupSessions(svc.db, id)]);
  const years = [...new Set(all.map((s) => s.academicYear))].sort();
  const shown = yearToShow(years, now, year) ?? group.academicYear;
  const sessions = describeSessions(id, all.filter((s) => s.academicYear === shown), states, now);
  const placeUrns = new Set(places.map((x) => x.urn));
  const members: MemberSchool[] = states.map((m) => ({ urn: m.urn, name: m.summary.name ?? `School ${m.urn}`, summary: m.summary, hasPlace: placeUrns.has(m.urn) }));
  const gone = places.filter((pl) => !members.some((m) => m.urn === pl.urn));
  // A school that has moved on is still named, with where it is now, not left as "School 900012".
  const whereNow = await Promise.all(gone.map((pl) => svc.engine.state(pl.urn).then((st) => st.summary, () => null)));
  gone.forEach((pl, i) => {
    const summary = whereNow[i] ?? null;
    members.push({ urn: pl.urn, name: summary?.name ?? `School ${pl.urn}`, summary, hasPlace: true, movedOn: summary !== null });
  });
  members.sort((a, b) => a.name.localeCompare(b.name));
  return {
    group,
    programmeName: programmeName(group.programmeId),
    attended: attendedName(group.programmeId),
    places,
    full: group.maxSchools !== null && places.length >= group.maxSchools,
    members,
    years,
    year: shown,
    sessions,
    now,
  };
}

/** One session of a group with each school's attendance. Throws NotFoundError. Not pure. */
export async function sessionView(svc: Service, p: Principal, groupId: string, sessionId: string): Promise<{ view: GroupView; session: SessionView }> {
  const all = await groupSessions(svc.db, groupId);
  const s = all.find((x) => x.sessionId === sessionId);
  if (!s) {
    await readableGroup(svc, p, groupId);
    throw new NotFoundError('session', 'of this work group');
  }
  const view = await groupView(svc, p, groupId, s.academicYear);
  return { view, session: view.sessions.find((x) => x.sessionId === sessionId)! };
}

/** The work groups of a hub with capacity and sessions held, by year then name. Not pure. */
export async function hubGroupRows(svc: Service, p: Principal, hub: string): Promise<GroupRow[]> {
  const h = resolveHub(hub);
  assertRead(p, h.id, `the work groups of ${h.name}`);
  const now = svc.now();
  const groups = (await listGroups(svc.db, { hubs: [h.id] })).filter((g) => canRead(p, g.hub));
  return Promise.all(
    groups.map(async (group) => {
      const [places, states, all] = await Promise.all([placesOf(svc.db, group.id), memberStates(svc, group.id), groupSessions(svc.db, group.id)]);
      const years = [...new Set(all.map((s) => s.academicYear))].sort();
      const year = yearToShow(years, now) ?? group.academicYear;
      const sessions = describeSessions(group.id, all.filter((s) => s.academicYear === year), states, now);
      return {
        group: named(group),
        programmeName: programmeName(group.programmeId),
        places: places.length,
        full: group.maxSchools !== null && places.length >= group.maxSchools,
        year,
        sessionsTotal: sessions.length,
        held: sessions.filter((s) => s.status === 'held').length,
        planned: sessions.filter((s) => s.status === 'planned' && !s.attendanceDue && !s.nobodyCame).length,
        unrecorded: sessions.filter((s) => s.attendanceDue).length,
        nobodyCame: sessions.filter((s) => s.nobodyCame).length,
        cancelled: sessions.filter((s) => s.status === 'cancelled').length,
      };
    }),
  );
}

/**
 * How many times each session of a group was moved, from its schools'
 * histories (the most any one school saw): the calendar's SEQUENCE. Not pure.
 */
export async function timesMoved(svc: Service, p: Principal, groupId: string): Promise<Map<string, number>> {
  await readableGroup(svc, p, groupId);
  const out = new Map<string, number>();
  const schools = await svc.engine.schools({ groupId });
  for (const s of schools) {
    const h = await svc.engine.history(s.urn);
    const mine = new Map<string, number>();
    for (const e of h.entries) {
      if (e.type !== 'SESSION_MOVED') continue;
      const id = (e.payload as { sessionId?: string }).sessionId;
      if (id) mine.set(id, (mine.get(id) ?? 0) + 1);
    }
    for (const [id, n] of mine) out.set(id, Math.max(out.get(id) ?? 0, n));
  }
  return out;
}
