/**
 * The fast fold (machines/fast.ts) against XState's public `transition()`:
 * on 10,000 random event sequences (fast-check) every step gives the same
 * acceptance, the same next state (as getPersistedSnapshot writes it) and
 * the same effects; decide() and fold() use only public XState exports; and
 * a chart the fast fold cannot follow is refused at load. The model walk
 * (machines-model.test.ts) checks the same equality on every reachable edge.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Programme } from '../domain/catalogue/schema.js';
import { schoolDaysForYear } from '../domain/calendar/school-days.js';
import { EventRejectedError } from '../domain/errors.js';
import type { PathwayContext } from '../machines/context.js';
import { acceptedEventTypes, fold, initialState, type PersistedPathway } from '../machines/decide.js';
import { fastTransition } from '../machines/fast.js';
import { PathwayEvent } from '../machines/events.js';
import { pathwayMachine } from '../machines/pathway.js';
import { EFFECT_ACTION_TYPES } from '../machines/setup.js';
import { canonicalJson } from '../store/hash.js';
import {
  allSignatures,
  london,
  primaryDev,
  primaryEmb,
  primaryReadiness,
  primaryReadiness2021,
  primarySchool,
  primarySus,
  primaryTrg,
  replacementTeacher,
  secondaryDev,
  secondaryDev2021,
  secondaryEmb,
  secondarySchool,
  secondarySus,
  twoTeachers,
  variant,
} from './fixtures/programmes.js';

const RUNS = Number(process.env.FAST_FOLD_RUNS ?? 10_000);

/** Two required meetings/workshops, so random sequences reach evaluation and completion. */
const small = (p: Programme) => variant(p, { id: p.id, sessions: p.sessions.map((r) => (r.kind === 'meeting' || r.kind === 'workshop' ? { ...r, min: 2 } : r)) });
const primary = [primaryTrg, primaryReadiness, primaryReadiness2021, primaryDev, primaryEmb, primarySus].map(small);
const secondary = [secondaryDev, secondaryDev2021, secondaryEmb, secondarySus].map(small);

const y0 = (p: Programme) => Number(p.academicYear.slice(0, 4));
const ev = (e: unknown) => PathwayEvent.parse(e);

/** Events that depend only on the route: applications, cohort transitions, resumptions (parsed once). */
const routeEvents = new Map<string, PathwayEvent[]>();
function eventsOfRoute(route: 'primary' | 'secondary'): PathwayEvent[] {
  let out = routeEvents.get(route);
  if (!out) {
    const school = route === 'primary' ? primarySchool : secondarySchool;
    out = (route === 'primary' ? primary : secondary).flatMap((p) => [
      ev({ type: 'APPLY', at: london(`${y0(p)}-06-01`), programme: p, school, teachers: twoTeachers }),
      ev({ type: 'ADVANCED', at: london(`${y0(p)}-09-01`), programme: p }),
      ev({ type: 'RESUMED', at: london(`${y0(p)}-09-01`), programme: p }),
    ]);
    routeEvents.set(route, out);
  }
  return out;
}

