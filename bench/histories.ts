/**
 * Synthetic school histories for the benchmarks: N schools, each walked
 * through Y academic years of its route (primary: [TRG pilot ->] Readiness ->
 * Development -> Embedding -> Sustaining; secondary: Development -> Embedding
 * -> Sustaining), built from the real programme catalogue and calendar.
 *
 * A history is what the event log of one school holds: the hub's events
 * (application, eligibility, selection, commitment, schedule, attendance, gap
 * tasks, release days, evaluation, the move to the next phase) and the timer
 * firings (reminders, attendance checks, evaluation reminders, year ends)
 * interleaved in time order, each with its actor ("hub" or "timer").
 *
 * The machine is the oracle for the timers: while a history is generated it
 * is folded through `decide`, and every timer the school's snapshot holds is
 * fired (earliest first) before the next hub event that comes after it,
 * as the embedded host's scheduler would. So every history is accepted by
 * the machines by construction, and generating one also validates it.
 *
 * Deterministic: the same (index, seed, years) always gives the same history
 * (a seeded PRNG per school; no clock). Not pure in the project's sense only
 * because it is bench code; it does no I/O.
 */
import { DateTime } from 'luxon';
import { mulberry32 } from '../host/simulate.js';
import { decide, initialState, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent } from '../machines/events.js';
import { DEFAULT_POLICY } from '../machines/context.js';
import { programmeFor, nextProgramme } from '../domain/catalogue/programmes.js';
import { hubs } from '../domain/catalogue/hubs.js';
import type { Programme, Route, SessionKind } from '../domain/catalogue/schema.js';
import { generateSchedule, type GeneratedSession } from '../domain/calendar/schedule.js';
import { nextAcademicYear, startYearOf } from '../domain/calendar/academic-year.js';
import { WEEKDAYS, type Weekday } from '../domain/calendar/london.js';

export interface HistoryOptions {
  schools: number;
  years: number;
  seed: number;
}

export const DEFAULT_HISTORY_OPTIONS: HistoryOptions = { schools: 20_000, years: 5, seed: 1 };

/** One stored event: who sent it and the event. */
export interface RecordedEvent {
  actor: 'hub' | 'timer';
  event: PathwayEvent;
}

export interface SchoolHistory {
  urn: string;
  route: Route;
  events: RecordedEvent[];
}

/** Bumped whenever the generator's output changes, so cached history files are remade. */
export const GENERATOR_VERSION = 'histories@3';

const ZONE = 'Europe/London';

// ------------------------------------------------------------------ randomness


