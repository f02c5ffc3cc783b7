/**
 * What each rule-governed step changes and which effects it asks for, as
 * plain functions (context, event) -> { patch, effects }. The machine's
 * actions apply the patch and emit the effects. Pure.
 */
import type { DeferredFrom, PathwayContext, PendingTimer, PhaseRecord, SessionRecord } from './context.js';
import { freshPhase } from './context.js';
import type { Effect, MessageData, Notify, Recipient } from './effects.js';
import type { EventOf, PathwayEvent, ScheduledSession } from './events.js';
import { academicYearEnd, daysAfter, daysBefore, isBefore, laterBy, londonLabel, millis } from './time.js';
import { firstSession, heldBeforeJoining, requiredSessions, sessionsHeld } from './rules.js';
import { reminderAt } from './reminder-time.js';

export interface Step {
  patch: Partial<PathwayContext>;
  effects: Effect[];
}

/**
 * A replay keeps the states and drops the effects: with `quiet` set, the steps
 * run once per session or per timer (reminders, checks, schedules, attendance)
 * skip building their messages, which were most of a replay's time. A step's
 * patch never depends on it (test/machines-fast.test.ts folds both ways).
 */
export type Quiet = boolean;

/**
 * The timer tables a fold's own steps made, which nobody outside the fold
 * holds yet: a later event of the same fold may change one of them in place
 * rather than copy it. A replay forgets a timer on every other event, and a
 * copy of the table for each was an eighth of the fold. Without it (decide,
 * XState) every change copies. The state a step hands back is the same
 * either way (test/machines-fast.test.ts).
 */
export type Fresh = WeakSet<object> | undefined;

/** The table to change: `c.timers` itself when the fold made it, else a copy (marked as the fold's). */
function writableTimers(c: PathwayContext, fresh: Fresh, drop?: ReadonlySet<string> | string): Record<string, PendingTimer> {
  if (fresh?.has(c.timers)) {
    if (typeof drop === 'string') delete c.timers[drop];
    else if (drop) for (const k of drop) delete c.timers[k];
    return c.timers;
  }
  const next = drop === undefined ? { ...c.timers } : typeof drop === 'string' ? withoutKey(c.timers, drop) : without(c.timers, drop);
  fresh?.add(next);
  return next;
}

/** No effects: one empty list for the steps that have none, which nobody adds to (merge copies). */
const NO_EFFECTS: Effect[] = Object.freeze([]) as unknown as Effect[];
const none: Step = Object.freeze({ patch: Object.freeze({}), effects: NO_EFFECTS }) as Step;

function phaseKey(c: PathwayContext): string {
  return `${c.urn}:${c.programme?.id ?? 'none'}`;
}

/**
 * How long a half-day session lasts, in minutes: the catalogue counts sessions
 * in half days (`lengthHalfDays`); 13:30 to 16:00 is one. Messages and calendar
 * invites show the end time from it.
 */
export const HALF_DAY_MINUTES = 150;

function byTime(a: Pick<SessionRecord, 'id' | 'at'>, b: Pick<SessionRecord, 'id' | 'at'>): number {
  return isBefore(a.at, b.at) ? -1 : isBefore(b.at, a.at) ? 1 : a.id < b.id ? -1 : 1;
}

/** `sessions` in byTime's order, each instant read once (a year's schedule is sorted on every SCHEDULE_SET of a replay). */
function sortedByTime<T extends Pick<SessionRecord, 'id' | 'at'>>(sessions: T[]): T[] {
  const keyed = sessions.map((s) => ({ t: millis(s.at), s }));
  keyed.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.s.id < b.s.id ? -1 : 1));
  return keyed.map((k) => k.s);
}

/** When a session starting at `at` ends: its kind's length in the programme's rules (one half day when none is given). */
function endOf(c: PathwayContext, kind: SessionRecord['kind'], at: string): string {
  const halfDays = c.programme?.sessions.find((r) => r.kind === kind)?.lengthHalfDays ?? 1;
  return laterBy(at, halfDays * HALF_DAY_MINUTES);
}

