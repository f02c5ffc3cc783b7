/**
 * The applications pages: the hub's open applications (applied, eligible,
 * waitlisted) with each stored form's problems and warnings, and one
 * application with the hub's decisions as forms (assess eligibility, select
 * into a work group, waitlist, decline with an alternative). Every decision
 * calls the same service function as the API, with the school's version as
 * If-Match. Bad input re-renders the form with the error summary; a rule's
 * refusal is a 422 page in words; a stale version a 409 with the fresh page.
 * Also registers the cohort transition pages (./cohort.ts). Not pure.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Service, Principal } from '../../service/context.js';
import { applicationDetail, applicationsPage, type ApplicationDetail } from '../../service/application-pages.js';
import { assessEligibility, declineApplication, OPEN_APPLICATION_STATUSES, selectApplication, waitlistApplication } from '../../service/applications.js';
import { assertWrite, hubIdOf } from '../../service/access.js';
import { NotFoundError, RefusedError } from '../../service/errors.js';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../../domain/errors.js';
import { GroupVersionConflict } from '../../store/ops/groups.js';
import { pageHub, hubQuery } from '../hub-context.js';
import { requireSignIn, flash } from '../session.js';
import { fieldError, formErrors, type FormErrors } from '../forms.js';
import { renderStatusPage } from '../errors.js';
import { longDate, statusWords } from '../format.js';
import { criterionLabel, groupLabel, problemWords, programmeShort, roleWords, fieldName } from '../applications/words.js';
import { refusalWords } from '../applications/refusals.js';
import { cohortRoutes } from './cohort.js';
import { joinedDatesWords } from '../../service/schedule.js';

const PER_PAGE = 50;

type Decision = 'eligibility' | 'select' | 'waitlist' | 'decline';

/** What each decision is called on the page, and which statuses take it. */
const DECISIONS: Record<Decision, { verb: string; from: readonly string[] }> = {
  eligibility: { verb: 'assess the eligibility of', from: ['applied'] },
  select: { verb: 'select', from: ['eligible', 'waitlisted'] },
  waitlist: { verb: 'put on the waiting list', from: ['eligible'] },
  decline: { verb: 'decline', from: ['applied', 'eligible', 'waitlisted'] },
};

type Body = Record<string, string | string[] | undefined>;

function one(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
}

function many(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => x.trim()).filter(Boolean);
}

/** A page number from the query string (1 when absent or not a number). Pure. */
function pageNumber(v: unknown): number {
  const n = typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : 1;
  return n >= 1 ? n : 1;
}

/** The query string of the list with one thing changed (for filters, sort links and pages). Pure. */
function listHref(base: Record<string, string>, change: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...base, ...change })) if (v !== undefined && v !== '' && !(k === 'page' && String(v) === '1')) q.set(k, String(v));
  const s = q.toString();
  return `/hub/applications${s ? `?${s}` : ''}`;
}

