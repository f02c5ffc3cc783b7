/**
 * The hub board (/hub) and the school page (/hub/schools/:urn), with the
 * school page's actions. Pages call the service functions the API calls
 * (service/board.ts, service/school-page.ts, service/schools.ts): one copy of
 * every rule, permission and If-Match check. Not pure.
 */
import { emailsWaitingWords, listEffects } from '../../service/effects.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../../domain/errors.js';
import { findHub } from '../../domain/catalogue/hubs.js';
import type { Principal, Service } from '../../service/context.js';
import { hubBoard, type HubBoard } from '../../service/board.js';
import { hubLabel } from '../../service/access.js';
import { RefusedError } from '../../service/errors.js';
import { schoolPage, type PageAction } from '../../service/school-page.js';
import { refusalSentence, refusalWords } from '../../service/school-words.js';
import { correctHeadteacherEmail, type HeadteacherCorrected } from '../../service/school-contacts.js';
import { deferSchool, recordGapTask, recordReleaseDays, replaceTeacher, resumeSchool, signCommitment, submitEvaluation, withdrawSchool } from '../../service/schools.js';
import { formVersion } from '../../service/form-version.js';
import type { Signatory } from '../../domain/catalogue/schema.js';
import { fieldError, formErrors, type FormErrors } from '../forms.js';
import { hubQuery, pageHub } from '../hub-context.js';
import { flash, requireSignIn } from '../session.js';
import { renderStatusPage } from '../errors.js';

type Query = Record<string, unknown>;

/** The board's address with these parameters (empty ones left out). Pure. */
export function boardHref(base: Record<string, string | undefined>, change: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...base, ...change })) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `/hub?${s}` : '/hub';
}

/**
 * The sortable columns. A first select sorts A to Z, except "Overdue": the
 * overdue schools are what someone sorting by it wants first, so its first
 * order is descending (overdue before not), the second puts them last.
 */
const SORT_COLUMNS: { key: string; text: string; first: 'asc' | 'desc' }[] = [
  { key: 'name', text: 'School', first: 'asc' },
  { key: 'phase', text: 'Phase', first: 'asc' },
  { key: 'status', text: 'Status', first: 'asc' },
  // The programme's route: the phase and year columns say the rest of it, and its full name made each row five lines tall.
  { key: 'route', text: 'Route', first: 'asc' },
  { key: 'year', text: 'Year', first: 'asc' },
  { key: 'group', text: 'Work group', first: 'asc' },
  { key: 'overdue', text: 'Overdue', first: 'desc' },
];

/** The table's order in words for its caption: "work group, descending", "overdue schools first". Pure. */
export function sortWords(key: string, descending: boolean): string {
  if (key === 'overdue') return descending ? 'overdue schools first' : 'overdue schools last';
  const column = SORT_COLUMNS.find((c) => c.key === key)?.text.toLowerCase() ?? (key === 'urn' ? 'URN' : key);
  return `${column}${descending ? ', descending' : ''}`;
}

/** Links the board's view needs: sort headers, pages, the hub's own query. Pure. */
function boardLinks(b: HubBoard, hubParam: string) {
  const base: Record<string, string | undefined> = {
    ...(hubParam ? { hub: b.hub.id } : {}),
    phase: b.params.phase,
    status: b.params.status,
    programme: b.params.programme,
    year: b.params.year,
    group: b.params.group,
    overdue: b.params.overdue,
    sort: b.params.sort === 'urn' ? undefined : b.params.sort,
    order: b.params.order === 'asc' ? undefined : b.params.order,
  };
  const sortHeads = SORT_COLUMNS.map((c) => {
    const active = b.table.sort === c.key;
    const current = b.table.descending ? 'desc' : 'asc';
    const next = active ? (current === 'desc' ? 'asc' : 'desc') : c.first;
    return { ...c, active, ariaSort: active ? (b.table.descending ? 'descending' : 'ascending') : 'none', href: boardHref(base, { sort: c.key, order: next === 'desc' ? 'desc' : undefined, page: undefined }) };
  });
  const page = b.table.page;
  const pages = b.table.pages;
  const items: { number?: number; href?: string; current?: boolean; ellipsis?: boolean }[] = [];
  for (let n = 1; n <= pages; n++) {
    if (n === 1 || n === pages || Math.abs(n - page) <= 2) items.push({ number: n, href: boardHref(base, { page: n === 1 ? undefined : String(n) }), current: n === page });
    else if (items.at(-1)?.ellipsis !== true) items.push({ ellipsis: true });
  }
  return {
    sortHeads,
    sortWords: sortWords(b.table.sort, b.table.descending),
    pagination: pages > 1 ? {
      items,
      ...(page > 1 ? { previous: { href: boardHref(base, { page: page - 1 === 1 ? undefined : String(page - 1) }) } } : {}),
      ...(page < pages ? { next: { href: boardHref(base, { page: String(page + 1) }) } } : {}),
    } : null,
    clear: boardHref(hubParam ? { hub: b.hub.id } : {}),
    overdueOnly: boardHref(hubParam ? { hub: b.hub.id } : {}, { overdue: 'yes' }),
  };
}

