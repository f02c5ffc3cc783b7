/**
 * The programme rules as plain functions of (context, event). Each returns
 * null when the rule holds, or a sentence saying why not: the machines use
 * them as guards, and the engine uses the sentence to explain a refusal.
 * Pure: no clock, no I/O; everything comes from the context (the programme
 * copied from the catalogue) and the event.
 */
import type { PhaseKind } from '../domain/catalogue/schema.js';
import type { DeferredFrom, PathwayContext, SessionRecord } from './context.js';
import type { EventOf, PathwayEvent } from './events.js';
import { isBefore, londonDate, londonEndOfDay } from './time.js';
import { moveKeepsRules, scheduleKeepsRules } from './schedule-rules.js';
import { leaderRoleFor, roleTitle } from '../domain/people.js';

export type Rule<E extends PathwayEvent = PathwayEvent> = (context: PathwayContext, event: E) => string | null;

/** Which phase a route enters by application, and which follows which. */
export const ROUTES = {
  primary: ['trg', 'readiness', 'development', 'embedding', 'sustaining'],
  secondary: ['development', 'embedding', 'sustaining'],
} as const satisfies Record<string, readonly PhaseKind[]>;

/** Phases a school can apply for (the others are entered by cohort transition). */
export const APPLICATION_PHASES: readonly PhaseKind[] = ['trg', 'readiness', 'development'];

/** The phase after `phase` on `route` (sustaining repeats yearly). Pure. */
export function nextPhase(route: 'primary' | 'secondary', phase: PhaseKind): PhaseKind | null {
  const order: readonly PhaseKind[] = ROUTES[route];
  if (phase === 'sustaining') return 'sustaining';
  const i = order.indexOf(phase);
  return i < 0 ? null : (order[i + 1] ?? null);
}

/**
 * Where a school that deferred from a state resumes: the same state, in the
 * new year's programme; a school that had signed its commitment resumes at
 * `selected`, since the new year needs its own commitment (and schedule).
 */
export const RESUME_TO: Record<DeferredFrom, 'applied' | 'eligible' | 'waitlisted' | 'selected'> = {
  applied: 'applied',
  eligible: 'eligible',
  waitlisted: 'waitlisted',
  selected: 'selected',
  active: 'selected',
};

/** The state a deferred school resumes at. Pure. */
export function resumesAt(c: PathwayContext): 'applied' | 'eligible' | 'waitlisted' | 'selected' {
  return RESUME_TO[c.deferredFrom ?? 'selected'];
}

/**
 * A programme entered from Readiness only by a school judged Mastery Ready
 * (its `masteryReadyFrom`, 002): why this school may not enter it, or null.
 * Programmes without it (and histories recorded before it) are not checked. Pure.
 */
export function masteryReadyForEntry(c: PathwayContext, e: EventOf<'ADVANCED'>): string | null {
  const rule = e.programme.masteryReadyFrom;
  const cur = c.programme;
  if (!rule || !cur || cur.phase !== rule.phase) return null;
  const j = c.masteryReady;
  if (j && j.ready && j.programmeId === cur.id) return null;
  const judged = !j || j.programmeId !== cur.id ? 'has not been judged Mastery Ready' : `was judged not Mastery Ready on ${londonDate(j.at)}`;
  return (
    `${e.programme.name} takes a school from Readiness only when it is judged Mastery Ready at the end of ${cur.name}, and this school ${judged} ` +
    `(rule masteryReady, seed ${rule.source.join(', ')}: "${rule.quote}")`
  );
}

/** Sessions that count towards the phase's minimum (meetings and workshops), in date order. Pure. */
export function countedSessions(context: Pick<PathwayContext, 'sessions'>): SessionRecord[] {
  return context.sessions.filter((s) => s.kind === 'meeting' || s.kind === 'workshop');
}

/** The half-day meetings or workshops a programme asks of a school in its year (its rules' `min`). Pure. */
export function programmeMinimum(programme: PathwayContext['programme']): number {
  // Loops rather than filter and reduce, here and in the two below: the fold asks after every event whether the
  // school has met its obligations, and the arrays they built were a tenth of its garbage.
  let n = 0;
  for (const r of programme?.sessions ?? []) if (r.kind === 'meeting' || r.kind === 'workshop') n += r.min;
  return n;
}

