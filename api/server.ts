/**
 * The HTTP API of the hub service: Fastify with zod schemas as the single
 * source of validation and of the OpenAPI document served at /docs. Every
 * route calls the same service functions as the CLI and the pages (service/). Not pure.
 *
 * Order of checks on a request: route known (else 404) -> token (401) ->
 * role (403: auditors never reach a writing route) -> body size (413) and
 * JSON (400/415) -> schemas (400) -> hub and rules in the service (403, 404,
 * 409, 422). Nothing is written unless every check passed.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyTypeProvider } from 'fastify';
import pino from 'pino';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { problemsFromZod } from '../domain/errors.js';
import { textProblems } from '../domain/boundary.js';
import { FormSchema } from '../domain/forms/index.js';
import { RequestValidationError, TooManyRequestsError, handleError } from './errors.js';
import { addWriteGate } from './write-gate.js';
import { settings } from '../config/load.js';
import type { Access } from './http.js';
import { authenticate } from '../service/users.js';
import { ForbiddenError, UnauthenticatedError } from '../service/errors.js';
import type { Principal, Service } from '../service/context.js';
import { applicationRoutes } from './routes/applications.js';
import { groupRoutes } from './routes/groups.js';
import { schoolRoutes } from './routes/schools.js';
import { cohortRoutes } from './routes/cohorts.js';
import { adminRoutes } from './routes/admin.js';
import { metaRoutes } from './routes/meta.js';
import { API_DESCRIPTION, finishDocument } from './openapi.js';
import { fundingRoutes } from './routes/funding.js';

/** What a caller's X-Request-Id may look like to be kept (else a new id is made). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Request bodies larger than this get 413. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Schemas whose value the handler checks itself, all problems at once (the
 * application form: field and cross-field rules in one pass, with warnings);
 * the schema still documents the body in OpenAPI.
 */
const CHECKED_BY_HANDLER = new WeakSet<object>([FormSchema]);

type Part = 'body' | 'querystring' | 'params' | 'headers';
const PART_NAME: Record<Part, 'body' | 'query' | 'params' | 'headers'> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/** Validation with zod, reporting problems in the domain's readable form. */
function validatorCompiler({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  const zod = schema as z.ZodType;
  const part = PART_NAME[(httpPart ?? 'body') as Part] ?? 'body';
  // Text the database cannot keep (NUL, lone surrogates) is refused first, in every part and every field, whatever the schema.
  const unkeepable = (data: unknown) => {
    const problems = textProblems(data);
    return problems.length > 0 ? { error: new RequestValidationError(problems, part) } : null;
  };
  if (CHECKED_BY_HANDLER.has(zod)) return (data: unknown) => unkeepable(data) ?? { value: data };
  return (data: unknown) => {
    const bad = unkeepable(data);
    if (bad) return bad;
    const r = zod.safeParse(data);
    if (r.success) return { value: r.data };
    // Header names other than the ones described are not the caller's problem.
    return { error: new RequestValidationError(problemsFromZod(r.error, data), part) };
  };
}

export interface ApiOptions {
  /**
   * Where faults are logged (default: pino to stdout at level warn). Every
   * 5xx is logged there with its request id, whatever `logRequests` says.
   */
  logger?: FastifyBaseLogger;
  /** Also log every request and its reply (`pathway serve --log`). Default false. */
  logRequests?: boolean;
  bodyLimit?: number;
  /** Registers more routes on the same server before it is ready (the hub web pages). */
  extend?: (app: FastifyInstance) => Promise<void>;
  /** Answers an unknown route for a browser (it asked for HTML) with a page; return false to answer with JSON. */
  notFoundPage?: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
  /** Rate limits (defaults: DEFAULT_LIMITS). */
  limits?: Partial<ApiLimits>;
}

export interface ApiLimits {
  /** Failed authentications (401 with a token given) per client IP per minute before 429. */
  failedAuthPerMinute: number;
  /** Writes (POST, PUT, DELETE, PATCH) per token per minute before 429. */
  writesPerMinute: number;
  /** Changes (POST, PUT, DELETE, PATCH; API and pages) handled at once before one more is refused with 503 (api/write-gate.ts). */
  writesInFlight: number;
}

/**
 * A person guessing tokens gets 20 tries a minute from one address (each
 * try that looks like a token costs a database lookup); a runaway script
 * 1,200 writes a minute on one token (20 a second, far above a hub's pace).
 */
export const DEFAULT_LIMITS: Omit<ApiLimits, 'writesInFlight'> = { failedAuthPerMinute: 20, writesPerMinute: 1200 };

/**
 * The security headers of every API reply (helmet's defaults, with a
 * content security policy for JSON: nothing may load, nothing may frame it).
 * HSTS is left to the pages, which know whether the service is behind TLS.
 */
const API_HELMET = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
  strictTransportSecurity: false,
} as const;

/** Does this request belong to the documentation (Swagger UI needs its own scripts) or a hub page (its own headers)? */
function notApi(request: FastifyRequest): boolean {
  const url = request.routeOptions.url;
  return request.routeOptions.config?.page === true || (url !== undefined && (url === '/docs' || url.startsWith('/docs/')));
}

