/**
 * A school's pathway state in words and figures: what lists, filters,
 * dashboards and reminders read. Pure: derived from a snapshot.
 */
import type { PathwayContext } from './context.js';
import { firstSession, requiredSessions, sessionsHeld } from './rules.js';
import { BIG_IDEAS, roleTitle, type BigIdea, type IdeaProgress, type LeaderRole } from '../domain/people.js';

export interface UpcomingItem {
  what: string;
  at: string;
}

/** The school's action plan on the 5 Big Ideas this phase, in figures. */
export interface ActionPlanSummary {
  /** none: no plan yet; made: made, not yet reviewed at a visit; reviewed: reviewed at least once. */
  status: 'none' | 'made' | 'reviewed';
  createdAt: string | null;
  /** The name of the leader it was made with. */
  madeWith: string | null;
  reviews: number;
  lastReviewedAt: string | null;
  /** The latest progress on each Big Idea; null where not yet reviewed (or no plan). */
  progress: Record<BigIdea, IdeaProgress | null>;
}

export interface SchoolSummary {
  urn: string;
  name: string | null;
  route: 'primary' | 'secondary' | null;
  hub: string | null;
  /** trg | readiness | development | embedding | sustaining, or "none" before the first application. */
  phase: string;
  /** prospective | applied | eligible | waitlisted | selected | active | evaluating | overdue | completed | declined | deferred | withdrawn */
  status: string;
  programmeId: string | null;
  programmeName: string | null;
  academicYear: string | null;
  groupId: string | null;
  overdue: boolean;
  sessionsHeld: number;
  sessionsRequired: number;
  fundingPaidPence: number;
  evaluationSubmitted: boolean;
  /** Completed a Readiness year (as before 1.2.0); the judgement itself is masteryReadyJudgement. */
  masteryReady: boolean;
  /** The latest Mastery Ready judgement of a Readiness year (002), or null. */
  masteryReadyJudgement: { ready: boolean; at: string; academicYear: string; note: string } | null;
  /** The school's Mastery Specialist or Readiness Lead this phase, or null. */
  leader: { id: string; name: string; role: LeaderRole; title: string; since: string } | null;
  actionPlan: ActionPlanSummary;
  alternativeOffered: string | null;
  reason: string | null;
  upcoming: UpcomingItem[];
  pastPhases: { phase: string; academicYear: string; outcome: string }[];
}

