/**
 * A simulated Maths Hub driven through the embedded engine: mixed primary and
 * secondary schools entering the pathway in different years, each school-year
 * following the realistic flow (application, eligibility, selection into work
 * groups within the programme's size limit, commitment, the year's schedule
 * from the academic calendar, attendance with occasional absences, gap tasks,
 * release days, evaluation, the cohort advance at the year end, now and then a
 * withdrawal or a deferral). Reminders, escalations and grants come from the
 * machines' own timers and effects, fired by the engine's `tick` on its
 * simulated clock. Used by `pathway simulate`, the crash tests and the bench.
 *
 * Deterministic: everything random is drawn from a small seeded PRNG, per
 * school and year, so the same seed plans the same hub. Resumable: a run that
 * was killed is started again with the same options and carries on where the
 * event log says it stopped, so a crash loses nothing and repeats nothing.
 * Not pure (engine and database I/O); the planning functions are pure.
 */
import { DateTime } from 'luxon';
import type { Programme, PhaseKind, Route, Signatory } from '../domain/catalogue/schema.js';
import { nextProgramme, programmeFor } from '../domain/catalogue/programmes.js';
import { hubs } from '../domain/catalogue/hubs.js';
import { londonZone } from '../domain/calendar/london-zone.js';
import { academicYearStarting, atLondon, generateSchedule, londonDateOf, nextAcademicYear, startYearOf, WEEKDAYS, type GeneratedSession, type Weekday } from '../domain/calendar/index.js';
import { EventRejectedError, ValidationError } from '../domain/errors.js';
import type { PathwayEventInput, SchoolDetails, Teacher } from '../machines/events.js';
import type { EmbeddedEngine } from './embedded.js';
import { SimulatedClock } from './clock.js';
import { defaultGroupName, groupNumberOf } from '../domain/words/group-name.js';
import { getGroup, insertGroup, insertPlaces, saveGroupSessions } from '../store/ops/groups.js';
import { checkLanes, laneOf, runLanes } from './lanes.js';
import { insertPerson } from '../store/ops/people.js';

/** Recorded as the actor of every event the simulated hub staff send. */
export const SIMULATION_ACTOR = 'hub-simulation';

/** Above this many schools a simulation keeps no copy of its emails unless asked: they are still rendered and recorded in sent_messages, but a mailbox would hold tens of thousands of files. */
export const MAILBOX_LIMIT = 100;

/** Whether a simulation of this many schools keeps a mailbox copy of each email when not told (`--mail`). Pure. */
export function keepsMailbox(schools: number): boolean {
  return schools <= MAILBOX_LIMIT;
}

/**
 * How a simulation's engine carries out effects: once a simulated day, by
 * simulateHub's own drains, not after every write and every timer batch.
 * `pathway simulate` and the bench both run it so.
 */
export const SIMULATION_DISPATCH = 'manual' as const;

/** Lanes side by side on Postgres, for a day's hub events and the ticks (SimulationOptions.lanes). */
const LANES = 2;

/** Simulated schools get URNs from here up (real URNs are six digits; these stay clear of the common ranges). */
export const SIMULATION_URN_BASE = 900_001;

export interface SimulationOptions {
  engine: EmbeddedEngine;
  /** How many schools (1 to 99,999). */
  schools: number;
  /** How many academic years, from `start`. */
  years: number;
  /** PRNG seed: the same seed plans the same hub. */
  seed: number;
  /** First academic year, e.g. "2018/19" (default). */
  start?: string;
  /** Maths Hub id or name (default: chosen by the seed). */
  hub?: string;
  /** Events sent to the engine per transaction when it can take several (default 500). */
  batchSize?: number;
  /**
   * Lanes side by side, each with its own share of the schools, for the day's hub events (default 2 on
   * Postgres, 1 on PGlite, which is one connection) and, when given, for the engine's ticks (whose own
   * default is the same when effects wait for the drain). A school's events keep their order in any
   * number of lanes.
   */
  lanes?: number;
  onProgress?: (p: SimulationProgress) => void;
}

export interface SimulationProgress {
  /** The simulated day just done (London date). */
  day: string;
  daysDone: number;
  daysTotal: number;
  /** Hub events sent and timers fired so far in this run. */
  events: number;
  timersFired: number;
}

export interface PhaseYearRow {
  academicYear: string;
  phase: string;
  /** Schools in this phase that year (entered by application, cohort advance or resumption). */
  schools: number;
  completed: number;
  withdrawn: number;
  deferred: number;
  declined: number;
  /** Still open at the end of the simulation, or left overdue. */
  open: number;
}

export interface SimulationSummary {
  hub: string;
  seed: number;
  schools: { total: number; primary: number; secondary: number };
  years: string[];
  /** Schools per phase per academic year, from the schools' states. */
  phases: PhaseYearRow[];
  /** Grants paid, from the funding ledger. */
  money: { academicYear: string; programmeId: string; payments: number; pence: number }[];
  moneyTotalPence: number;
  /** Emails sent, from sent_messages (status sent); `skipped`: those not sent because they came too late. */
  messages: { reminders: number; escalations: number; confirmations: number; total: number; skipped: number; byTemplate: Record<string, number> };
  /** Where the emails went (the mailer's description). */
  mail: string;
  /** Events in the log for the simulated schools. */
  events: { total: number; byHub: number; byTimer: number };
  /** What this run did (a resumed run counts only its own part). */
  run: { sent: number; timersFired: number; effectsDone: number; effectsFailed: number; rejected: number; rejections: string[]; resumedFrom: string | null; elapsedMs: number };
}

/** The simulation's options do not fit the database it was pointed at. */
export class SimulationMismatchError extends Error {
  override readonly name = 'SimulationMismatchError';
}

// ---------------------------------------------------------------- PRNG

