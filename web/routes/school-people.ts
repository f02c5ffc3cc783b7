/**
 * The school page's leader and action plan section: allocate the school to a
 * Mastery Specialist or Readiness Lead of its hub, record its action plan on
 * the 5 Big Ideas, a review of it at a visit, and the Readiness year's
 * Mastery Ready judgement. The same service functions as the API and the
 * CLI (service/people.ts): one copy of every rule, permission and If-Match
 * check. A bad form is shown again with an error summary; a rule's refusal
 * as a banner naming the rule. Not pure.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../../domain/errors.js';
import { findHub } from '../../domain/catalogue/hubs.js';
import { BIG_IDEAS, BIG_IDEA_LABELS, IdeaProgress } from '../../domain/people.js';
import type { Principal, Service } from '../../service/context.js';
import { hubLabel } from '../../service/access.js';
import { NotFoundError, RefusedError } from '../../service/errors.js';
import { allocateLeader, createActionPlan, judgeMasteryReady, reviewActionPlan } from '../../service/people.js';
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
  'action-plan': 'Action plan recorded',
  'plan-review': 'Action plan review recorded',
  'mastery-ready': 'Mastery Ready judgement recorded',
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
      try {
        if (action === 'leader') {
          const personId = one(body, 'personId');
          if (personId === '') return bad(fieldError('personId', 'Select who leads the school'));
          await allocateLeader(svc, p, urn, { personId }, o);
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
          return renderSchool(svc, p, reply, urn, {
            status: 409,
            banner: { kind: 'conflict', title: 'Someone else changed this school', text: 'Someone else changed this school while you were looking at it, so nothing was saved. This page now shows the school as it is. Check it, then try again if you still need to.' },
          });
        }
        if (e instanceof EventRejectedError || e instanceof RefusedError || e instanceof NotFoundError) {
          const why = e instanceof EventRejectedError ? e.why : e.message;
          return renderSchool(svc, p, reply, urn, { status: 422, banner: { kind: 'refused', title: 'This cannot be done', text: `Nothing was saved. The programme’s rules do not allow it: ${why}.` } });
        }
        if (e instanceof ValidationError) {
          const first = e.problems.find((x) => x.severity === 'error');
          return bad(fieldError(action === 'leader' ? 'personId' : action === 'plan-review' ? 'sessionId' : action === 'mastery-ready' ? 'ready' : `aim-${BIG_IDEAS[0]}`, first ? `${first.path} ${first.message}` : 'Check the form'));
        }
        throw e;
      }
      flash(request, DONE[action]!);
      return reply.redirect(`/hub/schools/${encodeURIComponent(urn)}`, 303);
    });
  }
}