/**
 * A session as message data: its kind, ISO start and end, place, and its
 * number among the sessions of its kind that are not cancelled ("meeting 2 of
 * 6"), counted in `sessions` (the list after the change being announced).
 */
function sessionData(c: PathwayContext, s: Pick<SessionRecord, 'id' | 'kind' | 'at' | 'place'>, sessions: Pick<SessionRecord, 'id' | 'kind' | 'at' | 'status'>[] = c.sessions): MessageData {
  // Its place among them by date, counted rather than sorted: every reminder asks, and a fold asks for each.
  let of = 0;
  let me: Pick<SessionRecord, 'id' | 'at'> | undefined;
  for (const x of sessions) {
    if (x.kind !== s.kind || x.status === 'cancelled') continue;
    of++;
    if (x.id === s.id) me = x;
  }
  let n = 0;
  if (me) for (const x of sessions) if (x.kind === s.kind && x.status !== 'cancelled' && (x === me || byTime(x, me) < 0)) n++;
  return {
    session: s.id,
    kind: s.kind,
    when: londonLabel(s.at),
    startsAt: s.at,
    endsAt: endOf(c, s.kind, s.at),
    place: s.place,
    n,
    of,
  };
}

function notify(c: PathwayContext, key: string, kind: Notify['kind'], template: string, to: Recipient[], data: Notify['data'] = {}): Notify {
  return {
    type: 'notify',
    key: `${phaseKey(c)}:${key}`,
    kind,
    template,
    to,
    recipients: recipientsOf(c, to),
    urn: c.urn,
    data: {
      school: c.school?.name ?? c.urn,
      urn: c.urn,
      hub: c.school?.hub ?? '',
      programme: c.programme?.name ?? '',
      programmeId: c.programme?.id ?? '',
      phase: c.programme?.phase ?? '',
      route: c.school?.route ?? '',
      academicYear: c.programme?.academicYear ?? '',
      leader: c.programme?.leader ?? '',
      groupId: c.groupId,
      headteacher: c.school?.headteacher.name ?? '',
      ...data,
    },
  };
}

function recipientsOf(c: PathwayContext, to: Recipient[]): Notify['recipients'] {
  const out: Notify['recipients'] = [];
  for (const role of to) {
    if (role === 'headteacher' && c.school) out.push({ role, ...c.school.headteacher });
    if (role === 'headOfDepartment' && c.school?.headOfDepartment) out.push({ role, ...c.school.headOfDepartment });
    if (role === 'teachers') for (const t of c.teachers) out.push({ role, name: t.name, email: t.email });
  }
  return out;
}

/** Set timer `key` (replacing one of the same key) and remember it in the context. */
function setTimers(c: PathwayContext, timers: { key: string; at: string; event: PathwayEvent }[], dropKeys: readonly string[] = [], fresh?: Fresh, quiet: Quiet = false): Step {
  // Quiet (a replay), no effect is built: a replay sets and drops timers on most of its events.
  const effects: Effect[] = [];
  const dropped = new Set<string>();
  for (const k of dropKeys) {
    if (c.timers[k] && !dropped.has(k)) {
      dropped.add(k);
      if (!quiet) effects.push({ type: 'timer.cancel', key: k });
    }
  }
  if (dropped.size === 0 && timers.length === 0) return { patch: {}, effects };
  const next = writableTimers(c, fresh, dropped.size > 0 ? dropped : undefined);
  for (const t of timers) {
    next[t.key] = { at: t.at, event: t.event };
    if (!quiet) effects.push({ type: 'timer.set', key: t.key, at: t.at, event: t.event });
  }
  return { patch: { timers: next }, effects };
}

/** The steps one after another: later patches over earlier ones, effects in order. */
function merge(...steps: Step[]): Step {
  const patch: Partial<PathwayContext> = {};
  const effects: Effect[] = [];
  for (const s of steps) {
    Object.assign(patch, s.patch);
    for (const f of s.effects) effects.push(f);
  }
  return { patch, effects };
}