const ACTION_SLUGS: Record<string, PageAction> = {
  commitment: 'COMMITMENT_SIGNED',
  'gap-task': 'GAP_TASK_COMPLETED',
  'release-days': 'RELEASE_DAYS_RECORDED',
  evaluation: 'EVALUATION_SUBMITTED',
  teacher: 'TEACHER_REPLACED',
  defer: 'DEFERRED',
  resume: 'RESUMED',
  withdraw: 'WITHDRAWN',
};

/** Each form's field the rules' refusal is shown at (the one it is most about), so the error summary leads there. Resuming is a button, no form. */
const REFUSAL_FIELD: Partial<Record<string, string>> = {
  commitment: 'signatories',
  'gap-task': 'task',
  'release-days': 'days',
  evaluation: 'summary',
  teacher: 'slot',
  defer: 'untilYear',
  withdraw: 'withdrawReason',
};

const DONE: Record<PageAction, string> = {
  COMMITMENT_SIGNED: 'Signed commitment recorded',
  GAP_TASK_COMPLETED: 'Gap task recorded',
  RELEASE_DAYS_RECORDED: 'Release days recorded',
  EVALUATION_SUBMITTED: 'Evaluation recorded',
  TEACHER_REPLACED: 'Lead teacher replaced',
  DEFERRED: 'School deferred',
  RESUMED: 'School resumed',
  WITHDRAWN: 'School withdrawn',
};

/** What a form posted, as text (repeated fields as a list). */
type Body = Record<string, string | string[] | undefined>;
const one = (b: Body, k: string): string => {
  const v = b[k];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
};

interface PageState {
  status?: number;
  banner?: { title: string; text: string; kind: 'conflict' | 'refused' };
  form?: { action: string; values: Record<string, unknown>; errors: FormErrors };
  /** An action's form to show open (a link from "What is overdue"). */
  open?: string;
}

