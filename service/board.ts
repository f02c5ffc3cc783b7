/**
 * The hub board: what a hub officer needs on one page for a hub of 50 to
 * 2,000 schools. Counts by phase and status, one page of the filtered and
 * sorted table, what falls due this week and this half term, the overdue
 * schools and why, the year's grants paid and due, and emails that could not
 * be sent. The database does the counting, filtering, sorting and paging
 * (store/board.ts); dates come from the service clock. Not pure (reads).
 */
import { DateTime } from 'luxon';
import { academicYearOf } from '../domain/calendar/academic-year.js';
import { LONDON } from '../domain/calendar/london.js';
import { termsOf } from '../domain/calendar/terms.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { catalogue } from '../domain/catalogue/programmes.js';
import { headteacherMissedFirst } from '../machines/summary.js';
import { BOARD_SORTS, boardDue, boardEscalated, boardFacets, boardGrants, boardOverdue, boardPage, schoolNames, type BoardDue, type BoardEscalated, type BoardFacet, type BoardOverdue, type BoardRow, type BoardSort } from '../store/board.js';
import { mailProblems } from '../store/messages.js';
import { mailProblemWords } from './reminder-outcomes.js';
import { assertRead, hubIdOf, hubLabel } from './access.js';
import { getGroup } from '../store/ops/groups.js';
import type { Principal, Service } from './context.js';
import { NotFoundError } from './errors.js';
import { attendanceOverdueWords, compactGroupName, evaluationOverdueWords, headteacherMissedWords, sessionName, shortProgrammeName, upcomingWords, whenWords } from './school-words.js';

/** Rows of the board's table per page. */
export const BOARD_PAGE_SIZE = 50;

const PHASE_ORDER = ['none', 'trg', 'readiness', 'development', 'embedding', 'sustaining'];
const STATUS_ORDER = ['prospective', 'applied', 'eligible', 'waitlisted', 'selected', 'active', 'evaluating', 'overdue', 'completed', 'declined', 'deferred', 'withdrawn'];

/** The board's filters and order as the query string carries them (all optional, all text). */
export interface BoardParams {
  phase?: string;
  status?: string;
  programme?: string;
  year?: string;
  group?: string;
  /** "yes" or "no". */
  overdue?: string;
  sort?: string;
  /** "asc" or "desc". */
  order?: string;
  page?: string;
}

/** A filter of the board's table, as the query string names it. */
export type BoardFilter = 'phase' | 'status' | 'programme' | 'year' | 'group' | 'overdue';

/** A filter value the board does not know: the table is not filtered by it, and the page says so. */
export interface BoardFilterProblem {
  filter: BoardFilter;
  value: string;
  /** For the error summary and the filter's own message. */
  text: string;
}

/**
 * The filters understood from a query string; the order, sort and page fall
 * back to the defaults when unknown. An "overdue" other than yes or no is
 * left out and listed in `unknown` (other filters are checked against the
 * hub's data by hubBoard). Pure.
 */
export function boardParams(query: Record<string, unknown>): Required<Pick<BoardParams, 'sort' | 'order'>> & BoardParams & { pageNumber: number; unknown: { filter: BoardFilter; value: string }[] } {
  const text = (k: string): string | undefined => {
    const v = query[k];
    const s = Array.isArray(v) ? v[0] : v;
    return typeof s === 'string' && s.trim() !== '' && s.length <= 100 ? s.trim() : undefined;
  };
  const sort = (BOARD_SORTS as readonly string[]).includes(text('sort') ?? '') ? text('sort')! : 'urn';
  const order = text('order') === 'desc' ? 'desc' : 'asc';
  const page = Number(text('page') ?? '1');
  const out: BoardParams & { sort: string; order: string; pageNumber: number; unknown: { filter: BoardFilter; value: string }[] } = { sort, order, pageNumber: Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1, unknown: [] };
  for (const k of ['phase', 'status', 'programme', 'year', 'group'] as const) {
    const v = text(k);
    if (v !== undefined) out[k] = v;
  }
  const o = text('overdue');
  if (o === 'yes' || o === 'no') out.overdue = o;
  else if (o !== undefined) out.unknown.push({ filter: 'overdue', value: o });
  return out;
}