/** mulberry32: a small, fast, seeded PRNG giving floats in [0, 1). Pure given its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of strings (FNV-1a), to derive one PRNG stream per school and year. Pure. */
function hash32(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0001')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A whole number from a to b inclusive. */
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

// ---------------------------------------------------------------- the schools

export interface SimSchool {
  index: number;
  urn: string;
  route: Route;
  /** Index of the simulated year in which it first applies. */
  entryYear: number;
  details: SchoolDetails;
  teachers: Teacher[];
}

const PLACES = ['Ashford', 'Bramley', 'Castleton', 'Denby', 'Elmswell', 'Fairfield', 'Greenhill', 'Hartley', 'Ivybridge', 'Kingsmead', 'Langley', 'Millbrook', 'Northgate', 'Oakwood', 'Parkside', 'Queensbury', 'Riverside', 'Southfields', 'Thornton', 'Upton', 'Westfield', 'Yarwood', 'Beechwood', 'Church Lane', 'Hillside', 'Meadowbank', 'Redhill', 'Stonebridge', 'Willow Brook', 'Holy Trinity'];
const PRIMARY_KINDS = ['Primary School', 'Primary Academy', 'Church of England Primary School', 'Infant and Junior School', 'Community Primary School'];
const SECONDARY_KINDS = ['Academy', 'High School', 'School', 'Secondary School', 'Community College'];
const FIRST = ['Amira', 'Ben', 'Chloe', 'Daniel', 'Eleanor', 'Farhan', 'Grace', 'Harry', 'Isla', 'James', 'Kiran', 'Laura', 'Mohammed', 'Nadia', 'Oliver', 'Priya', 'Rachel', 'Samuel', 'Tom', 'Zara'];
const LAST = ['Ahmed', 'Bennett', 'Clarke', 'Davies', 'Evans', 'Fletcher', 'Green', 'Hughes', 'Iqbal', 'Johnson', 'Khan', 'Lewis', 'Morris', 'Nowak', 'Patel', 'Roberts', 'Singh', 'Taylor', 'Walker', 'Wright'];

function person(rng: Rng, domain: string, box: string): { name: string; email: string } {
  return { name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`, email: `${box}@${domain}` };
}

/** The hub's label as schools carry it ("East Midlands East"). Pure. */
function hubLabelOf(name: string): string {
  return name.replace(/\s+Maths Hub$/i, '');
}

/** The simulated schools of a seed: about four in five primary, entry years spread over the years. Pure. */
export function simSchools(count: number, years: number, seed: number, hub: string): SimSchool[] {
  const out: SimSchool[] = [];
  for (let i = 0; i < count; i++) {
    const urn = String(SIMULATION_URN_BASE + i);
    const rng = new Rng(hash32(seed, 'school', urn));
    const route: Route = rng.chance(0.78) ? 'primary' : 'secondary';
    const domain = `s${urn}.school.example`;
    const details: SchoolDetails = {
      name: `${rng.pick(PLACES)} ${rng.pick(route === 'primary' ? PRIMARY_KINDS : SECONDARY_KINDS)}`,
      route,
      hub,
      localAuthority: `${rng.pick(PLACES)} Council`,
      headteacher: person(rng, domain, 'head'),
    };
    if (route === 'secondary') details.headOfDepartment = person(rng, domain, 'maths.hod');
    const teachers: Teacher[] = [
      { ...person(rng, domain, 'maths.lead'), role: route === 'primary' ? 'mathsLead' : 'headOfDepartment' },
      { ...person(rng, domain, 'teacher'), role: route === 'primary' ? 'teacher' : 'aspiringLeader' },
    ];
    out.push({ index: i, urn, route, entryYear: rng.int(0, years - 1), details, teachers });
  }
  return out;
}

// ---------------------------------------------------------------- dates

const LONDON = londonZone;

function addDays(date: string, n: number): string {
  return DateTime.fromISO(date, { zone: LONDON }).plus({ days: n }).toISODate()!;
}

function addMonths(date: string, n: number): string {
  return DateTime.fromISO(date, { zone: LONDON }).plus({ months: n }).toISODate()!;
}

function yearStartDate(year: string): string {
  return `${startYearOf(year)}-09-01`;
}

/** Days from a to b (London dates). */
function daysBetween(a: string, b: string): number {
  return Math.round(DateTime.fromISO(b, { zone: LONDON }).diff(DateTime.fromISO(a, { zone: LONDON }), 'days').days);
}

// ---------------------------------------------------------------- planning

/** One event the simulated hub sends: to a school, at a time. */
export interface PlannedEvent {
  at: string;
  urn: string;
  event: PathwayEventInput;
}

type Outcome = 'completed' | 'late' | 'unmet' | 'withdrawn' | 'declined' | 'deferred';

interface SchoolTrack {
  programme: Programme | null;
  groupId: string | null;
  outcome: Outcome | null;
}

/** A school-year's steps by date; times are given when the flow is finished, in step order within a day. */
/** A simulated school's action plan on the 5 Big Ideas. */
const SIMULATED_AIMS = { coherence: 'small steps', representationAndStructure: 'concrete and pictorial models', mathematicalThinking: 'reasoning prompts', fluency: 'daily number facts', variation: 'varied practice' };

class Flow {
  private readonly steps: { date: string; seq: number; make: (at: string) => PathwayEventInput }[] = [];
  private stopAfter: number | null = null;
  add(date: string, make: (at: string) => PathwayEventInput): number {
    const seq = this.steps.length;
    this.steps.push({ date, seq, make });
    return seq;
  }
  /** Nothing after step `seq` (a withdrawal) happens. */
  stop(seq: number): void {
    this.stopAfter = seq;
  }
  build(urn: string, rng: Rng): PlannedEvent[] {
    const sorted = [...this.steps].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.seq - b.seq));
    const cut = this.stopAfter === null ? sorted.length : sorted.findIndex((s) => s.seq === this.stopAfter) + 1;
    const out: PlannedEvent[] = [];
    let slot = 0;
    let day = '';
    for (const s of sorted.slice(0, cut)) {
      slot = s.date === day ? slot + 1 : 0;
      day = s.date;
      // Hub work happens 12:00-17:59 London; the machines' timers fall at 09:00 and 23:59, so a tick at noon fires them in order.
      const minutes = 12 * 60 + slot * 10 + rng.int(0, 9);
      const at = atLondon(s.date, `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);
      out.push({ at, urn, event: s.make(at) });
    }
    return out;
  }
}