/** Registers /hub and /hub/schools/:urn (and its actions). Not pure. */
export async function boardRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  app.get('/hub', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    const board = await hubBoard(svc, p, hub.id, request.query as Query);
    const hubParam = hubQuery(p, hub);
    const effects = await listEffects(svc, p, { hub: hub.id });
    // A filter value the board does not know: named in the error summary and on its filter, and not filtered by.
    const errors = board.filterProblems.map((x) => ({ text: x.text, href: `#${x.filter}` }));
    const fieldErrors = Object.fromEntries(board.filterProblems.map((x) => [x.filter, x.text]));
    return reply.page('board/board.njk', {
      effects: { failed: effects.filter((e) => e.status === 'failed').length, pending: effects.filter((e) => e.status === 'pending').length },
      emailsWaiting: emailsWaitingWords(effects),
      title: `${hub.label} hub board`,
      hubId: hub.id,
      hubName: hub.label,
      hubChoices: p.role === 'admin' || p.hubs.length > 1 ? hub.choices : null,
      board,
      links: boardLinks(board, hubParam),
      schoolQuery: hubParam ? `?${hubParam}` : '',
      errors,
      fieldErrors,
    }, errors.length ? 400 : 200);
  });

  app.get<{ Params: { urn: string }; Querystring: { open?: string } }>('/hub/schools/:urn', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const open = request.query.open;
    return renderSchool(svc, p, request, reply, request.params.urn, typeof open === 'string' && open in ACTION_SLUGS ? { open } : {});
  });

  // The headteacher's address: not an event on the school's record, so no version; the held emails go out again.
  app.post<{ Params: { urn: string }; Body: Body }>('/hub/schools/:urn/headteacher-contact', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const urn = request.params.urn;
    if (p.role === 'auditor') return refuseAuditor(reply, urn);
    const body = (request.body ?? {}) as Body;
    const name = one(body, 'headteacherName');
    const email = one(body, 'headteacherEmail');
    const values = { headteacherName: name, headteacherEmail: email };
    const bad = (errors: FormErrors) => renderSchool(svc, p, request, reply, urn, { status: 400, form: { action: 'headteacher-contact', values, errors } });
    if (email === '') return bad(err('headteacherEmail', 'Enter the headteacher’s email address'));
    let done: HeadteacherCorrected;
    try {
      done = await correctHeadteacherEmail(svc, p, urn, { email, ...(name ? { name } : {}) });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      const out: FormErrors = { errors: [], fieldErrors: {} };
      for (const problem of e.problems.filter((x) => x.severity === 'error')) {
        const field = problem.path === 'name' ? 'headteacherName' : 'headteacherEmail';
        if (out.fieldErrors[field]) continue;
        const text = field === 'headteacherName'
          ? (/required/.test(problem.message) ? 'Enter the headteacher’s full name' : 'The headteacher’s name must be 100 characters or fewer')
          : /placeholder/.test(problem.message)
            ? `Enter an address that can receive email: ${email} cannot`
            : 'Enter an email address in the correct format, like name@school.org.uk';
        out.errors.push({ text, href: `#${field}` });
        out.fieldErrors[field] = text;
      }
      return bad(out);
    }
    flash(request, correctedWords(done));
    return reply.redirect(`/hub/schools/${encodeURIComponent(urn)}`, 303);
  });

  app.post<{ Params: { urn: string; action: string }; Body: Body }>('/hub/schools/:urn/:action', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const urn = request.params.urn;
    const action = ACTION_SLUGS[request.params.action];
    if (!action) return renderStatusPage(reply, 404);
    // Auditors never change anything: refused before the form is even read.
    if (p.role === 'auditor') return refuseAuditor(reply, urn);
    const body = (request.body ?? {}) as Body;
    const version = Number(one(body, 'version'));
    if (!Number.isInteger(version) || version < 1) return renderStatusPage(reply, 400, { body: ['The form was missing the version of the school it was about. Go back, reload the page and try again.', 'Nothing was saved.'] });
    const o = { expectedVersion: await formVersion(svc, urn, version) };
    const values: Record<string, unknown> = Object.fromEntries(Object.entries(body).filter(([k]) => k !== '_csrf'));
    const bad = (errors: FormErrors) => renderSchool(svc, p, request, reply, urn, { status: 400, form: { action: request.params.action, values, errors } });
    // The banner: what was done, and a second line with what follows from it where that is worth saying.
    let said: string | undefined;

    try {
      switch (action) {
        case 'COMMITMENT_SIGNED': {
          const raw = body.signatories;
          const list = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((s): s is Signatory => ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'].includes(s));
          if (list.length === 0) return bad(err('signatories', 'Select everyone who has signed the commitment'));
          await signCommitment(svc, p, urn, { signatories: list }, o);
          break;
        }
        case 'GAP_TASK_COMPLETED': {
          const task = one(body, 'task');
          if (task === '') return bad(err('task', 'Enter what the gap task was'));
          if (task.length > 500) return bad(err('task', 'What the gap task was must be 500 characters or fewer'));
          await recordGapTask(svc, p, urn, { task }, o);
          break;
        }
        case 'RELEASE_DAYS_RECORDED': {
          const text = one(body, 'days');
          const days = Number(text);
          if (text === '') return bad(err('days', 'Enter the number of release days'));
          if (!/^\d+(\.5)?$/.test(text) || days <= 0 || days > 50) return bad(err('days', 'Release days must be a number from 0.5 to 50, in half days, like 2 or 1.5'));
          await recordReleaseDays(svc, p, urn, { days }, o);
          break;
        }
        case 'EVALUATION_SUBMITTED': {
          const summary = one(body, 'summary');
          if (summary.length > 5000) return bad(err('summary', 'The evaluation notes must be 5,000 characters or fewer'));
          await submitEvaluation(svc, p, urn, { summary }, o);
          break;
        }
        case 'TEACHER_REPLACED': {
          const slot = one(body, 'slot');
          const e: FormErrors = { errors: [], fieldErrors: {} };
          const add = (name: string, text: string) => {
            e.errors.push({ text, href: `#${name}` });
            e.fieldErrors[name] = text;
          };
          if (slot !== '1' && slot !== '2') add('slot', 'Select which lead teacher is leaving');
          if (one(body, 'name') === '') add('name', 'Enter the new lead teacher’s full name');
          if (one(body, 'email') === '') add('email', 'Enter the new lead teacher’s email address');
          else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(one(body, 'email'))) add('email', 'Enter an email address in the correct format, like name@school.org.uk');
          if (one(body, 'role') === '') add('role', 'Enter the new lead teacher’s role, like maths lead');
          if (e.errors.length) return bad(e);
          await replaceTeacher(svc, p, urn, Number(slot) as 1 | 2, { teacher: { name: one(body, 'name'), email: one(body, 'email'), role: one(body, 'role') } }, o);
          said = `Lead teacher ${slot} replaced\n${one(body, 'name')} is now lead teacher ${slot}, and gets the school’s reminders from now on.`;
          break;
        }
        case 'DEFERRED': {
          const reason = one(body, 'deferReason');
          const untilYear = one(body, 'untilYear');
          const e: FormErrors = { errors: [], fieldErrors: {} };
          if (reason === '') {
            e.errors.push({ text: 'Enter why the school is deferring', href: '#deferReason' });
            e.fieldErrors.deferReason = 'Enter why the school is deferring';
          }
          if (!/^\d{4}\/\d{2}$/.test(untilYear)) {
            e.errors.push({ text: 'Select the year the school will start again', href: '#untilYear' });
            e.fieldErrors.untilYear = 'Select the year the school will start again';
          }
          if (e.errors.length) return bad(e);
          await deferSchool(svc, p, urn, { reason, untilYear }, o);
          said = `School deferred until ${untilYear}\nIts reminders stop. This page says when and how it can start again.`;
          break;
        }
        case 'RESUMED':
          await resumeSchool(svc, p, urn, {}, o);
          break;
        case 'WITHDRAWN': {
          const reason = one(body, 'withdrawReason');
          if (reason === '') return bad(err('withdrawReason', 'Enter why the school is withdrawing'));
          await withdrawSchool(svc, p, urn, { reason }, o);
          said = 'School withdrawn\nIts reminders stop, and its place in the work group is free for a school on the waiting list.';
          break;
        }
      }
    } catch (e) {
      if (e instanceof VersionConflictError) {
        // What was typed stays in the form (open, if the school's state still offers it), for the user to check and send again.
        return renderSchool(svc, p, request, reply, urn, {
          status: 409,
          banner: { kind: 'conflict', title: 'Someone else changed this school', text: 'Someone else changed this school while you were looking at it, so nothing was saved. This page now shows the school as it is. Check it, then try again if you still need to.' },
          form: { action: request.params.action, values, errors: { errors: [], fieldErrors: {} } },
        });
      }
      if (e instanceof EventRejectedError || e instanceof RefusedError) {
        const why = e instanceof EventRejectedError ? e.why : e.message;
        // A form the rules refused comes back open, as typed, with the reason as its error; the resume button has no form to keep.
        const field = REFUSAL_FIELD[request.params.action];
        if (field) return renderSchool(svc, p, request, reply, urn, { status: 422, form: { action: request.params.action, values, errors: fieldError(field, refusalSentence(why)) } });
        return renderSchool(svc, p, request, reply, urn, { status: 422, banner: { kind: 'refused', title: 'This cannot be done', text: `Nothing was saved. The programme’s rules do not allow it: ${refusalWords(why).replace(/^./, (c) => c.toLowerCase())}.`.replace(/\.\.$/, '.') } });
      }
      if (e instanceof ValidationError) {
        const fields: Record<string, { name: string; label: string }> = {
          task: { name: 'task', label: 'The gap task' },
          days: { name: 'days', label: 'Release days' },
          summary: { name: 'summary', label: 'The evaluation notes' },
          signatories: { name: 'signatories', label: 'Who signed' },
          'teacher.name': { name: 'name', label: 'Full name' },
          'teacher.email': { name: 'email', label: 'Email address' },
          'teacher.role': { name: 'role', label: 'Role' },
          reason: { name: request.params.action === 'defer' ? 'deferReason' : 'withdrawReason', label: 'The reason' },
          untilYear: { name: 'untilYear', label: 'The year' },
        };
        return bad(formErrors(e.problems, fields));
      }
      throw e;
    }
    flash(request, said ?? DONE[action]);
    return reply.redirect(`/hub/schools/${encodeURIComponent(urn)}`, 303);
  });
}

