/**
 * "Record an application": a hub officer types in an application form that
 * came in by email or post. First the programme (the catalogue's programmes
 * taking applications now), then the form of that programme's kind; the post
 * calls the same submitApplication as the API and the CLI. Every problem
 * comes back at once (error summary linked to each field, inline errors, the
 * values kept, nothing written); warnings are shown and do not block.
 * Signatures are not asked for: the commitment is signed later on the school
 * page. Hub staff and admins only; an auditor is refused (403). Not pure.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Principal, Service } from '../../service/context.js';
import { submitApplication } from '../../service/applications.js';
import { assertWrite } from '../../service/access.js';
import { RefusedError } from '../../service/errors.js';
import { findHub } from '../../domain/catalogue/hubs.js';
import { LONDON } from '../../domain/calendar/london.js';
import { EventRejectedError, ValidationError } from '../../domain/errors.js';
import type { Programme } from '../../domain/catalogue/schema.js';
import { pageHub, hubQuery, type PageHub } from '../hub-context.js';
import { flash, requireSignIn } from '../session.js';
import { longDate, statusWords } from '../format.js';
import { formCheck, formFromFields, formSpec, openProgrammes, type Body, type FormCheck } from '../application-form.js';
import { programmeShort } from '../applications/words.js';

/** Today in London, YYYY-MM-DD, on the service's clock. Pure. */
function todayOf(now: string): string {
  return DateTime.fromISO(now, { zone: 'utc' }).setZone(LONDON).toISODate()!;
}

function withQuery(path: string, q: string): string {
  return q ? `${path}${path.includes('?') ? '&' : '?'}${q}` : path;
}

interface Ctx {
  p: Principal;
  hub: PageHub;
  today: string;
  open: Programme[];
}

/** Who may record, which hub, and what is open; an auditor (or a person outside the hub) gets the 403 page. Not pure. */
async function context(svc: Service, request: FastifyRequest, reply: FastifyReply): Promise<Ctx | null> {
  const p = requireSignIn(request, reply);
  if (!p) return null;
  const hub = await pageHub(svc, p, request);
  assertWrite(p, hub.id, `applications to ${hub.label} Maths Hub`);
  const today = todayOf(svc.now());
  return { p, hub, today, open: openProgrammes(today) };
}

function hubOptions(ctx: Ctx, chosen: string | undefined) {
  const value = chosen ?? findHub(ctx.hub.id)?.name ?? '';
  return ctx.hub.choices.map((c) => {
    const name = findHub(c.id)?.name ?? `${c.label} Maths Hub`;
    return { value: name, text: name, selected: name === value };
  });
}

async function renderForm(reply: FastifyReply, ctx: Ctx, programme: Programme, values: Body, check: FormCheck | null, status = 200): Promise<FastifyReply> {
  const spec = formSpec(programme);
  const hq = hubQuery(ctx.p, ctx.hub);
  return reply.page(
    'applications/new-form.njk',
    {
      title: `Record an application: ${spec.programme.name}`,
      hubName: ctx.hub.label,
      hubId: ctx.hub.id,
      breadcrumbs: [{ text: 'Applications', href: withQuery('/hub/applications', hq) }, { text: 'Record an application' }],
      spec,
      action: withQuery('/hub/applications/new', hq),
      changeHref: withQuery('/hub/applications/new', hq),
      today: longDate(ctx.today),
      closes: spec.programme.closes ? longDate(spec.programme.closes) : null,
      hubItems: hubOptions(ctx, typeof values['school-hub'] === 'string' ? values['school-hub'] : undefined),
      values,
      errors: check?.errors ?? [],
      fieldErrors: check?.fieldErrors ?? {},
      warnings: check?.warnings ?? [],
    },
    status,
  );
}