const FILTER_WORDS: Record<BoardFilter, { not: string; by: string; choose: string }> = {
  phase: { not: 'a phase', by: 'phase', choose: 'Select a phase from the list' },
  status: { not: 'a status', by: 'status', choose: 'Select a status from the list' },
  programme: { not: 'a programme of this hub', by: 'programme', choose: 'Select a programme from the list' },
  year: { not: 'an academic year, like 2026/27', by: 'academic year', choose: 'Select an academic year from the list' },
  group: { not: 'a work group of this hub', by: 'work group', choose: 'Select a work group from the list' },
  overdue: { not: 'a choice for overdue', by: 'whether they are overdue', choose: 'Select “Only overdue” or “Not overdue”' },
};

/** What the page says of a filter value it does not know: the value, that the list is not filtered by it, what to do. Pure. */
export function filterProblem(filter: BoardFilter, value: string): BoardFilterProblem {
  const w = FILTER_WORDS[filter];
  return { filter, value, text: `“${value}” is not ${w.not}, so the schools are not filtered by ${w.by}. ${w.choose}` };
}

/** An academic year as the board writes it: "2026/27", its second year the next one. Pure. */
function isAcademicYear(v: string): boolean {
  const m = /^(\d{4})\/(\d{2})$/.exec(v);
  return m !== null && (Number(m[1]) + 1) % 100 === Number(m[2]);
}

export interface Choice {
  value: string;
  text: string;
  schools: number;
}

export interface BoardDueItem {
  title: string;
  kind: 'session' | 'deadline';
  at: string;
  groupId: string | null;
  groupName: string | null;
  schools: number;
  sample: { urn: string; name: string | null }[];
}

export interface HubBoard {
  hub: { id: string; label: string };
  now: string;
  academicYear: string;
  counts: {
    total: number;
    overdue: number;
    phases: { phase: string; schools: number; statuses: { status: string; schools: number }[] }[];
  };
  params: ReturnType<typeof boardParams>;
  /** Whether any filter is set (the page offers to clear them). */
  filtered: boolean;
  /** Filter values not recognised, left out of the filtering (the page names each). */
  filterProblems: BoardFilterProblem[];
  options: { phases: Choice[]; statuses: Choice[]; programmes: Choice[]; years: Choice[]; groups: Choice[] };
  /** Each row with its route in words ("Primary"): the table's phase and year columns already say the rest of the programme. */
  table: { rows: (BoardRow & { route: string | null })[]; total: number; page: number; pages: number; first: number; last: number; sort: BoardSort; descending: boolean };
  week: { until: string; items: BoardDueItem[] };
  halfTerm: { until: string; items: BoardDueItem[] };
  overdue: { total: number; schools: { urn: string; name: string | null; reasons: string[] }[] };
  /** Escalations that are not overdue but ask the hub to follow up (the headteacher missed the first workshop), by school. */
  followUp: { urn: string; name: string | null; reasons: string[] }[];
  grants: { year: string; paidPence: number; paidSchools: number; paid: { programmeName: string; schools: number; pence: number }[]; duePence: number; due: { urn: string; name: string | null; status: string; programmeName: string | null; pence: number }[] };
  mailProblems: { urn: string; name: string; what: string; problem: string; recordedAt: string }[];
}

const TEMPLATE_WORDS: Record<string, string> = {
  'attendance-missing': 'Attendance not recorded (to the hub lead)',
  'commitment-confirmed': 'Commitment confirmed',
  declined: 'Application not successful',
  'evaluation-overdue-school': 'Evaluation overdue',
  'evaluation-overdue': 'Evaluation overdue (to the hub lead)',
  'evaluation-reminder': 'Evaluation reminder',
  'evaluation-request': 'Request for the end-of-year evaluation',
  'first-workshop-reminder': 'Reminder of the first workshop',
  'funding-released': 'Grant paid',
  'headteacher-absent-first-workshop-school': 'Headteacher missed the first workshop',
  'headteacher-absent-first-workshop': 'Headteacher missed the first workshop (to the hub lead)',
  'schedule-announced': 'The year’s dates',
  selected: 'Place offered',
  'session-cancelled': 'A session cancelled',
  'session-missed-school': 'A session missed',
  'session-missed': 'A session missed (to the hub lead)',
  'session-moved': 'A session moved',
  'session-reminder': 'Reminder of a session',
  'withdrawn-hub': 'School withdrew (to the hub lead)',
  withdrawn: 'Withdrawal confirmed',
};

/** What is due, grouped by session or deadline, in the board's words ("Meeting 3 of 6 at The Minster School", the group's short name); the end of the academic year left out (every school has it). Pure. */
export function dueItemsInWords(items: BoardDue[]): BoardDueItem[] {
  return items
    .filter((i) => i.what !== 'end of academic year')
    .map((i) => ({ ...upcomingWords(i.what, i.ofKind), at: i.at, groupId: i.groupId, groupName: compactGroupName(i.groupName, i.groupId), schools: i.schools, sample: i.sample }));
}