function sessionTimerKeys(c: PathwayContext, sessionId: string, keys: readonly string[] = Object.keys(c.timers)): string[] {
  // The keys named once, not for every timer: a schedule asks for each of its sessions.
  const reminders = `reminder:${sessionId}:`;
  const check = `check:${sessionId}`;
  return keys.filter((k) => k === check || k.startsWith(reminders));
}

/**
 * The reminder and attendance-check timers of one session, skipping reminders
 * already in the past at `now`. A reminder counted onto a day the school is
 * shut goes out on an open day instead, when the school's open days are
 * recorded (reminder-time.ts), and never onto the day of a nearer reminder
 * of the same session; its key keeps the policy's number of days.
 */
function timersForSession(c: PathwayContext, s: Pick<SessionRecord, 'id' | 'at'>, now: string): { key: string; at: string; event: PathwayEvent }[] {
  const out: { key: string; at: string; event: PathwayEvent }[] = [];
  // Nearest first: a reminder moved forward stops short of the next one's day, so the school never gets two on one day.
  const when = new Map<number, string>();
  let stopBefore = s.at;
  for (const d of ascending(c.policy.daysBefore)) {
    const at = reminderAt(daysBefore(s.at, d), stopBefore, c.schoolDays);
    when.set(d, at);
    if (c.schoolDays) stopBefore = at;
  }
  for (const d of c.policy.daysBefore) {
    const at = when.get(d)!;
    if (isBefore(now, at)) out.push({ key: `reminder:${s.id}:${d}`, at, event: { type: 'REMINDER_DUE', at, sessionId: s.id, daysBefore: d } });
  }
  const checkAt = daysAfter(s.at, c.policy.escalateAfterDays);
  out.push({ key: `check:${s.id}`, at: checkAt, event: { type: 'SESSION_CHECK_DUE', at: checkAt, sessionId: s.id } });
  return out;
}

// A policy's days, nearest first, sorted once per policy: a schedule counts them back for each of its sessions.
const sortedDays = new WeakMap<readonly number[], readonly number[]>();
function ascending(days: readonly number[]): readonly number[] {
  let sorted = sortedDays.get(days);
  if (!sorted) sortedDays.set(days, (sorted = [...days].sort((a, b) => a - b)));
  return sorted;
}

/** A new phase begins from an application. */
/** An application received: the phase begins, and the headteacher is told it arrived and what happens next. */
export function startPhase(c: PathwayContext, e: EventOf<'APPLY'>): Step {
  const patch: Partial<PathwayContext> = { ...freshPhase(e.programme), enteredAt: e.at, school: e.school, teachers: e.teachers, groupWith: e.groupWith };
  // Worded from the school and programme applied for, not the phase before it.
  const applied = { ...c, ...patch };
  return { patch, effects: [notify(applied, 'application', 'confirmation', 'application-received', ['headteacher'], { decidedAt: e.at })] };
}

/** Eligible, but the work groups are full: the school waits for a place, and its headteacher is told why. */
export function waitlisted(c: PathwayContext, e: EventOf<'WAITLISTED'>): Step {
  return { patch: { lastReason: e.reason }, effects: [notify(c, 'waitlisted', 'confirmation', 'waitlisted', ['headteacher'], { reason: e.reason, decidedAt: e.at })] };
}

/** Close the current phase into the record of past phases and drop its timers. */
export function closePhase(c: PathwayContext, outcome: PhaseRecord['outcome'], at: string): Step {
  if (!c.programme) return none;
  const record: PhaseRecord = {
    phase: c.programme.phase,
    programmeId: c.programme.id,
    academicYear: c.programme.academicYear,
    outcome,
    at,
    fundingPaidPence: c.fundingPaidPence,
  };
  const cancel = setTimers(c, [], Object.keys(c.timers));
  return { patch: { ...cancel.patch, past: [...c.past, record] }, effects: cancel.effects };
}