/** Events that depend only on the programme (parsed once). */
const programmeEvents = new Map<string, PathwayEvent[]>();
function eventsOfProgramme(p: Programme): PathwayEvent[] {
  let out = programmeEvents.get(p.id);
  if (out) return out;
  const y = y0(p);
  const day = (m: number, d: number, t = '10:00') => london(`${m >= 9 ? y : y + 1}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`, t);
  const kind = p.sessions.find((r) => r.kind === 'workshop') ? 'workshop' : 'meeting';
  const sessions = [11, 1, 3].map((m, i) => ({ id: `s${i + 1}`, kind, at: day(m, 12, '09:30'), place: 'hub' }));
  out = [
    { type: 'ELIGIBILITY_ASSESSED', at: day(6, 20), eligible: true, criteria: p.eligibility ? [p.eligibility.criteria[0]!.id] : [] },
    { type: 'ELIGIBILITY_ASSESSED', at: day(6, 20), eligible: true, criteria: [] },
    { type: 'ELIGIBILITY_ASSESSED', at: day(6, 20), eligible: false },
    // Selected in the summer before the year (its sessions its own), or late, in January, after the first was held.
    { type: 'SELECTED', at: london(`${y}-06-25`), groupId: `wg-${p.id}`, groupSize: 2 },
    { type: 'SELECTED', at: london(`${y}-06-25`), groupId: `wg-${p.id}`, groupSize: 99 },
    { type: 'SELECTED', at: day(1, 20), groupId: `wg-${p.id}`, groupSize: 2 },
    { type: 'WAITLISTED', at: day(6, 26), reason: 'full' },
    { type: 'DECLINED', at: day(6, 27), reason: 'full', alternative: 'Sustaining' },
    { type: 'COMMITMENT_SIGNED', at: day(9, 2), signatories: allSignatures(p) },
    { type: 'COMMITMENT_SIGNED', at: day(9, 2), signatories: allSignatures(p).slice(1) },
    { type: 'SCHEDULE_SET', at: day(9, 5), sessions },
    // The group's dates given to a school selected late (those held by then are not its own).
    { type: 'SCHEDULE_SET', at: day(1, 20), sessions, joinedLate: true },
    { type: 'SCHEDULE_SET', at: day(9, 5), sessions: sessions.slice(0, 1) },
    // With the school's open days recorded: the 14-day reminder of 12 January moves out of the Christmas holiday.
    { type: 'SCHEDULE_SET', at: day(9, 5), sessions, schoolDays: schoolDaysForYear(p.academicYear) },
    { type: 'SCHEDULE_SET', at: day(9, 6), sessions: [{ id: 'v1', kind: 'visit', at: day(2, 4, '13:30'), place: 'school' }] },
    { type: 'GAP_TASK_COMPLETED', at: day(2, 1), task: 'bar models' },
    { type: 'RELEASE_DAYS_RECORDED', at: day(2, 2), days: 1 },
    { type: 'EVALUATION_SUBMITTED', at: day(7, 20), summary: 'done' },
    { type: 'WITHDRAWN', at: day(10, 4), reason: 'left' },
    { type: 'DEFERRED', at: day(10, 3), reason: 'new head', untilYear: `${y + 1}/${String((y + 2) % 100).padStart(2, '0')}` },
    { type: 'DEFERRED', at: day(10, 3), reason: 'new head', untilYear: p.academicYear },
    { type: 'TEACHER_REPLACED', at: day(10, 5), slot: 2, teacher: replacementTeacher },
    { type: 'YEAR_ENDED', at: day(8, 31, '23:59'), academicYear: p.academicYear },
    { type: 'EVALUATION_REMINDER_DUE', at: day(8, 17), daysBefore: 14 },
  ].map(ev);
  programmeEvents.set(p.id, out);
  return out;
}

/** Events about one session of the schedule (built whole, as zod would leave them). */
const sessionEvents = new Map<string, PathwayEvent[]>();
function eventsOfSession(p: Programme, s: { id: string; at: string }): PathwayEvent[] {
  const key = `${p.id}|${s.id}|${s.at}`;
  let out = sessionEvents.get(key);
  if (!out) {
    const y = y0(p);
    const after = london(s.at.slice(0, 10), '16:00');
    out = [
      { type: 'ATTENDANCE_RECORDED', at: after, sessionId: s.id, teachersPresent: 2, headteacherPresent: true },
      { type: 'ATTENDANCE_RECORDED', at: after, sessionId: s.id, teachersPresent: 0, headteacherPresent: false },
      { type: 'ATTENDANCE_RECORDED', at: after, sessionId: s.id, teachersPresent: 1, headteacherPresent: false },
      { type: 'SESSION_MOVED', at: london(`${y}-09-20`), sessionId: s.id, to: london(`${y + 1}-06-17`, '09:30') },
      { type: 'SESSION_CANCELLED', at: london(`${y}-09-21`), sessionId: s.id, reason: 'ill' },
      { type: 'SESSION_CHECK_DUE', at: london(s.at.slice(0, 10), '18:00'), sessionId: s.id },
    ];
    sessionEvents.set(key, out);
  }
  return out;
}

