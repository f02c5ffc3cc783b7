/**
 * The cohort transition pages: pick a year (and optionally one work group),
 * see what a dry run says happens to every school, then confirm to move them
 * (service/cohorts.ts runCohortTransition, the same as the API). The real run
 * goes on in the background; its page refreshes itself every 2 seconds while
 * it runs, showing how many schools have moved, then shows the report. Runs
 * are kept in memory (../cohort/runs.ts). Auditors may look at a dry run but
 * not confirm. Not pure.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TransitionReport, TransitionRow } from '../../host/cohort.js';
import { academicYearOf, nextAcademicYear, shiftAcademicYear } from '../../domain/calendar/academic-year.js';
import { AcademicYear } from '../../domain/catalogue/schema.js';
import { ValidationError } from '../../domain/errors.js';
import { runCohortTransition } from '../../service/cohorts.js';
import { listWorkGroups } from '../../service/groups.js';
import { assertWrite, canRead } from '../../service/access.js';
import type { Principal, Service } from '../../service/context.js';
import { NotFoundError } from '../../service/errors.js';
import type { WorkGroup } from '../../store/ops/groups.js';
import { pageHub, hubQuery, type PageHub } from '../hub-context.js';
import { requireSignIn } from '../session.js';
import { fieldError, formErrors, type FormErrors } from '../forms.js';
import { phaseName, statusWords } from '../format.js';
import { groupLabel } from '../applications/words.js';
import { CohortRuns, type CohortRun } from '../cohort/runs.js';

const PER_PAGE = 50;
const OUTCOMES = ['would move', 'moved', 'already moved', 'cannot move', 'failed'] as const;

type Query = Record<string, string | undefined>;

/** The years offered: the hub's work groups' years, the years around now and the one asked for, latest first. Pure. */
function yearChoices(groups: WorkGroup[], now: string, asked?: string): string[] {
  const current = academicYearOf(now);
  const set = new Set([current, shiftAcademicYear(current, -1), shiftAcademicYear(current, -2), ...groups.map((g) => g.academicYear)]);
  // A year asked for in the address (a link, a bookmark) is shown as chosen, not replaced by the default.
  if (asked !== undefined && AcademicYear.safeParse(asked).success) set.add(asked);
  return [...set].sort().reverse();
}

/** The year most likely meant: the one just ended in the autumn, the one ending in the summer. Pure. */
function defaultYear(now: string): string {
  const current = academicYearOf(now);
  const month = Number(now.slice(5, 7));
  return month >= 6 && month <= 8 ? current : shiftAcademicYear(current, -1);
}

/** A transition row in words for the table. Pure. */
function rowWords(r: TransitionRow, groups: Map<string, WorkGroup>, to: string) {
  const g = r.groupId ? groups.get(r.groupId) : undefined;
  const moves = r.toPhase ? `${phaseName(r.toPhase)}, ${to}` : null;
  const what =
    r.outcome === 'would move' ? `Would move to ${moves}`
    : r.outcome === 'moved' ? `Moved to ${moves}`
    : r.outcome === 'already moved' ? `Already moved to ${moves}`
    : reasonWords(r.reason ?? '');
  return {
    urn: r.urn,
    name: r.name ?? `School ${r.urn}`,
    group: g ? groupLabel({ id: g.id, phase: g.phase, academicYear: g.academicYear, name: g.name }) : r.groupId ? 'Another work group' : 'No work group',
    now: `${phaseName(r.fromPhase)} ${r.fromYear}: ${statusWords(r.fromStatus).toLowerCase()}`,
    outcome: r.outcome,
    outcomeText: r.outcome.charAt(0).toUpperCase() + r.outcome.slice(1),
    tag: r.outcome === 'would move' || r.outcome === 'moved' ? 'govuk-tag--green' : r.outcome === 'already moved' ? 'govuk-tag--blue' : r.outcome === 'failed' ? 'govuk-tag--red' : 'govuk-tag--grey',
    what,
  };
}

/** A planner's reason ("still an application (applied), not in a work group") as a sentence. Pure. */
function reasonWords(reason: string): string {
  const s = reason
    .replace(/\((applied|eligible|waitlisted|selected|active|evaluating|overdue|completed)\)/g, (_m, st: string) => `(${statusWords(st).toLowerCase()})`)
    .replace(/^(trg|readiness|development|embedding|sustaining)\b/, (ph: string) => phaseName(ph))
    .replace(/\((primary|secondary) (trg|readiness|development|embedding|sustaining)\)/, (_m, route: string, ph: string) => `(${route} ${phaseName(ph)})`);
  return s ? `${s.charAt(0).toUpperCase()}${s.slice(1)}.` : '';
}