/** Selected into a work group: the school's place in it dates from now (joinedAt), so sessions held before are not its own. */
export function selected(c: PathwayContext, e: EventOf<'SELECTED'>): Step {
  return {
    patch: { groupId: e.groupId, joinedAt: e.at },
    effects: [notify(c, 'selected', 'confirmation', 'selected', ['headteacher', 'teachers'], { groupId: e.groupId, decidedAt: e.at })],
  };
}

export function declined(c: PathwayContext, e: EventOf<'DECLINED'> | EventOf<'ELIGIBILITY_ASSESSED'>): Step {
  const reason = e.type === 'DECLINED' ? e.reason : (e.note ?? 'not eligible');
  const alternative = e.type === 'DECLINED' ? (e.alternative ?? null) : null;
  const closed = closePhase(c, 'declined', e.at);
  return merge(closed, {
    patch: { lastReason: reason, alternativeOffered: alternative },
    effects: [notify(c, 'declined', 'confirmation', 'declined', ['headteacher'], { reason, alternative: alternative ?? '', decidedAt: e.at })],
  });
}

/** Commitment signed: the phase becomes active, and the year-end timer is set. */
export function committed(c: PathwayContext, e: EventOf<'COMMITMENT_SIGNED'>): Step {
  const year = c.programme!.academicYear;
  const end = academicYearEnd(year);
  const timer = setTimers(c, [{ key: `year-end:${year}`, at: end, event: { type: 'YEAR_ENDED', at: end, academicYear: year } }]);
  return merge({ patch: { signatories: e.signatories }, effects: [] }, timer, {
    patch: {},
    effects: [notify(c, 'committed', 'confirmation', 'commitment-confirmed', ['headteacher', 'teachers'], { decidedAt: e.at })],
  });
}

export function scheduleSet(c: PathwayContext, e: EventOf<'SCHEDULE_SET'>, quiet: Quiet = false, fresh?: Fresh): Step {
  // The open days come with each schedule: one set without them (as before they were recorded) counts reminders back plainly.
  const days: Partial<PathwayContext> = e.schoolDays || c.schoolDays ? { schoolDays: e.schoolDays } : {};
  const ctx: PathwayContext = { ...c, policy: e.policy, ...days };
  const byId = new Map(c.sessions.map((s) => [s.id, s]));
  const drop: string[] = [];
  const set: { key: string; at: string; event: PathwayEvent }[] = [];
  // Given as a late joiner's (joinedLate), the group's sessions held by the time the school joined are not its own:
  // no reminder, no attendance check, nothing to record. Only then: a year recorded after the fact, its selection
  // dated after sessions it did attend, stays as it was. Its joining date is its selection's (else this event's).
  const joined = c.joinedAt ?? e.at;
  const keys = Object.keys(c.timers);
  for (const s of e.sessions as ScheduledSession[]) {
    drop.push(...sessionTimerKeys(ctx, s.id, keys));
    const old = byId.get(s.id);
    const before = (e.joinedLate === true || old?.status === 'beforeJoining') && heldBeforeJoining(joined, s.at);
    byId.set(s.id, { id: s.id, kind: s.kind, at: s.at, place: s.place, status: before ? 'beforeJoining' : 'scheduled', teachersPresent: 0, headteacherPresent: false });
    if (!before) set.push(...timersForSession(ctx, s, e.at));
  }
  const sessions = sortedByTime([...byId.values()]);
  const timers = setTimers(ctx, set, drop, fresh, quiet);
  // Selected before 1.3.0 kept no joining date: a late joiner's dates give it one, which later moves and refusals name.
  const dated: Partial<PathwayContext> = e.joinedLate && c.joinedAt === undefined ? { joinedAt: joined } : {};
  if (quiet) return merge({ patch: { policy: e.policy, ...days, sessions, ...dated }, effects: [] }, timers);
  // The year's dates to each school at once (with a calendar invite for each), not only 14 days before each.
  const live = sessions.filter((s) => s.status !== 'cancelled');
  const announce = notify(c, `schedule:${e.at}`, 'confirmation', 'schedule-announced', ['headteacher', 'teachers'], {
    sessions: live.map((s) => sessionData(c, s, live)),
    headteacherAttendsFirst: (c.programme?.sessions ?? []).some((r) => r.headteacherAttendsFirst),
    firstSession: firstCounted(live)?.id ?? null,
    // The email then says a reminder on a closed day moves to a school day; absent before, so old messages read as they did.
    ...(e.schoolDays ? { remindersOnSchoolDays: true } : {}),
    decidedAt: e.at,
  });
  return merge({ patch: { policy: e.policy, ...days, sessions, ...dated }, effects: [announce] }, timers);
}