/**
 * Whether a session on instant `at` is one a school that joined its work
 * group at `joinedAt` could not attend: at or before the moment it joined,
 * as giveGroupDates counts "already taken place". No joining date, no such
 * session. Pure.
 */
export function heldBeforeJoining(joinedAt: string | undefined, at: string): boolean {
  return joinedAt !== undefined && !isBefore(joinedAt, at);
}

/**
 * How many half-day meetings or workshops the school must attend: the
 * programme's minimum (at least four in the year, 000 and 003). A school
 * that joined its group after some were held is asked for that minimum only
 * as far as the sessions left to it allow (it cannot attend the others),
 * so joining late never makes its evaluation unreachable. Pure.
 */
export function requiredSessions(context: PathwayContext): number {
  const min = programmeMinimum(context.programme);
  let joinedLate = false;
  let couldAttend = 0;
  for (const s of context.sessions) {
    if (s.kind !== 'meeting' && s.kind !== 'workshop') continue;
    if (s.status === 'beforeJoining') joinedLate = true;
    else if (s.status !== 'cancelled') couldAttend++;
  }
  return joinedLate ? Math.min(min, couldAttend) : min;
}

/**
 * Whether the school has attended the meetings/workshops its phase asks
 * for: the rule obligationsMet as a yes or no. The chart asks it after every
 * event of a running phase, so it builds no refusal. Pure.
 */
export function obligationsMetNow(context: PathwayContext): boolean {
  return sessionsHeld(context) >= requiredSessions(context);
}

/** Meetings/workshops held with at least one teacher present. Pure. */
export function sessionsHeld(context: PathwayContext): number {
  let held = 0;
  for (const s of context.sessions) if ((s.kind === 'meeting' || s.kind === 'workshop') && s.status === 'held') held++;
  return held;
}

/**
 * The first scheduled-or-held workshop/meeting by date, the one the
 * headteacher must attend: for a school that joined late, the first after it
 * joined. Pure.
 */
export function firstSession(context: Pick<PathwayContext, 'sessions'>): SessionRecord | undefined {
  return countedSessions(context)
    .filter((s) => s.status !== 'cancelled' && s.status !== 'beforeJoining')
    .reduce<SessionRecord | undefined>((first, s) => (!first || isBefore(s.at, first.at) ? s : first), undefined);
}

function headteacherMustAttendFirst(context: PathwayContext): boolean {
  return (context.programme?.sessions ?? []).some((r) => r.headteacherAttendsFirst);
}

