/**
 * What-if of a cohort transition (`pathway whatif transition`): every
 * school's recorded events replayed as if the transition from one year to
 * the next had been run at a given moment, writing nothing, and the schools
 * whose phase, status, payments or reminders would differ from what is
 * recorded.
 *
 * What a transition does (host/cohort.ts): each school of the finishing
 * year that planSchool lets move gets ADVANCED into the catalogue's next
 * programme, at the transition's moment. Here, per school: the state at
 * that moment is the fold of the events recorded up to it; if it is in the
 * finishing year, the transition the school actually had (a recorded
 * ADVANCED into the next year) is taken out, the hypothetical ADVANCED goes
 * in at that moment when planSchool says it would move, and every later
 * event is replayed as recorded (one the new course refuses is reported, as
 * service/whatif.ts does). So a transition never run previews what it would
 * do, and a recorded one run at another moment shows who would have been
 * left behind or moved. Same replay, difference and CSV as service/whatif.ts;
 * the fold is machines/fast.ts. Interface-neutral. Not pure (reads the database).
 */
import { DateTime } from 'luxon';
import { AcademicYear, type Programme } from '../domain/catalogue/schema.js';
import { nextAcademicYear, startYearOf } from '../domain/calendar/academic-year.js';
import { ValidationError, type Problem } from '../domain/errors.js';
import { planSchool } from '../host/cohort.js';
import { summaryOf } from '../machines/decide.js';
import type { PathwayEvent } from '../machines/events.js';
import type { PersistedPathway } from '../machines/decide.js';
import { readStream, type StoredEvent } from '../store/event-log.js';
import type { Principal, Service } from './context.js';
import { differences, replay, type ChangeKind, type Outcome, type WhatIfRow } from './whatif.js';
import { listSchools } from './schools.js';

export interface TransitionWhatIfInput {
  /** The academic year the cohort finishes, "2020/21". */
  from: string;
  /** The next one; default the year after `from`. */
  to?: string;
  /** When the transition is supposed to run: an ISO instant with offset, or a date (09:00 London); default 1 September of `to`, 09:00. */
  at?: string;
  hub?: string;
  /** Only the schools of this work group at that moment (they continue in it, as `cohort transition --group` does). */
  groupId?: string;
}

export interface TransitionWhatIfReport {
  from: string;
  to: string;
  /** The moment the transition is supposed to run (ISO, London offset). */
  at: string;
  hub: string | null;
  groupId: string | null;
  /** Schools with events replayed. */
  schools: number;
  /** Events read (each school's replayed twice: as recorded, and with the transition). */
  events: number;
  /** Schools in the finishing year at that moment: those the transition would move, and those it could not (with the reason, as the transition would give it). */
  inCohort: number;
  wouldMove: number;
  cannotMove: { urn: string; school: string; reason: string }[];
  /** Schools whose recorded transition into `to` is replaced by this one. */
  recordedTransitions: number;
  schoolsChanged: number;
  counts: Record<ChangeKind, number>;
  rows: WhatIfRow[];
}

const LONDON = 'Europe/London';

/** The transition's moment: a date means 09:00 London that day; default 1 September of `to`. Pure. */
function momentOf(at: string | undefined, to: string): string {
  if (at === undefined) return DateTime.fromObject({ year: startYearOf(to), month: 9, day: 1, hour: 9 }, { zone: LONDON }).toISO()!;
  const d = /^\d{4}-\d{2}-\d{2}$/.test(at) ? DateTime.fromISO(`${at}T09:00`, { zone: LONDON }) : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(at) ? DateTime.fromISO(at, { setZone: true }) : null;
  if (!d || !d.isValid) throw new ValidationError([{ path: 'at', message: 'must be a date YYYY-MM-DD (09:00 London) or an ISO date-time with offset, e.g. 2021-08-31T09:00:00+01:00', value: at, severity: 'error' }], 'what-if transition');
  return d.setZone(LONDON).toISO()!;
}

function checkYears(from: string, to: string | undefined): string {
  const problems: Problem[] = [];
  if (!AcademicYear.safeParse(from).success) problems.push({ path: 'from', message: 'must be an academic year like 2020/21', value: from, severity: 'error' });
  if (to !== undefined && !AcademicYear.safeParse(to).success) problems.push({ path: 'to', message: 'must be an academic year like 2021/22', value: to, severity: 'error' });
  if (problems.length === 0 && to !== undefined && to !== nextAcademicYear(from)) {
    problems.push({ path: 'to', message: `must be the academic year after ${from} (${nextAcademicYear(from)}): a cohort moves one year at a time`, value: to, severity: 'error' });
  }
  if (problems.length > 0) throw new ValidationError(problems, 'what-if transition');
  return to ?? nextAcademicYear(from);
}