/** What simulated teachers try between sessions: the words a hub records, never a session's id. */
const GAP_TASKS = [
  'Number bonds within 10: a small-steps sequence and a write-up of one lesson',
  'Place value with base-ten blocks: pupils’ work from two lessons',
  'Multiplication facts: a daily fluency routine tried for two weeks',
  'Fractions on a number line: a bar-model lesson taught and reviewed',
  'Reasoning: stem sentences used in three lessons',
  'Variation: a practice set built with small changes, and how pupils did',
];

/** The gap task set at a session ("… (set at workshop 4)"), chosen by its number so the plan's draws stay as they were. Pure. */
function gapTaskAfter(x: GeneratedSession): string {
  const n = Number(/(\d+)$/.exec(x.id)?.[1] ?? 1);
  const kind = x.kind === 'inSchoolDay' ? 'in-school day' : x.kind;
  return `${GAP_TASKS[(n - 1) % GAP_TASKS.length]} (set at ${kind} ${n})`;
}

/** Who leads every simulated Readiness school (hub people are otherwise not simulated). */
const SIMULATED_READINESS_LEAD = { id: 'simulated-readiness-lead', name: 'Simulated Readiness Lead' } as const;

const WITHDRAWAL_REASONS = ['the headteacher left and the new leadership paused the work', 'both lead teachers left the school', 'the school joined a trust with its own maths programme', 'staffing pressures'];
const DEFERRAL_REASONS = ['the maths lead is on leave this year', 'an Ofsted inspection is due', 'staffing changes'];

/** A work group the simulated hub makes for a programme's first-year schools, with its year's sessions. */
export interface PlannedGroup {
  id: string;
  programme: Programme;
  lead: { name: string; email: string };
  sessions: GeneratedSession[];
}

/** Plans the hub year by year; pure given its inputs (the schedule cache only saves work). */
export class HubPlan {
  readonly schools: SimSchool[];
  readonly years: string[];
  readonly hubId: string;
  private readonly tracks: SchoolTrack[];
  private readonly schedules = new Map<string, GeneratedSession[]>();
  /** Groups made so far per id prefix ("<hub>-<phase>-<year>-"), numbered on as the hub's own groups are. */
  private readonly groupCounts = new Map<string, number>();
  private planned: PlannedGroup[] = [];

  constructor(
    schools: SimSchool[],
    readonly start: string,
    yearCount: number,
    readonly seed: number,
    hubId: string,
  ) {
    this.schools = schools;
    this.hubId = hubId;
    this.years = Array.from({ length: yearCount }, (_, k) => academicYearStarting(startYearOf(start) + k));
    this.tracks = schools.map(() => ({ programme: null, groupId: null, outcome: null }));
  }

  /** The earliest day any event of year k's flows can fall on: applications open at most 14 months ahead. */
  earliestDayOf(k: number): string {
    return addMonths(yearStartDate(this.years[k]!), -14);
  }

  /** The last moment of the simulation: the end of the last year's 31 August, London. */
  endDay(): string {
    return `${startYearOf(this.years[this.years.length - 1]!) + 1}-08-31`;
  }

  /** Every event of the flows of simulated year k. Call for k = 0, 1, 2... in order. */
  planYear(k: number): PlannedEvent[] {
    const year = this.years[k]!;
    const out: PlannedEvent[] = [];
    const entries = new Map<string, { s: SimSchool; rng: Rng; declined: boolean; waitlisted: boolean }[]>();
    const programmes = new Map<string, Programme>();
    for (const s of this.schools) {
      const track = this.tracks[s.index]!;
      const rng = new Rng(hash32(this.seed, s.urn, year));
      if (track.outcome === null) {
        if (s.entryYear > k) continue;
        const p = this.entryProgramme(s, year, rng);
        if (!p) {
          // Nothing to apply for this year (the catalogue's first years): try the next.
          s.entryYear = k + 1;
          continue;
        }
        programmes.set(p.id, p);
        const list = entries.get(p.id) ?? [];
        list.push({ s, rng, declined: rng.chance(0.02), waitlisted: rng.chance(0.06) });
        entries.set(p.id, list);
        continue;
      }
      out.push(...this.continuation(s, track, k, rng));
    }
    for (const [id, applicants] of entries) {
      const p = programmes.get(id)!;
      const cap = p.group.maxSchools ?? 10;
      const placed = applicants.filter((a) => !a.declined);
      // Ids as the hub's own groups get them (service/groups.ts): "<hub>-<phase>-<first year>-<n>".
      const prefix = `${this.hubId}-${p.phase}-${startYearOf(p.academicYear)}-`;
      const before = this.groupCounts.get(prefix) ?? 0;
      const groupCount = Math.ceil(placed.length / cap);
      this.groupCounts.set(prefix, before + groupCount);
      const groupOf = (n: number) => `${prefix}${before + Math.floor(n / cap) + 1}`;
      const sizeOf = (n: number) => Math.min(cap, placed.length - Math.floor(n / cap) * cap);
      for (let g = 0; g < groupCount; g++) {
        const id = groupOf(g * cap);
        const rng = new Rng(hash32(this.seed, 'group', id));
        const [first, last] = [rng.pick(FIRST), rng.pick(LAST)];
        const lead = { name: `${first} ${last}`, email: `${first}.${last}@${this.hubId}.mathshub.example`.toLowerCase() };
        this.planned.push({ id, programme: p, lead, sessions: this.sessionsFor(p, id) });
      }
      for (const a of applicants) {
        const n = placed.indexOf(a);
        out.push(...this.entryFlow(a.s, p, k, a.rng, a.declined, a.waitlisted, n < 0 ? null : { groupId: groupOf(n), groupSize: sizeOf(n) }));
      }
    }
    return out;
  }