/** Rows of the summary list of a school's application (from the stored form when there is one). Pure. */
function applicationFacts(d: ApplicationDetail): { key: string; value: string }[] {
  const c = d.snapshot.context;
  const school = c.school;
  const facts: { key: string; value: string }[] = [];
  const f = d.form?.form as Record<string, any> | undefined;
  if (f) {
    const s = f.school ?? {};
    facts.push({ key: 'School', value: `${s.name ?? ''}` });
    facts.push({ key: 'URN', value: `${s.urn ?? d.urn}` });
    if (s.address) facts.push({ key: 'Address', value: s.address });
    if (s.phone) facts.push({ key: 'Phone', value: s.phone });
    if (s.localAuthority) facts.push({ key: 'Local authority', value: s.localAuthority });
    if (s.hub) facts.push({ key: 'Maths Hub', value: s.hub });
    if (s.headteacher) facts.push({ key: 'Headteacher', value: `${s.headteacher.name}, ${s.headteacher.email}` });
    if (s.headOfDepartment) facts.push({ key: 'Head of department', value: `${s.headOfDepartment.name}, ${s.headOfDepartment.email}` });
    (f.teachers as any[] | undefined)?.forEach((t, i) => {
      const parts = [t.name, t.email, t.phone, roleWords(t.role), t.responsibility, t.ncetmUsername ? `NCETM username ${t.ncetmUsername}` : undefined, Array.isArray(t.yearGroups) && t.yearGroups.length ? `teaches ${t.yearGroups.join(', ')}` : undefined];
      facts.push({ key: `Teacher ${i + 1}`, value: parts.filter(Boolean).join(', ') });
    });
    if (f.masterySpecialist) facts.push({ key: 'Worked with a Mastery Specialist', value: f.masterySpecialist.workedWith ? `Yes${f.masterySpecialist.name ? `: ${f.masterySpecialist.name}` : ''}` : 'No' });
    for (const [who, text] of Object.entries((f.statements ?? {}) as Record<string, string>)) facts.push({ key: capitalise(fieldName(`statements.${who}`)), value: text });
    if (f.eligibility) {
      const claimed = (f.eligibility.criteria as string[]).map((id) => criterionLabel(id, d.eligibility?.criteria));
      facts.push({ key: 'Eligibility criteria claimed', value: claimed.length ? claimed.join('\n') : 'None' });
      if (f.eligibility.otherReason) facts.push({ key: 'Other reason given', value: f.eligibility.otherReason });
    }
    if (f.group) {
      facts.push({ key: 'Applying as a group', value: f.group.applying ? `Yes, with ${(f.group.schools as { name: string; urn?: string }[]).map((x) => (x.urn ? `${x.name} (URN ${x.urn})` : x.name)).join(', ')}` : 'No' });
      if (f.group.applying && f.group.relationship) facts.push({ key: 'Relationship between the schools', value: f.group.relationship });
    }
    const signed = Object.entries((f.signatures ?? {}) as Record<string, { name: string; signedOn: string }>).map(([who, s]) => `${s.name} (${who === 'teacher1' ? 'teacher 1' : who === 'teacher2' ? 'teacher 2' : who === 'headOfDepartment' ? 'head of department' : who}), ${longDate(s.signedOn)}`);
    facts.push({ key: 'Signed by', value: signed.length ? signed.join('\n') : 'Nobody' });
    return facts;
  }
  facts.push({ key: 'School', value: school?.name ?? d.urn });
  facts.push({ key: 'URN', value: d.urn });
  if (school?.route) facts.push({ key: 'Route', value: school.route === 'primary' ? 'Primary' : 'Secondary' });
  if (school?.localAuthority) facts.push({ key: 'Local authority', value: school.localAuthority });
  if (school?.hub) facts.push({ key: 'Maths Hub', value: `${school.hub} Maths Hub` });
  if (school?.headteacher) facts.push({ key: 'Headteacher', value: `${school.headteacher.name}, ${school.headteacher.email}` });
  if (school?.headOfDepartment) facts.push({ key: 'Head of department', value: `${school.headOfDepartment.name}, ${school.headOfDepartment.email}` });
  c.teachers.forEach((t, i) => facts.push({ key: `Teacher ${i + 1}`, value: `${t.name}, ${t.email}, ${roleWords(t.role)}` }));
  facts.push({ key: 'Applying as a group', value: c.groupWith.length ? `Yes, with ${c.groupWith.join(', ')}` : 'No' });
  return facts;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface DetailView {
  errors?: FormErrors['errors'];
  fieldErrors?: Record<string, string>;
  values?: Record<string, unknown>;
  /** The form the errors belong to (opened on the page). */
  active?: Decision;
  conflict?: boolean;
}

/** Renders one application with the decisions its status takes. Not pure. */
async function renderDetail(reply: FastifyReply, svc: Service, p: Principal, urn: string, view: DetailView = {}, status = 200): Promise<FastifyReply> {
  const d = await loadDetail(svc, p, urn);
  const hubId = hubIdOf(d.summary.hub);
  const canDecide = p.role !== 'auditor' && (p.role === 'admin' || (hubId !== null && p.hubs.includes(hubId)));
  const decisions = (Object.keys(DECISIONS) as Decision[]).filter((k) => DECISIONS[k].from.includes(d.summary.status));
  const problems = (d.form?.problems ?? []).map((x) => ({ severity: x.severity, text: problemWords(x, d.eligibility?.criteria) }));
  const claimed = new Set(d.claimed.map((c) => c.toLowerCase().replace(/[^a-z0-9]/g, '')));
  const criteria = (d.eligibility?.criteria ?? []).map((c) => ({ ...c, claimed: claimed.has(c.id.toLowerCase().replace(/[^a-z0-9]/g, '')) }));
  return reply.page(
    'applications/show.njk',
    {
      title: d.summary.name ?? `School ${urn}`,
      hubName: d.summary.hub,
      hubId,
      breadcrumbs: [{ text: 'Applications', href: '/hub/applications' }, { text: d.summary.name ?? urn }],
      d,
      programme: programmeShort(d.summary.programmeName),
      facts: applicationFacts(d),
      problems,
      criteria,
      groups: d.groups.map((g) => ({ id: g.group.id, label: groupLabel(g.group), places: g.places, max: g.group.maxSchools, full: g.full })),
      canDecide,
      decisions,
      errors: view.errors ?? [],
      fieldErrors: view.fieldErrors ?? {},
      values: view.values ?? {},
      active: view.active,
      conflict: view.conflict ?? false,
    },
    status,
  );
}

/** The school's version from the hidden field, or null when missing or not a whole number. Pure. */
function versionOf(body: Body): number | null {
  const v = one(body.version);
  return /^\d{1,9}$/.test(v) ? Number(v) : null;
}

/** Registers /hub/applications, /hub/applications/:urn and its decisions, and the cohort transition pages. Not pure. */
export async function applicationRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  app.get<{ Querystring: Record<string, string | undefined> }>('/hub/applications', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    const q = request.query;
    const status = OPEN_APPLICATION_STATUSES.includes(q.status as never) ? q.status! : '';
    const programme = typeof q.programme === 'string' && /^[a-z0-9-]{1,80}$/.test(q.programme) ? q.programme : '';
    const sort = q.sort === 'name' ? 'name' : 'urn';
    const result = await applicationsPage(svc, p, { hub: hub.id, ...(status ? { status } : {}), ...(programme ? { programmeId: programme } : {}), sort, page: pageNumber(q.page), perPage: PER_PAGE });
    const hq = hubQuery(p, hub);
    const base: Record<string, string> = { ...(hq ? { hub: hub.id } : {}), ...(status ? { status } : {}), ...(programme ? { programme } : {}), ...(sort !== 'urn' ? { sort } : {}) };
    const pagination = result.pages > 1
      ? {
          items: Array.from({ length: result.pages }, (_, i) => ({ number: i + 1, href: listHref(base, { page: i + 1 }), current: i + 1 === result.page })),
          ...(result.page > 1 ? { previous: { href: listHref(base, { page: result.page - 1 }) } } : {}),
          ...(result.page < result.pages ? { next: { href: listHref(base, { page: result.page + 1 }) } } : {}),
        }
      : null;
    return reply.page('applications/list.njk', {
      title: 'Applications',
      hubName: hub.label,
      hubId: hub.id,
      hubChoices: hub.choices,
      showHubChoice: hub.choices.length > 1,
      result,
      rows: result.rows.map((r) => ({
        ...r,
        // The Year column says the year.
        programme: programmeShort(r.summary.programmeName).replace(/\s+\d{4}\/\d{2}$/, ''),
        problems: (r.form?.problems ?? []).map((x) => ({ severity: x.severity, text: problemWords(x) })),
        eligibility: eligibilityWords(r.summary.status, r.form?.form),
        detailHref: `/hub/applications/${r.summary.urn}${hq ? `?${hq}` : ''}`,
      })),
      filters: { status, programme, sort },
      statusOptions: OPEN_APPLICATION_STATUSES.map((s) => ({ value: s, text: `${statusWords(s)} (${result.byStatus[s] ?? 0})`, selected: s === status })),
      programmeOptions: result.programmes.map((x) => ({ value: x.id, text: `${programmeShort(x.name)} (${x.count})`, selected: x.id === programme })),
      sortHref: { urn: listHref(base, { sort: undefined, page: undefined }), name: listHref(base, { sort: 'name', page: undefined }) },
      clearHref: listHref(hq ? { hub: hub.id } : {}, {}),
      pagination,
      firstShown: (result.page - 1) * PER_PAGE + (result.rows.length ? 1 : 0),
      lastShown: (result.page - 1) * PER_PAGE + result.rows.length,
    });
  });

  app.get<{ Params: { urn: string } }>('/hub/applications/:urn', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    return renderDetail(reply, svc, p, urnOf(request));
  });

  const decide = (decision: Decision) =>
    async (request: FastifyRequest<{ Params: { urn: string }; Body: Body }>, reply: FastifyReply) => {
      const p = requireSignIn(request, reply);
      if (!p) return reply;
      const urn = urnOf(request);
      const body = (request.body ?? {}) as Body;
      // Read first (another hub's school is a 404/403 like any page), then: may this person decide at all?
      const d = await loadDetail(svc, p, urn);
      assertWrite(p, hubIdOf(d.summary.hub), `the application of school ${urn}`);
      const version = versionOf(body);
      if (version === null) return renderStatusPage(reply, 400, { body: ['The form was missing the version of the application it was filled in against.', 'Nothing was saved. Reload the page and try again.'], links: [{ href: `/hub/applications/${urn}`, text: 'Go back to the application' }] });
      // Stale before anything else: the officer decided on a page that no longer shows the application as it is.
      if (version !== d.version) return renderDetail(reply, svc, p, urn, { conflict: true }, 409);
      const values: Record<string, unknown> = { ...body, criteria: many(body.criteria) };
      delete values._csrf;
      // Field ids carry the decision's name: two forms on the page both have a reason.
      const bad = (e: FormErrors) =>
        renderDetail(
          reply,
          svc,
          p,
          urn,
          {
            errors: e.errors.map((x) => ({ ...x, href: x.href === '#main-content' ? x.href : `#${decision}-${x.href.slice(1)}` })),
            fieldErrors: Object.fromEntries(Object.entries(e.fieldErrors).map(([k, v]) => [`${decision}-${k}`, v])),
            values,
            active: decision,
          },
          400,
        );
      try {
        let done: string;
        const name = d.summary.name ?? `School ${urn}`;
        if (decision === 'eligibility') {
          const eligible = one(body.eligible);
          if (eligible !== 'yes' && eligible !== 'no') return bad(fieldError('eligible', 'Select yes if the school is eligible, or no if it is not'));
          const note = one(body.note);
          if (note.length > 1000) return bad(fieldError('note', `The note must be 1,000 characters or fewer; it has ${note.length}`));
          await assessEligibility(svc, p, urn, { eligible: eligible === 'yes', criteria: many(body.criteria), ...(note ? { note } : {}) }, { expectedVersion: version });
          done = eligible === 'yes' ? `${name} is eligible. Select it into a work group, put it on the waiting list or decline it.` : `${name} was judged not eligible, and the application is declined.`;
        } else if (decision === 'select') {
          const groupId = one(body.group);
          if (!groupId) return bad(fieldError('group', 'Select the work group the school joins'));
          if (!d.groups.some((g) => g.group.id === groupId)) return bad(fieldError('group', 'Select one of the work groups listed'));
          const r = await selectApplication(svc, p, urn, { groupId }, { expectedVersion: version });
          const g = d.groups.find((x) => x.group.id === r.groupId)!;
          done = [`${name} is selected into ${groupLabel(g.group)}. The group now has ${r.groupSize} ${r.groupSize === 1 ? 'school' : 'schools'}.`, joinedDatesWords(r.dates)].filter(Boolean).join('\n');
        } else if (decision === 'waitlist') {
          const reason = one(body.reason);
          const e = reasonProblem('reason', reason, 'Enter why the school is put on the waiting list');
          if (e) return bad(e);
          await waitlistApplication(svc, p, urn, { reason }, { expectedVersion: version });
          done = `${name} is on the waiting list.`;
        } else {
          const reason = one(body.reason);
          const alternative = one(body.alternative);
          const e = reasonProblem('reason', reason, 'Enter why the application is declined') ?? (alternative.length > 1000 ? fieldError('alternative', `The alternative offered must be 1,000 characters or fewer; it has ${alternative.length}`) : null);
          if (e) return bad(e);
          await declineApplication(svc, p, urn, { reason, ...(alternative ? { alternative } : {}) }, { expectedVersion: version });
          done = `${name}’s application is declined${alternative ? ', with an alternative offered' : ''}.`;
        }
        flash(request, done);
        return reply.redirect(`/hub/applications/${urn}`, 303);
      } catch (err) {
        if (err instanceof VersionConflictError || err instanceof GroupVersionConflict) return renderDetail(reply, svc, p, urn, { conflict: true }, 409);
        if (err instanceof ValidationError) {
          const e = formErrors(err.problems, { reason: { name: 'reason', label: 'The reason' }, alternative: { name: 'alternative', label: 'The alternative offered' }, note: { name: 'note', label: 'The note' }, groupId: { name: 'group', label: 'The work group' } });
          return bad(e);
        }
        if (err instanceof EventRejectedError || err instanceof RefusedError) {
          const words = refusalWords(err, { decision: DECISIONS[decision].verb, school: d.summary.name ?? `school ${urn}`, status: d.summary.status, eligibility: d.eligibility, groups: d.groups });
          return renderStatusPage(reply, 422, { title: 'This cannot be done', body: [...words, 'Nothing was saved.'], links: [{ href: `/hub/applications/${urn}`, text: 'Go back to the application' }] });
        }
        throw err;
      }
    };

  for (const decision of Object.keys(DECISIONS) as Decision[]) app.post(`/hub/applications/:urn/${decision}`, decide(decision));

  await cohortRoutes(app, svc);
}

