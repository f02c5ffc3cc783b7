/**
 * The headteacher's page: `/for-schools/<token>` from a reminder email, with
 * no sign-in. The signed token is the only key: a link that was altered or
 * cut short (403) or has expired (410) opens a page that says so and shows
 * nothing of any school; an expired one says whom to ask for a new link. Pages are kept out of search engines and never
 * send their address (which holds the key) to another site. Not pure.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Service } from '../../service/context.js';
import { openSchoolLink, sendEvaluationByLink, type NewLinkContact } from '../../service/school-link-view.js';
import { flash } from '../session.js';
import { fieldError } from '../forms.js';
import { longDate } from '../../domain/words/dates.js';
import { commitmentFormByLink } from '../../service/commitment-form.js';
import { schoolCalendar } from '../../service/school-calendar.js';

/** The commitment form's address below a school's link: `<link>/commitment`. */
export const COMMITMENT_SUFFIX = '/commitment';
/** The school's dates to come as an .ics file, below its link. */
export const CALENDAR_SUFFIX = '/calendar.ics';

const REFUSED = {
  malformed: { status: 403, title: 'This link does not work', body: ['The web address is not complete. It may have been cut short when it was copied.', 'Open the link again from the email, or copy the whole address.'] },
  tampered: { status: 403, title: 'This link does not work', body: ['The web address has been changed, so it cannot be trusted.', 'Open the link again from the email, or copy the whole address.'] },
  unknown: { status: 403, title: 'This link does not work', body: ['The school this link was made for is not in the service.'] },
} as const;

/** The expired page: when it stopped, and how to get a new link in plain words (the hub lead, by name, when the school is known). Pure. */
export function expiredWords(expiredAt: string, contact: NewLinkContact | null): { title: string; body: string[]; contact: NewLinkContact | null } {
  return {
    title: 'This link has expired',
    body: [
      `This link stopped working on ${longDate(expiredAt)}. Links in our emails work for at least two months, and until a month after anything the email asks for is due.`,
      contact
        ? `To get a new link, email ${contact.name} at ${contact.hub} and ask for a new link to your school’s page. You can also reply to any email from the hub. A newer email from the hub may already have a link that works.`
        : 'To get a new link, reply to any email from your Maths Hub and ask for a new link to your school’s page. A newer email from the hub may already have a link that works.',
    ],
    contact,
  };
}

function private_(reply: FastifyReply): FastifyReply {
  return reply.header('referrer-policy', 'no-referrer').header('x-robots-tag', 'noindex, nofollow');
}

/**
 * The link's path as asked for, without a query: where the page's form posts and the page redirects to. Never with a
 * fragment: the browser moves focus to a fragment's target after the page's script has moved it to the error summary
 * or the success banner, as the hub pages do, and a screen reader would not hear what happened.
 */
function linkPath(url: string): string {
  return url.split('?')[0]!;
}

/** Registers /for-schools/:token (the page) and its one form, the evaluation. Not pure. */
export async function forSchoolsRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  /** The school's page, or the refusal; `extra` adds a form's values, errors or a problem. */
  async function show(reply: FastifyReply, token: string, path: string, extra: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
    const opened = await openSchoolLink(svc, token);
    if (!opened.ok) {
      if (opened.reason === 'expired') return reply.page('for-schools/refused.njk', { ...expiredWords(opened.expiredAt, opened.contact), expired: true, headteacherPage: true }, 410);
      const r = REFUSED[opened.reason];
      return reply.page('for-schools/refused.njk', { title: r.title, body: r.body, headteacherPage: true }, r.status);
    }
    const v = opened.view;
    return reply.page('for-schools/school.njk', { title: v.school, hubName: v.hub, view: v, now: svc.now(), headteacherPage: true, linkPath: path, values: {}, fieldErrors: {}, ...extra }, status);
  }

  // A wildcard, not ":token": a token is longer than the router's limit for a named parameter (100 characters).
  app.get<{ Params: { '*': string } }>('/for-schools/*', async (request, reply) => {
    private_(reply);
    const rest = request.params['*'];
    if (rest.endsWith(CALENDAR_SUFFIX)) return sendCalendar(reply, rest.slice(0, -CALENDAR_SUFFIX.length), linkPath(request.url).slice(0, -CALENDAR_SUFFIX.length));
    if (rest.endsWith(COMMITMENT_SUFFIX)) return showCommitment(reply, rest.slice(0, -COMMITMENT_SUFFIX.length), linkPath(request.url).slice(0, -COMMITMENT_SUFFIX.length));
    return show(reply, rest, linkPath(request.url));
  });

  /** The school's dates to come as a calendar file; a link that does not open gets the page's refusal, a school with none its page. */
  async function sendCalendar(reply: FastifyReply, token: string, pagePath: string): Promise<FastifyReply> {
    const opened = await openSchoolLink(svc, token);
    if (!opened.ok) return show(reply, token, pagePath);
    const file = schoolCalendar(opened.view, svc.now());
    if (!file) return reply.redirect(`${pagePath}#meetings`, 303);
    return reply.type('text/calendar; charset=utf-8').header('content-disposition', `attachment; filename="${file.filename}"`).send(file.content);
  }

  /** The commitment form to print, from the school's link (the "selected" email points here). */
  async function showCommitment(reply: FastifyReply, token: string, pagePath: string): Promise<FastifyReply> {
    const r = await commitmentFormByLink(svc, token);
    if (!r.ok) return show(reply, token, pagePath);
    // No place (yet, or any more): the school's page says what there is to do instead.
    if (!r.form) return reply.redirect(pagePath, 303);
    return reply.page('commitment/form.njk', {
      title: `Commitment form: ${r.form.school}`,
      hubName: r.hub,
      headteacherPage: true,
      backLink: { href: pagePath, text: 'Back to your school’s page' },
      f: r.form,
      forHub: false,
      committed: r.status !== 'selected',
      signedOn: r.signedOn,
      contact: r.contact,
    });
  }

  // The school sends its end-of-year evaluation (the emails' "Send the evaluation here"). CSRF as every form.
  app.post<{ Params: { '*': string }; Body: Record<string, unknown> }>('/for-schools/*', async (request, reply) => {
    private_(reply);
    const token = request.params['*'];
    const path = linkPath(request.url);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const sent = await sendEvaluationByLink(svc, token, { evaluation: body.evaluation });
    if (sent.ok) {
      flash(request, sent.already ? `The hub already has your evaluation: it was received on ${longDate(sent.receivedAt)}. There is nothing more to send.` : 'Your evaluation has been sent to the hub. Thank you.');
      // No "#evaluation": a fragment takes the focus from the success banner at the top (as it would from an error summary).
      return reply.redirect(path, 303);
    }
    const values = { evaluation: typeof body.evaluation === 'string' ? body.evaluation : '' };
    if (sent.reason === 'invalid') {
      const e = fieldError('evaluation-text', sent.message);
      return show(reply, token, path, { values, errors: e.errors, fieldErrors: { evaluation: sent.message } }, 400);
    }
    if (sent.reason === 'not-now') return show(reply, token, path, { values, problem: sent.message }, 409);
    return show(reply, token, path);
  });
}
