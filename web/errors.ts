/**
 * What a page shows when something goes wrong, in words for people: a rule's
 * refusal says which rule and why (never an event name), a stale version says
 * someone else changed the record, another hub's record shows nothing of it.
 * Forms handle their own bad input (error summary and inline errors); this is
 * the fallback. Not pure (replies).
 */
import { scriptlessPageCsp } from './csp.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError, sentence } from '../domain/errors.js';
import { asTamperedError, TamperedSchoolError } from '../store/tamper.js';
import { GroupVersionConflict } from '../store/ops/groups.js';
import { DatabaseUnavailableError } from '../store/errors.js';
import { AlreadyExistsError, ForbiddenError, NotFoundError, RefusedError, ServiceBusyError, UnauthenticatedError } from '../service/errors.js';
import { safeReturnPath, signedInOutside } from './session.js';
import type { Principal } from '../service/context.js';

export interface StatusPage {
  title: string;
  /** Paragraphs. */
  body: string[];
  /** Where to go next. */
  links?: { href: string; text: string }[];
}

const DEFAULTS: Record<number, StatusPage> = {
  400: { title: 'There is a problem with what was sent', body: ['Go back and check the form.'] },
  403: { title: 'You do not have access to this page', body: ['It belongs to a hub you do not work in, or your role cannot do this.', 'If you think you should have access, ask your hub’s administrator.'] },
  404: { title: 'Page not found', body: ['If you typed the web address, check it is correct.', 'If you pasted the web address, check you copied the entire address.'] },
  409: { title: 'Someone else changed this while you were looking', body: ['Nothing was saved. Look at the record as it is now, then try again.'] },
  422: { title: 'This cannot be done', body: ['The programme’s rules do not allow it at this point.'] },
  429: { title: 'Too many attempts', body: ['Wait a minute, then try again.'] },
  500: { title: 'Sorry, there is a problem with the service', body: ['Try again later. Nothing you did was saved twice.'] },
  503: { title: 'Sorry, the service is unavailable', body: ['The database cannot be reached. Try again in a few minutes.'] },
};

/** The pages' policy without scripts, for a status page served outside the pages. */
const STATUS_PAGE_CSP = scriptlessPageCsp();

/** Renders the page for an HTTP status, with the given words or the defaults. Not pure. */
export async function renderStatusPage(reply: FastifyReply, status: number, page: Partial<StatusPage> = {}, signedIn?: Principal | null): Promise<FastifyReply> {
  const d = DEFAULTS[status] ?? DEFAULTS[500]!;
  const data = { title: page.title ?? d.title, body: page.body ?? d.body, links: page.links ?? [{ href: '/', text: 'Go to the start page' }], status };
  // A request refused before the pages' own hooks ran (the write gate) has no session object yet.
  const hasSession = (reply.request as { session?: unknown }).session != null;
  if (typeof reply.page === 'function' && reply.request.routeOptions.config?.page && hasSession) return reply.page('status.njk', data, status);
  // Outside the pages' hooks the session is read from its cookie, so a signed-in person keeps their name and menu.
  const me = signedIn === undefined ? await signedInOutside(reply.request) : signedIn;
  const html = await reply.viewAsync('status.njk', { ...data, me, currentPath: reply.request.url });
  // Outside the pages (an unknown address), the API's policy would block the page's own stylesheet, font and icon.
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', STATUS_PAGE_CSP).send(html);
}

/** The page for an error a page handler did not handle itself. Not pure. */
export async function handlePageError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const back = safeReturnPath(request.headers.referer ? new URL(request.headers.referer, 'http://x').pathname : '/');
  if (err instanceof UnauthenticatedError) return reply.redirect(`/sign-in?reason=required&return=${encodeURIComponent(safeReturnPath(request.url))}`, 303);
  if (err instanceof ForbiddenError) return renderStatusPage(reply, 403);
  if (err instanceof UnknownSchoolError || err instanceof NotFoundError) return renderStatusPage(reply, 404, { title: 'Not found', body: [capitalise(err.message) + '.'] });
  if (err instanceof VersionConflictError || err instanceof GroupVersionConflict) {
    return renderStatusPage(reply, 409, { links: [{ href: back, text: 'See it as it is now' }] });
  }
  const tampered = asTamperedError(err);
  if (tampered instanceof TamperedSchoolError) return renderStatusPage(reply, 423, { title: 'This school’s record is stopped', body: [capitalise(tampered.message) + '.', 'Nothing was saved.'], links: [{ href: back, text: 'Go back' }] });
  if (err instanceof EventRejectedError) return renderStatusPage(reply, 422, { body: [capitalise(err.why) + '.', 'Nothing was saved.'], links: [{ href: back, text: 'Go back' }] });
  if (err instanceof RefusedError || err instanceof AlreadyExistsError) return renderStatusPage(reply, 422, { body: [capitalise(err.message) + '.', 'Nothing was saved.'], links: [{ href: back, text: 'Go back' }] });
  if (err instanceof ValidationError) return renderStatusPage(reply, 400, { body: err.problems.filter((p) => p.severity === 'error').map(sentence), links: [{ href: back, text: 'Go back' }] });
  if (err instanceof DatabaseUnavailableError) return renderStatusPage(reply, 503);
  if (err instanceof ServiceBusyError) {
    void reply.header('retry-after', String(err.retryAfterSeconds));
    return renderStatusPage(reply, 503, {
      title: 'Sorry, the service is busy',
      body: ['Many changes are being saved at this moment. Nothing you sent was saved.', 'Go back and send the form again in a few seconds.'],
      links: [{ href: back, text: 'Go back' }],
    });
  }
  if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
    return renderStatusPage(reply, 403, { title: 'This form has expired', body: ['For your security, forms only work for a while after you open them, and only from this service.', 'Nothing was saved. Go back, reload the page and try again.'], links: [{ href: back, text: 'Go back' }] });
  }
  if (err.statusCode === 429) return renderStatusPage(reply, 429);
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return renderStatusPage(reply, err.statusCode === 413 ? 400 : err.statusCode, {});
  request.log.error({ err }, 'page failed');
  // Always logged, even without --log: a fault nobody sees is a fault nobody fixes.
  process.stderr.write(`page ${request.method} ${request.url} failed: ${err.stack ?? err.message}\n`);
  return renderStatusPage(reply, 500);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
