/**
 * The headteacher's page: `/for-schools/<token>` from a reminder email, with
 * no sign-in. The signed token is the only key: a link that was altered or
 * cut short (403) or has expired (410) opens a page that says so and shows
 * nothing of any school; an expired one says whom to ask for a new link. Pages are kept out of search engines and never
 * send their address (which holds the key) to another site. Not pure.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Service } from '../../service/context.js';
import { openSchoolLink, type NewLinkContact } from '../../service/school-link-view.js';
import { longDate } from '../../domain/words/dates.js';

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
      `This link stopped working on ${longDate(expiredAt)}. Links in our emails work until a month after what the email asks for is due.`,
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

/** Registers /for-schools/:token. Not pure. */
export async function forSchoolsRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  // A wildcard, not ":token": a token is longer than the router's limit for a named parameter (100 characters).
  app.get<{ Params: { '*': string } }>('/for-schools/*', async (request, reply) => {
    private_(reply);
    const opened = await openSchoolLink(svc, request.params['*']);
    if (!opened.ok) {
      if (opened.reason === 'expired') return reply.page('for-schools/refused.njk', { ...expiredWords(opened.expiredAt, opened.contact), expired: true, headteacherPage: true }, 410);
      const r = REFUSED[opened.reason];
      return reply.page('for-schools/refused.njk', { title: r.title, body: r.body, headteacherPage: true }, r.status);
    }
    const v = opened.view;
    return reply.page('for-schools/school.njk', { title: v.school, hubName: v.hub, view: v, now: svc.now(), headteacherPage: true });
  });
}