/** The rows of one page of a report, filtered by outcome. Pure. */
function reportTable(report: TransitionReport, groups: Map<string, WorkGroup>, outcome: string, page: number, hrefFor: (o: Record<string, string | number | undefined>) => string) {
  const rows = report.rows.filter((r) => !outcome || r.outcome === outcome);
  const pages = Math.max(1, Math.ceil(rows.length / PER_PAGE));
  const current = Math.min(Math.max(1, page), pages);
  const shown = rows.slice((current - 1) * PER_PAGE, current * PER_PAGE).map((r) => rowWords(r, groups, report.to));
  const outcomes = OUTCOMES.filter((o) => report.counts[o] > 0).map((o) => ({ value: o, count: report.counts[o], href: hrefFor({ outcome: o, page: undefined }), current: o === outcome }));
  return {
    rows: shown,
    total: rows.length,
    all: report.rows.length,
    outcomes,
    allHref: hrefFor({ outcome: undefined, page: undefined }),
    first: (current - 1) * PER_PAGE + (shown.length ? 1 : 0),
    last: (current - 1) * PER_PAGE + shown.length,
    pagination: pages > 1
      ? {
          items: Array.from({ length: pages }, (_, i) => ({ number: i + 1, href: hrefFor({ page: i + 1 }), current: i + 1 === current })),
          ...(current > 1 ? { previous: { href: hrefFor({ page: current - 1 }) } } : {}),
          ...(current < pages ? { next: { href: hrefFor({ page: current + 1 }) } } : {}),
        }
      : null,
  };
}

function hrefWith(path: string, base: Record<string, string>, change: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...base, ...change })) if (v !== undefined && v !== '' && !(k === 'page' && String(v) === '1')) q.set(k, String(v));
  const s = q.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

function pageOf(v: unknown): number {
  return typeof v === 'string' && /^\d{1,6}$/.test(v) && Number(v) >= 1 ? Number(v) : 1;
}

interface Choice {
  from: string;
  groupId: string;
}

/** Checks the year and group chosen; FormErrors when wrong. Pure. */
function checkChoice(raw: { from?: string; group?: string }, groups: WorkGroup[]): Choice | FormErrors {
  const from = (raw.from ?? '').trim();
  const groupId = (raw.group ?? '').trim();
  const errors: FormErrors = { errors: [], fieldErrors: {} };
  if (from === '') Object.assign(errors, fieldError('from', 'Select the academic year the schools are finishing'));
  else if (!AcademicYear.safeParse(from).success) Object.assign(errors, fieldError('from', `Select an academic year written like 2025/26, not “${from}”`));
  if (groupId !== '' && !groups.some((g) => g.id === groupId)) {
    const e = fieldError('group', 'Select one of the work groups listed, or all schools in the hub');
    errors.errors.push(...e.errors);
    Object.assign(errors.fieldErrors, e.fieldErrors);
  }
  return errors.errors.length ? errors : { from, groupId };
}