/** The first meeting or workshop by date among `sessions` (the one a headteacher may be asked to attend). */
function firstCounted(sessions: SessionRecord[]): SessionRecord | undefined {
  return sessions.filter((s) => s.kind === 'meeting' || s.kind === 'workshop').sort(byTime)[0];
}

export function sessionMoved(c: PathwayContext, e: EventOf<'SESSION_MOVED'>, quiet: Quiet = false): Step {
  const old = c.sessions.find((s) => s.id === e.sessionId)!;
  // Moved to a date after the school joined (a move is never into the past), a session held before is its own again;
  // a move never makes a session of its own one it could not attend.
  const before = old.status === 'beforeJoining' && heldBeforeJoining(c.joinedAt, e.to);
  const moved = { ...old, at: e.to, place: e.place ?? old.place, status: before ? ('beforeJoining' as const) : ('scheduled' as const) };
  const sessions = c.sessions.map((s) => (s.id === e.sessionId ? moved : s));
  const timers = setTimers(c, before ? [] : timersForSession(c, moved, e.at), sessionTimerKeys(c, e.sessionId), undefined, quiet);
  if (quiet) return merge({ patch: { sessions }, effects: [] }, timers);
  return merge(
    { patch: { sessions }, effects: [] },
    timers,
    { patch: {}, effects: [notify(c, `moved:${e.sessionId}:${e.to}`, 'confirmation', 'session-moved', ['teachers', 'headteacher'], { ...sessionData(c, moved, sessions), from: londonLabel(old.at), fromStartsAt: old.at, fromPlace: old.place, decidedAt: e.at })] },
  );
}

export function sessionCancelled(c: PathwayContext, e: EventOf<'SESSION_CANCELLED'>, quiet: Quiet = false): Step {
  const old = c.sessions.find((s) => s.id === e.sessionId)!;
  const sessions = c.sessions.map((s) => (s.id === e.sessionId ? { ...s, status: 'cancelled' as const } : s));
  const timers = setTimers(c, [], sessionTimerKeys(c, e.sessionId), undefined, quiet);
  if (quiet) return merge({ patch: { sessions }, effects: [] }, timers);
  return merge(
    { patch: { sessions }, effects: [] },
    timers,
    { patch: {}, effects: [notify(c, `cancelled:${e.sessionId}`, 'confirmation', 'session-cancelled', ['teachers', 'headteacher'], { ...sessionData(c, old), reason: e.reason, decidedAt: e.at })] },
  );
}

export function attendance(c: PathwayContext, e: EventOf<'ATTENDANCE_RECORDED'>, quiet: Quiet = false, fresh?: Fresh): Step {
  const status = e.teachersPresent > 0 ? ('held' as const) : ('missed' as const);
  const sessions = c.sessions.map((s) => (s.id === e.sessionId ? { ...s, status, teachersPresent: e.teachersPresent, headteacherPresent: e.headteacherPresent } : s));
  const step = merge({ patch: { sessions }, effects: [] }, setTimers(c, [], [`check:${e.sessionId}`], fresh, quiet));
  // A missed session may be recorded again (corrected or confirmed); its escalation is raised once.
  if (status === 'missed' && !c.escalations.includes(`missed:${e.sessionId}`)) {
    const s = c.sessions.find((x) => x.id === e.sessionId)!;
    if (!quiet) step.effects.push(notify(c, `missed:${e.sessionId}`, 'escalation', 'session-missed', ['hubLead', 'headteacher'], { ...sessionData(c, s), decidedAt: e.at }));
    step.patch.escalations = [...c.escalations, `missed:${e.sessionId}`];
  }
  return step;
}