/** The phase and status of a state value such as {development: {active: 'running'}}. Pure. */
export function phaseAndStatus(value: unknown): { phase: string; status: string } {
  if (typeof value === 'string') return { phase: 'none', status: value };
  const [phase, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['none', 'prospective'];
  if (typeof inner === 'string') return { phase, status: inner };
  const [sub, leaf] = Object.entries(inner as Record<string, unknown>)[0] ?? ['active', 'running'];
  return { phase, status: sub === 'active' ? (leaf === 'running' ? 'active' : String(leaf)) : sub };
}

/**
 * The statuses of a school that has left its phase's work group for now
 * (withdrawn, or deferred to a later year). Its sessions stay in its record
 * as they were scheduled, but it has none ahead to attend. Pure data.
 */
export const LEFT_STATUSES: readonly string[] = ['withdrawn', 'deferred'];

/** Summarise a snapshot's value and context. Pure. */
export function summarize(value: unknown, c: PathwayContext): SchoolSummary {
  const { phase, status } = phaseAndStatus(value);
  const upcoming = Object.entries(c.timers)
    .filter(([key]) => !key.startsWith('check:'))
    .map(([key, t]) => ({ what: describeTimer(key, c), at: t.at }))
    .sort((a, b) => (a.at < b.at ? -1 : 1));
  const sessionsAhead = LEFT_STATUSES.includes(status) ? [] : c.sessions.filter((s) => s.status === 'scheduled').map((s) => ({ what: `${s.kind} ${s.id} at ${s.place}`, at: s.at }));
  return {
    urn: c.urn,
    name: c.school?.name ?? null,
    route: c.school?.route ?? null,
    hub: c.school?.hub ?? null,
    phase,
    status,
    programmeId: c.programme?.id ?? null,
    programmeName: c.programme?.name ?? null,
    academicYear: c.programme?.academicYear ?? null,
    groupId: c.groupId,
    // Overdue = something still outstanding (evaluation, attendance to record); a recorded missed session, or one recorded late, is history, escalated once.
    overdue: status === 'overdue' || attendanceToChase(c, status).length > 0,
    sessionsHeld: sessionsHeld(c),
    sessionsRequired: requiredSessions(c),
    fundingPaidPence: c.fundingPaidPence,
    evaluationSubmitted: c.evaluationSubmittedAt !== null,
    masteryReady: c.past.some((p) => p.phase === 'readiness' && p.outcome === 'completed'),
    masteryReadyJudgement: c.masteryReady ? { ready: c.masteryReady.ready, at: c.masteryReady.at, academicYear: c.masteryReady.academicYear, note: c.masteryReady.note } : null,
    leader: c.leader ? { id: c.leader.id, name: c.leader.name, role: c.leader.role, title: roleTitle(c.leader.role, c.school?.route ?? null), since: c.leader.at } : null,
    actionPlan: planSummary(c),
    alternativeOffered: c.alternativeOffered,
    reason: c.lastReason,
    upcoming: [...sessionsAhead, ...upcoming.filter((u) => !u.what.startsWith('reminder'))].sort((a, b) => (a.at < b.at ? -1 : 1)),
    pastPhases: c.past.map((p) => ({ phase: p.phase, academicYear: p.academicYear, outcome: p.outcome })),
  };
}

const SESSION_ITEM = /^(meeting|workshop|visit|inSchoolDay) \S+ at /;

/**
 * A summary's upcoming list as seen at instant `now`: only what is still
 * ahead; a session whose time has passed with no attendance recorded is
 * listed first as "attendance to record: ..." (its date kept), and other
 * past items are dropped. The stored summary cannot know the time it is
 * read, so readers apply this. Given its `status`, a school that left
 * (withdrawn, deferred) has no sessions listed. Pure.
 */
export function upcomingAt(items: readonly UpcomingItem[], now: string, status?: string): UpcomingItem[] {
  const t = Date.parse(now);
  // A school that left has no sessions ahead, even in a summary stored before that was so.
  if (status !== undefined && LEFT_STATUSES.includes(status)) items = items.filter((u) => !SESSION_ITEM.test(u.what));
  const toRecord = items.filter((u) => Date.parse(u.at) < t && SESSION_ITEM.test(u.what)).map((u) => ({ what: `attendance to record: ${u.what}`, at: u.at }));
  return [...toRecord, ...items.filter((u) => Date.parse(u.at) >= t)];
}

function describeTimer(key: string, c: PathwayContext): string {
  if (key.startsWith('year-end:')) return c.evaluationSubmittedAt ? 'end of academic year' : 'evaluation due (end of academic year)';
  if (key.startsWith('evaluation-reminder:')) return 'evaluation reminder';
  return key.startsWith('reminder:') ? `reminder ${key.slice(9)}` : key;
}

/** The action plan of a context in figures. Pure. */
export function planSummary(c: PathwayContext): ActionPlanSummary {
  const plan = c.actionPlan;
  const progress = Object.fromEntries(BIG_IDEAS.map((k) => [k, plan?.progress[k] ?? null])) as Record<BigIdea, IdeaProgress | null>;
  if (!plan) return { status: 'none', createdAt: null, madeWith: null, reviews: 0, lastReviewedAt: null, progress };
  return {
    status: plan.reviews.length > 0 ? 'reviewed' : 'made',
    createdAt: plan.createdAt,
    madeWith: plan.madeWith.name,
    reviews: plan.reviews.length,
    lastReviewedAt: plan.reviews.at(-1)?.at ?? null,
    progress,
  };
}

/**
 * The sessions escalated as unrecorded whose attendance is still not
 * recorded (recorded late, or cancelled, they are no longer outstanding), in
 * the order they were escalated. Pure.
 */
export function unrecordedSessions(c: Pick<PathwayContext, 'escalations' | 'sessions'>): PathwayContext['sessions'] {
  return c.escalations.flatMap((e) => {
    if (!e.startsWith('unrecorded:')) return [];
    const s = c.sessions.find((x) => `unrecorded:${x.id}` === e);
    return s && s.status === 'scheduled' ? [s] : [];
  });
}

/**
 * The sessions whose unrecorded attendance the hub still has to chase for a
 * school in `status`: its unrecordedSessions, none once it has left the
 * group (withdrawn, deferred), since nothing more is asked of it this year.
 * What makes a school overdue, on its page, the board and the digest. Pure.
 */
export function attendanceToChase(c: Pick<PathwayContext, 'escalations' | 'sessions'>, status: string): PathwayContext['sessions'] {
  return LEFT_STATUSES.includes(status) ? [] : unrecordedSessions(c);
}

/** The statuses in which a school is still in its phase's work group this year: an escalation then still asks for the hub. */
const IN_GROUP_STATUSES: readonly string[] = ['selected', 'active', 'evaluating', 'overdue'];

/**
 * The first workshop (or meeting) the headteacher was asked to attend and
 * missed, when that was escalated to the hub lead and still stands: the
 * school is in its work group this year and the session's attendance still
 * says the headteacher was not there (a correction clears it). Else null.
 * Pure.
 */
export function headteacherMissedFirst(c: Pick<PathwayContext, 'escalations' | 'sessions'>, status: string): PathwayContext['sessions'][number] | null {
  if (!IN_GROUP_STATUSES.includes(status) || !c.escalations.includes('headteacher-first-workshop')) return null;
  const first = firstSession(c);
  return first && first.status !== 'scheduled' && !first.headteacherPresent ? first : null;
}
