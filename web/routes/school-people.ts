/**
 * The school page's leader and action plan section: allocate the school to a
 * Mastery Specialist or Readiness Lead of its hub, record its action plan on
 * the 5 Big Ideas, a review of it at a visit, and the Readiness year's
 * Mastery Ready judgement. The same service functions as the API and the
 * CLI (service/people.ts): one copy of every rule, permission and If-Match
 * check. A bad form, and a form the rules refuse, are shown again open with
 * what was typed and an error summary (the rules' reason in words); someone
 * else's change meanwhile as a banner, the form still holding what was typed.
 * When the person to lead the school is not among the hub's people, the
 * allocation form adds them (name and email) and allocates them. Not pure.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../../domain/errors.js';
import { refusalSentence } from '../../service/school-words.js';
import { findHub } from '../../domain/catalogue/hubs.js';
import { BIG_IDEAS, BIG_IDEA_LABELS, IdeaProgress } from '../../domain/people.js';
import type { Principal, Service } from '../../service/context.js';
import { hubLabel } from '../../service/access.js';
import { NotFoundError, RefusedError } from '../../service/errors.js';
import { addAndAllocateLeader, allocateLeader, createActionPlan, judgeMasteryReady, reviewActionPlan } from '../../service/people.js';
import { schoolPage } from '../../service/school-page.js';
import { formVersion } from '../../service/form-version.js';
import { fieldError, type FormErrors } from '../forms.js';
import { flash, requireSignIn } from '../session.js';
import { renderStatusPage } from '../errors.js';

type Body = Record<string, string | string[] | undefined>;
const one = (b: Body, k: string): string => {
  const v = b[k];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
};

const DONE: Record<string, string> = {
  leader: 'Leader allocated',
  'leader-new': 'Leader added to the hub and allocated',
  'action-plan': 'Action plan recorded',
  'plan-review': 'Action plan review recorded',
  'mastery-ready': 'Mastery Ready judgement recorded',
};

/** Each form's first field: where the error summary leads when the rules refuse the whole form. */
const FIRST_FIELD: Record<string, string> = {
  leader: 'personId',
  'leader-new': 'leaderName',
  'action-plan': `aim-${BIG_IDEAS[0]}`,
  'plan-review': 'sessionId',
  'mastery-ready': 'ready',
};

interface PageState {
  status?: number;
  banner?: { title: string; text: string; kind: 'conflict' | 'refused' };
  form?: { action: string; values: Record<string, unknown>; errors: FormErrors };
}

async function renderSchool(svc: Service, p: Principal, reply: FastifyReply, urn: string, state: PageState): Promise<FastifyReply> {
  let data;
  try {
    data = await schoolPage(svc, p, urn);
  } catch (e) {
    if (e instanceof UnknownSchoolError) return renderStatusPage(reply, 404, { title: 'School not found', body: [`There is no school with URN ${urn} in this service.`], links: [{ href: '/hub', text: 'Go to the hub board' }] });
    throw e;
  }
  const hub = findHub(data.school.hub ?? '');
  const q = hub && (p.role === 'admin' || p.hubs.length > 1) ? `?hub=${encodeURIComponent(hub.id)}` : '';
  return reply.page(
    'board/school.njk',
    {
      title: data.school.name,
      hubId: hub?.id,
      hubName: hub ? hubLabel(hub) : undefined,
      breadcrumbs: [{ text: 'Hub board', href: `/hub${q}` }, { text: data.school.name }],
      s: data,
      banner: state.banner,
      openAction: state.form?.action,
      values: state.form?.values ?? {},
      errors: state.form?.errors.errors,
      fieldErrors: state.form?.errors.fieldErrors ?? {},
      canWrite: p.role !== 'auditor',
    },
    state.status ?? 200,
  );
}