  /** The groups planned since the last call: the caller makes them in the store before their schools are selected. */
  takeGroups(): PlannedGroup[] {
    const out = this.planned;
    this.planned = [];
    return out;
  }

  private entryProgramme(s: SimSchool, year: string, rng: Rng): Programme | null {
    if (s.route === 'secondary') return programmeFor('secondary', 'development', year);
    const options: { phase: PhaseKind; weight: number }[] = [
      { phase: 'trg', weight: 0.3 },
      { phase: 'readiness', weight: 0.45 },
      { phase: 'development', weight: 0.25 },
    ];
    const open = options.map((o) => ({ ...o, p: programmeFor('primary', o.phase, year) })).filter((o) => o.p !== null);
    if (open.length === 0) return null;
    const total = open.reduce((n, o) => n + o.weight, 0);
    let r = rng.float() * total;
    for (const o of open) {
      r -= o.weight;
      if (r < 0) return o.p;
    }
    return open[open.length - 1]!.p;
  }

  /** The year's sessions of a programme for a group, on the group's weekday (a calendar that cannot hold them on it falls back to Thursday). */
  private sessionsFor(p: Programme, groupId: string): GeneratedSession[] {
    const preferred: Weekday = (['tuesday', 'wednesday', 'thursday'] as const)[hash32(groupId) % 3]!;
    for (const weekday of [preferred, 'thursday' as Weekday, ...WEEKDAYS]) {
      const key = `${p.id}|${weekday}`;
      const cached = this.schedules.get(key);
      if (cached) return cached;
      try {
        const sessions = generateSchedule(p, p.academicYear, { weekday });
        this.schedules.set(key, sessions);
        return sessions;
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
      }
    }
    throw new Error(`simulate: the calendar cannot hold the sessions of ${p.id} on any weekday`);
  }

  private entryFlow(s: SimSchool, p: Programme, k: number, rng: Rng, declined: boolean, waitlisted: boolean, group: { groupId: string; groupSize: number } | null): PlannedEvent[] {
    const track = this.tracks[s.index]!;
    const flow = new Flow();
    const sessions = this.sessionsFor(p, group?.groupId ?? `${p.id}-declined`);
    const first = londonDateOf(sessions[0]!.at);
    let applyOn = addDays(first, -45 - rng.int(0, 14));
    const close = p.deadlines.applicationsClose;
    if (close && applyOn > close) applyOn = addDays(close, -rng.int(0, 10));
    flow.add(applyOn, (at) => ({ type: 'APPLY', at, programme: p, school: s.details, teachers: s.teachers, groupWith: [] }));
    track.programme = p;
    if (declined || !group) {
      flow.add(addDays(applyOn, 7), (at) => ({ type: 'ELIGIBILITY_ASSESSED', at, eligible: false, note: 'the hub judged that the school does not meet the criteria this year' }));
      track.outcome = 'declined';
      return flow.build(s.urn, rng);
    }
    const criteria = p.eligibility ? [...new Set(Array.from({ length: rng.int(1, 3) }, () => rng.pick(p.eligibility!.criteria).id))] : [];
    flow.add(addDays(applyOn, 7), (at) => ({ type: 'ELIGIBILITY_ASSESSED', at, eligible: true, criteria }));
    if (waitlisted) flow.add(addDays(applyOn, 10), (at) => ({ type: 'WAITLISTED', at, reason: 'the work groups are full; waiting for a place' }));
    const selectedOn = addDays(applyOn, waitlisted ? 18 : 14);
    flow.add(selectedOn, (at) => ({ type: 'SELECTED', at, groupId: group.groupId, groupSize: group.groupSize }));
    track.groupId = group.groupId;
    const later = programmeFor(s.route, p.phase, nextAcademicYear(p.academicYear));
    if (later && rng.chance(0.015)) {
      flow.add(addDays(selectedOn, 3), (at) => ({ type: 'DEFERRED', at, reason: rng.pick(DEFERRAL_REASONS), untilYear: later.academicYear }));
      track.outcome = 'deferred';
      return flow.build(s.urn, rng);
    }
    track.outcome = this.yearActivity(flow, p, sessions, addDays(selectedOn, 5), addDays(selectedOn, 6), k, rng);
    return flow.build(s.urn, rng);
  }

  /** What a school that took part last year does this year: advance, submit late, resume, or leave. */
  private continuation(s: SimSchool, track: SchoolTrack, k: number, rng: Rng): PlannedEvent[] {
    const year = this.years[k]!;
    const flow = new Flow();
    const sept = yearStartDate(year);
    const prev = track.programme!;
    switch (track.outcome) {
      case 'completed':
      case 'late': {
        const next = nextProgramme(prev);
        let day = track.outcome === 'late' ? sept : addDays(sept, -4);
        if (track.outcome === 'late') {
          flow.add(day, (at) => ({ type: 'EVALUATION_SUBMITTED', at, summary: 'submitted after the end of the year' }));
          day = addDays(day, 1);
        }
        if (!next) {
          track.outcome = 'completed';
          return flow.build(s.urn, rng);
        }
        if (prev.phase === 'readiness' && next.masteryReadyFrom) flow.add(day, (at) => ({ type: 'MASTERY_READY_JUDGED', at, ready: true, note: 'simulated' }));
        flow.add(day, (at) => ({ type: 'ADVANCED', at, programme: next }));
        track.programme = next;
        const start = day < sept ? sept : addDays(day, 1);
        track.outcome = this.yearActivity(flow, next, this.sessionsFor(next, track.groupId ?? s.urn), start, addDays(start, 1), k, rng);
        return flow.build(s.urn, rng);
      }
      case 'deferred': {
        const p = programmeFor(s.route, prev.phase, year);
        if (!p) return [];
        flow.add(sept, (at) => ({ type: 'RESUMED', at, programme: p }));
        track.programme = p;
        track.outcome = this.yearActivity(flow, p, this.sessionsFor(p, track.groupId ?? s.urn), addDays(sept, 1), addDays(sept, 2), k, rng);
        return flow.build(s.urn, rng);
      }
      case 'unmet':
        flow.add(addDays(sept, 14), (at) => ({ type: 'WITHDRAWN', at, reason: `did not hold the meetings ${prev.name} requires` }));
        track.outcome = 'withdrawn';
        return flow.build(s.urn, rng);
      default:
        return [];
    }
  }

