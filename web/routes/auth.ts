/**
 * Signing in and out of the pages, and the landing page. A person signs in
 * with the key (token) an admin gave them; the session cookie then carries
 * it, sealed. Sign-in is rate limited per address. Not pure.
 */
import type { FastifyInstance } from 'fastify';
import type { Service } from '../../service/context.js';
import { authenticate } from '../../service/users.js';
import { UnauthenticatedError } from '../../service/errors.js';
import { endSession, safeReturnPath, startSession } from '../session.js';

const REASONS = new Set(['expired', 'revoked', 'required', 'signed-out']);

/** Registers /, /about, /sign-in and /sign-out. Not pure. */
export async function authRoutes(app: FastifyInstance, svc: Service, signInPerMinute: number): Promise<void> {
  app.get('/', async (request, reply) => {
    if (request.principal) return reply.redirect('/hub', 303);
    return reply.page('landing.njk');
  });

  app.get('/about', async (_request, reply) => reply.page('about.njk', { title: 'About this service' }));

  app.get<{ Querystring: { reason?: string; return?: string } }>('/sign-in', async (request, reply) => {
    const returnPath = safeReturnPath(request.query.return);
    if (request.principal) return reply.redirect(returnPath === '/' ? '/hub' : returnPath, 303);
    const reason = REASONS.has(request.query.reason ?? '') ? request.query.reason : undefined;
    return reply.page('sign-in.njk', { reason, returnPath, fieldErrors: {} });
  });

  app.post<{ Body: { token?: string; return?: string } }>(
    '/sign-in',
    { config: { rateLimit: { max: signInPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const returnPath = safeReturnPath(request.body?.return);
      const token = typeof request.body?.token === 'string' ? request.body.token.trim() : '';
      let message: string | null = null;
      if (token === '') message = 'Enter your sign-in key';
      else {
        try {
          await authenticate(svc, token);
        } catch (err) {
          if (!(err instanceof UnauthenticatedError)) throw err;
          message = /^mpt_[A-Za-z0-9_-]{43}$/.test(token) ? 'This sign-in key is not valid: it may have been withdrawn. Ask your hub’s administrator for a new one' : 'Enter a sign-in key that starts with mpt_ and is 47 characters long';
        }
      }
      if (message) {
        return reply.page('sign-in.njk', { returnPath, errors: [{ text: message, href: '#token' }], fieldErrors: { token: message } }, 400);
      }
      startSession(request, token);
      return reply.redirect(returnPath === '/' ? '/hub' : returnPath, 303);
    },
  );

  app.post('/sign-out', async (request, reply) => {
    endSession(request);
    return reply.redirect('/sign-in?reason=signed-out', 303);
  });
}