/** Builds the API over a service (not yet listening). Not pure. */
export async function buildApi(service: Service, options: ApiOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? pino({ level: 'warn' });
  const app = Fastify({
    // Request logs at info level only when asked; faults (error level) always.
    loggerInstance: options.logRequests ? logger.child({}, { level: 'info' }) : logger,
    logController: new LogController({ disableRequestLogging: !options.logRequests, requestIdLogLabel: 'requestId' }),
    // The caller's X-Request-Id when it looks like one (a proxy's), else a new one; the reply carries it back.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: options.bodyLimit ?? BODY_LIMIT_BYTES,
    // Query strings like ?overdue=true&overdue=false are arrays; the schemas then refuse them readably.
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.decorate('service', service);
  app.decorateRequest('principal', null);
  app.setValidatorCompiler(validatorCompiler as never);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(async (request, reply) => {
    if (options.notFoundPage && (await options.notFoundPage(request, reply))) return reply;
    return reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}: see /docs for the API`, requestId: request.id });
  });
  // Every reply names its request, so that a fault's log line can be found from what the caller saw.
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Replies may carry one hub's data to one person: no shared or browser cache may keep them.
    if (!notApi(request)) void reply.header('cache-control', 'no-store');
  });
  // Helmet's headers on API replies; the docs page is skipped, the pages set their own (with nonces) after these.
  app.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) route.config = { ...(route.config ?? {}), helmet: { skipRoute: true } } as typeof route.config;
  });
  await app.register(helmet, API_HELMET);
  await app.register(rateLimit, { global: false });
  const limits: ApiLimits = { ...DEFAULT_LIMITS, writesInFlight: settings().maxWritesInFlight, ...options.limits };
  // Before authentication and the body: a change the service cannot take now costs nothing more.
  addWriteGate(app, limits.writesInFlight);
  const failedAuth = app.createRateLimit({ max: limits.failedAuthPerMinute, timeWindow: 60_000, keyGenerator: (r) => `auth-failed:${r.ip}` });
  const writes = app.createRateLimit({ max: limits.writesPerMinute, timeWindow: 60_000, keyGenerator: (r) => `writes:${r.principal?.id ?? r.ip}` });

  // Token first (401), then role (403): before the body is even read.
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    // Unknown routes go on to the 404 handler; the documentation is public; pages have their own sign-in.
    if (url === undefined || url === '/docs' || url.startsWith('/docs/')) return;
    if (request.routeOptions.config?.page) return;
    // A route that declares nothing needs a signed-in caller: forgetting to declare never opens a door.
    const access: Access = request.routeOptions.config?.access ?? 'read';
    if (access === 'public') return;
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    let p: Principal;
    if (header !== undefined) {
      // An address that failed too often is refused before its token is even looked up.
      const seen = await failedAuth(request, { increment: false });
      if (!seen.isAllowed && seen.remaining === 0) throw new TooManyRequestsError(`too many failed authentications from ${request.ip}: wait ${seen.ttlInSeconds} s`, seen.ttlInSeconds);
    }
    try {
      if (typeof header === 'string' && !m) throw new UnauthenticatedError('the Authorization header must be "Bearer <token>"');
      p = await authenticate(service, m?.[1]);
    } catch (err) {
      if (header !== undefined && err instanceof UnauthenticatedError) await failedAuth(request);
      throw err;
    }
    request.principal = p;
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      const w = await writes(request);
      if (!w.isAllowed && w.isExceeded) throw new TooManyRequestsError(`${p.name} made more than ${w.max} changes in a minute: wait ${w.ttlInSeconds} s`, w.ttlInSeconds);
    }
    if (access === 'write' && p.role === 'auditor') throw new ForbiddenError(`${p.name} is an auditor: auditors can read but never change anything`);
    if (access === 'admin' && p.role !== 'admin') throw new ForbiddenError(`only an admin may do this; ${p.name} is ${p.role === 'auditor' ? 'an auditor' : 'hub staff'}`);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Mastery Pathway hub operations API',
        version: '1.0.0',
        description: API_DESCRIPTION,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: the service that serves this document, wherever it runs.
      servers: [{ url: '/', description: 'This service (the address this document was served from)' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `pathway users add` (or the first start), e.g. mpt_3q2v...' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'service', description: 'Is the service up, and who am I' },
        { name: 'applications', description: 'Application forms, eligibility, selection, the waiting list' },
        { name: 'work groups', description: 'Work groups, their schools and their sessions' },
        { name: 'schools', description: "One school's state, history and events of the year" },
        { name: 'cohorts', description: "Moving a year's schools to their next phase" },
        { name: 'admin', description: 'People, tokens and hub contacts' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: (d) => finishDocument(('openapiObject' in d ? d.openapiObject : d.swaggerObject) as Record<string, unknown>) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const typed = app.withTypeProvider<ZodRequestTypes>();
  metaRoutes(typed);
  applicationRoutes(typed);
  groupRoutes(typed);
  schoolRoutes(typed);
  cohortRoutes(typed);
  adminRoutes(typed);
  fundingRoutes(typed);
  (await import('./routes/people.js')).peopleRoutes(typed);
  (await import('./routes/effects.js')).effectRoutes(typed);
  (await import('./routes/verify.js')).verifyRoutes(typed);
  if (options.extend) await options.extend(app);
  await app.ready();
  return app;
}

/**
 * Request types inferred from the zod schemas; replies are checked at run time
 * by the serializer (the service's own interfaces do not carry zod's index
 * signatures, so typing replies too would only add casts).
 */
export interface ZodRequestTypes extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: unknown;
}

export type TypedApp = FastifyInstance<any, any, any, any, ZodRequestTypes>;