/** The URN from the address: six digits, else a 404 (as for a school that does not exist). Pure but for the throw. */
function urnOf(request: FastifyRequest<{ Params: { urn: string } }>): string {
  const urn = request.params.urn;
  if (!/^\d{6}$/.test(urn)) throw new NotFoundError('application from a school with URN', urn);
  return urn;
}

/** One application; a URN with no school is a 404 that names the URN (not a command to run). Not pure. */
async function loadDetail(svc: Service, p: Principal, urn: string): Promise<ApplicationDetail> {
  try {
    return await applicationDetail(svc, p, urn);
  } catch (err) {
    if (err instanceof UnknownSchoolError) throw new NotFoundError('application from a school with URN', urn);
    throw err;
  }
}

/** Where the eligibility judgement stands, with what the form claimed while it is not made. Pure. */
function eligibilityWords(status: string, form: Record<string, unknown> | undefined): string {
  if (status !== 'applied') return 'Eligible';
  const claimed = (form as { eligibility?: { criteria?: unknown } } | undefined)?.eligibility?.criteria;
  const n = Array.isArray(claimed) ? claimed.length : 0;
  return `Not yet assessed${n ? ` (claims ${n} ${n === 1 ? 'criterion' : 'criteria'})` : ''}`;
}

/** A reason is required and at most 1,000 characters. Pure. */
function reasonProblem(name: string, value: string, missing: string): FormErrors | null {
  if (value === '') return fieldError(name, missing);
  if (value.length > 1000) return fieldError(name, `The reason must be 1,000 characters or fewer; it has ${value.length}`);
  return null;
}