/** A message kind in words ("Reminder of a session"). Pure. */
export function templateWords(t: string): string {
  return TEMPLATE_WORDS[t] ?? t.replace(/[-_]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** The end of the London week (Sunday midnight) and of the half-term `now` is in (or the next one, in a holiday). Pure. */
export function boardWindows(now: string, hubId?: string): { weekEnd: string; halfTermEnd: string; halfTermLastDay: string } {
  const d = DateTime.fromISO(now, { setZone: true }).setZone(LONDON);
  const weekEnd = d.startOf('week').plus({ weeks: 1 });
  const today = d.toISODate()!;
  const year = academicYearOf(today);
  const halves = [...termsOf(year, hubId ? { hub: hubId } : undefined).halfTerms];
  const h = halves.find((x) => today <= x.end);
  const end = h ? DateTime.fromISO(h.end, { zone: LONDON }).plus({ days: 1 }).startOf('day') : weekEnd;
  return { weekEnd: weekEnd.toISO()!, halfTermEnd: (end < weekEnd ? weekEnd : end).toISO()!, halfTermLastDay: h?.end ?? today };
}

/** Everything the board shows for hub `hubId`, if `p` may read it. Throws ForbiddenError / NotFoundError. Not pure. */
export async function hubBoard(svc: Service, p: Principal, hubId: string, raw: Record<string, unknown>): Promise<HubBoard> {
  const h = findHub(hubId);
  if (!h) throw new NotFoundError('Maths Hub', hubId);
  assertRead(p, h.id, `the schools of ${h.name}`);
  const hub = hubLabel(h);
  const params = boardParams(raw);
  const now = svc.now();
  const year = academicYearOf(now);
  const { weekEnd, halfTermEnd, halfTermLastDay } = boardWindows(now, h.id);
  const sort = params.sort as BoardSort;
  const descending = params.order === 'desc';

  // The facets first: they say which filter values the hub has, and sorting by work group follows the names the board shows.
  const facets = await boardFacets(svc.db, hub);
  const { problems: filterProblems, extra } = await checkFilters(svc, h.id, params, facets);
  for (const x of filterProblems) if (x.filter !== 'overdue') delete params[x.filter];
  const [page, dueItems, overdue, grants, mail, escalated] = await Promise.all([
    boardPage(svc.db, {
      hub,
      now,
      ...(params.phase ? { phase: params.phase } : {}),
      ...(params.status ? { status: params.status } : {}),
      ...(params.programme ? { programmeId: params.programme } : {}),
      ...(params.year ? { academicYear: params.year } : {}),
      ...(params.group ? { groupId: params.group } : {}),
      ...(params.overdue ? { overdue: params.overdue === 'yes' } : {}),
      sort,
      descending,
      offset: (params.pageNumber - 1) * BOARD_PAGE_SIZE,
      limit: BOARD_PAGE_SIZE,
      ...(sort === 'group' ? { groupOrder: groupsByShownName(facets) } : {}),
    }),
    // One pass over the summaries for both windows.
    boardDue(svc.db, hub, now, halfTermEnd, 200),
    boardOverdue(svc.db, hub, 20),
    boardGrants(svc.db, hub, year),
    mailProblems(svc.db, { hub: h.id }),
    boardEscalated(svc.db, hub, 'headteacher-first-workshop'),
  ]);

  // Counts and filter choices, from the one grouped query.
  const sum = (pick: (f: (typeof facets)[number]) => string | null, label: (v: string, f: (typeof facets)[number]) => string) => {
    const m = new Map<string, Choice>();
    for (const f of facets) {
      const v = pick(f);
      if (v === null) continue;
      const c = m.get(v) ?? { value: v, text: label(v, f), schools: 0 };
      c.schools += f.schools;
      m.set(v, c);
    }
    return [...m.values()];
  };
  const byOrder = (order: string[]) => (a: Choice, b: Choice) => (order.indexOf(a.value) + 1 || 99) - (order.indexOf(b.value) + 1 || 99) || a.value.localeCompare(b.value);
  const phases = sum((f) => f.phase, (v) => v).sort(byOrder(PHASE_ORDER));
  const statuses = sum((f) => f.status, (v) => v).sort(byOrder(STATUS_ORDER));
  const total = facets.reduce((n, f) => n + f.schools, 0);
  const counts = {
    total,
    overdue: facets.filter((f) => f.overdue).reduce((n, f) => n + f.schools, 0),
    phases: phases.map((ph) => ({
      phase: ph.value,
      schools: ph.schools,
      statuses: sum((f) => (f.phase === ph.value ? f.status : null), (v) => v)
        .sort(byOrder(STATUS_ORDER))
        .map((s) => ({ status: s.value, schools: s.schools })),
    })),
  };
  // A filter set to a value no school has now (none withdrawn yet) is still offered, chosen, with 0 schools.
  const plus = (k: Exclude<BoardFilter, 'overdue'>, list: Choice[]) => (extra[k] ? [...list, extra[k]!] : list);
  const options = {
    phases: plus('phase', phases).sort(byOrder(PHASE_ORDER)),
    statuses: plus('status', statuses).sort(byOrder(STATUS_ORDER)),
    programmes: plus('programme', sum((f) => f.programmeId, (v, f) => shortProgrammeName(f.programmeName) ?? v)).sort((a, b) => a.text.localeCompare(b.text)),
    years: plus('year', sum((f) => f.academicYear, (v) => v)).sort((a, b) => b.value.localeCompare(a.value)),
    groups: plus('group', sum((f) => f.groupId, (v, f) => compactGroupName(f.groupName, v) ?? v)).sort(byShownName),
  };

  const pages = Math.max(1, Math.ceil(page.total / BOARD_PAGE_SIZE));
  const first = page.rows.length ? (params.pageNumber - 1) * BOARD_PAGE_SIZE + 1 : 0;
  const due = dueItemsInWords;

  const overdueSchools = overdue.rows.map((o) => ({ urn: o.urn, name: o.name, reasons: overdueReasons(o, now) }));

  // Amounts from the catalogue: every school of a programme earns the same grant.
  const grantOf = (id: string) => catalogue.find((x) => x.id === id)?.funding?.amountPence ?? 0;
  const unpaid = grants.unpaid.map((g) => ({ urn: g.urn, name: g.name, status: g.status, programmeName: shortProgrammeName(g.programmeName), pence: grantOf(g.programmeId) })).filter((g) => g.pence > 0);
  const names = await schoolNames(svc.db, [...new Set(mail.map((x) => x.urn))]);
  return {
    hub: { id: h.id, label: hub },
    now,
    academicYear: year,
    counts,
    params,
    filtered: Boolean(params.phase || params.status || params.programme || params.year || params.group || params.overdue),
    filterProblems,
    options,
    table: { rows: page.rows.map((r) => ({ ...r, route: routeWords(r.programmeId), programmeName: shortProgrammeName(r.programmeName)?.replace(/\s+\d{4}\/\d{2}$/, '') ?? null, groupName: compactGroupName(r.groupName, r.groupId) })), total: page.total, page: params.pageNumber, pages, first, last: first ? first + page.rows.length - 1 : 0, sort, descending },
    week: { until: weekEnd, items: due(dueItems.filter((i) => Date.parse(i.at) < Date.parse(weekEnd))) },
    halfTerm: { until: halfTermLastDay, items: due(dueItems.filter((i) => Date.parse(i.at) >= Date.parse(weekEnd))) },
    overdue: { total: overdue.total, schools: overdueSchools },
    followUp: followUpSchools(escalated),
    grants: {
      year,
      paidPence: grants.paid.reduce((n, g) => n + g.pence, 0),
      paidSchools: grants.paid.reduce((n, g) => n + g.schools, 0),
      paid: grants.paid.map((g) => ({ programmeName: shortProgrammeName(catalogue.find((x) => x.id === g.programmeId)?.name ?? g.programmeId)!, schools: g.schools, pence: g.pence })),
      duePence: unpaid.reduce((n, g) => n + g.pence, 0),
      due: unpaid,
    },
    mailProblems: mail.slice(0, 50).map((m) => ({ urn: m.urn, name: names.get(m.urn) ?? m.urn, what: templateWords(m.template), problem: mailProblemWords(m.problem), recordedAt: m.recordedAt })),
  };
}

/**
 * Why a school is overdue, in sentences a hub officer acts on: each past
 * session whose attendance was never recorded, the evaluation not sent by the
 * year's end. Shared by the board and the weekly digest. Pure.
 */
export function overdueReasons(o: Pick<BoardOverdue, 'status' | 'programmeName' | 'upcoming' | 'sessionsOfKind'>, now: string): string[] {
  const reasons: string[] = [];
  if (o.status === 'overdue') reasons.push(evaluationOverdueWords(shortProgrammeName(o.programmeName)));
  // A session still "scheduled" after it happened: its attendance was never recorded.
  for (const u of o.upcoming) {
    const m = /^(meeting|workshop|visit|inSchoolDay) (\S+) at /.exec(u.what);
    if (m && Date.parse(u.at) < Date.parse(now)) reasons.push(attendanceOverdueWords(sessionName(m[2]!, o.sessionsOfKind[m[1]!], m[1]), u.at));
  }
  if (reasons.length === 0) reasons.push('Something the programme asks for is outstanding.');
  return reasons;
}

/**
 * The filter values of `params` the hub does not know, each in words, and a
 * choice for each known value no school of the hub has now (a status nobody
 * is in yet, a work group still empty), so that the filter shows what the
 * table is filtered by. Phases and statuses are the pathway's; programmes the
 * catalogue's; work groups the hub's own. Not pure (reads a work group the
 * facets do not name).
 */
async function checkFilters(svc: Service, hubId: string, params: BoardParams & { unknown: { filter: BoardFilter; value: string }[] }, facets: readonly BoardFacet[]): Promise<{ problems: BoardFilterProblem[]; extra: Partial<Record<BoardFilter, Choice>> }> {
  const problems = params.unknown.map((u) => filterProblem(u.filter, u.value));
  const extra: Partial<Record<BoardFilter, Choice>> = {};
  const had = (pick: (f: BoardFacet) => string | null, v: string) => facets.some((f) => pick(f) === v);
  const check = async (filter: Exclude<BoardFilter, 'overdue'>, pick: (f: BoardFacet) => string | null, known: (v: string) => Promise<string | null> | string | null) => {
    const v = params[filter];
    if (v === undefined || had(pick, v)) return;
    const text = await known(v);
    if (text === null) problems.push(filterProblem(filter, v));
    else extra[filter] = { value: v, text, schools: 0 };
  };
  await check('phase', (f) => f.phase, (v) => (PHASE_ORDER.includes(v) ? v : null));
  await check('status', (f) => f.status, (v) => (STATUS_ORDER.includes(v) ? v : null));
  await check('programme', (f) => f.programmeId, (v) => shortProgrammeName(catalogue.find((x) => x.id === v)?.name ?? null));
  await check('year', (f) => f.academicYear, (v) => (isAcademicYear(v) ? v : null));
  await check('group', (f) => f.groupId, async (v) => {
    const g = /^[a-z0-9][a-z0-9-]*$/.test(v) ? await getGroup(svc.db, v) : null;
    return g && hubIdOf(g.hub) === hubId ? (compactGroupName(g.name, g.id) ?? g.id) : null;
  });
  return { problems, extra };
}

/** Names as people read them: "group 2" before "group 10". Pure. */
const byShownName = (a: { text: string }, b: { text: string }) => a.text.localeCompare(b.text, 'en-GB', { numeric: true, sensitivity: 'base' });

/** The hub's work group ids in the order of the names the board shows for them (the filter's order too). Pure. */
export function groupsByShownName(facets: readonly Pick<BoardFacet, 'groupId' | 'groupName'>[]): string[] {
  const shown = new Map<string, string>();
  for (const f of facets) if (f.groupId !== null) shown.set(f.groupId, compactGroupName(f.groupName, f.groupId) ?? f.groupId);
  return [...shown].map(([value, text]) => ({ value, text })).sort(byShownName).map((g) => g.value);
}

/** The schools with an escalation still to follow up, at most 20, each with why in words. Pure. */
export function followUpSchools(rows: readonly BoardEscalated[]): HubBoard['followUp'] {
  const out: HubBoard['followUp'] = [];
  for (const r of rows) {
    const missed = headteacherMissedFirst(r, r.status);
    if (!missed) continue;
    const ofKind = r.sessions.filter((x) => x.kind === missed.kind && x.status !== 'cancelled').length;
    out.push({ urn: r.urn, name: r.name, reasons: [headteacherMissedWords(sessionName(missed.id, ofKind, missed.kind), missed.at)] });
  }
  return out.slice(0, 20);
}

/** "Primary" or "Secondary", from a programme id ("primary-development-2025-26"); null when the school has no programme yet. Pure. */
function routeWords(programmeId: string | null): string | null {
  const route = programmeId?.split('-')[0];
  return route === 'primary' ? 'Primary' : route === 'secondary' ? 'Secondary' : null;
}