export function headteacherAbsent(c: PathwayContext, e: EventOf<'ATTENDANCE_RECORDED'>): Step {
  const s = firstSession(c);
  return {
    patch: { escalations: [...c.escalations, 'headteacher-first-workshop'] },
    effects: [notify(c, 'headteacher-absent-first', 'escalation', 'headteacher-absent-first-workshop', ['hubLead', 'headteacher'], { ...(s ? sessionData(c, s) : {}), session: e.sessionId, when: s ? londonLabel(s.at) : londonLabel(e.at), decidedAt: e.at })],
  };
}

export function releaseFunding(c: PathwayContext, e: PathwayEvent): Step {
  const p = c.programme!;
  const f = p.funding!;
  return {
    patch: { fundingPaidPence: f.amountPence },
    effects: [
      { type: 'funding.release', key: `${c.urn}:${p.id}:${p.academicYear}:grant`, urn: c.urn, programmeId: p.id, academicYear: p.academicYear, amountPence: f.amountPence, reason: `${f.purpose} (commitment signed, first meeting held ${e.at.slice(0, 10)})` },
      notify(c, 'funding', 'confirmation', 'funding-released', ['headteacher'], { amount: `£${(f.amountPence / 100).toLocaleString('en-GB')}`, amountPence: f.amountPence, purpose: f.purpose, paidTo: f.recipient, fundingKey: `${c.urn}:${p.id}:${p.academicYear}:grant`, decidedAt: e.at }),
    ],
  };
}

export function reminderDue(c: PathwayContext, e: EventOf<'REMINDER_DUE'>, quiet: Quiet = false, fresh?: Fresh): Step {
  const forget = forgetTimer(c, `reminder:${e.sessionId}:${e.daysBefore}`, fresh);
  if (quiet) return forget;
  const s = c.sessions.find((x) => x.id === e.sessionId);
  if (!s || s.status !== 'scheduled') return forget;
  const first = firstSession(c);
  const headFirst = first?.id === s.id && (c.programme?.sessions ?? []).some((r) => r.headteacherAttendsFirst);
  const to: Recipient[] = s.kind === 'visit' || headFirst ? ['teachers', 'headteacher'] : ['teachers'];
  return merge(forget, {
    patch: {},
    effects: [notify(c, `reminder:${s.id}:${s.at}:${e.daysBefore}`, 'reminder', headFirst ? 'first-workshop-reminder' : 'session-reminder', to, { ...sessionData(c, s), daysBefore: e.daysBefore, decidedAt: e.at })],
  });
}

export function sessionCheckDue(c: PathwayContext, e: EventOf<'SESSION_CHECK_DUE'>, quiet: Quiet = false): Step {
  const s = c.sessions.find((x) => x.id === e.sessionId)!;
  // A session moved after its check fired gets a new check; its escalation is still raised once.
  if (c.escalations.includes(`unrecorded:${e.sessionId}`)) return forgetTimer(c, `check:${e.sessionId}`);
  return merge(forgetTimer(c, `check:${e.sessionId}`), {
    patch: { escalations: [...c.escalations, `unrecorded:${e.sessionId}`] },
    effects: quiet ? [] : [notify(c, `unrecorded:${e.sessionId}`, 'escalation', 'attendance-missing', ['hubLead'], { ...sessionData(c, s), decidedAt: e.at })],
  });
}