/** The banner after a corrected headteacher address: what became of the held emails. Pure. */
export function correctedWords(r: HeadteacherCorrected): string {
  const head = r.changed ? 'Headteacher’s contact updated' : `The headteacher’s contact was already ${r.name}, ${r.email}, so nothing changed`;
  if (r.requeued === 0) return r.changed ? `${head}: no emails were waiting` : head;
  const count = (n: number) => (n === 1 ? '1 held email' : `${n} held emails`);
  const sent = r.resent.filter((x) => x.outcome === 'sent').length;
  const late = r.resent.filter((x) => x.outcome === 'too-late').length;
  const queued = r.resent.filter((x) => x.outcome === 'queued').length;
  const parts = [
    ...(sent ? [`${count(sent)} sent again`] : []),
    ...(late ? [`${count(late)} not sent because ${late === 1 ? 'it was' : 'they were'} too late`] : []),
    ...(queued ? [`${count(queued)} waiting to be sent`] : []),
  ];
  return `${head}: ${parts.length ? parts.join(', ') : `${count(r.requeued)} waiting to be sent`}`;
}

const err = fieldError;

/** An auditor's post to a school: refused before the form is read, with a way back. */
function refuseAuditor(reply: FastifyReply, urn: string): Promise<FastifyReply> {
  return renderStatusPage(reply, 403, { title: 'You cannot change this school', body: ['Auditors can look at schools but cannot change anything.', 'Nothing was saved.'], links: [{ href: `/hub/schools/${encodeURIComponent(urn)}`, text: 'Back to the school' }] });
}