  /**
   * A selected school's year: commitment, the schedule, attendance (about 2%
   * of sessions missed, 1% recorded late, a headteacher who misses the first
   * Readiness workshop now and then), catch-up sessions where a miss would
   * leave the minimum out of reach, gap tasks, release days, the evaluation
   * (a few late), and a rare withdrawal. Returns the school's outcome.
   */
  private yearActivity(flow: Flow, p: Programme, all: GeneratedSession[], commitOn: string, scheduleOn: string, k: number, rng: Rng): Outcome {
    const endYear = startYearOf(p.academicYear) + 1;
    flow.add(commitOn, (at) => ({ type: 'COMMITMENT_SIGNED', at, signatories: [...p.signatories] as Signatory[] }));
    if (p.phase === 'readiness') {
      // The Readiness Lead and the action plan on the 5 Big Ideas (002), so that the year can end Mastery Ready (hub people are not simulated).
      flow.add(commitOn, (at) => ({ type: 'LEADER_ALLOCATED', at, leader: { ...SIMULATED_READINESS_LEAD, role: 'readinessLead' }, load: 1 }));
      flow.add(commitOn, (at) => ({ type: 'ACTION_PLAN_CREATED', at, aims: SIMULATED_AIMS }));
    }
    const sessions = all.filter((x) => londonDateOf(x.at) > scheduleOn);
    flow.add(scheduleOn, (at) => ({ type: 'SCHEDULE_SET', at, sessions }));
    const isCounted = (kind: string) => kind === 'meeting' || kind === 'workshop';
    const counted = sessions.filter((x) => isCounted(x.kind));
    const required = p.sessions.filter((r) => isCounted(r.kind)).reduce((n, r) => n + r.min, 0);
    const headFirst = p.sessions.some((r) => r.headteacherAttendsFirst);
    const gapKinds = new Set(p.sessions.filter((r) => r.gapTasksBetween).map((r) => r.kind));
    const lastCounted = counted[counted.length - 1];
    let held = 0;
    let lastDay = scheduleOn;
    const missed: GeneratedSession[] = [];
    for (const x of sessions) {
      const day = londonDateOf(x.at);
      const r = rng.float();
      const teachersPresent = r < 0.02 ? 0 : r >= 0.03 && r < 0.1 ? 1 : 2;
      const recordedOn = r >= 0.02 && r < 0.03 ? addDays(day, 3) : day;
      const headteacherPresent = x.kind === 'visit' ? true : headFirst && x === counted[0] ? rng.chance(0.85) : false;
      flow.add(recordedOn, (at) => ({ type: 'ATTENDANCE_RECORDED', at, sessionId: x.id, teachersPresent, headteacherPresent }));
      if (recordedOn > lastDay) lastDay = recordedOn;
      if (isCounted(x.kind)) {
        if (teachersPresent > 0) held++;
        else missed.push(x);
        if (gapKinds.has(x.kind) && x !== lastCounted) flow.add(addDays(day, 7), (at) => ({ type: 'GAP_TASK_COMPLETED', at, task: gapTaskAfter(x) }));
      }
    }
    for (const m of missed) {
      if (held >= required) break;
      const on = addDays(londonDateOf(m.at), 14);
      if (on > `${endYear}-07-20`) continue;
      const catchUp = { id: `${m.id}-catch-up`, kind: m.kind, at: atLondon(on, '09:00'), place: m.place };
      flow.add(addDays(londonDateOf(m.at), 2), (at) => ({ type: 'SCHEDULE_SET', at, sessions: [catchUp] }));
      flow.add(on, (at) => ({ type: 'ATTENDANCE_RECORDED', at, sessionId: catchUp.id, teachersPresent: 2, headteacherPresent: false }));
      if (on > lastDay) lastDay = on;
      held++;
    }
    if (p.releaseDays || p.inSchoolDays) {
      for (const on of [`${endYear - 1}-12-10`, `${endYear}-03-18`, `${endYear}-07-08`]) {
        if (on <= scheduleOn) continue;
        const days = p.releaseDays ? rng.int(3, 4) : rng.int(1, 2);
        flow.add(on, (at) => ({ type: 'RELEASE_DAYS_RECORDED', at, days }));
      }
    }
    let outcome: Outcome;
    if (held < required) outcome = 'unmet';
    else if (rng.chance(0.04) && k < this.years.length - 1) outcome = 'late';
    else {
      let on = addDays(lastDay > `${endYear}-07-10` ? lastDay : `${endYear}-07-10`, rng.int(1, 10));
      if (on > `${endYear}-08-27`) on = `${endYear}-08-27`;
      flow.add(on, (at) => ({ type: 'EVALUATION_SUBMITTED', at, summary: `evaluation of ${p.name}` }));
      outcome = 'completed';
    }
    if (rng.chance(0.015)) {
      const from = addDays(scheduleOn, 7);
      const span = Math.max(1, daysBetween(from, `${endYear}-07-01`));
      const on = addDays(from, rng.int(0, span));
      const reason = rng.pick(WITHDRAWAL_REASONS);
      flow.stop(flow.add(on, (at) => ({ type: 'WITHDRAWN', at, reason })));
      outcome = 'withdrawn';
    }
    return outcome;
  }
}

// ---------------------------------------------------------------- running

function noonOf(day: string): string {
  return atLondon(day, '12:00');
}