function schoolSeed(seed: number, index: number): number {
  let h = (seed * 0x9e3779b1) ^ (index * 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

// ------------------------------------------------------------------ time helpers

function london(date: string, time = '09:00'): DateTime {
  const [h, m] = time.split(':').map(Number);
  return DateTime.fromISO(date, { zone: ZONE }).set({ hour: h!, minute: m!, second: 0, millisecond: 0 });
}

function iso(d: DateTime): string {
  return d.setZone(ZONE).toISO({ suppressMilliseconds: true })!;
}

function at(d: DateTime): { iso: string; ms: number } {
  return { iso: iso(d), ms: d.toMillis() };
}

// ------------------------------------------------------------------ the plan of one school

interface Planned {
  ms: number;
  event: PathwayEvent;
}

/** Schedules depend only on programme, year and weekday: shared by every school of a work group pattern. */
const scheduleCache = new Map<string, GeneratedSession[]>();
function scheduleOf(p: Programme, weekday: Weekday): GeneratedSession[] {
  const key = `${p.id}|${weekday}`;
  let s = scheduleCache.get(key);
  if (!s) scheduleCache.set(key, (s = generateSchedule(p, p.academicYear, { weekday })));
  return s;
}

function school(urn: string, route: Route, hubName: string) {
  return {
    name: `${route === 'primary' ? 'Primary' : 'Secondary'} School ${urn}`,
    route,
    hub: hubName,
    localAuthority: `Authority ${urn.slice(-2)}`,
    headteacher: { name: `Head ${urn}`, email: `head.${urn}@school.example` },
    ...(route === 'secondary' ? { headOfDepartment: { name: `HoD ${urn}`, email: `hod.${urn}@school.example` } } : {}),
  };
}

function teacher(urn: string, n: number, role: string) {
  return { name: `Teacher ${n} of ${urn}`, email: `t${n}.${urn}@school.example`, role };
}

function entryProgramme(route: Route, rnd: () => number, years: number): Programme {
  // Enter early enough that `years` years fit in the catalogue (it ends in 2026/27).
  const lastStart = Math.max(2018, Math.min(2022, 2027 - years));
  if (route === 'primary' && rnd() < 0.05) return programmeFor('primary', 'trg', '2018/19')!;
  const first = route === 'primary' ? 2019 : 2018;
  const span = Math.max(1, lastStart - first + 1);
  const y = first + Math.floor(rnd() * span);
  const year = `${y}/${String((y + 1) % 100).padStart(2, '0')}`;
  return programmeFor(route, route === 'primary' ? 'readiness' : 'development', year)!;
}

/** When a school applies for its first programme: before its deadline and before its sessions start. */
function applyTime(p: Programme): DateTime {
  const start = startYearOf(p.academicYear);
  if (p.phase === 'trg') return london('2019-02-15');
  if (p.startsOn) return london(p.startsOn).minus({ days: 45 });
  const close = p.deadlines.applicationsClose;
  const june = london(`${start}-06-01`);
  return close && london(close) < june ? london(close).minus({ days: 14 }) : june;
}

interface YearPlan {
  events: Planned[];
  /** The school stops after this year (withdrawn). */
  stops: boolean;
  /** The time of the year's last hub event. */
  lastMs: number;
}

/**
 * The hub's events for one phase-year, from `startMs`: commitment, schedule,
 * attendance (with the odd miss, caught up two days later, and the odd
 * absent headteacher), gap tasks, release days, a moved session, a replaced
 * teacher, a withdrawal, and the evaluation (on time, or late after the year
 * has ended).
 */
const BENCH_AIMS = { coherence: 'small steps', representationAndStructure: 'concrete and pictorial models', mathematicalThinking: 'reasoning prompts', fluency: 'daily number facts', variation: 'varied practice' };

function activeYear(p: Programme, from: DateTime, rnd: () => number, weekday: Weekday): YearPlan {
  const out: Planned[] = [];
  let latest: DateTime = from;
  const push = (d: DateTime, event: Record<string, unknown>) => {
    const t = at(d);
    if (d > latest) latest = d;
    out.push({ ms: t.ms, event: { ...event, at: t.iso } as PathwayEvent });
  };
  const commitAt = from.plus({ days: 1 });
  push(commitAt, { type: 'COMMITMENT_SIGNED', signatories: [...p.signatories] });
  if (p.phase === 'readiness') {
    // A Readiness Lead and the action plan on the 5 Big Ideas (002), so the year can end Mastery Ready, as host/simulate.ts does.
    push(commitAt, { type: 'LEADER_ALLOCATED', leader: { id: 'bench-readiness-lead', name: 'Bench Readiness Lead', role: 'readinessLead' }, load: 1 });
    push(commitAt, { type: 'ACTION_PLAN_CREATED', aims: BENCH_AIMS });
  }
  const scheduleAt = from.plus({ days: 2 });
  const sessions = scheduleOf(p, weekday).map((s) => ({ ...s }));
  push(scheduleAt, { type: 'SCHEDULE_SET', sessions: sessions.map((s) => ({ id: s.id, kind: s.kind, at: s.at, place: s.place })), policy: DEFAULT_POLICY });

  // One session in twenty schools' years is moved a week later, a fortnight ahead.
  if (rnd() < 0.05 && sessions.length > 2) {
    const s = sessions[sessions.length - 2]!;
    const when = DateTime.fromISO(s.at, { zone: ZONE });
    const notice = when.minus({ days: 10 });
    if (notice > scheduleAt) {
      const to = iso(when.plus({ days: 7 }));
      push(notice, { type: 'SESSION_MOVED', sessionId: s.id, to });
      s.at = to;
    }
  }
  const withdrawAfter = rnd() < 0.02 ? Math.floor(rnd() * sessions.length) : -1;
  const replaceAfter = rnd() < 0.03 ? Math.floor(rnd() * sessions.length) : -1;
  const firstCounted = sessions.filter((s) => s.kind === 'workshop' || s.kind === 'meeting').sort((a, b) => (a.at < b.at ? -1 : 1))[0];
  const headFirst = p.sessions.some((r) => r.headteacherAttendsFirst);
  const gapKinds = new Set<SessionKind>(p.sessions.filter((r) => r.gapTasksBetween).map((r) => r.kind));
  const ordered = [...sessions].sort((a, b) => (a.at < b.at ? -1 : 1));
  for (let i = 0; i < ordered.length; i++) {
    const s = ordered[i]!;
    const day = DateTime.fromISO(s.at, { zone: ZONE });
    // Attendance is recorded the afternoon of the session (never before the schedule was set).
    let recorded: DateTime = day.set({ hour: 16, minute: 0 });
    if (recorded <= scheduleAt) recorded = scheduleAt.plus({ hours: 1 });
    const missed = rnd() < 0.03;
    const headteacherPresent = s.kind === 'visit' || (headFirst && s === firstCounted ? rnd() < 0.9 : rnd() < 0.2);
    push(recorded, { type: 'ATTENDANCE_RECORDED', sessionId: s.id, teachersPresent: missed ? 0 : rnd() < 0.9 ? 2 : 1, headteacherPresent });
    if (missed) {
      // Caught up: the teachers attended the group's repeat session two days later.
      push(recorded.plus({ days: 2 }), { type: 'ATTENDANCE_RECORDED', sessionId: s.id, teachersPresent: 2, headteacherPresent: false });
    }
    if (gapKinds.has(s.kind as SessionKind)) {
      push(recorded.plus({ days: 7 }), { type: 'GAP_TASK_COMPLETED', task: `gap task after ${s.id}` });
    }
    if (p.releaseDays && (s.kind === 'meeting' || s.kind === 'inSchoolDay')) {
      push(recorded.plus({ hours: 1 }), { type: 'RELEASE_DAYS_RECORDED', days: 1 });
    }
    if (i === replaceAfter) {
      push(recorded.plus({ days: 3 }), { type: 'TEACHER_REPLACED', slot: 2, teacher: { name: `Replacement for ${s.id}`, email: `replacement.${i}@school.example`, role: 'class teacher' } });
    }
    if (i === withdrawAfter) {
      // Withdrawal is the school's last event of the year: after anything already recorded.
      const w = latest.plus({ days: 1 });
      push(w, { type: 'WITHDRAWN', reason: 'the maths lead left and the school could not release another teacher' });
      return { events: out, stops: true, lastMs: w.toMillis() };
    }
  }
  const yearEnd = london(`${startYearOf(p.academicYear) + 1}-08-31`, '23:59');
  // One school-year in twenty sends its evaluation after the year has ended (overdue).
  const late = rnd() < 0.05;
  let evalAt = late ? london(`${startYearOf(p.academicYear) + 1}-09-10`, '10:00') : latest.plus({ days: 3 }).set({ hour: 10, minute: 0 });
  if (!late && evalAt > yearEnd) evalAt = yearEnd.minus({ hours: 2 });
  push(evalAt, { type: 'EVALUATION_SUBMITTED', summary: `${p.name}: evaluation of the year` });
  return { events: out, stops: false, lastMs: evalAt.toMillis() };
}

/**
 * The plan of one school over `years` years: the hub's events only, in time
 * order. Timer firings are added while folding (see schoolHistory).
 */
function planSchool(index: number, options: HistoryOptions): { urn: string; route: Route; hub: Planned[] } {
  const rnd = mulberry32(schoolSeed(options.seed, index));
  const urn = String(100000 + index);
  // Primary schools outnumber secondary about four to one (8,461 and 2,175 in 2024/25).
  const route: Route = rnd() < 0.8 ? 'primary' : 'secondary';
  const hubName = hubs[index % hubs.length]!.name;
  const weekday = WEEKDAYS[Math.floor(rnd() * WEEKDAYS.length)]!;
  const details = school(urn, route, hubName);
  const roles = route === 'primary' ? ['maths lead', 'class teacher'] : ['head of department', 'teacher interested in leading'];
  const teachers = [teacher(urn, 1, roles[0]!), teacher(urn, 2, roles[1]!)];

  const hub: Planned[] = [];
  const push = (d: DateTime, event: Record<string, unknown>) => {
    const t = at(d);
    hub.push({ ms: t.ms, event: { ...event, at: t.iso } as PathwayEvent });
  };

  let p: Programme | null = entryProgramme(route, rnd, options.years);
  let lastMs = 0;
  let prev: Programme | null = null;
  for (let year = 0; year < options.years && p; year++) {
    let from: DateTime;
    if (year === 0) {
      const applied = applyTime(p);
      push(applied, { type: 'APPLY', programme: p, school: details, teachers, groupWith: [] });
      const criteria = p.eligibility ? p.eligibility.criteria.map((c) => c.id).filter(() => rnd() < 0.3) : [];
      if (p.eligibility && criteria.length === 0) criteria.push(p.eligibility.criteria[Math.floor(rnd() * p.eligibility.criteria.length)]!.id);
      push(applied.plus({ days: 7 }), { type: 'ELIGIBILITY_ASSESSED', eligible: true, criteria });
      const size = Math.min(p.group.maxSchools ?? 6, 6);
      push(applied.plus({ days: 14 }), { type: 'SELECTED', groupId: `${p.id}-${hubName.split(' ')[0]!.toLowerCase()}-${Math.floor(index / 35 / size)}`, groupSize: size });
      from = applied.plus({ days: 21 });
      // One school in fifty defers a year at selection and resumes the same phase the next year.
      if (rnd() < 0.02) {
        const next = programmeFor(route, p.phase, nextAcademicYear(p.academicYear));
        if (!next) break;
        push(from, { type: 'DEFERRED', reason: 'a new headteacher starts next year', untilYear: next.academicYear });
        lastMs = from.toMillis();
        year++;
        if (year >= options.years) break;
        p = next;
        const resume = yearStart(p, lastMs);
        push(resume, { type: 'RESUMED', programme: p });
        from = resume;
      }
    } else {
      from = yearStart(p, lastMs);
      if (p.masteryReadyFrom && prev?.phase === p.masteryReadyFrom.phase) push(from, { type: 'MASTERY_READY_JUDGED', ready: true, note: 'bench' });
      push(from, { type: 'ADVANCED', programme: p });
    }
    const plan = activeYear(p, from, rnd, weekday);
    hub.push(...plan.events);
    lastMs = plan.lastMs;
    if (plan.stops) break;
    prev = p;
    p = nextProgramme(p);
  }
  // Stable sort: events planned at the same instant keep their planned order.
  hub.sort((a, b) => a.ms - b.ms);
  return { urn, route, hub };
}

/** A year starts on 1 September (or two weeks before an earlier start), never before the school's last event. */
function yearStart(p: Programme, afterMs: number): DateTime {
  const sept = london(`${startYearOf(p.academicYear)}-09-01`);
  const start = p.startsOn && london(p.startsOn) < sept ? london(p.startsOn).minus({ days: 14 }) : sept;
  const after = DateTime.fromMillis(afterMs, { zone: ZONE }).plus({ days: 1 }).set({ hour: 9, minute: 0 });
  return start > after ? start : after;
}

// ------------------------------------------------------------------ folding while generating

interface Due {
  ms: number;
  key: string;
  event: PathwayEvent;
}

/** The timers the school's snapshot holds, due at or before `untilMs`, earliest first (ties by key, as the timer table orders them). */
function dueTimers(s: PersistedPathway, untilMs: number): Due[] {
  const out: Due[] = [];
  for (const [key, t] of Object.entries(s.context.timers)) {
    const ms = Date.parse(t.at);
    if (ms <= untilMs) out.push({ ms, key, event: t.event });
  }
  return out.sort((a, b) => a.ms - b.ms || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The history of school `index`: its hub events with the timer firings the
 * machine asks for, folded through `decide` as it is built (so a history the
 * machines would refuse cannot be produced). Returns the final snapshot too.
 */
export function schoolHistory(index: number, options: HistoryOptions): SchoolHistory & { final: PersistedPathway } {
  const plan = planSchool(index, options);
  let s = initialState(plan.urn);
  const events: RecordedEvent[] = [];
  const fireUntil = (ms: number) => {
    for (;;) {
      const due = dueTimers(s, ms)[0];
      if (!due) return;
      s = decide(s, due.event).snapshot;
      events.push({ actor: 'timer', event: due.event });
    }
  };
  for (const h of plan.hub) {
    fireUntil(h.ms);
    try {
      s = decide(s, h.event).snapshot;
    } catch (err) {
      throw new Error(`bench/histories: school ${plan.urn} (index ${index}) event ${events.length + 1} ${h.event.type} at ${h.event.at} was refused: ${(err as Error).message}`, { cause: err });
    }
    events.push({ actor: 'hub', event: h.event });
  }
  // Timers still pending after the last hub event fire up to the end of that academic year.
  const lastAt = plan.hub.at(-1)?.ms ?? 0;
  const d = DateTime.fromMillis(lastAt, { zone: ZONE });
  const endYear = d.month >= 9 ? d.year + 1 : d.year;
  fireUntil(london(`${endYear}-08-31`, '23:59').toMillis());
  return { urn: plan.urn, route: plan.route, events, final: s };
}

/** Histories of schools [from, to), in index order. */
export function* histories(options: HistoryOptions, from = 0, to = options.schools): Generator<SchoolHistory> {
  for (let i = from; i < to; i++) {
    const { final: _final, ...h } = schoolHistory(i, options);
    yield h;
  }
}
