/**
 * A school's pathway state in words and figures: what lists, filters,
 * dashboards and reminders read. Pure: derived from a snapshot.
 */
import type { PathwayContext } from './context.js';
import { requiredSessions, sessionsHeld } from './rules.js';

export interface UpcomingItem {
  what: string;
  at: string;
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
  masteryReady: boolean;
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

/** Summarise a snapshot's value and context. Pure. */
export function summarize(value: unknown, c: PathwayContext): SchoolSummary {
  const { phase, status } = phaseAndStatus(value);
  const upcoming = Object.entries(c.timers)
    .filter(([key]) => !key.startsWith('check:'))
    .map(([key, t]) => ({ what: describeTimer(key, c), at: t.at }))
    .sort((a, b) => (a.at < b.at ? -1 : 1));
  const sessionsAhead = c.sessions.filter((s) => s.status === 'scheduled').map((s) => ({ what: `${s.kind} ${s.id} at ${s.place}`, at: s.at }));
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
    // Overdue = something still outstanding (evaluation, attendance to record); a recorded missed session is history, escalated once.
    overdue: status === 'overdue' || c.escalations.some((e) => e.startsWith('unrecorded:')),
    sessionsHeld: sessionsHeld(c),
    sessionsRequired: requiredSessions(c),
    fundingPaidPence: c.fundingPaidPence,
    evaluationSubmitted: c.evaluationSubmittedAt !== null,
    masteryReady: c.past.some((p) => p.phase === 'readiness' && p.outcome === 'completed'),
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
 * read, so readers apply this. Pure.
 */
export function upcomingAt(items: readonly UpcomingItem[], now: string): UpcomingItem[] {
  const t = Date.parse(now);
  const toRecord = items.filter((u) => Date.parse(u.at) < t && SESSION_ITEM.test(u.what)).map((u) => ({ what: `attendance to record: ${u.what}`, at: u.at }));
  return [...toRecord, ...items.filter((u) => Date.parse(u.at) >= t)];
}

function describeTimer(key: string, c: PathwayContext): string {
  if (key.startsWith('year-end:')) return c.evaluationSubmittedAt ? 'end of academic year' : 'evaluation due (end of academic year)';
  if (key.startsWith('evaluation-reminder:')) return 'evaluation reminder';
  return key.startsWith('reminder:') ? `reminder ${key.slice(9)}` : key;
}