function hubNamed(nameOrSeed: string | undefined, seed: number): { id: string; name: string; label: string } {
  if (nameOrSeed !== undefined) {
    const needle = nameOrSeed.trim().toLowerCase();
    const h = hubs.find((x) => x.id === needle || x.name.toLowerCase() === needle || hubLabelOf(x.name).toLowerCase() === needle);
    if (!h) throw new ValidationError([{ path: 'hub', message: `must name one of the ${hubs.length} Maths Hubs by id or name`, value: nameOrSeed, severity: 'error' }], 'simulation');
    return { id: h.id, name: h.name, label: hubLabelOf(h.name) };
  }
  const h = hubs[hash32(seed, 'hub') % hubs.length]!;
  return { id: h.id, name: h.name, label: hubLabelOf(h.name) };
}

/** Checks the options, naming each bad one. Pure. */
export function checkSimulationOptions(o: { schools: number; years: number; seed: number; start?: string }): void {
  const problems = [];
  if (!Number.isInteger(o.schools) || o.schools < 1 || o.schools > 99_999) problems.push({ path: 'schools', message: 'must be a whole number from 1 to 99999', value: o.schools, severity: 'error' as const });
  if (!Number.isInteger(o.years) || o.years < 1 || o.years > 9) problems.push({ path: 'years', message: 'must be a whole number from 1 to 9', value: o.years, severity: 'error' as const });
  if (!Number.isSafeInteger(o.seed)) problems.push({ path: 'seed', message: 'must be a whole number', value: o.seed, severity: 'error' as const });
  if (o.start !== undefined && !/^\d{4}\/\d{2}$/.test(o.start)) problems.push({ path: 'start', message: 'must be an academic year like 2018/19', value: o.start, severity: 'error' as const });
  else if (o.start !== undefined && (Number(o.start.slice(0, 4)) + 1) % 100 !== Number(o.start.slice(5))) problems.push({ path: 'start', message: 'must be two consecutive years like 2018/19', value: o.start, severity: 'error' as const });
  if (problems.length) throw new ValidationError(problems, 'simulation options');
}

/**
 * Runs (or resumes) the simulation through `engine` and returns the summary,
 * read back from the database. Day by day: fire the timers due by noon,
 * send the day's hub events, carry out the effects. Not pure.
 */
