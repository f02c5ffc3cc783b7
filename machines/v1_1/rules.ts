/**
 * The programme rules as plain functions of (context, event). Each returns
 * null when the rule holds, or a sentence saying why not: the machines use
 * them as guards, and the engine uses the sentence to explain a refusal.
 * Pure: no clock, no I/O; everything comes from the context (the programme
 * copied from the catalogue) and the event.
 */
import type { PhaseKind } from '../../domain/catalogue/schema.js';
import type { DeferredFrom, PathwayContext, SessionRecord } from './context.js';
import type { EventOf, PathwayEvent } from './events.js';
import { isBefore, londonEndOfDay } from './time.js';
import { moveKeepsRules, scheduleKeepsRules } from './schedule-rules.js';

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

/** Sessions that count towards the phase's minimum (meetings and workshops), in date order. Pure. */
export function countedSessions(context: PathwayContext): SessionRecord[] {
  return context.sessions.filter((s) => s.kind === 'meeting' || s.kind === 'workshop');
}

/** How many half-day meetings or workshops the programme requires. Pure. */
export function requiredSessions(context: PathwayContext): number {
  return (context.programme?.sessions ?? []).filter((r) => r.kind === 'meeting' || r.kind === 'workshop').reduce((n, r) => n + r.min, 0);
}

/** Meetings/workshops held with at least one teacher present. Pure. */
export function sessionsHeld(context: PathwayContext): number {
  return countedSessions(context).filter((s) => s.status === 'held').length;
}

/** The first scheduled-or-held workshop/meeting by date, the one the headteacher must attend. Pure. */
export function firstSession(context: PathwayContext): SessionRecord | undefined {
  return countedSessions(context)
    .filter((s) => s.status !== 'cancelled')
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
      if (old && old.status !== 'scheduled') return `session ${s.id} is already ${old.status} and cannot be rescheduled`;
    }
    return scheduleKeepsRules(c, e);
  }) as Rule<EventOf<'SCHEDULE_SET'>>,

  sessionMovable: ((c, e) => {
    const s = c.sessions.find((x) => x.id === e.sessionId);
    if (!s) return `no session ${e.sessionId} in this school's schedule`;
    if (s.status !== 'scheduled') return `session ${e.sessionId} is ${s.status}, only a scheduled session can be moved`;
    if (!isBefore(e.at, e.to)) return `a session cannot be moved into the past (${e.to} is not after ${e.at})`;
    return moveKeepsRules(c, e);
  }) as Rule<EventOf<'SESSION_MOVED'>>,

  sessionCancellable: ((c, e) => {
    const s = c.sessions.find((x) => x.id === e.sessionId);
    if (!s) return `no session ${e.sessionId} in this school's schedule`;
    return s.status === 'scheduled' ? null : `session ${e.sessionId} is ${s.status}, only a scheduled session can be cancelled`;
  }) as Rule<EventOf<'SESSION_CANCELLED'>>,

  attendanceFits: ((c, e) => {
    const s = c.sessions.find((x) => x.id === e.sessionId);
    if (!s) return `no session ${e.sessionId} in this school's schedule`;
    if (s.status === 'cancelled') return `session ${e.sessionId} was cancelled`;
    if (s.status === 'held') return `attendance for session ${e.sessionId} is already recorded`;
    if (isBefore(e.at, s.at)) return `session ${e.sessionId} is on ${s.at}; attendance cannot be recorded before it happens (${e.at})`;
    return null;
  }) as Rule<EventOf<'ATTENDANCE_RECORDED'>>,

  obligationsMet: ((c) => {
    const need = requiredSessions(c);
    const held = sessionsHeld(c);
    return held >= need ? null : `${c.programme?.name} needs at least ${need} meetings/workshops attended before evaluation; ${held} so far`;
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
    return null;
  }) as Rule<EventOf<'ADVANCED'>>,

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
};