export function requestEvaluation(c: PathwayContext, e: PathwayEvent): Step {
  const p = c.programme!;
  const due = academicYearEnd(p.academicYear);
  // As for sessions: a reminder on a day the school is shut moves to an open one, and one whose time has already passed is not set.
  const timers = c.policy.evaluationDaysBefore
    .map((d) => ({ d, at: reminderAt(daysBefore(due, d), due, c.schoolDays) }))
    .filter(({ at }) => isBefore(e.at, at))
    .map(({ d, at }) => ({ key: `evaluation-reminder:${d}`, at, event: { type: 'EVALUATION_REMINDER_DUE' as const, at, daysBefore: d } }));
  return merge(
    { patch: { evaluationRequested: true }, effects: [{ type: 'evaluation.request', key: `${c.urn}:${p.id}:${p.academicYear}:evaluation`, urn: c.urn, programmeId: p.id, academicYear: p.academicYear, dueBy: due, recipients: recipientsOf(c, ['headteacher', 'teachers']), data: notify(c, 'evaluation', 'reminder', 'evaluation-request', [], { due: londonLabel(due), dueAt: due, decidedAt: e.at }).data }] },
    setTimers(c, timers),
  );
}

export function evaluationReminder(c: PathwayContext, e: EventOf<'EVALUATION_REMINDER_DUE'>, quiet: Quiet = false): Step {
  if (quiet) return forgetTimer(c, `evaluation-reminder:${e.daysBefore}`);
  return merge(forgetTimer(c, `evaluation-reminder:${e.daysBefore}`), {
    patch: {},
    effects: [notify(c, `evaluation-reminder:${e.daysBefore}`, 'reminder', 'evaluation-reminder', ['headteacher', 'teachers'], { due: londonLabel(academicYearEnd(c.programme!.academicYear)), dueAt: academicYearEnd(c.programme!.academicYear), daysBefore: e.daysBefore, decidedAt: e.at })],
  });
}

export function yearEndedOverdue(c: PathwayContext, e: EventOf<'YEAR_ENDED'>): Step {
  return merge(forgetTimer(c, `year-end:${e.academicYear}`), {
    patch: { escalations: [...c.escalations, 'evaluation-overdue'] },
    // The sessions held against those required: a school short of them cannot have its evaluation recorded yet.
    effects: [notify(c, 'evaluation-overdue', 'escalation', 'evaluation-overdue', ['hubLead', 'headteacher'], { year: e.academicYear, dueAt: academicYearEnd(e.academicYear), sessionsHeld: sessionsHeld(c), sessionsRequired: requiredSessions(c), decidedAt: e.at })],
  });
}

export function evaluationSubmitted(c: PathwayContext, e: EventOf<'EVALUATION_SUBMITTED'>): Step {
  const closed = closePhase(c, 'completed', e.at);
  return merge({ patch: { evaluationSubmittedAt: e.at }, effects: [] }, closed);
}

/**
 * A cohort transition: the next phase begins afresh. The old phase's work
 * group is left behind (a TRG group does not lead a Readiness year) unless
 * the hub names the group the school continues in (`groupId`).
 */
export function advanced(_c: PathwayContext, e: EventOf<'ADVANCED'>): Step {
  // Continuing in a named group, the school is in it from the transition on (its sessions of the new year before then are not its own).
  return { patch: { ...freshPhase(e.programme), enteredAt: e.at, groupId: e.groupId ?? null, joinedAt: e.groupId ? e.at : undefined }, effects: [] };
}

/**
 * A deferred school resumes, in the new year's programme, at the state it
 * left (`to`, from RESUME_TO): its eligibility stands once assessed, and its
 * work group once selected.
 */
export function resumed(c: PathwayContext, e: EventOf<'RESUMED'>, to: 'applied' | 'eligible' | 'waitlisted' | 'selected'): Step {
  return {
    patch: {
      ...freshPhase(e.programme),
      enteredAt: e.at,
      deferredFrom: undefined,
      criteria: to === 'applied' ? [] : c.criteria,
      groupId: to === 'selected' ? c.groupId : null,
      // Back in its group from the resumption on: the new year's sessions held while it was deferred are not its own.
      joinedAt: to === 'selected' ? e.at : undefined,
    },
    effects: [],
  };
}