/** Events a hub (or a timer) could send now: right and wrong ones, from the state's programme and pending timers. */
function candidates(c: PathwayContext, step: number): PathwayEvent[] {
  const route = c.school?.route ?? (step % 2 === 0 ? 'primary' : 'secondary');
  const out = [...eventsOfRoute(route)];
  const p = c.programme;
  if (p) {
    out.push(...eventsOfProgramme(p));
    for (const s of c.sessions) out.push(...eventsOfSession(p, s));
  }
  for (const t of Object.values(c.timers)) out.push(t.event);
  return out;
}

/** Events every state (or nearly) takes, which end or pause a year rather than move it on. */
const WAYS_OUT = new Set(['WITHDRAWN', 'DEFERRED', 'DECLINED', 'TEACHER_REPLACED', 'YEAR_ENDED', 'EVALUATION_REMINDER_DUE', 'WAITLISTED']);

const YEAR_START = ['APPLY', 'ELIGIBILITY_ASSESSED', 'SELECTED', 'COMMITMENT_SIGNED', 'SCHEDULE_SET', 'ATTENDANCE_RECORDED', 'ATTENDANCE_RECORDED'];

/** Does a state have a transition for this event type (guards not checked)? Memoised by state value. */
const typesByState = new Map<string, Set<string>>();
function takesType(value: unknown, type: string): boolean {
  const key = JSON.stringify(value);
  let types = typesByState.get(key);
  if (!types) typesByState.set(key, (types = new Set(acceptedEventTypes({ value } as PersistedPathway))));
  return types.has(type);
}

function effectsOf(actions: { type: string; params?: unknown }[]): unknown[] {
  return actions.filter((a) => EFFECT_ACTION_TYPES.has(a.type)).map((a) => a.params);
}

/** Cheap assertions for the hot loop (vitest's expect costs too much at a hundred thousand steps). */
function check(ok: boolean, message: () => string): void {
  if (!ok) throw new Error(message());
}
function same(actual: unknown, expected: unknown, message: () => string): void {
  const a = canonicalJson(actual);
  const e = canonicalJson(expected);
  if (a !== e) throw new Error(`${message()}\n  expected ${e.slice(0, 2000)}\n  got      ${a.slice(0, 2000)}`);
}

const persist = (s: AnyMachineSnapshot) => pathwayMachine.getPersistedSnapshot(s as never) as unknown as { value: unknown; context: PathwayContext };