/**
 * The years and the moment checked (ValidationError naming the field: exit
 * 2, HTTP 400), with their defaults filled: `to` the year after `from`,
 * `at` 1 September of `to` at 09:00 London. Pure.
 */
export function checkTransitionWhatIf(input: Pick<TransitionWhatIfInput, 'from' | 'to' | 'at'>): { to: string; at: string } {
  const to = checkYears(input.from, input.to);
  return { to, at: momentOf(input.at, to) };
}

/** A recorded ADVANCED into `to`: the transition the school had, which the hypothetical one replaces. Pure. */
function isRecordedTransition(e: Pick<StoredEvent, 'type' | 'payload'>, to: string): boolean {
  return e.type === 'ADVANCED' && (e.payload as { programme?: { academicYear?: string } }).programme?.academicYear === to;
}

/** What the transition would make of one school's events: the events to replay instead, or null when it is not in the cohort. Pure. */
export function transitionedEvents(
  urn: string,
  events: readonly StoredEvent[],
  options: { from: string; to: string; at: string; groupId?: string },
): { events: Pick<StoredEvent, 'version' | 'type' | 'payload'>[]; plan: { programme: Programme } | { reason: string }; replaced: boolean } | null {
  const at = Date.parse(options.at);
  const cut = events.findIndex((e) => Date.parse(e.occurredAt) > at);
  const before = cut < 0 ? events : events.slice(0, cut);
  const after = cut < 0 ? [] : events.slice(cut);
  const then = replay(urn, before, (e) => e).state;
  const s = summaryOf(then as PersistedPathway);
  if (s.academicYear !== options.from) return null;
  if (options.groupId !== undefined && s.groupId !== options.groupId) return null;
  const plan = planSchool(s, options.to);
  const kept = after.filter((e) => !isRecordedTransition(e, options.to));
  const advanced: PathwayEvent | null = 'programme' in plan ? ({ type: 'ADVANCED', at: options.at, programme: plan.programme, ...(options.groupId ? { groupId: options.groupId } : {}) } as PathwayEvent) : null;
  return {
    events: [...before, ...(advanced ? [{ version: 0, type: 'ADVANCED', payload: advanced }] : []), ...kept],
    plan,
    replaced: kept.length !== after.length,
  };
}

/**
 * The transition replayed over the schools `p` may read (a hub, a group):
 * the schools whose phase, status, payments or reminders would change,
 * with counts. Writes nothing. Not pure (reads the database).
 */
export async function whatIfTransition(svc: Service, p: Principal, input: TransitionWhatIfInput): Promise<TransitionWhatIfReport> {
  const { to, at } = checkTransitionWhatIf(input);
  const schools = await listSchools(svc, p, input.hub === undefined ? {} : { hub: input.hub });
  const counts: Record<ChangeKind, number> = { phase: 0, status: 0, payment: 0, reminders: 0, refused: 0 };
  const rows: WhatIfRow[] = [];
  const cannotMove: TransitionWhatIfReport['cannotMove'] = [];
  let replayed = 0;
  let events = 0;
  let inCohort = 0;
  let wouldMove = 0;
  let recorded = 0;
  let changed = 0;
  for (const s of schools) {
    const stored = await readStream(svc.db, s.urn);
    if (stored.length === 0) continue;
    replayed++;
    events += stored.length;
    const t = transitionedEvents(s.urn, stored, { from: input.from, to, at, ...(input.groupId !== undefined ? { groupId: input.groupId } : {}) });
    if (!t) continue;
    inCohort++;
    if ('programme' in t.plan) wouldMove++;
    else cannotMove.push({ urn: s.urn, school: s.name ?? s.urn, reason: t.plan.reason });
    if (t.replaced) recorded++;
    const asRecorded = replay(s.urn, stored, (e) => e);
    // Phase and status as the engine stored them, as service/whatif.ts takes them.
    const from: Outcome = { ...asRecorded, phase: s.phase, status: s.status };
    const d = differences(s.urn, s.name ?? s.urn, from, replay(s.urn, t.events, (e) => e));
    if (d.length > 0) changed++;
    for (const r of d) counts[r.kind]++;
    rows.push(...d);
  }
  return {
    from: input.from,
    to,
    at,
    hub: input.hub ?? null,
    groupId: input.groupId ?? null,
    schools: replayed,
    events,
    inCohort,
    wouldMove,
    cannotMove,
    recordedTransitions: recorded,
    schoolsChanged: changed,
    counts,
    rows,
  };
}