/** Registers /hub/cohort-transition and its runs. Not pure. */
export async function cohortRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  const runs = new CohortRuns();

  const hubGroups = async (p: Principal, hub: PageHub) => (await listWorkGroups(svc, p, { hub: hub.id })).filter((g) => g.hub === hub.id) as WorkGroup[];

  const dryRun = (p: Principal, hub: PageHub, c: Choice) =>
    runCohortTransition(svc, p, { from: c.from, to: nextAcademicYear(c.from), hub: hub.id, dryRun: true, ...(c.groupId ? { groupId: c.groupId } : {}) });

  const renderChoose = async (reply: FastifyReply, p: Principal, hub: PageHub, q: Query, groups: WorkGroup[], extra: Record<string, unknown> = {}, status = 200) => {
    const hq = hubQuery(p, hub);
    return reply.page(
      'cohort/index.njk',
      {
        title: 'Cohort transition',
        hubName: hub.label,
        hubId: hub.id,
        hubParam: hq ? hub.id : '',
        years: yearChoices(groups, svc.now(), q.from).map((y) => ({ value: y, text: `${y} (moving into ${nextAcademicYear(y)})`, selected: y === (q.from ?? defaultYear(svc.now())) })),
        groupOptions: [{ value: '', text: 'All schools in the hub', selected: !q.group }, ...groups.map((g) => ({ value: g.id, text: groupLabel(g), selected: q.group === g.id }))],
        canRun: p.role !== 'auditor',
        errors: [],
        fieldErrors: {},
        ...extra,
      },
      status,
    );
  };

  app.get<{ Querystring: Query }>('/hub/cohort-transition', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    const groups = await hubGroups(p, hub);
    const q = request.query;
    if (q.check === undefined) return renderChoose(reply, p, hub, q, groups);
    const choice = checkChoice(q, groups);
    if ('errors' in choice) return renderChoose(reply, p, hub, q, groups, { errors: choice.errors, fieldErrors: choice.fieldErrors }, 400);
    let report: TransitionReport;
    try {
      report = await dryRun(p, hub, choice);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const e = formErrors(err.problems, { from: { name: 'from', label: 'The year' }, to: { name: 'from', label: 'The year' } });
      return renderChoose(reply, p, hub, q, groups, e as unknown as Record<string, unknown>, 400);
    }
    const byId = new Map(groups.map((g) => [g.id, g]));
    const base: Record<string, string> = { ...(hubQuery(p, hub) ? { hub: hub.id } : {}), from: choice.from, ...(choice.groupId ? { group: choice.groupId } : {}), check: '1' };
    const outcome = OUTCOMES.includes(q.outcome as never) ? q.outcome! : '';
    const table = reportTable(report, byId, outcome, pageOf(q.page), (c) => hrefWith('/hub/cohort-transition', { ...base, ...(outcome ? { outcome } : {}) }, c));
    const group = choice.groupId ? byId.get(choice.groupId) : undefined;
    return renderChoose(reply, p, hub, q, groups, {
      report,
      table,
      choice,
      to: report.to,
      scopeText: group ? groupLabel(group) : `all schools in ${hub.label} Maths Hub`,
      willMove: report.counts['would move'],
    });
  });

  app.post<{ Body: Record<string, string | undefined>; Querystring: Query }>('/hub/cohort-transition', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const body = request.body ?? {};
    // The hub comes with the form (admins); pageHub reads ?hub=.
    if (body.hub && !request.query.hub) (request.query as Query).hub = body.hub;
    const hub = await pageHub(svc, p, request);
    assertWrite(p, hub.id, `the schools of ${hub.label} Maths Hub`);
    const groups = await hubGroups(p, hub);
    const choice = checkChoice(body, groups);
    if ('errors' in choice) return renderChoose(reply, p, hub, body, groups, { errors: choice.errors, fieldErrors: choice.fieldErrors }, 400);
    const scope = { hubId: hub.id, from: choice.from, groupId: choice.groupId || null };
    const already = runs.running(scope);
    if (already) return reply.redirect(`/hub/cohort-transition/runs/${already.id}`, 303);
    const before = await dryRun(p, hub, choice);
    const group = choice.groupId ? groups.find((g) => g.id === choice.groupId) : undefined;
    const run = runs.start(
      {
        hubId: hub.id,
        hubLabel: hub.label,
        from: choice.from,
        to: before.to,
        groupId: scope.groupId,
        groupLabel: group ? groupLabel(group) : null,
        startedBy: p.name,
        startedAt: svc.now(),
        expected: before.counts['would move'],
        baseline: before.counts['already moved'],
      },
      () => runCohortTransition(svc, p, { from: choice.from, to: before.to, hub: hub.id, dryRun: false, ...(choice.groupId ? { groupId: choice.groupId } : {}) }),
    );
    return reply.redirect(`/hub/cohort-transition/runs/${run.id}`, 303);
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/hub/cohort-transition/runs/:id', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const run = runs.get(request.params.id);
    // Another hub's run is as unknown as one that never was.
    if (!run || !canRead(p, run.hubId)) throw new NotFoundError('cohort transition run', 'with this address (reports are kept until the service restarts; a dry run shows the schools already moved)');
    let progress: number | null = null;
    if (run.status === 'running') {
      // Schools the run has moved so far: a dry run now lists them as already moved.
      const now = await runCohortTransition(svc, p, { from: run.from, to: run.to, hub: run.hubId, dryRun: true, ...(run.groupId ? { groupId: run.groupId } : {}) });
      progress = Math.max(0, Math.min(run.expected, now.counts['already moved'] - run.baseline));
    }
    const groups = await listWorkGroups(svc, p, { hub: run.hubId });
    const byId = new Map((groups as WorkGroup[]).map((g) => [g.id, g]));
    const q = request.query;
    const outcome = OUTCOMES.includes(q.outcome as never) ? q.outcome! : '';
    const base: Record<string, string> = outcome ? { outcome } : {};
    const table = run.report ? reportTable(run.report, byId, outcome, pageOf(q.page), (c) => hrefWith(`/hub/cohort-transition/runs/${run.id}`, base, c)) : null;
    return reply.page('cohort/run.njk', {
      title: run.status === 'running' ? 'Moving schools' : run.status === 'failed' ? 'The cohort transition stopped' : 'Cohort transition finished',
      hubName: run.hubLabel,
      hubId: run.hubId,
      breadcrumbs: [{ text: 'Cohort transition', href: '/hub/cohort-transition' }, { text: `${run.from} to ${run.to}` }],
      run,
      progress,
      table,
      refresh: run.status === 'running',
      // The row's phase and status are as the run found them: after it, a moved school is elsewhere.
      stateHeader: 'Before the run',
      scopeText: run.groupLabel ?? `all schools in ${run.hubLabel} Maths Hub`,
    });
  });
}

export type { CohortRun };