async function renderSchool(svc: Service, p: Principal, request: FastifyRequest, reply: FastifyReply, urn: string, state: PageState): Promise<FastifyReply> {
  let data;
  try {
    data = await schoolPage(svc, p, urn);
  } catch (e) {
    if (e instanceof UnknownSchoolError) return renderStatusPage(reply, 404, { title: 'School not found', body: [`There is no school with URN ${urn} in this service.`, 'Check the URN, or find the school on the hub board.'], links: [{ href: '/hub', text: 'Go to the hub board' }] });
    throw e;
  }
  void request;
  // A form refused on sending is shown again even when the school's state no longer offers it, so what was typed is not lost.
  const refusedAction = state.form?.errors.errors.length ? ACTION_SLUGS[state.form.action] : undefined;
  if (refusedAction && !data.actions.includes(refusedAction)) data.actions.push(refusedAction);
  const hub = findHub(data.school.hub ?? '');
  const hubId = hub?.id;
  const q = hubId && (p.role === 'admin' || p.hubs.length > 1) ? `?hub=${encodeURIComponent(hubId)}` : '';
  return reply.page(
    'board/school.njk',
    {
      title: data.school.name,
      hubId,
      hubName: hub ? hubLabel(hub) : undefined,
      breadcrumbs: [{ text: 'Hub board', href: `/hub${q}` }, { text: data.school.name }],
      s: data,
      banner: state.banner,
      openAction: state.form?.action ?? state.open,
      values: state.form?.values ?? {},
      errors: state.form?.errors.errors,
      fieldErrors: state.form?.errors.fieldErrors ?? {},
      canWrite: p.role !== 'auditor',
    },
    state.status ?? 200,
  );
}