export async function simulateHub(options: SimulationOptions): Promise<SimulationSummary> {
  const started = Date.now();
  const start = options.start ?? '2018/19';
  checkSimulationOptions({ ...options, start });
  const { engine } = options;
  const hub = hubNamed(options.hub, options.seed);
  const schools = simSchools(options.schools, options.years, options.seed, hub.label);
  const plan = new HubPlan(schools, start, options.years, options.seed, hub.id);
  const urns = schools.map((s) => s.urn);
  const batchSize = options.batchSize ?? 500;
  const lanes = checkLanes(options.lanes ?? (engine.db.kind === 'postgres' ? LANES : 1), 'simulate');
  // The Readiness Lead the simulated schools are allocated to is one of the hub's people, as a hub's own leaders are
  // (the school page then names them among the hub's people). Kept if there already: a resumed run adds nobody.
  await insertPerson(engine.db, { id: SIMULATED_READINESS_LEAD.id, hub: hub.id, name: SIMULATED_READINESS_LEAD.name, email: `readiness.lead@${hub.id}.example`, role: 'readinessLead', createdBy: SIMULATION_ACTOR });

  const pending = new Map<string, PlannedEvent[]>();
  let days: string[] = [];
  let nextYear = 0;
  const addPlanned = (events: PlannedEvent[], today: string | null) => {
    for (const e of events) {
      const day = londonDateOf(e.at);
      if (today !== null && day < today) throw new Error(`simulate: planned ${e.event.type} for ${e.urn} on ${day}, before the day being simulated (${today})`);
      const list = pending.get(day);
      if (list) list.push(e);
      else pending.set(day, [e]);
    }
    days = [...pending.keys()].sort();
  };
  // The hub makes each work group (with its year's sessions) before it selects schools into it, as on the
  // group pages; places are taken as the schools are selected. Made again on a resumed run: nothing changes.
  const makeGroups = async () => {
    for (const g of plan.takeGroups()) {
      const made = await insertGroup(engine.db, {
        id: g.id,
        name: defaultGroupName(g.programme.name, hub.name, groupNumberOf(g.id) ?? g.id),
        hub: hub.id,
        programmeId: g.programme.id,
        route: g.programme.route,
        phase: g.programme.phase,
        academicYear: g.programme.academicYear,
        maxSchools: g.programme.group.maxSchools,
        lead: g.lead,
        createdBy: SIMULATION_ACTOR,
      });
      if (!made) {
        // There already (a resumed run made it); a hub's own group of that id is not the simulation's to fill.
        const there = await getGroup(engine.db, g.id);
        if (there && (there.programmeId !== g.programme.id || there.createdBy !== SIMULATION_ACTOR)) {
          throw new ValidationError([{ path: 'db', message: `already holds work group ${g.id}, made by ${there.createdBy} for ${there.programmeId}: simulate into a database of its own`, value: g.id, severity: 'error' }], 'simulation');
        }
      }
      await saveGroupSessions(engine.db, g.id, g.sessions.map((x) => ({ sessionId: x.id, academicYear: g.programme.academicYear, programmeId: g.programme.id, kind: x.kind, at: x.at, place: x.place })));
    }
  };
  addPlanned(plan.planYear(nextYear++), null);
  await makeGroups();
  const firstDay = days[0] ?? plan.endDay();
  const endDay = plan.endDay();
  const daysTotal = Math.max(1, daysBetween(firstDay, endDay));

  const resume = await resumePoint(engine, urns, [...pending.values()].flat());
  const run = { sent: 0, timersFired: 0, effectsDone: 0, effectsFailed: 0, rejected: 0, rejections: [] as string[], resumedFrom: resume?.day ?? null, elapsedMs: 0 };

  const drain = async () => {
    const r = await engine.drainOutbox();
    run.effectsDone += r.done;
    run.effectsFailed += r.failed;
  };
  /**
   * Fires the timers due up to `until` one London day at a time, carrying out
   * each day's effects at the end of that day: a reminder goes out on the day
   * it is due, as on a real host, not weeks later with the next hub event
   * (when it would be too late to send, and recorded as skipped).
   */
  const catchUp = async (until: string) => {
    for (;;) {
      const next = await engine.nextDueAt();
      if (next === null || Date.parse(next) > Date.parse(until)) break;
      const dayEnd = DateTime.fromISO(londonDateOf(next), { zone: LONDON }).endOf('day').toISO()!;
      const ticked = await engine.tick(Date.parse(dayEnd) < Date.parse(until) ? dayEnd : until, undefined, { lanes: options.lanes });
      run.timersFired += ticked.fired;
      run.effectsDone += ticked.effects.done;
      run.effectsFailed += ticked.effects.failed;
      await drain();
    }
  };
  const rejected = (e: PlannedEvent, err: EventRejectedError) => {
    run.rejected++;
    if (run.rejections.length < 10) run.rejections.push(`${e.at} ${e.urn} ${e.event.type}: ${err.message}`);
  };

  // A run that resumes after a kill first carries out the effects the killed run left in the
  // outbox, at the school time they were due: a reminder it had not sent yet goes out on its
  // day, as in an uninterrupted run, not days later (when it would be too late, and skipped).
  for (let guard = 0; guard < 1000 && engine.clock instanceof SimulatedClock; guard++) {
    const due = (await engine.db.query<{ at: string | null }>("SELECT min(next_attempt_at) AS at FROM outbox WHERE status = 'pending'")).rows[0]?.at ?? null;
    if (due === null) break;
    engine.clock.advanceTo(new Date(due).toISOString());
    const before = run.effectsDone + run.effectsFailed;
    await drain();
    if (run.effectsDone + run.effectsFailed === before) break;
  }

  for (;;) {
    while (nextYear < plan.years.length && (days.length === 0 || plan.earliestDayOf(nextYear) <= days[0]!)) addPlanned(plan.planYear(nextYear++), days[0] ?? null);
    await makeGroups();
    const day = days.shift();
    if (day === undefined) break;
    let events = pending.get(day)!;
    pending.delete(day);
    if (resume && day < resume.day) continue;
    if (resume && day === resume.day) events = events.filter((e) => !(resume.doneUpTo.has(e.urn) && Date.parse(e.at) <= resume.doneUpTo.get(e.urn)!));
    // Every timer due by noon fires here (catchUp asks again after each day's tick, so a timer a fired one set is
    // not missed); a further tick at noon would only claim nothing, so the clock is moved to noon by hand.
    await catchUp(noonOf(day));
    if (engine.clock instanceof SimulatedClock) engine.clock.advanceTo(noonOf(day));
    events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    const sendLane = async (laneEvents: PlannedEvent[]) => {
      for (let i = 0; i < laneEvents.length; i += batchSize) {
        const chunk = laneEvents.slice(i, i + batchSize);
        const r = await engine.sendMany(chunk.map((e) => ({ urn: e.urn, event: e.event, actor: SIMULATION_ACTOR })), { onRejected: 'skip' });
        run.sent += r.sent;
        r.rejected.forEach((x) => rejected(chunk[x.index]!, x.error));
        const refused = new Set(r.rejected.map((x) => x.index));
        const places = chunk.flatMap((e, i) => (e.event.type === 'SELECTED' && !refused.has(i) ? [{ groupId: e.event.groupId, urn: e.urn, addedBy: SIMULATION_ACTOR }] : []));
        if (places.length > 0) await insertPlaces(engine.db, places);
      }
    };
    // On Postgres the day's events go in lanes side by side, each lane its own schools in time order (a school's
    // events stay in order; schools do not depend on one another's): one lane's batch is decided here while
    // another's is written.
    await runLanes(lanes, (lane) => sendLane(events.filter((e) => laneOf(e.urn, lanes) === lane)));
    await drain();
    options.onProgress?.({ day, daysDone: Math.min(daysTotal, daysBetween(firstDay, day)), daysTotal, events: run.sent, timersFired: run.timersFired });
  }
  await catchUp(endDay);
  const last = await engine.tick(endDay, undefined, { lanes: options.lanes });
  run.timersFired += last.fired;
  run.effectsDone += last.effects.done;
  run.effectsFailed += last.effects.failed;
  await drain();
  options.onProgress?.({ day: endDay, daysDone: daysTotal, daysTotal, events: run.sent, timersFired: run.timersFired });
  run.elapsedMs = Date.now() - started;
  return summarise(engine, hub.label, options.seed, schools, plan.years, run);
}

/**
 * Where an earlier run of the same simulation stopped: the day of its last
 * hub event, and per school the time of its last hub event that day. Null
 * for a database without the simulation. Throws SimulationMismatchError when
 * the database holds these URNs from a different simulation.
 */