export function deferred(c: PathwayContext, e: EventOf<'DEFERRED'>, from: DeferredFrom): Step {
  return merge(closePhase(c, 'deferred', e.at), { patch: { deferredUntil: e.untilYear, deferredFrom: from, lastReason: e.reason }, effects: [] });
}

export function withdrawn(c: PathwayContext, e: EventOf<'WITHDRAWN'>): Step {
  return merge(closePhase(c, 'withdrawn', e.at), {
    patch: { lastReason: e.reason },
    effects: [notify(c, 'withdrawn', 'confirmation', 'withdrawn', ['headteacher', 'hubLead'], { reason: e.reason, decidedAt: e.at })],
  });
}

export function teacherReplaced(c: PathwayContext, e: EventOf<'TEACHER_REPLACED'>): Step {
  const teachers = [...c.teachers];
  teachers[e.slot - 1] = e.teacher;
  return { patch: { teachers }, effects: [] };
}

/** A timer fired: it is no longer pending. */
export function forgetTimer(c: PathwayContext, key: string, fresh?: Fresh): Step {
  if (!c.timers[key]) return none;
  return { patch: { timers: writableTimers(c, fresh, key) }, effects: NO_EFFECTS };
}

// A copy without some keys, built rather than copied then deleted from: a
// delete turns the copy into a slow dictionary, and replay copies timers on
// nearly every event.
function without<T>(record: Record<string, T>, keys: ReadonlySet<string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k in record) if (!keys.has(k)) out[k] = record[k]!;
  return out;
}

// The same for one key, without a Set: a replay forgets a timer on every other event.
function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k in record) if (k !== key) out[k] = record[k]!;
  return out;
}

/** The key of the timer that produced a timer event. Pure. */
export function timerKeyOf(e: PathwayEvent): string | null {
  switch (e.type) {
    case 'REMINDER_DUE': return `reminder:${e.sessionId}:${e.daysBefore}`;
    case 'SESSION_CHECK_DUE': return `check:${e.sessionId}`;
    case 'EVALUATION_REMINDER_DUE': return `evaluation-reminder:${e.daysBefore}`;
    case 'YEAR_ENDED': return `year-end:${e.academicYear}`;
    default: return null;
  }
}

/** The school's Mastery Specialist or Readiness Lead for this phase (replacing an earlier one). */
export function leaderAllocated(_c: PathwayContext, e: EventOf<'LEADER_ALLOCATED'>): Step {
  return { patch: { leader: { ...e.leader, at: e.at } }, effects: [] };
}

/** The action plan on the 5 Big Ideas, made with the school's leader; no idea reviewed yet. */
export function actionPlanCreated(c: PathwayContext, e: EventOf<'ACTION_PLAN_CREATED'>): Step {
  const { at: _at, ...madeWith } = c.leader!;
  return { patch: { actionPlan: { createdAt: e.at, madeWith, aims: e.aims, progress: {}, reviews: [] } }, effects: [] };
}

/** A review at a visit: the progress named on each idea replaces the earlier one. */
export function actionPlanReviewed(c: PathwayContext, e: EventOf<'ACTION_PLAN_REVIEWED'>): Step {
  const plan = c.actionPlan!;
  const named = Object.fromEntries(Object.entries(e.progress).filter(([, v]) => v !== undefined));
  return {
    patch: { actionPlan: { ...plan, progress: { ...plan.progress, ...named }, reviews: [...plan.reviews, { at: e.at, sessionId: e.sessionId, progress: named, note: e.note }] } },
    effects: [],
  };
}

/** The Readiness year's Mastery Ready judgement (a later one replaces it). */
export function masteryReadyJudged(c: PathwayContext, e: EventOf<'MASTERY_READY_JUDGED'>): Step {
  const p = c.programme!;
  return { patch: { masteryReady: { ready: e.ready, at: e.at, academicYear: p.academicYear, programmeId: p.id, note: e.note } }, effects: [] };
}
