/**
 * Model-based tests of the pure core: `xstate/graph` walks the pathway machine
 * (primary and secondary routes) and the five phase machines with sample
 * events built from the fixtures, so that every state node and every
 * transition of each chart is reached, and at every state reached the
 * programme's invariants hold (funding, attendance, completion, timers,
 * summaries).
 *
 * The context grows without bound (sessions, pending timers, past phases), so
 * the walk serialises a state to its value plus the bounded facts the rules
 * depend on. Each shortest path the model finds is then replayed through the
 * system under test (machines/decide.ts for the pathway, XState's pure
 * `transition()` for a standalone phase machine), and the replayed state must
 * match the model's state and satisfy the invariants with its whole history
 * of effects.
 */
import { describe, expect, it } from 'vitest';
import {
  createActor,
  getStateNodes as activeStateNodes,
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
} from 'xstate';
import { createTestModel, getStateNodes, type AdjacencyMap, type AdjacencyValue } from 'xstate/graph';
import { PhaseKind, type Programme } from '../domain/catalogue/schema.js';
import type { PathwayContext } from '../machines/context.js';
import { backdated } from '../machines/backdating.js';
import { fastTransition } from '../machines/fast.js';
import { decide, initialState, type PersistedPathway } from '../machines/decide.js';
import type { Effect, ReleaseFunding } from '../machines/effects.js';
import { PathwayEvent, type PathwayEventType } from '../machines/events.js';
import { pathwayMachine } from '../machines/pathway.js';
import { phaseMachines, type PhaseInput } from '../machines/phase-machines.js';
import { APPLICATION_PHASES, ROUTES, programmeMinimum, requiredSessions, sessionsHeld } from '../machines/rules.js';
import { EFFECT_ACTION_TYPES } from '../machines/setup.js';
import { timerKeyOf } from '../machines/steps.js';
import { summarize } from '../machines/summary.js';
import {
  allSignatures,
  london,
  primaryDev,
  primaryEmb,
  primaryReadiness,
  primarySchool,
  primarySus,
  primarySus2,
  primaryTrg,
  replacementTeacher,
  secondaryDev,
  secondaryEmb,
  secondarySchool,
  secondarySus,
  secondarySus2,
  twoTeachers,
  variant,
} from './fixtures/programmes.js';

type Ctx = PathwayContext;
/** What a state is, for the invariants: a machine snapshot or a persisted one from decide(). */
interface StateLike {
  value: unknown;
  context: Ctx;
}

const RESTING: ReadonlySet<string> = new Set(['completed', 'declined', 'withdrawn', 'deferred']);
const ACTIVE_LEAVES: ReadonlySet<string> = new Set(['running', 'evaluating', 'overdue']);
const PHASE_KINDS = PhaseKind.options;
/** Phases a school takes part in only once (the fixtures' takeOnce programmes). */
const TAKE_ONCE: ReadonlySet<string> = new Set(['development']);
const ALL_EVENT_TYPES = PathwayEvent.options.map((o) => o.shape.type.value) as PathwayEventType[];

// ---------------------------------------------------------------------------
// Charts as data: every state node and every transition of a machine
// ---------------------------------------------------------------------------

/** All state nodes of a machine, the root included, computed from its definition. */
function allStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  return [machine.root, ...getStateNodes(machine.root)];
}

function transitionId(t: AnyTransitionDefinition): string {
  const source = t.source;
  if (t.eventType === '') return `${source.id} always#${(source.always ?? []).indexOf(t)}`;
  return `${source.id} ${t.eventType}#${(source.transitions.get(t.eventType) ?? []).indexOf(t)}`;
}

/** Every transition leaving one state node (event and eventless), each named by its source, event and position. */
function allTransitionIds(node: AnyStateNode): string[] {
  const ids: string[] = [];
  for (const [eventType, list] of node.transitions) list.forEach((_, i) => ids.push(`${node.id} ${eventType}#${i}`));
  (node.always ?? []).forEach((_, i) => ids.push(`${node.id} always#${i}`));
  return ids;
}

/**
 * One transition of a machine with what XState took to get there: the next
 * snapshot, the actions to execute (as xstate's `transition()` returns them)
 * and the transition definitions of every microstep, eventless ones included,
 * read from XState's own microstep inspection. One actor scope serves the
 * whole walk: `transition()` builds a new actor per call, which the walk
 * cannot afford tens of thousands of times.
 */
