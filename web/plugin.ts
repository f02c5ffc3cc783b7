/**
 * The hub web: server-rendered pages for hub staff, auditors and headteachers,
 * served by the same process as the API and calling the same service
 * functions. GOV.UK Frontend (its Nunjucks macros), without the crown or the
 * GOV.UK logotype: this service is not on GOV.UK. Works without JavaScript.
 *
 * Safety lives here, once, for every page: a sealed session cookie
 * (HttpOnly, SameSite=Lax, Secure over HTTPS), CSRF tokens on every form,
 * security headers with a CSP allowing only the service's own assets, and a
 * rate limit on sign-in. Page routes register through `pages` so each gets
 * these. Not pure.
 */
import { settings } from '../config/load.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import secureSession from '@fastify/secure-session';
import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import nunjucks from 'nunjucks';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Service } from '../service/context.js';
import { serviceKey } from '../store/ops/keys.js';
import { GOVUK_ASSETS, GOVUK_DIST, OWN_ASSETS, stylesheet } from './assets.js';
import { addFilters } from './format.js';
import { handlePageError, renderStatusPage } from './errors.js';
import { PAGE_CSP_DIRECTIVES } from './csp.js';
import { IDLE_MS, loadPrincipal, principalOfSession, readSessionsOutside, signedInOutside, takeFlash } from './session.js';
import { authRoutes } from './routes/auth.js';
import { pageRoutes } from './routes/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface WebOptions {
  /** The address people use (links in emails, Secure cookies when https). Default PUBLIC_URL, else the listen address. */
  publicUrl?: string;
  /** Sign-in attempts allowed per minute from one address (default 10). */
  signInPerMinute?: number;
  /** A session ends after this long without use (default an hour). */
  idleMs?: number;
}

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page with the signed-in person, the hub and the CSRF token added. */
    page(template: string, data?: Record<string, unknown>, status?: number): Promise<FastifyReply>;
  }
}

/** Registers the pages and their assets on the API's Fastify instance. Not pure. */
export async function registerWeb(app: FastifyInstance, service: Service, options: WebOptions = {}): Promise<void> {
  const css = await stylesheet();
  const sessionKey = await serviceKey(service.db, 'web-session');
  const secure = (options.publicUrl ?? settings().publicUrl).startsWith('https://');

  // Assets: public, long-cached, outside the session and CSRF machinery.
  await app.register(async (assets) => {
    assets.addHook('onRoute', (r) => {
      r.config = { ...(r.config ?? {}), access: 'public' };
    });
    await assets.register(fastifyStatic, { root: GOVUK_ASSETS, prefix: '/assets/', decorateReply: false, maxAge: '1d' });
    await assets.register(fastifyStatic, { root: OWN_ASSETS, prefix: '/static/', decorateReply: false, maxAge: '1h' });
    const govukJs = await readFile(join(GOVUK_DIST, 'govuk', 'govuk-frontend.min.js'), 'utf8');
    assets.get('/static/govuk-frontend.min.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(govukJs));
    assets.get('/static/app.css', (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css));
  });

  // At the top level, so the not-found page of any address can be rendered too.
  await app.register(view, {
    engine: { nunjucks },
    templates: [join(here, 'views'), GOVUK_DIST],
    options: { onConfigure: (env: nunjucks.Environment) => addFilters(env) },
  });
  await app.register(pagesPlugin, { service, sessionKey, secure, signInPerMinute: options.signInPerMinute ?? 10, idleMs: options.idleMs ?? IDLE_MS, root: app });
}

interface PagesOptions {
  service: Service;
  sessionKey: Buffer;
  secure: boolean;
  signInPerMinute: number;
  idleMs: number;
  /** The instance registerWeb was given: the not-found page of any address asks it who is signed in. */
  root: FastifyInstance;
}

/** Everything a page route needs, in its own encapsulated context. */
const pagesPlugin: FastifyPluginAsync<PagesOptions> = async (app, o) => {
  {
    // The API's token hook skips these; the session decides instead.
    app.addHook('onRoute', (r) => {
      r.config = { ...(r.config ?? {}), access: 'public', page: true };
    });
    await app.register(formbody, { bodyLimit: 64 * 1024 });
    await app.register(secureSession, {
      key: o.sessionKey,
      cookieName: 'pathway_session',
      expiry: 12 * 60 * 60,
      cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: o.secure },
    });
    // The session cookie, read only, for the not-found page (its handler is the API's, outside this context).
    readSessionsOutside(o.root, async (request) => {
      const sealed = app.parseCookie(request.headers.cookie ?? '')['pathway_session'];
      return sealed ? principalOfSession(o.service, app.decodeSecureSession(sealed), o.idleMs) : null;
    });
    await app.register(csrf, { sessionPlugin: '@fastify/secure-session', getToken: (req) => (req.body as Record<string, string> | undefined)?._csrf });
    await app.register(helmet, {
      enableCSPNonces: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { ...PAGE_CSP_DIRECTIVES, ...(o.secure ? { upgradeInsecureRequests: [] } : {}) },
      },
      strictTransportSecurity: o.secure ? { maxAge: 31536000 } : false,
      crossOriginEmbedderPolicy: false,
    });
    await app.register(rateLimit, { global: false });

    app.decorateReply('page', async function page(this: FastifyReply, template: string, data: Record<string, unknown> = {}, status = 200) {
      const request = this.request;
      const nonce = (this as unknown as { cspNonce?: { script: string } }).cspNonce?.script;
      const principal = request.principal;
      const html = await this.viewAsync(template, {
        ...data,
        me: principal,
        csrfToken: this.generateCsrf(),
        flashMessage: data.flashMessage ?? takeFlash(request),
        cspNonce: nonce,
        currentPath: request.url,
      });
      return this.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    });

    // Who is signed in (null when nobody): every page may look; pages that need someone say so.
    app.addHook('preHandler', async (request: FastifyRequest) => {
      request.principal = await loadPrincipal(o.service, request, o.idleMs);
    });
    // Every form post carries the CSRF token of its session.
    app.addHook('preHandler', (request, reply, done) => {
      if (request.method !== 'POST') return done();
      app.csrfProtection(request, reply, done);
    });

    app.setErrorHandler(handlePageError);

    await authRoutes(app, o.service, o.signInPerMinute);
    await pageRoutes(app, o.service);
  }
};

/** The 404 for a browser (it asked for HTML): a page, not the API's JSON. Not pure. */
export async function notFoundPage(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if (request.method !== 'GET' || !/text\/html/.test(request.headers.accept ?? '')) return false;
  // Someone signed in keeps their name and the service's menu, so the way back is one click.
  const me = await signedInOutside(request);
  await renderStatusPage(reply, 404, me ? { links: [{ href: '/hub', text: 'Go to the hub board' }] } : {}, me);
  return true;
}