describe('the fast fold equals XState transition()', () => {
  it(`on ${RUNS.toLocaleString('en-GB')} random event sequences: acceptance, next state and effects, step by step`, () => {
    let steps = 0;
    let accepted = 0;
    const taken = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (choices) => {
        let [snap] = initialTransition(pathwayMachine, { urn: '100009' });
        let persisted = persist(snap);
        // The events taken, and the state after each: the whole sequence is folded again at the end.
        const takenEvents: PathwayEvent[] = [];
        const states: PersistedPathway[] = [persisted as PersistedPathway];
        choices.forEach((n, i) => {
          const all = candidates(snap.context as PathwayContext, i);
          // Half the steps pick among the events that move a school on through its year (those the state
          // has a transition for, guards unchecked, leaving aside the ways out that every state takes), so
          // sequences reach the running year: schedules, reminders, attendance, funding, evaluation. One in
          // four picks among every event the state has a transition for; one in four from every candidate.
          // Half the sequences begin with a year's start (applied, eligible, selected, signed, scheduled, two
          // sessions recorded) in
          // whichever way the state takes, and go on at random from there.
          const starting = choices[0]! % 2 === 0 && i < YEAR_START.length ? all.filter((c) => c.type === YEAR_START[i] && snap.can(c)) : [];
          const mode = i % 4;
          const open = starting.length > 0 ? starting : mode === 3 ? all : all.filter((c) => takesType(persisted.value, c.type) && (mode === 2 || !WAYS_OUT.has(c.type)));
          const options = open.length > 0 ? open : all;
          const e = options[n % options.length]!;
          const fast = fastTransition(persisted.value, persisted.context, e);
          const where = () => `${e.type} ${JSON.stringify(e).slice(0, 120)} from ${JSON.stringify(snap.value)}`;
          steps++;
          if (!snap.can(e)) {
            check(fast === null, () => `XState refuses, the fast fold takes ${where()}`);
            let threw = false;
            try {
              fold('100009', [e], persisted as never);
            } catch (err) {
              threw = err instanceof EventRejectedError;
            }
            check(threw, () => `fold() does not refuse ${where()}`);
            return;
          }
          accepted++;
          taken.set(e.type, (taken.get(e.type) ?? 0) + 1);
          const [next, actions] = transition(pathwayMachine, snap, e);
          check(fast !== null, () => `XState takes, the fast fold refuses ${where()}`);
          same(fast!.effects, effectsOf(actions as never), () => `effects of ${where()}`);
          const before = persisted;
          snap = next;
          persisted = persist(snap);
          same({ value: fast!.value, context: fast!.context }, { value: persisted.value, context: persisted.context }, () => `next state of ${where()}`);
          // decide()'s fold, whose steps run quiet (no effects built), writes the snapshot exactly as getPersistedSnapshot() does.
          same(fold('100009', [e], before as never), persisted, () => `fold() snapshot of ${where()}`);
          takenEvents.push(e);
          states.push(persisted as PersistedPathway);
        });
        // A fold of many events fills its own copy of the context in place: it ends where XState does, from
        // the start or from a state part-way, and leaves the state it started from as it was.
        same(fold('100009', takenEvents), persisted, () => `fold() of the ${takenEvents.length} events taken`);
        const mid = Math.floor(takenEvents.length / 2);
        const from = states[mid]!;
        const fromBefore = canonicalJson(from);
        same(fold('100009', takenEvents.slice(mid), from as never), persisted, () => `fold() of the last ${takenEvents.length - mid} events taken`);
        check(canonicalJson(from) === fromBefore, () => `fold() changed the state it started from (event ${mid} of ${takenEvents.length})`);
      }),
      { numRuns: RUNS, seed: 20261130 },
    );
    // The sequences go somewhere: a good share of the steps are taken, not refused,
    // and every event of a year in a work group is taken, each in at least one sequence in 500.
    expect(accepted).toBeGreaterThan(steps / 6);
    const year = ['APPLY', 'ELIGIBILITY_ASSESSED', 'SELECTED', 'COMMITMENT_SIGNED', 'SCHEDULE_SET', 'REMINDER_DUE', 'ATTENDANCE_RECORDED', 'SESSION_CHECK_DUE', 'SESSION_MOVED', 'SESSION_CANCELLED', 'EVALUATION_SUBMITTED', 'YEAR_ENDED'];
    const rarelyTaken = year.filter((t) => (taken.get(t) ?? 0) < RUNS / 500);
    expect(rarelyTaken, JSON.stringify(Object.fromEntries(taken))).toEqual([]);
  }, 600_000);
});

describe('the initial state, made once and copied per school', () => {
  it("equals XState's initial state for each urn, and one school's state cannot change another's", () => {
    for (const urn of ['100009', '999999', '']) {
      same(initialState(urn), persist(initialTransition(pathwayMachine, { urn })[0]), () => `initial state of ${urn}`);
    }
    const a = initialState('100001');
    expect(() => (a.context.sessions as unknown[]).push({})).toThrow(TypeError);
    expect(initialState('100002').context.sessions).toEqual([]);
  });
});

describe('no private XState API', () => {
  it('machines/ imports only public xstate exports (no __unsafe_ names, no hand-made actor scope)', () => {
    for (const f of ['decide.ts', 'fast.ts', 'setup.ts', 'pathway.ts', 'v1/decide.ts', 'v1/setup.ts']) {
      const text = readFileSync(new URL(`../machines/${f}`, import.meta.url), 'utf8');
      expect(text, f).not.toMatch(/__unsafe|_sendInspectionEvent|actionExecutor|createActor|\.transition\(/);
    }
  });
});