export const rules = {
  applicationFits: ((c, e) => {
    const p = e.programme;
    if (e.school.route !== p.route) return `programme ${p.id} is for ${p.route} schools, but the school is ${e.school.route}`;
    if (c.school && c.school.route !== e.school.route) return `the school is on the ${c.school.route} route, not ${e.school.route}`;
    if (!APPLICATION_PHASES.includes(p.phase)) return `schools do not apply for ${p.phase}; they enter it by cohort transition from the previous phase`;
    if (!(ROUTES[p.route] as readonly PhaseKind[]).includes(p.phase)) return `the ${p.route} route has no ${p.phase} phase`;
    if (p.takeOnce && c.past.some((r) => r.phase === p.phase && r.outcome === 'completed')) return `a school takes part in ${p.phase} only once, and this school completed it in ${c.past.find((r) => r.phase === p.phase)?.academicYear}`;
    if (p.group.teachersPerSchool !== e.teachers.length) return `${p.name} needs ${p.group.teachersPerSchool} teacher(s) per school, the application names ${e.teachers.length}`;
    if (p.deadlines.applicationsClose && isBefore(londonEndOfDay(p.deadlines.applicationsClose), e.at)) return `applications for ${p.name} closed on ${p.deadlines.applicationsClose}`;
    return null;
  }) as Rule<EventOf<'APPLY'>>,

  eligibilityMet: ((c, e) => {
    const el = c.programme?.eligibility;
    if (!e.eligible) return 'the hub judged the school not eligible';
    if (!el) return null;
    const known = new Set(el.criteria.map((k) => k.id));
    const met = e.criteria.filter((k) => known.has(k));
    return met.length >= el.atLeast ? null : `eligibility needs at least ${el.atLeast} of: ${[...known].join(', ')}; got ${e.criteria.length ? e.criteria.join(', ') : 'none'}`;
  }) as Rule<EventOf<'ELIGIBILITY_ASSESSED'>>,

  groupHasRoom: ((c, e) => {
    const max = c.programme?.group.maxSchools;
    return max == null || e.groupSize <= max ? null : `work group ${e.groupId} would have ${e.groupSize} schools; ${c.programme?.name} allows up to ${max}`;
  }) as Rule<EventOf<'SELECTED'>>,

  allSigned: ((c, e) => {
    const missing = (c.programme?.signatories ?? []).filter((s) => !e.signatories.includes(s));
    return missing.length === 0 ? null : `the commitment still needs the signature of: ${missing.join(', ')}`;
  }) as Rule<EventOf<'COMMITMENT_SIGNED'>>,

  scheduleFits: ((c, e) => {
    const ids = new Set<string>();
    for (const s of e.sessions) {
      if (ids.has(s.id)) return `session id ${s.id} appears twice`;
      ids.add(s.id);
      const old = c.sessions.find((x) => x.id === s.id);
      // A session held before the school joined has no attendance of its own: the group may set it again.
      if (old && old.status !== 'scheduled' && old.status !== 'beforeJoining') return `session ${s.id} is already ${old.status} and cannot be rescheduled`;
    }
    return scheduleKeepsRules(c, e);
  }) as Rule<EventOf<'SCHEDULE_SET'>>,

  sessionMovable: ((c, e) => {
    const s = c.sessions.find((x) => x.id === e.sessionId);
    if (!s) return `no session ${e.sessionId} in this school's schedule`;
    // A session held before the school joined moves with its group (to a date the school can attend).
    if (s.status !== 'scheduled' && s.status !== 'beforeJoining') return `session ${e.sessionId} is ${s.status}, only a scheduled session can be moved`;
    if (!isBefore(e.at, e.to)) return `a session cannot be moved into the past (${e.to} is not after ${e.at})`;
    return moveKeepsRules(c, e);
  }) as Rule<EventOf<'SESSION_MOVED'>>,

  sessionCancellable: ((c, e) => {
    const s = c.sessions.find((x) => x.id === e.sessionId);
    if (!s) return `no session ${e.sessionId} in this school's schedule`;
    return s.status === 'scheduled' || s.status === 'beforeJoining' ? null : `session ${e.sessionId} is ${s.status}, only a scheduled session can be cancelled`;
  }) as Rule<EventOf<'SESSION_CANCELLED'>>,

  attendanceFits: ((c, e) => {
    const s = c.sessions.find((x) => x.id === e.sessionId);
    if (!s) return `no session ${e.sessionId} in this school's schedule`;
    if (s.status === 'cancelled') return `session ${e.sessionId} was cancelled`;
    if (s.status === 'held') return `attendance for session ${e.sessionId} is already recorded`;
    if (s.status === 'beforeJoining') {
      return `session ${e.sessionId} on ${londonDate(s.at)} was held before the school joined its work group on ${londonDate(c.joinedAt!)}: no attendance is expected from it there (rule beforeJoining)`;
    }
    if (isBefore(e.at, s.at)) return `session ${e.sessionId} is on ${s.at}; attendance cannot be recorded before it happens (${e.at})`;
    return null;
  }) as Rule<EventOf<'ATTENDANCE_RECORDED'>>,

  obligationsMet: ((c) => {
    if (obligationsMetNow(c)) return null;
    return `${c.programme?.name} needs at least ${requiredSessions(c)} meetings/workshops attended before evaluation; ${sessionsHeld(c)} so far`;
  }) as Rule,

  advanceFits: ((c, e) => {
    const route = c.school?.route;
    const cur = c.programme?.phase;
    if (!route || !cur) return 'the school has no phase to advance from';
    const next = nextPhase(route, cur);
    if (e.programme.phase !== next) return `after ${cur} the ${route} route goes to ${next ?? 'nothing'}, not ${e.programme.phase}`;
    if (e.programme.route !== route) return `programme ${e.programme.id} is for ${e.programme.route} schools`;
    if (c.programme && Number(e.programme.academicYear.slice(0, 4)) <= Number(c.programme.academicYear.slice(0, 4))) return `the next phase must be in a later academic year than ${c.programme.academicYear}, not ${e.programme.academicYear}`;
    if (e.programme.takeOnce && c.past.some((r) => r.phase === e.programme.phase && r.outcome === 'completed')) return `a school takes part in ${e.programme.phase} only once`;
    return masteryReadyForEntry(c, e);
  }) as Rule<EventOf<'ADVANCED'>>,

  /** The leader allocated fits the phase (role) and has room for the school (the programme's leaderLoad). */
  leaderFits: ((c, e) => {
    const p = c.programme;
    if (!p) return 'the school has no phase to allocate a leader in';
    const want = leaderRoleFor(p.phase);
    const route = c.school?.route ?? p.route;
    if (e.leader.role !== want) {
      return `${p.name} is led by a ${roleTitle(want, route)}, and ${e.leader.name} is a ${roleTitle(e.leader.role, route)} (rule leaderRole, seed ${want === 'readinessLead' ? '002' : '001'})`;
    }
    if (c.leader?.id === e.leader.id) return `${e.leader.name} is already the school's ${roleTitle(want, route)} for ${p.name}`;
    const load = p.leaderLoad;
    if (load && e.load > load.max) {
      return (
        `${roleTitle(want, route)} ${e.leader.name} would lead ${e.load} ${load.unit} in ${p.name}; one leads at most ${load.max} ` +
        `(rule leaderLoad, seed ${load.source.join(', ')}: "${load.quote}")`
      );
    }
    return null;
  }) as Rule<EventOf<'LEADER_ALLOCATED'>>,

  /** One action plan a phase, made with the school's leader (001: with the Secondary Mastery Specialist; 002: with the Readiness Lead). */
  actionPlanFits: ((c) => {
    const p = c.programme;
    if (!p) return 'the school has no phase to make an action plan in';
    const route = c.school?.route ?? p.route;
    const title = roleTitle(leaderRoleFor(p.phase), route);
    if (!c.leader) return `the action plan is made with the school's ${title}, and none is allocated for ${p.name}: allocate one first (rule actionPlanWithLeader, seed ${p.phase === 'readiness' ? '002' : '001'})`;
    if (c.actionPlan) return `the school already has an action plan for ${p.name}, made on ${londonDate(c.actionPlan.createdAt)}: review it at a visit instead (rule oneActionPlan)`;
    return null;
  }) as Rule<EventOf<'ACTION_PLAN_CREATED'>>,

  /** The action plan is reviewed at a visit that was held, once a visit (002: support visits to "develop and work on an action plan"). */
  actionPlanReviewable: ((c, e) => {
    if (!c.actionPlan) return 'the school has no action plan to review: make one first (rule actionPlanReview)';
    const s = c.sessions.find((x) => x.id === e.sessionId);
    if (!s) return `no session ${e.sessionId} in this school's schedule`;
    if (s.kind !== 'visit') return `session ${e.sessionId} is a ${s.kind}; the action plan is reviewed at school visits (rule actionPlanReview, seed 002)`;
    if (s.status !== 'held') return `visit ${e.sessionId} is ${s.status}: the action plan is reviewed at a visit that was held (rule actionPlanReview)`;
    if (c.actionPlan.reviews.some((r) => r.sessionId === e.sessionId)) return `the action plan was already reviewed at visit ${e.sessionId}`;
    if (isBefore(e.at, s.at)) return `visit ${e.sessionId} is on ${s.at}; its review cannot come before it (${e.at})`;
    return null;
  }) as Rule<EventOf<'ACTION_PLAN_REVIEWED'>>,

  /**
   * The Mastery Ready judgement comes at the end of the Readiness year (its
   * workshops held), and "ready" needs the action plan the school worked on
   * (002: "actively work on an action plan in order for the school to be
   * 'Mastery Ready' by the end of 2020/21").
   */
  masteryReadyJudgeable: ((c, e) => {
    const p = c.programme;
    if (!p || p.phase !== 'readiness') return 'only a Readiness year ends with a Mastery Ready judgement (rule masteryReady, seed 002)';
    const need = requiredSessions(c);
    const held = sessionsHeld(c);
    if (held < need) {
      // When the last workshop on the schedule is, so whoever reads the refusal knows when to come back.
      const last = countedSessions(c).filter((s) => s.status === 'scheduled').reduce<SessionRecord | undefined>((l, s) => (!l || isBefore(l.at, s.at) ? s : l), undefined);
      const after = last ? `, after its last workshop on ${londonDate(last.at)}` : '';
      return `the Mastery Ready judgement comes at the end of ${p.name}${after}: ${held} of ${need} workshops held so far (rule masteryReady, seed 002)`;
    }
    if (e.ready && !c.actionPlan) return `a school is judged Mastery Ready on the action plan it worked on, and this school has none for ${p.name} (rule masteryReady, seed 002)`;
    return null;
  }) as Rule<EventOf<'MASTERY_READY_JUDGED'>>,

  resumeFits: ((c, e) => {
    if (!c.programme) return 'nothing was deferred';
    if (e.programme.phase !== c.programme.phase) return `the school deferred ${c.programme.phase}, so it resumes ${c.programme.phase}, not ${e.programme.phase}`;
    if (c.deferredUntil && e.programme.academicYear < c.deferredUntil) return `the school deferred until ${c.deferredUntil}; ${e.programme.academicYear} is earlier`;
    return null;
  }) as Rule<EventOf<'RESUMED'>>,

  deferralFits: ((c, e) => {
    const y = c.programme?.academicYear;
    return y && e.untilYear > y ? null : `a deferral must be to a later academic year than ${y ?? 'the current one'}, not ${e.untilYear}`;
  }) as Rule<EventOf<'DEFERRED'>>,

  /** Funding is released once, only after commitment is signed and the first meeting held, only where the programme pays. */
  fundingDue: ((c) => {
    const f = c.programme?.funding;
    if (!f || f.amountPence <= 0) return `${c.programme?.name ?? 'this phase'} pays no grant`;
    if (c.fundingPaidPence > 0) return 'the grant was already paid';
    if (c.signatories.length === 0) return 'the commitment is not signed';
    return sessionsHeld(c) >= 1 ? null : 'the first meeting has not been held';
  }) as Rule,

  /** The headteacher must attend the first workshop (Readiness, seed 002). */
  headteacherMissedFirst: ((c, e) => {
    if (!headteacherMustAttendFirst(c)) return 'this programme does not require the headteacher at the first workshop';
    const ev = e as EventOf<'ATTENDANCE_RECORDED'>;
    if (ev.headteacherPresent) return 'the headteacher was present';
    return firstSession(c)?.id === ev.sessionId ? null : 'not the first workshop';
  }) as Rule,

  sessionUnrecorded: ((c, e) => {
    const s = c.sessions.find((x) => x.id === (e as EventOf<'SESSION_CHECK_DUE'>).sessionId);
    return s && s.status === 'scheduled' ? null : 'attendance already recorded or session cancelled';
  }) as Rule,
} satisfies Record<string, Rule<any>>;

export type RuleName = keyof typeof rules;

/** The rules that may refuse each event type, in the order they are explained. */
export const RULES_FOR_EVENT: Partial<Record<PathwayEvent['type'], RuleName[]>> = {
  APPLY: ['applicationFits'],
  ELIGIBILITY_ASSESSED: ['eligibilityMet'],
  SELECTED: ['groupHasRoom'],
  COMMITMENT_SIGNED: ['allSigned'],
  SCHEDULE_SET: ['scheduleFits'],
  SESSION_MOVED: ['sessionMovable'],
  SESSION_CANCELLED: ['sessionCancellable'],
  ATTENDANCE_RECORDED: ['attendanceFits'],
  EVALUATION_SUBMITTED: ['obligationsMet'],
  ADVANCED: ['advanceFits'],
  RESUMED: ['resumeFits'],
  DEFERRED: ['deferralFits'],
  LEADER_ALLOCATED: ['leaderFits'],
  ACTION_PLAN_CREATED: ['actionPlanFits'],
  ACTION_PLAN_REVIEWED: ['actionPlanReviewable'],
  MASTERY_READY_JUDGED: ['masteryReadyJudgeable'],
};