function transitionProbe(machine: AnyStateMachine, input: unknown) {
  let actions: { type: string; params?: unknown }[] = [];
  let taken: AnyTransitionDefinition[] = [];
  const self = createActor(machine, { input });
  const system = Object.create(self.system);
  system._sendInspectionEvent = (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => {
    if (ev.type === '@xstate.microstep') taken.push(...(ev._transitions ?? []));
  };
  const scope = { self, system, id: '', sessionId: '', logger: () => {}, defer: () => {}, stopChild: () => {}, emit: () => {}, actionExecutor: (a: { type: string; params?: unknown }) => void actions.push(a) };
  return (snapshot: AnyMachineSnapshot, event: PathwayEvent) => {
    actions = [];
    taken = [];
    const next = machine.transition(snapshot, event, scope as any) as AnyMachineSnapshot;
    return { next, actions, taken: taken.map(transitionId) };
  };
}

/** The effects a transition emits, in order, exactly as decide() extracts them. */
function effectsOf(actions: { type: string; params?: unknown }[]): Effect[] {
  return actions.filter((a) => EFFECT_ACTION_TYPES.has(a.type)).map((a) => a.params as Effect);
}

// ---------------------------------------------------------------------------
// Sample events built from the fixtures, for the state at hand
// ---------------------------------------------------------------------------

function startYear(p: Programme): number {
  return Number(p.academicYear.slice(0, 4));
}

function nextAcademicYear(p: Programme): string {
  const y = startYear(p) + 1;
  return `${y}/${String((y + 1) % 100).padStart(2, '0')}`;
}

/** The schedule the model sets for a programme: its required meetings/workshops monthly from November, then one visit. */
function scheduleFor(p: Programme) {
  const rule = p.sessions.find((r) => r.kind === 'meeting' || r.kind === 'workshop');
  const kind = rule?.kind ?? 'meeting';
  const y0 = startYear(p);
  const n = programmeMinimum(p);
  const months = [11, 12, 1, 2, 3, 4, 5, 6];
  const sessions = Array.from({ length: n + 1 }, (_, i) => {
    const m = months[i]!;
    const year = m >= 9 ? y0 : y0 + 1;
    return {
      id: `s${i + 1}`,
      kind: i < n ? kind : ('visit' as const),
      at: london(`${year}-${String(m).padStart(2, '0')}-10`, '09:30'),
      place: 'the specialist school',
    };
  });
  return sessions;
}

const staticEvents = new Map<string, PathwayEvent[]>();

/** Programmes the walk enters but does not walk through: resumed phases and repeated applications. */
function isShallow(p: Programme): boolean {
  return p.id.endsWith('-resumed') || p.id.endsWith('-again');
}

/** The events a hub could send to a school in this state, valid and invalid, built from its programme. */
function phaseEvents(c: Ctx): PathwayEvent[] {
  const p = c.programme;
  if (!p) return [];
  let fixed = staticEvents.get(p.id);
  if (!fixed) staticEvents.set(p.id, (fixed = programmeEvents(p)));
  // A resumed phase, or a second Development, is the same chart again: the walk enters it and stops there.
  if (isShallow(p)) return fixed.filter((e) => e.type === 'WITHDRAWN');
  return [...fixed, ...attendanceEvents(c, startYear(p))];
}

/** The events that depend only on the programme (parsed once: zod fills the defaults). */
function programmeEvents(p: Programme): PathwayEvent[] {
  const y0 = startYear(p);
  const ev = (e: unknown) => PathwayEvent.parse(e);
  const out: PathwayEvent[] = [];
  const summer = london(`${y0}-06-15`);
  const criteria = p.eligibility?.criteria.map((k) => k.id) ?? [];
  out.push(ev({ type: 'ELIGIBILITY_ASSESSED', at: summer, eligible: true, criteria: criteria.slice(0, 1) }));
  if (p.eligibility) out.push(ev({ type: 'ELIGIBILITY_ASSESSED', at: summer, eligible: true, criteria: [] }));
  out.push(ev({ type: 'ELIGIBILITY_ASSESSED', at: summer, eligible: false, note: 'outside the hub area' }));
  out.push(ev({ type: 'DECLINED', at: summer, reason: 'the work group is full', alternative: 'a Sustaining work group' }));
  out.push(ev({ type: 'WAITLISTED', at: summer, reason: 'waiting for a second school nearby' }));
  const max = p.group.maxSchools;
  out.push(ev({ type: 'SELECTED', at: summer, groupId: `wg-${p.id}`, groupSize: max ?? 4 }));
  if (max != null) out.push(ev({ type: 'SELECTED', at: summer, groupId: `wg-${p.id}`, groupSize: max + 1 }));
  const all = allSignatures(p);
  out.push(ev({ type: 'COMMITMENT_SIGNED', at: london(`${y0}-09-02`), signatories: all }));
  if (all.length > 1) out.push(ev({ type: 'COMMITMENT_SIGNED', at: london(`${y0}-09-02`), signatories: all.slice(0, -1) }));

  const schedule = scheduleFor(p);
  const visit = schedule[schedule.length - 1]!;
  out.push(ev({ type: 'SCHEDULE_SET', at: london(`${y0}-09-05`), sessions: schedule }));
  out.push(ev({ type: 'SESSION_MOVED', at: london(`${y0}-09-20`), sessionId: visit.id, to: london(`${y0 + 1}-06-17`, '09:30') }));
  out.push(ev({ type: 'SESSION_MOVED', at: london(`${y0}-09-20`), sessionId: visit.id, to: london(`${y0}-09-01`, '09:30') }));
  out.push(ev({ type: 'SESSION_CANCELLED', at: london(`${y0}-09-20`), reason: 'the specialist is ill', sessionId: visit.id }));
  const spring = london(`${y0 + 1}-03-01`);
  out.push(ev({ type: 'GAP_TASK_COMPLETED', at: spring, task: 'bar models in Year 3' }));
  out.push(ev({ type: 'RELEASE_DAYS_RECORDED', at: spring, days: 1 }));
  out.push(ev({ type: 'EVALUATION_SUBMITTED', at: london(`${y0 + 1}-07-20`), summary: 'end-of-year evaluation' }));
  // After the deferral below (10-03), so that a deferred school may withdraw too.
  out.push(ev({ type: 'WITHDRAWN', at: london(`${y0}-10-04`), reason: 'the maths lead left' }));
  out.push(ev({ type: 'TEACHER_REPLACED', at: london(`${y0}-10-02`), slot: 2, teacher: replacementTeacher }));
  if (!isShallow(p)) {
    out.push(ev({ type: 'DEFERRED', at: london(`${y0}-10-03`), reason: 'a new headteacher', untilYear: nextAcademicYear(p) }));
    out.push(ev({ type: 'DEFERRED', at: london(`${y0}-10-03`), reason: 'a new headteacher', untilYear: p.academicYear }));
    const resumed = variant(p, { id: `${p.id}-resumed`, academicYear: nextAcademicYear(p) });
    out.push(ev({ type: 'RESUMED', at: london(`${y0 + 1}-09-01`), programme: resumed }));
    const wrong = variant(p, { id: `${p.id}-other`, phase: p.phase === 'sustaining' ? 'embedding' : 'sustaining', academicYear: nextAcademicYear(p) });
    out.push(ev({ type: 'RESUMED', at: london(`${y0 + 1}-09-01`), programme: wrong }));
  }
  return out;
}

/** Attendance, recorded in date order: the next scheduled session (present, absent, or too early); a missed one again. */
function attendanceEvents(c: Ctx, y0: number): PathwayEvent[] {
  const out: PathwayEvent[] = [];
  const attend = (at: string, sessionId: string, teachersPresent: number, headteacherPresent = false): PathwayEvent =>
    ({ type: 'ATTENDANCE_RECORDED', at, sessionId, teachersPresent, headteacherPresent });
  const next = c.sessions.find((s) => s.status === 'scheduled');
  if (next) {
    const after = afternoonOf(next.at);
    out.push(attend(after, next.id, 2, true), attend(after, next.id, 1, false), attend(after, next.id, 0, false));
    out.push(attend(london(`${y0}-09-03`), next.id, 2));
  }
  // A missed session may be recorded again: corrected to held, or confirmed missed.
  const missed = c.sessions.filter((s) => s.status === 'missed').at(-1);
  if (missed) {
    const later = afternoonOf(missed.at, '18:00');
    out.push(attend(later, missed.id, 2), attend(later, missed.id, 0));
  }
  return out;
}

const afternoons = new Map<string, string>();
function afternoonOf(instant: string, time = '16:00'): string {
  const k = `${instant}|${time}`;
  let v = afternoons.get(k);
  if (!v) afternoons.set(k, (v = london(instant.slice(0, 10), time)));
  return v;
}

/**
 * Timer firings: each pending timer, as the host would send it; and in a
 * resting state, late firings of timers the phase had (a timer that fired
 * while it was being cancelled). A missed or held session's attendance check
 * may also arrive late.
 */
function timerEvents(s: StateLike, machine: AnyStateMachine): PathwayEvent[] {
  const c = s.context;
  const out = Object.values(c.timers).map((t) => t.event);
  const p = c.programme;
  if (!p) return out;
  const leaf = leafOf(s, machine);
  const y0 = startYear(p);
  if (RESTING.has(leaf)) {
    out.push({ type: 'REMINDER_DUE', at: london(`${y0}-10-27`), sessionId: 's1', daysBefore: 14 });
    out.push({ type: 'SESSION_CHECK_DUE', at: london(`${y0}-11-11`), sessionId: 's1' });
    out.push({ type: 'EVALUATION_REMINDER_DUE', at: london(`${y0 + 1}-08-17`), daysBefore: 14 });
    out.push({ type: 'YEAR_ENDED', at: london(`${y0 + 1}-08-31`, '23:59'), academicYear: p.academicYear });
  } else if (ACTIVE_LEAVES.has(leaf)) {
    for (const x of c.sessions.filter((x) => x.status === 'held' || x.status === 'missed').slice(-1)) {
      out.push({ type: 'SESSION_CHECK_DUE', at: london(x.at.slice(0, 10)), sessionId: x.id });
    }
  }
  return out;
}

/** The name of the state's atomic node: "applied", "running", "completed", "prospective". */
function leafOf(s: StateLike, machine: AnyStateMachine): string {
  const leaf = activeStateNodes(machine.root, s.value as any).find((n) => n.type === 'atomic');
  return leaf?.key ?? 'unknown';
}

/**
 * The model's view of a state: its value and the bounded facts the rules read.
 * Pending timers are left out on purpose: the firing of each is explored from
 * every state, and the timer invariants are checked on every real next state
 * and on every replayed path instead. A resting state keeps only what the
 * moves out of it read (programme, completed phases). Of the escalations, only
 * those that change what happens next are kept (the headteacher's is raised
 * once; an unrecorded session's once); a missed session shows in its status.
 */
function abstractKey(s: StateLike, machine: AnyStateMachine): string {
  const c = s.context;
  // Of the phases completed, only those taken once change what a school may do next.
  const done = [...new Set(c.past.filter((r) => r.outcome === 'completed' && TAKE_ONCE.has(r.phase)).map((r) => r.phase))].sort();
  const leaf = leafOf(s, machine);
  // The leader, plan and judgement (1.2.0), where present: [leader, plan reviews, judgement].
  const people = hasPeople(c) ? { people: [c.leader?.id ?? null, c.actionPlan ? c.actionPlan.reviews.length : null, c.masteryReady?.ready ?? null] } : {};
  // A deferred school resumes where it left: that state is part of what it is.
  if (RESTING.has(leaf)) return JSON.stringify({ v: s.value, programme: c.programme?.id, done, from: c.deferredFrom ?? null, ...people });
  return JSON.stringify({
    v: s.value,
    programme: c.programme?.id ?? null,
    sessions: c.sessions.map((x) => `${x.id}:${x.status}:${x.at}`),
    signed: c.signatories.length > 0,
    funded: c.fundingPaidPence > 0,
    evaluationRequested: c.evaluationRequested,
    escalations: [...new Set(c.escalations.map((k) => k.split(':')[0]).filter((k) => k === 'headteacher-first-workshop' || k === 'unrecorded'))].sort(),
    done,
    ...people,
  });
}

// ---------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------

/** A cheap assertion for the hot loops (vitest's expect costs too much at tens of thousands of states). */
function check(ok: boolean, message: () => string): void {
  if (!ok) throw new Error(message());
}

function same(actual: unknown, expected: unknown, message: () => string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message()}\n  expected ${e}\n  got      ${a}`);
}

/** Timers pending at the host: set/cancel effects applied in order; a fired timer is no longer pending. */
function pendingAfter(pending: ReadonlySet<string>, event: PathwayEvent, effects: Effect[]): Set<string> {
  const next = new Set(pending);
  const fired = timerKeyOf(event);
  if (fired) next.delete(fired);
  for (const e of effects) {
    if (e.type === 'timer.set') next.add(e.key);
    if (e.type === 'timer.cancel') next.delete(e.key);
  }
  return next;
}

/** One step of a history: the state before, the event, the effects, the state after. */
interface HistoryStep {
  before: StateLike;
  event: PathwayEvent;
  effects: Effect[];
  after: StateLike;
}

/** Invariants of one step, whatever came before it. */
function checkStep(step: HistoryStep, machine: AnyStateMachine): void {
  const { before, event, effects, after } = step;
  const where = () => `${event.type} ${JSON.stringify(event).slice(0, 160)} from ${JSON.stringify(before.value)}`;
  if (event.type === 'ATTENDANCE_RECORDED' && before.context.sessions !== after.context.sessions) {
    check(ACTIVE_LEAVES.has(leafOf(before, machine)), () => `attendance accepted before commitment: ${where()}`);
    check(before.context.signatories.length > 0, () => `attendance accepted without signatures: ${where()}`);
  }
  for (const f of effects) {
    if (f.type !== 'funding.release') continue;
    check(event.type === 'ATTENDANCE_RECORDED', () => `grant released by something other than attendance: ${where()}`);
    check(before.context.fundingPaidPence === 0, () => `grant paid twice in a phase: ${where()}`);
    check(before.context.signatories.length > 0, () => `grant released before commitment: ${where()}`);
    check(sessionsHeld(after.context) >= 1, () => `grant released before the first meeting was held: ${where()}`);
    check(f.amountPence === after.context.programme?.funding?.amountPence, () => `grant of the wrong amount: ${where()}`);
  }
  if (before.value === after.value && before.context === after.context) {
    same(effects, [], () => `a refused event had effects: ${where()}`);
  }
  // Timers: what the host holds after this step equals what the machine remembers.
  const hostAfter = pendingAfter(new Set(Object.keys(before.context.timers)), event, effects);
  same([...hostAfter].sort(), Object.keys(after.context.timers).sort(), () => `pending timers after ${where()}`);
  for (const e of effects) {
    if (e.type === 'timer.set') same(after.context.timers[e.key]?.at, e.at, () => `timer ${e.key} remembered at its instant: ${where()}`);
    if (e.type === 'notify') check(e.recipients.every((r) => e.to.includes(r.role)), () => `notify ${e.key} resolves only its roles`);
  }
}

/** Invariants of a state on its own. */
function checkState(s: StateLike, machine: AnyStateMachine): void {
  const c = s.context;
  const leaf = leafOf(s, machine);
  const where = () => `${JSON.stringify(s.value)} (${c.programme?.id ?? 'no programme'})`;
  check(new Set(c.escalations).size === c.escalations.length, () => `an escalation raised twice in ${where()}: ${c.escalations.join(', ')}`);
  if (c.fundingPaidPence > 0) {
    check(c.fundingPaidPence === c.programme?.funding?.amountPence, () => `grant of the wrong amount in ${where()}`);
    check(c.signatories.length > 0 && sessionsHeld(c) >= 1, () => `grant paid before commitment and a first meeting in ${where()}`);
  }
  if (['applied', 'eligible', 'waitlisted', 'selected'].includes(leaf)) {
    check(!c.sessions.some((x) => x.status === 'held' || x.status === 'missed'), () => `attendance recorded before commitment in ${where()}`);
    check(c.fundingPaidPence === 0, () => `grant paid before commitment in ${where()}`);
  }
  if (RESTING.has(leaf)) {
    same(c.timers, {}, () => `timers still pending in ${where()}`);
    const last = c.past.at(-1);
    same([last?.programmeId, last?.outcome], [c.programme?.id, leaf], () => `${where()} is the last of the past phases`);
  }
  if (leaf === 'completed') {
    check(c.evaluationSubmittedAt !== null, () => `${where()} without an evaluation`);
    check(sessionsHeld(c) >= requiredSessions(c), () => `${where()} with ${sessionsHeld(c)} of ${requiredSessions(c)} meetings`);
  }
  if (leaf === 'evaluating') check(c.evaluationRequested, () => `${where()} without an evaluation request`);
  if (leaf === 'deferred') check(c.deferredUntil !== null && c.deferredUntil > c.programme!.academicYear, () => `${where()} deferred to ${c.deferredUntil}`);
  if (leaf === 'overdue') check(c.escalations.includes('evaluation-overdue'), () => `${where()} without its escalation`);
  if (machine === pathwayMachine) {
    const phaseNode = activeStateNodes(machine.root, s.value as any).find((n) => n.parent === machine.root)!;
    const expected = phaseNode.key === 'prospective'
      ? { phase: 'none', status: 'prospective' }
      : { phase: phaseNode.key, status: leaf === 'running' ? 'active' : leaf };
    const summary = summarize(s.value, c);
    same({ phase: summary.phase, status: summary.status }, expected, () => `summary of ${where()}`);
    if (phaseNode.key !== 'prospective') same(c.programme?.phase, phaseNode.key, () => `programme of ${where()}`);
    check(summary.fundingPaidPence === c.fundingPaidPence, () => `summary funding of ${where()}`);
    check(summary.masteryReady === c.past.some((r) => r.phase === 'readiness' && r.outcome === 'completed'), () => `masteryReady of ${where()}`);
    // Attendance never recorded makes a school overdue while it is in its group; once it has withdrawn or deferred, the hub no longer chases it.
    const chased = leaf !== 'withdrawn' && leaf !== 'deferred' && c.sessions.some((x) => x.status === 'scheduled' && c.escalations.includes(`unrecorded:${x.id}`));
    check(summary.overdue === (leaf === 'overdue' || chased), () => `overdue flag of ${where()}`);
  }
}

/** Invariants of a whole history (a replayed path). */
function checkHistory(history: HistoryStep[], machine: AnyStateMachine): void {
  const last = history.at(-1)?.after;
  if (!last) return;
  const effects = history.flatMap((h) => h.effects);
  const grants = effects.filter((e): e is ReleaseFunding => e.type === 'funding.release');
  const grantKeys = grants.map((g) => `${g.programmeId}@${g.academicYear}`);
  check(new Set(grantKeys).size === grantKeys.length, () => `a grant paid twice: ${grantKeys.join(', ')}`);
  const p = last.context.programme;
  const paidNow = grants.filter((g) => g.programmeId === p?.id && g.academicYear === p?.academicYear).reduce((n, g) => n + g.amountPence, 0);
  check(last.context.fundingPaidPence === paidNow, () => `context says ${last.context.fundingPaidPence}p paid this phase, effects say ${paidNow}p`);
  // Each escalation goes out once.
  const escalations = effects.filter((e) => e.type === 'notify' && e.kind === 'escalation');
  const keys = escalations.map((e) => e.key);
  check(new Set(keys).size === keys.length, () => `an escalation sent twice: ${keys.join(', ')}`);
  for (const e of escalations) check(e.type === 'notify' && e.to.includes('hubLead'), () => `escalation ${e.key} does not reach the hub lead`);
  // The host's pending timers, replayed from every set/cancel, equal the machine's own list.
  let pending = new Set<string>();
  for (const h of history) pending = pendingAfter(pending, h.event, h.effects);
  same([...pending].sort(), Object.keys(last.context.timers).sort(), () => `timers from effects vs context.timers after ${history.map((h) => h.event.type).join(' > ')}`);
}

// ---------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------

interface ModelSpec {
  name: string;
  machine: AnyStateMachine;
  input: unknown;
  /** Moves between phases the hub may send (APPLY, ADVANCED): pathway only. */
  moves: (c: Ctx) => PathwayEvent[];
  /** The system under test a path is replayed through. */
  sut: 'decide' | 'transition';
  /** Traversal limit: the walk fails rather than run away if the abstraction stops being finite. */
  limit: number;
}

interface WalkResult {
  vertices: number;
  edges: number;
  coveredNodes: Set<string>;
  coveredTransitions: Set<string>;
}

/** Whether a state carries any of the leader, action plan or Mastery Ready facts (pathway@1.2.0). */
function hasPeople(c: Ctx): boolean {
  return c.leader !== undefined || c.actionPlan !== undefined || c.masteryReady !== undefined;
}

/**
 * The leader, action plan and judgement events (valid and refused). From a
 * state that has none of those facts yet they branch off the year; a state
 * that has one is walked only through these events (a side branch: allocate,
 * make the plan, review it at the visits already held, judge), so that the
 * walk reaches every new transition from every state without multiplying the
 * year's states. The rules themselves are folded in machines-people.test.ts.
 */
function peopleEvents(c: Ctx): PathwayEvent[] {
  const p = c.programme;
  // A judged school ends its side branch: the judgement is the last thing of a Readiness year.
  if (!p || isShallow(p) || c.masteryReady) return [];
  const y0 = startYear(p);
  const at = london(`${y0}-09-03`);
  const role = p.phase === 'readiness' ? 'readinessLead' : 'specialist';
  const out: PathwayEvent[] = [];
  const ev = (e: unknown) => PathwayEvent.parse(e);
  const aims = { coherence: 'c', representationAndStructure: 'r', mathematicalThinking: 'm', fluency: 'f', variation: 'v' };
  const judge = (ready: boolean) => ev({ type: 'MASTERY_READY_JUDGED', at: london(`${y0 + 1}-07-25`), ready });
  const yearEnd = p.phase === 'readiness' && sessionsHeld(c) >= requiredSessions(c);
  if (c.actionPlan) {
    for (const v of c.sessions.filter((x) => x.kind === 'visit' && x.status === 'held' && !c.actionPlan!.reviews.some((r) => r.sessionId === x.id))) {
      out.push(ev({ type: 'ACTION_PLAN_REVIEWED', at: afternoonOf(v.at, '18:00'), sessionId: v.id, progress: { fluency: 'developing' } }));
    }
    if (yearEnd) out.push(judge(true));
    return out;
  }
  if (c.leader) return [ev({ type: 'ACTION_PLAN_CREATED', at, aims })];
  // From the year itself: judged without a plan (not ready; ready is refused), and a branch to the leader and
  // plan only before any schedule (selected) and once a visit was held (active, a visit to review the plan at).
  if (yearEnd) out.push(judge(false), judge(true));
  const visitHeld = c.sessions.some((x) => x.kind === 'visit' && x.status === 'held');
  if (c.sessions.length > 0 && !visitHeld) return out;
  out.push(ev({ type: 'LEADER_ALLOCATED', at, leader: { id: 'lead-1', name: 'Lee Ader', role }, load: 1 }));
  out.push(ev({ type: 'LEADER_ALLOCATED', at, leader: { id: 'lead-2', name: 'Wren Grole', role: role === 'specialist' ? 'readinessLead' : 'specialist' }, load: 1 }));
  out.push(ev({ type: 'ACTION_PLAN_CREATED', at, aims }));
  return out;
}

function sampleEvents(s: AnyMachineSnapshot, spec: ModelSpec): PathwayEvent[] {
  const c = s.context as Ctx;
  if (hasPeople(c)) return peopleEvents(c);
  return [...phaseEvents(c), ...peopleEvents(c), ...spec.moves(c), ...timerEvents(s as StateLike, spec.machine)];
}

type Sut = StateLike & { persisted?: PersistedPathway; snap?: AnyMachineSnapshot };

/** The outgoing edges of one state of the adjacency map. */
function edgesOf(transitions: AdjacencyValue<AnyMachineSnapshot, PathwayEvent>['transitions']): { event: PathwayEvent; state: AnyMachineSnapshot }[] {
  return Object.values(transitions) as { event: PathwayEvent; state: AnyMachineSnapshot }[];
}

function start(spec: ModelSpec): Sut {
  if (spec.sut === 'decide') {
    const persisted = initialState((spec.input as { urn: string }).urn);
    return { value: persisted.value, context: persisted.context, persisted };
  }
  const [snap] = initialTransition(spec.machine, spec.input as any);
  return { value: snap.value, context: snap.context as Ctx, snap };
}

function step(spec: ModelSpec, before: Sut, e: PathwayEvent): HistoryStep & { after: Sut } {
  if (spec.sut === 'decide') {
    const d = decide(before.persisted!, e);
    return { before, event: e, effects: d.effects, after: { value: d.snapshot.value, context: d.snapshot.context, persisted: d.snapshot } };
  }
  const [next, actions] = transition(spec.machine, before.snap!, e);
  return { before, event: e, effects: effectsOf(actions as any), after: { value: next.value, context: next.context as Ctx, snap: next } };
}

async function walk(spec: ModelSpec): Promise<WalkResult> {
  const { machine } = spec;
  const key = (s: StateLike) => abstractKey(s, machine);
  const model = createTestModel(machine, {
    input: spec.input,
    events: (s: AnyMachineSnapshot) => sampleEvents(s, spec),
    serializeState: (s: AnyMachineSnapshot) => key(s as StateLike),
    limit: spec.limit,
    // Timer firings exist only for pending timers: a type without a sample event is not sent. An event
    // dated in a phase the school has left is refused by decide() before the machine sees it (backdating.ts).
    filterEvents: (s: AnyMachineSnapshot, e: PathwayEvent) => typeof e.at === 'string' && (spec.sut !== 'decide' || backdated(s.context as Ctx, e) === null),
  } as any);

  // 1. Every edge of the model: the step invariants on the real next state, and which transitions it takes.
  const adjacency = model.getAdjacencyMap() as AdjacencyMap<AnyMachineSnapshot, PathwayEvent>;
  const probe = transitionProbe(machine, spec.input);
  const coveredNodes = new Set<string>();
  const coveredTransitions = new Set<string>();
  let edges = 0;
  let fastEdges = 0;
  for (const { state, transitions } of Object.values(adjacency)) {
    const before = state as AnyMachineSnapshot;
    for (const n of activeStateNodes(machine.root, before.value)) coveredNodes.add(n.id);
    checkState(before as StateLike, machine);
    for (const { event, state: modelNext } of edgesOf(transitions)) {
      const e = event as PathwayEvent;
      edges++;
      const { next, actions, taken } = probe(before, e);
      for (const id of taken) coveredTransitions.add(id);
      // The fast fold decide() uses (machines/fast.ts) takes the same edge to the same state with the same effects.
      if (machine === pathwayMachine) {
        const fast = fastTransition(before.value, before.context as Ctx, e);
        if (!before.can(e)) check(fast === null, () => `the fast fold takes ${e.type} which XState refuses from ${JSON.stringify(before.value)}`);
        else {
          check(fast !== null, () => `the fast fold refuses ${e.type} which XState takes from ${JSON.stringify(before.value)}`);
          same({ value: fast!.value, context: fast!.context, effects: fast!.effects }, { value: next.value, context: next.context, effects: effectsOf(actions) }, () => `the fast fold on ${e.type} from ${JSON.stringify(before.value)}`);
          fastEdges++;
        }
      }
      same(key(next as StateLike), key(modelNext as StateLike), () => `the probe agrees with the model on ${e.type}`);
      const s = { before: before as StateLike, event: e, effects: effectsOf(actions), after: next as StateLike };
      checkStep(s, machine);
      checkState(s.after, machine);
    }
  }

  // 2. Every state replayed through the system under test, with its whole history of effects, along
  // the shortest paths of the model: breadth first, each state's replay continues its parent's.
  const keys = Object.keys(adjacency);
  const replayed = new Map<string, { sut: Sut; history: HistoryStep[] }>([[keys[0]!, { sut: start(spec), history: [] }]]);
  same(key(replayed.get(keys[0]!)!.sut), keys[0], () => 'the system under test starts where the model starts');
  const queue = [keys[0]!];
  for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
    const { sut, history } = replayed.get(k)!;
    for (const { event, state: modelNext } of edgesOf(adjacency[k as keyof typeof adjacency]!.transitions)) {
      const nextKey = key(modelNext as StateLike);
      if (replayed.has(nextKey)) continue;
      const h = step(spec, sut, event as PathwayEvent);
      const path = [...history, h];
      same(key(h.after), nextKey, () => `the system under test is where the model is after ${path.map((x) => x.event.type).join(' > ')}`);
      checkStep(h, machine);
      checkState(h.after, machine);
      checkHistory(path, machine);
      replayed.set(nextKey, { sut: h.after, history: path });
      queue.push(nextKey);
    }
  }
  same(replayed.size, keys.length, () => 'every state of the model was replayed');
  if (machine === pathwayMachine) check(fastEdges > 1000, () => `the fast fold was compared on only ${fastEdges} taken edges`);
  return { vertices: keys.length, edges, coveredNodes, coveredTransitions };
}

/**
 * State nodes no event can reach, which must stay unreached (so that a change
 * either way is noticed). None: Embedding and Sustaining, which schools do
 * not apply for, have no application states (machines/phase-states.ts).
 */
function unreachableByDesign(_machine: AnyStateMachine): string[] {
  return [];
}

/**
 * Every state node and transition was reached, except the nodes no event can
 * reach by design, which must stay unreached (so that a change either way is
 * noticed).
 */
function expectFullCoverage(machine: AnyStateMachine, result: WalkResult): void {
  const unreachable = new Set(unreachableByDesign(machine));
  const nodes = allStateNodes(machine);
  expect(nodes.map((n) => n.id).filter((id) => !unreachable.has(id) && !result.coveredNodes.has(id)), 'state nodes never reached').toEqual([]);
  expect([...unreachable].filter((id) => result.coveredNodes.has(id)), 'state nodes thought unreachable were reached').toEqual([]);
  const transitions = nodes.filter((n) => !unreachable.has(n.id)).flatMap((n) => allTransitionIds(n));
  expect(transitions.filter((id) => !result.coveredTransitions.has(id)), 'transitions never taken').toEqual([]);
}

// ---------------------------------------------------------------------------
// The machines
// ---------------------------------------------------------------------------

/**
 * The same programme with `n` required meetings/workshops. The walk's state
 * space grows with the schedule, and one or two meetings already reach every
 * transition (two where the first one is special: the headteacher's workshop,
 * the grant); the full figures are folded in machines-pathway.test.ts.
 */
function withMeetings(p: Programme, n: number): Programme {
  return variant(p, { id: p.id, sessions: p.sessions.map((r) => (r.kind === 'meeting' || r.kind === 'workshop' ? { ...r, min: n } : r)) });
}

const phaseInput = (programme: Programme, school = primarySchool): PhaseInput => ({ urn: '100001', programme, school, teachers: twoTeachers });

const phaseSpecs: ModelSpec[] = [
  { name: 'trg', programme: withMeetings(primaryTrg, 1) },
  { name: 'readiness', programme: withMeetings(primaryReadiness, 2) },
  { name: 'development', programme: withMeetings(secondaryDev, 2), school: secondarySchool },
  { name: 'embedding', programme: withMeetings(primaryEmb, 1) },
  { name: 'sustaining', programme: withMeetings(primarySus, 1) },
].map(({ name, programme, school }) => ({
  name,
  machine: phaseMachines[name as keyof typeof phaseMachines],
  input: phaseInput(programme, school),
  moves: () => [],
  sut: 'transition' as const,
  limit: 200_000,
}));

function applyEvent(programme: Programme, school: typeof primarySchool): PathwayEvent {
  return PathwayEvent.parse({ type: 'APPLY', at: london(`${startYear(programme)}-06-01`), programme, school, teachers: twoTeachers });
}

function advanceEvent(programme: Programme): PathwayEvent {
  return PathwayEvent.parse({ type: 'ADVANCED', at: london(`${startYear(programme)}-09-01`), programme });
}

/** The hub's moves on a route: applications (and some that must be refused) and cohort transitions. */
function routeMoves(route: Programme[], school: typeof primarySchool, refused: Programme[]): (c: Ctx) => PathwayEvent[] {
  const applications = [...route.filter((p) => ['trg', 'readiness', 'development'].includes(p.phase)), ...refused].map((p) => applyEvent(p, school));
  const advances = route.filter((p) => p.phase !== 'trg').map(advanceEvent);
  // An application comes after the school left its last phase (backdating.ts): dated then at the earliest.
  return (c) => {
    const left = c.past.at(-1)?.at;
    return [...applications.map((e) => (left && Date.parse(e.at) < Date.parse(left) ? { ...e, at: left } : e)), ...advances];
  };
}

const primaryRoute = [primaryTrg, primaryReadiness, primaryDev, primaryEmb, primarySus, primarySus2].map((p) => withMeetings(p, 1));
const secondaryRoute = [secondaryDev, secondaryEmb, secondarySus, secondarySus2].map((p) => withMeetings(p, 1));

/** A Development programme without the once-only rule (the 2018/19 documents do not state it). */
const again = (p: Programme) => variant(p, { id: `${p.id}-again`, takeOnce: false });

const pathwaySpecs: ModelSpec[] = [
  {
    name: 'primary route',
    machine: pathwayMachine,
    input: { urn: '100001' },
    // Refused: embedding is not applied for; a secondary programme does not fit a primary school.
    moves: routeMoves([...primaryRoute, again(primaryRoute[2]!)], primarySchool, [variant(primaryEmb, { id: 'pri-emb-applied' }), secondaryRoute[0]!]),
    sut: 'decide',
    limit: 1_000_000,
  },
  {
    name: 'secondary route',
    machine: pathwayMachine,
    input: { urn: '100002' },
    // Refused: a primary programme does not fit a secondary school; the secondary route has no Readiness.
    moves: routeMoves([...secondaryRoute, again(secondaryRoute[0]!)], secondarySchool, [primaryRoute[2]!, variant(primaryReadiness, { id: 'sec-ready', route: 'secondary' })]),
    sut: 'decide',
    limit: 1_000_000,
  },
];

describe('phase machines, walked by xstate/graph', () => {
  for (const spec of phaseSpecs) {
    it(`${spec.name}: every state node and transition reached; invariants hold in every state`, async () => {
      const result = await walk(spec);
      expectFullCoverage(spec.machine, result);
    });
  }
});

describe('pathway machine, walked by xstate/graph', () => {
  it('both routes: every state node and transition reached; invariants hold in every state', async () => {
    const [primary, secondary] = [await walk(pathwaySpecs[0]!), await walk(pathwaySpecs[1]!)];
    // A secondary school never enters the primary-only phases.
    const primaryOnly = ROUTES.primary.filter((p) => !(ROUTES.secondary as readonly string[]).includes(p));
    expect([...secondary.coveredNodes].filter((id) => primaryOnly.some((p) => id === p || id.startsWith(`pathway.${p}.`)))).toEqual([]);
    expectFullCoverage(pathwayMachine, {
      vertices: primary.vertices + secondary.vertices,
      edges: primary.edges + secondary.edges,
      coveredNodes: new Set([...primary.coveredNodes, ...secondary.coveredNodes]),
      coveredTransitions: new Set([...primary.coveredTransitions, ...secondary.coveredTransitions]),
    });
  });

  it('Embedding and Sustaining have no application states: entered only at `selected` (cohort transition, resumption)', () => {
    expect(unreachableByDesign(pathwayMachine)).toEqual([]);
    for (const p of PHASE_KINDS) {
      const keys = Object.keys(pathwayMachine.getStateNodeById(p).states).sort();
      const expected = APPLICATION_PHASES.includes(p)
        ? ['active', 'applied', 'completed', 'declined', 'deferred', 'eligible', 'selected', 'waitlisted', 'withdrawn']
        : ['active', 'completed', 'deferred', 'selected', 'withdrawn'];
      expect(keys, p).toEqual(expected);
      expect(pathwayMachine.getStateNodeById(p).initial.target.map((t) => t.key), p).toEqual([APPLICATION_PHASES.includes(p) ? 'applied' : 'selected']);
    }
    const targets = allStateNodes(pathwayMachine).flatMap((n) => [...[...n.transitions.values()].flat(), ...(n.always ?? [])].flatMap((t) => t.target ?? []));
    // No transition enters Embedding or Sustaining without naming the state inside it.
    expect(targets.filter((t) => t.id === 'embedding' || t.id === 'sustaining').map((t) => t.id)).toEqual([]);
  });
});
