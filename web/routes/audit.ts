/**
 * The auditor's pages: home (the hub's schools, those stopped by an altered
 * history, and the funding ledger in short), a school's state on any date with the verdict on its history, a
 * printable audit report, and the funding ledger with CSV export. Auditors,
 * hub staff and admins read them for the hubs they may see; another hub's
 * school is refused before any of its data is read. Also registers the
 * headteacher's page (for-schools.ts). Not pure.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DateTime } from 'luxon';
import { ValidationError } from '../../domain/errors.js';
import { LONDON } from '../../domain/calendar/london.js';
import { londonDateOf } from '../../domain/calendar/index.js';
import { longDate } from '../format.js';
import type { Principal, Service } from '../../service/context.js';
import { hubLabel, resolveHub } from '../../service/access.js';
import { listSchools } from '../../service/schools.js';
import { schoolAudit } from '../../service/school-audit.js';
import { fundingLedger, ledgerCsv, ledgerYear } from '../../service/ledger.js';
import { openFindings } from '../../store/tamper.js';
import { pageHub, hubQuery, type PageHub } from '../hub-context.js';
import { requireSignIn } from '../session.js';
import { fieldError } from '../forms.js';
import { parseDateParts } from '../groups/inputs.js';
import { forSchoolsRoutes } from './for-schools.js';

const PAGE_SIZE = 50;

type Query = Record<string, string | undefined>;

/** Page n (from 1) of `items`, and the GOV.UK pagination for it, keeping the other query parameters. Pure. */
export function paginate<T>(items: readonly T[], pageParam: string | undefined, base: string, query: Query) {
  const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  const asked = Number.parseInt(pageParam ?? '1', 10);
  const page = Number.isFinite(asked) ? Math.min(Math.max(asked, 1), pages) : 1;
  const href = (n: number) => {
    const q = new URLSearchParams(Object.entries({ ...query, page: n > 1 ? String(n) : undefined }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
    const s = q.toString();
    return s ? `${base}?${s}` : base;
  };
  return {
    slice: items.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE),
    page,
    pages,
    from: items.length ? (page - 1) * PAGE_SIZE + 1 : 0,
    to: Math.min(page * PAGE_SIZE, items.length),
    pagination:
      pages > 1
        ? {
            ...(page > 1 ? { previous: { href: href(page - 1) } } : {}),
            ...(page < pages ? { next: { href: href(page + 1) } } : {}),
            items: Array.from({ length: pages }, (_, i) => i + 1)
              .filter((n) => n === 1 || n === pages || Math.abs(n - page) <= 2)
              .flatMap((n, i, a) => (i > 0 && n - a[i - 1]! > 1 ? [{ ellipsis: true }, { number: n, href: href(n), current: n === page }] : [{ number: n, href: href(n), current: n === page }])),
          }
        : null,
  };
}

/** "2026-11-10" in London from the service clock. Pure. */
function londonDay(instant: string): string {
  return DateTime.fromISO(instant, { setZone: true }).setZone(LONDON).toISODate()!;
}

function hubQs(p: Principal, hub: PageHub): string {
  const q = hubQuery(p, hub);
  return q ? `?${q}` : '';
}

/** Registers /audit, /audit/schools/:urn, /audit/schools/:urn/report, /audit/ledger(.csv), and /for-schools/:token. Not pure. */
export async function auditRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  app.get<{ Querystring: Query }>('/audit', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    const q = request.query;
    const search = (q.urn ?? '').trim();
    const schools = await listSchools(svc, p, { hub: hub.id });
    let errors: { text: string; href: string }[] = [];
    let fieldErrors: Record<string, string> = {};
    if (search !== '') {
      if (!/^\d{6,7}$/.test(search)) ({ errors, fieldErrors } = fieldError('urn', 'Enter a URN of 6 or 7 digits, like 100001'));
      else if (schools.some((s) => s.urn === search)) return reply.redirect(`/audit/schools/${search}${hubQs(p, hub)}`, 303);
      else ({ errors, fieldErrors } = fieldError('urn', `No school with URN ${search} is in ${hub.label} Maths Hub`));
    }
    const ledger = await fundingLedger(svc, p, { hub: hub.id });
    const byYear = ledger.years.map((y) => {
      const rows = ledger.rows.filter((r) => r.academicYear === y);
      return { year: y, count: rows.length, totalPence: rows.reduce((n, r) => n + r.amountPence, 0) };
    });
    const listed = paginate(schools, q.page, '/audit', { hub: hubQuery(p, hub) ? hub.id : undefined });
    // Schools stopped by a history found altered and not yet signed off (store/tamper.ts): named on the list.
    const stopped = await openFindings(svc.db, schools.map((s) => s.urn));
    return reply.page(
      'audit/home.njk',
      {
        title: 'Audit',
        hubId: hub.id,
        hubName: hub.label,
        hub,
        hubQs: hubQs(p, hub),
        schools: listed.slice,
        listed,
        total: schools.length,
        ledger: { count: ledger.rows.length, totalPence: ledger.totalPence, byYear },
        stopped: Object.fromEntries([...stopped].map(([urn, f]) => [urn, { atVersion: f.atVersion, foundAt: f.foundAt }])),
        stoppedCount: stopped.size,
        search,
        errors,
        fieldErrors,
      },
      errors.length ? 400 : 200,
    );
  });

  const schoolPage = async (urn: string, at: string | undefined, p: Principal) => {
    let errors: { text: string; href: string }[] = [];
    let fieldErrors: Record<string, string> = {};
    const asked = at?.trim() || undefined;
    let audit;
    const future = asked !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(asked) && asked > londonDateOf(svc.now());
    try {
      // A history says nothing of days to come: the state on a later date would only repeat today's.
      if (future) throw new ValidationError([{ path: 'at', message: 'is in the future', value: asked, severity: 'error' }], 'audit date');
      audit = await schoolAudit(svc, p, urn, asked);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ({ errors, fieldErrors } = fieldError('at', future ? `The date must be today or in the past (the link asked for ${longDate(asked!)})` : `The date must be a real date, for example 27 3 2026 (the link asked for “${asked}”)`));
      audit = await schoolAudit(svc, p, urn);
    }
    const hubName = audit.hubId ? hubLabel(resolveHub(audit.hubId)) : audit.now.hub ?? '';
    // The three boxes show the date asked for (a link's ?at=YYYY-MM-DD), as GOV.UK's date input asks.
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(asked ?? '');
    const parts = m && !errors.length ? { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1]! } : { day: '', month: '', year: '' };
    return { audit, errors: errors.map((e) => ({ ...e, href: '#at-day' })), fieldErrors, hubName, parts };
  };

  app.get<{ Params: { urn: string }; Querystring: Query }>('/audit/schools/:urn', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const q = request.query;
    const typed = { day: (q['at-day'] ?? '').trim(), month: (q['at-month'] ?? '').trim(), year: (q['at-year'] ?? '').trim() };
    let dateProblem: { message: string; part: 'day' | 'month' | 'year' } | null = null;
    if ('at-day' in q || 'at-month' in q || 'at-year' in q) {
      // The form's three boxes: a good date becomes the page's link (?at=YYYY-MM-DD), empty boxes mean today.
      const keep = q.hub ? `hub=${encodeURIComponent(q.hub)}` : '';
      const base = `/audit/schools/${encodeURIComponent(request.params.urn)}`;
      if (!typed.day && !typed.month && !typed.year) return reply.redirect(`${base}${keep ? `?${keep}` : ''}`, 303);
      const parsed = parseDateParts(typed.day, typed.month, typed.year, 'The date');
      if (parsed.ok && parsed.value <= londonDateOf(svc.now())) return reply.redirect(`${base}?at=${parsed.value}${keep ? `&${keep}` : ''}`, 303);
      dateProblem = parsed.ok ? { message: 'The date must be today or in the past', part: 'day' } : { message: parsed.message, part: parsed.part ?? 'day' };
    }
    const page = await schoolPage(request.params.urn, dateProblem ? undefined : q.at, p);
    const { audit, hubName } = page;
    let { errors, fieldErrors, parts } = page;
    if (dateProblem) {
      errors = [{ text: dateProblem.message, href: `#at-${dateProblem.part}` }];
      fieldErrors = { at: dateProblem.message };
      parts = typed;
    }
    const school = audit.now.name ?? `School ${audit.urn}`;
    return reply.page(
      'audit/school.njk',
      {
        title: `${school}: audit`,
        hubId: audit.hubId,
        hubName,
        audit,
        school,
        atParts: parts,
        hubQs: audit.hubId && (p.role === 'admin' || p.hubs.length > 1) ? `?hub=${encodeURIComponent(audit.hubId)}` : '',
        errors,
        fieldErrors,
        breadcrumbs: [{ text: 'Audit', href: '/audit' + (audit.hubId && p.role === 'admin' ? `?hub=${audit.hubId}` : '') }, { text: school }],
      },
      errors.length ? 400 : 200,
    );
  });

  app.get<{ Params: { urn: string }; Querystring: Query }>('/audit/schools/:urn/report', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const { audit, errors, hubName } = await schoolPage(request.params.urn, request.query.at, p);
    if (errors.length) return reply.redirect(`/audit/schools/${encodeURIComponent(request.params.urn)}?at=${encodeURIComponent(request.query.at ?? '')}`, 303);
    const school = audit.now.name ?? `School ${audit.urn}`;
    return reply.page('audit/report.njk', {
      title: `Audit report: ${school}`,
      hubId: audit.hubId,
      hubName,
      audit,
      school,
      producedAt: svc.now(),
      producedBy: p.name,
      backLink: { href: `/audit/schools/${audit.urn}${audit.at ? `?at=${audit.at}` : ''}`, text: 'Back to the school' },
    });
  });

  /** The ledger's filters from the query: a bad year is a field error, never a silent "all years". */
  const ledgerFor = async (p: Principal, q: Query, hub: PageHub) => {
    const year = (q.year ?? '').trim();
    try {
      if (year !== '') ledgerYear(year);
      return { ledger: await fundingLedger(svc, p, { hub: hub.id, ...(year ? { year } : {}) }), year, problem: null as null | ReturnType<typeof fieldError> };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return { ledger: await fundingLedger(svc, p, { hub: hub.id }), year: '', problem: fieldError('year', `Choose an academic year like 2026/27 (you asked for “${year}”)`) };
    }
  };

  app.get<{ Querystring: Query }>('/audit/ledger', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    const { ledger, year, problem } = await ledgerFor(p, request.query, hub);
    const hubParam = hubQuery(p, hub) ? hub.id : undefined;
    const listed = paginate(ledger.rows, request.query.page, '/audit/ledger', { hub: hubParam, year: year || undefined });
    const csvQuery = new URLSearchParams(Object.entries({ hub: hubParam, year: year || undefined }).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return reply.page(
      'audit/ledger.njk',
      {
        title: 'Funding ledger',
        hubId: hub.id,
        hubName: hub.label,
        hub,
        hubParam,
        ledger,
        rows: listed.slice,
        listed,
        year,
        csvHref: `/audit/ledger.csv${csvQuery.toString() ? `?${csvQuery}` : ''}`,
        errors: problem?.errors ?? [],
        fieldErrors: problem?.fieldErrors ?? {},
        breadcrumbs: [{ text: 'Audit', href: `/audit${hubQs(p, hub)}` }, { text: 'Funding ledger' }],
      },
      problem ? 400 : 200,
    );
  });

  app.get<{ Querystring: Query }>('/audit/ledger.csv', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    const { ledger, year, problem } = await ledgerFor(p, request.query, hub);
    if (problem) return reply.redirect(`/audit/ledger?${new URLSearchParams({ year: request.query.year ?? '', ...(hubQuery(p, hub) ? { hub: hub.id } : {}) })}`, 303);
    const csv = ledgerCsv(ledger.rows, londonDay);
    const name = `funding-ledger-${hub.id}${year ? `-${year.replace('/', '-')}` : ''}-${londonDay(svc.now())}.csv`;
    return sendCsv(reply, name, csv);
  });

  await forSchoolsRoutes(app, svc);
}

function sendCsv(reply: FastifyReply, filename: string, csv: string): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(`\uFEFF${csv}`);
}