async function resumePoint(engine: EmbeddedEngine, urns: string[], firstYear: PlannedEvent[]): Promise<{ day: string; doneUpTo: Map<string, number> } | null> {
  const last = (await engine.db.query<{ last: string | null }>('SELECT max(occurred_at) AS last FROM events WHERE actor = $1 AND urn = ANY($2::text[])', [SIMULATION_ACTOR, urns])).rows[0]?.last ?? null;
  if (last === null) {
    const taken = (await engine.db.query<{ urn: string }>('SELECT urn FROM streams WHERE urn = ANY($1::text[]) LIMIT 1', [urns])).rows[0];
    if (taken) throw new SimulationMismatchError(`the database already holds school ${taken.urn}, which this simulation would create: use a fresh database (--db <new folder>)`);
    return null;
  }
  // Every application of the first year planned before the last event sent must be in the log as that school's first event
  // (one planned at the very same minute may not have been sent yet).
  const applications = firstYear.filter((e) => e.event.type === 'APPLY' && Date.parse(e.at) < Date.parse(last));
  const firsts = new Map(
    (await engine.db.query<{ urn: string; type: string; occurred_at: string }>('SELECT urn, type, occurred_at FROM events WHERE version = 1 AND urn = ANY($1::text[])', [applications.map((e) => e.urn)])).rows.map((r) => [r.urn, r]),
  );
  for (const e of applications) {
    const first = firsts.get(e.urn);
    if (!first || first.type !== 'APPLY' || Date.parse(first.occurred_at) !== Date.parse(e.at)) {
      throw new SimulationMismatchError(`the database holds a different simulation (school ${e.urn} did not start with APPLY at ${e.at}): use the same --schools, --years, --seed and --start to resume it, or a fresh database`);
    }
  }
  const day = londonDateOf(last);
  const rows = (await engine.db.query<{ urn: string; last: string }>(
    'SELECT urn, max(occurred_at) AS last FROM events WHERE actor = $1 AND urn = ANY($2::text[]) AND occurred_at >= $3 GROUP BY urn',
    [SIMULATION_ACTOR, urns, atLondon(day, '00:00')],
  )).rows;
  return { day, doneUpTo: new Map(rows.map((r) => [r.urn, Date.parse(r.last)])) };
}

const REMINDER_TEMPLATES = new Set(['session-reminder', 'first-workshop-reminder', 'evaluation-reminder', 'evaluation-request']);
// Escalations to the hub lead and the messages to the school that go with them.
const ESCALATION_TEMPLATES = new Set(['session-missed', 'attendance-missing', 'headteacher-absent-first-workshop', 'evaluation-overdue', 'session-missed-school', 'headteacher-absent-first-workshop-school', 'evaluation-overdue-school']);

async function summarise(engine: EmbeddedEngine, hub: string, seed: number, schools: SimSchool[], years: string[], run: SimulationSummary['run']): Promise<SimulationSummary> {
  const db = engine.db;
  const urns = schools.map((s) => s.urn);
  // Each phase a school was in: the finished ones from its record of past phases, the current one from its state.
  const phaseRows = (await db.query<{ year: string; phase: string; outcome: string; n: number }>(
    `WITH phases AS (
       SELECT p->>'academicYear' AS year, p->>'phase' AS phase, p->>'outcome' AS outcome
         FROM streams s, jsonb_array_elements(s.snapshot->'context'->'past') p
        WHERE s.urn = ANY($1::text[])
       UNION ALL
       SELECT academic_year, phase, 'open'
         FROM streams
        WHERE urn = ANY($1::text[]) AND status NOT IN ('completed', 'withdrawn', 'declined', 'deferred') AND academic_year IS NOT NULL)
     SELECT year, phase, outcome, count(*)::int AS n FROM phases GROUP BY year, phase, outcome ORDER BY year, phase`,
    [urns],
  )).rows;
  const order = ['trg', 'readiness', 'development', 'embedding', 'sustaining'];
  const byKey = new Map<string, PhaseYearRow>();
  for (const r of phaseRows) {
    const key = `${r.year}|${r.phase}`;
    const row = byKey.get(key) ?? { academicYear: r.year, phase: r.phase, schools: 0, completed: 0, withdrawn: 0, deferred: 0, declined: 0, open: 0 };
    row.schools += r.n;
    if (r.outcome === 'completed' || r.outcome === 'withdrawn' || r.outcome === 'deferred' || r.outcome === 'declined' || r.outcome === 'open') row[r.outcome] += r.n;
    byKey.set(key, row);
  }
  const phases = [...byKey.values()].sort((a, b) => a.academicYear.localeCompare(b.academicYear) || order.indexOf(a.phase) - order.indexOf(b.phase));
  const money = (await db.query<{ academic_year: string; programme_id: string; payments: number; pence: number }>(
    `SELECT academic_year, programme_id, count(*)::int AS payments, sum(amount_pence)::bigint AS pence
       FROM funding_ledger WHERE urn = ANY($1::text[]) GROUP BY academic_year, programme_id ORDER BY academic_year, programme_id`,
    [urns],
  )).rows.map((r) => ({ academicYear: r.academic_year, programmeId: r.programme_id, payments: r.payments, pence: Number(r.pence) }));
  const templates = (await db.query<{ template: string; n: number }>("SELECT template, count(*)::int AS n FROM sent_messages WHERE urn = ANY($1::text[]) AND status = 'sent' GROUP BY template ORDER BY template", [urns])).rows;
  const skipped = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM sent_messages WHERE urn = ANY($1::text[]) AND status = 'skipped'", [urns])).rows[0]?.n ?? 0;
  const byTemplate = Object.fromEntries(templates.map((t) => [t.template, t.n]));
  const sum = (pick: (t: string) => boolean) => templates.filter((t) => pick(t.template)).reduce((n, t) => n + t.n, 0);
  const ev = (await db.query<{ actor: string; n: number }>('SELECT actor, count(*)::int AS n FROM events WHERE urn = ANY($1::text[]) GROUP BY actor', [urns])).rows;
  const byTimer = ev.filter((r) => r.actor === 'timer').reduce((n, r) => n + r.n, 0);
  const total = ev.reduce((n, r) => n + r.n, 0);
  const primary = schools.filter((s) => s.route === 'primary').length;
  return {
    hub,
    seed,
    schools: { total: schools.length, primary, secondary: schools.length - primary },
    years,
    phases,
    money,
    moneyTotalPence: money.reduce((n, m) => n + m.pence, 0),
    messages: {
      reminders: sum((t) => REMINDER_TEMPLATES.has(t)),
      escalations: sum((t) => ESCALATION_TEMPLATES.has(t)),
      confirmations: sum((t) => !REMINDER_TEMPLATES.has(t) && !ESCALATION_TEMPLATES.has(t)),
      total: sum(() => true),
      skipped,
      byTemplate,
    },
    mail: engine.mailer.describe(),
    events: { total, byHub: total - byTimer, byTimer },
    run,
  };
}