/** Registers the section's POST routes (static paths, so they win over the board's /hub/schools/:urn/:action). Not pure. */
export async function schoolPeopleRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  for (const action of Object.keys(DONE)) {
    app.post<{ Params: { urn: string }; Body: Body }>(`/hub/schools/:urn/${action}`, async (request: FastifyRequest<{ Params: { urn: string }; Body: Body }>, reply) => {
      const p = requireSignIn(request, reply);
      if (!p) return reply;
      const urn = request.params.urn;
      if (p.role === 'auditor') {
        return renderStatusPage(reply, 403, { title: 'You cannot change this school', body: ['Auditors can look at schools but cannot change anything.', 'Nothing was saved.'], links: [{ href: `/hub/schools/${encodeURIComponent(urn)}`, text: 'Back to the school' }] });
      }
      const body = (request.body ?? {}) as Body;
      const version = Number(one(body, 'version'));
      if (!Number.isInteger(version) || version < 1) return renderStatusPage(reply, 400, { body: ['The form was missing the version of the school it was about. Go back, reload the page and try again.', 'Nothing was saved.'] });
      const o = { expectedVersion: await formVersion(svc, urn, version) };
      const values: Record<string, unknown> = Object.fromEntries(Object.entries(body).filter(([k]) => k !== '_csrf'));
      const bad = (errors: FormErrors) => renderSchool(svc, p, reply, urn, { status: 400, form: { action, values, errors } });
      let done = DONE[action]!;
      try {
        if (action === 'leader') {
          const personId = one(body, 'personId');
          if (personId === '') return bad(fieldError('personId', 'Select who leads the school'));
          const r = await allocateLeader(svc, p, urn, { personId }, o);
          done = `${r.person.name} allocated to lead the school`;
        } else if (action === 'leader-new') {
          const e: FormErrors = { errors: [], fieldErrors: {} };
          const add = (field: string, text: string) => {
            e.errors.push({ text, href: `#${field}` });
            e.fieldErrors[field] = text;
          };
          const name = one(body, 'leaderName');
          const email = one(body, 'leaderEmail');
          if (name === '') add('leaderName', 'Enter the full name of the person who will lead the school');
          else if (name.length > 100) add('leaderName', 'The name must be 100 characters or fewer');
          if (email === '') add('leaderEmail', 'Enter their email address');
          else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) add('leaderEmail', 'Enter an email address in the correct format, like name@mathshub.org.uk');
          if (e.errors.length) return bad(e);
          const r = await addAndAllocateLeader(svc, p, urn, { name, email }, o);
          done = r.added ? `${r.person.name} added to the hub’s people and allocated to lead the school` : `${r.person.name} is already one of the hub’s people, and is now allocated to lead the school`;
        } else if (action === 'action-plan') {
          const e: FormErrors = { errors: [], fieldErrors: {} };
          const aims: Record<string, string> = {};
          for (const k of BIG_IDEAS) {
            const aim = one(body, `aim-${k}`);
            const text = aim === '' ? `Enter what the school will work on for ${BIG_IDEA_LABELS[k].toLowerCase()}` : aim.length > 600 ? `What the school will work on for ${BIG_IDEA_LABELS[k].toLowerCase()} must be 600 characters or fewer` : null;
            if (text) {
              e.errors.push({ text, href: `#aim-${k}` });
              e.fieldErrors[`aim-${k}`] = text;
            }
            aims[k] = aim;
          }
          if (e.errors.length) return bad(e);
          await createActionPlan(svc, p, urn, { aims }, o);
        } else if (action === 'plan-review') {
          const e: FormErrors = { errors: [], fieldErrors: {} };
          const sessionId = one(body, 'sessionId');
          if (sessionId === '') {
            e.errors.push({ text: 'Select the visit at which the plan was reviewed', href: '#sessionId' });
            e.fieldErrors.sessionId = 'Select the visit at which the plan was reviewed';
          }
          const progress: Record<string, string> = {};
          for (const k of BIG_IDEAS) {
            const v = one(body, `progress-${k}`);
            if (v !== '' && IdeaProgress.safeParse(v).success) progress[k] = v;
          }
          if (Object.keys(progress).length === 0) {
            e.errors.push({ text: 'Select the progress on at least one of the 5 Big Ideas', href: `#progress-${BIG_IDEAS[0]}` });
            e.fieldErrors[`progress-${BIG_IDEAS[0]}`] = 'Select the progress on at least one of the 5 Big Ideas';
          }
          const note = one(body, 'note');
          if (note.length > 2000) {
            e.errors.push({ text: 'The note must be 2,000 characters or fewer', href: '#note' });
            e.fieldErrors.note = 'The note must be 2,000 characters or fewer';
          }
          if (e.errors.length) return bad(e);
          await reviewActionPlan(svc, p, urn, { sessionId, progress, ...(note ? { note } : {}) }, o);
        } else {
          const ready = one(body, 'ready');
          if (ready !== 'yes' && ready !== 'no') return bad(fieldError('ready', 'Select whether the school is Mastery Ready'));
          const note = one(body, 'judgementNote');
          if (note.length > 2000) return bad(fieldError('judgementNote', 'The reasons must be 2,000 characters or fewer'));
          await judgeMasteryReady(svc, p, urn, { ready: ready === 'yes', ...(note ? { note } : {}) }, o);
        }
      } catch (e) {
        if (e instanceof VersionConflictError) {
          // What was typed stays in the form (open, if the school's state still offers it), for the user to check and send again.
          return renderSchool(svc, p, reply, urn, {
            status: 409,
            banner: { kind: 'conflict', title: 'Someone else changed this school', text: 'Someone else changed this school while you were looking at it, so nothing was saved. This page now shows the school as it is. Check it, then try again if you still need to.' },
            form: { action, values, errors: { errors: [], fieldErrors: {} } },
          });
        }
        if (e instanceof EventRejectedError || e instanceof RefusedError || e instanceof NotFoundError) {
          // Refused after all (a rule the page could not ask before the form was filled in, or a change meanwhile): the form comes back open, as typed.
          const why = refusalSentence(e instanceof EventRejectedError ? e.why : e.message);
          return renderSchool(svc, p, reply, urn, { status: 422, form: { action, values, errors: fieldError(FIRST_FIELD[action]!, why) } });
        }
        if (e instanceof ValidationError) {
          if (action === 'leader-new') {
            // The service's stricter checks (zod's email), in the page's own words for each field.
            const fields = new Set(e.problems.filter((x) => x.severity === 'error').map((x) => (x.path === 'name' ? 'leaderName' : 'leaderEmail')));
            const out: FormErrors = { errors: [], fieldErrors: {} };
            for (const [field, text] of [['leaderName', 'Enter the full name of the person who will lead the school'], ['leaderEmail', 'Enter an email address in the correct format, like name@mathshub.org.uk']] as const) {
              if (!fields.has(field)) continue;
              out.errors.push({ text, href: `#${field}` });
              out.fieldErrors[field] = text;
            }
            return bad(out);
          }
          const first = e.problems.find((x) => x.severity === 'error');
          return bad(fieldError(FIRST_FIELD[action]!, first ? `${first.path} ${first.message}` : 'Check the form'));
        }
        throw e;
      }
      flash(request, done);
      return reply.redirect(`/hub/schools/${encodeURIComponent(urn)}`, 303);
    });
  }
}