async function renderChoice(reply: FastifyReply, ctx: Ctx, error: string | null, status = 200): Promise<FastifyReply> {
  const hq = hubQuery(ctx.p, ctx.hub);
  return reply.page(
    'applications/new.njk',
    {
      title: 'Record an application',
      hubName: ctx.hub.label,
      hubId: ctx.hub.id,
      breadcrumbs: [{ text: 'Applications', href: withQuery('/hub/applications', hq) }, { text: 'Record an application' }],
      showHub: hq !== '',
      items: ctx.open.map((p) => ({
        value: p.id,
        text: programmeShort(p.name),
        hint: { text: p.deadlines.applicationsClose ? `Applications close on ${longDate(p.deadlines.applicationsClose)}.` : `Takes applications until the year ends.` },
      })),
      errors: error ? [{ text: error, href: '#programme' }] : [],
      programmeError: error,
    },
    status,
  );
}

function programmeIn(ctx: Ctx, id: unknown): Programme | undefined {
  return typeof id === 'string' ? ctx.open.find((p) => p.id === id) : undefined;
}

/** Registers GET and POST /hub/applications/new. Not pure. */
export async function applicationNewRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  app.get<{ Querystring: Record<string, string | undefined> }>('/hub/applications/new', async (request, reply) => {
    const ctx = await context(svc, request, reply);
    if (!ctx) return reply;
    const asked = request.query.programme;
    // Continue pressed with no programme chosen sends only "chosen": the question again, with its error.
    if (asked === undefined) return request.query.chosen === undefined ? renderChoice(reply, ctx, null) : renderChoice(reply, ctx, 'Select the programme the school is applying for', 400);
    const programme = programmeIn(ctx, asked);
    if (!programme) return renderChoice(reply, ctx, asked === '' ? 'Select the programme the school is applying for' : 'Select one of the programmes taking applications now', 400);
    return renderForm(reply, ctx, programme, {}, null);
  });

  app.post<{ Body: Body; Querystring: Record<string, string | undefined> }>('/hub/applications/new', async (request, reply) => {
    const ctx = await context(svc, request, reply);
    if (!ctx) return reply;
    const body = { ...((request.body ?? {}) as Body) };
    delete body._csrf;
    const programme = programmeIn(ctx, Array.isArray(body.programme) ? body.programme[0] : body.programme);
    if (!programme) return renderChoice(reply, ctx, 'Select one of the programmes taking applications now', 400);
    const spec = formSpec(programme);
    const form = formFromFields(spec, body, ctx.today);
    try {
      const r = await submitApplication(svc, ctx.p, form, { programmeId: programme.id, unsigned: true });
      const school = form.school as { name?: string; urn: string };
      const warned = r.warnings.length ? ` The form check found ${r.warnings.length === 1 ? 'a warning' : `${r.warnings.length} warnings`}: see “Form check” below.` : '';
      flash(request, `Application recorded for ${school.name ?? 'the school'} (URN ${school.urn}).${warned}`);
      return reply.redirect(withQuery(`/hub/applications/${school.urn}`, hubQuery(ctx.p, ctx.hub)), 303);
    } catch (err) {
      if (err instanceof ValidationError) return renderForm(reply, ctx, programme, body, formCheck(err.problems, spec), 400);
      if (err instanceof EventRejectedError || err instanceof RefusedError) {
        const urn = (form.school as { urn?: string }).urn ?? '';
        const text = err instanceof EventRejectedError && / is not accepted now/.test(err.why)
          ? `The school with URN ${urn} is already on the pathway (${statusWords(err.status).toLowerCase()}), so it cannot apply now`
          : `The programme’s rules refused this application: ${(err instanceof EventRejectedError ? err.why : err.message).replace(/\b[A-Z][A-Z_]{3,}\b/g, 'this')}`;
        return renderForm(reply, ctx, programme, body, { errors: [{ text, href: '#school-urn' }], fieldErrors: { 'school-urn': text }, warnings: [] }, 422);
      }
      throw err;
    }
  });
}
