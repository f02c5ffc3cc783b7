/**
 * Small helpers for the routes: reading If-Match, setting ETag, the caller
 * and the service from a request, and the access level each route declares.
 * Not pure where it touches a request or reply.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Service } from '../service/context.js';

/** Who may call a route: anyone, any signed-in user (reads), people who may write, or admins. */
export type Access = 'public' | 'read' | 'write' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** A hub web page (web/): signed in by its session cookie, not by a bearer token. */
    page?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    service: Service;
  }
}

/** The version in an If-Match header (7, "7" or W/"7"), or undefined when absent. The schema checked its form. Pure. */
export function ifMatchOf(request: FastifyRequest): number | undefined {
  const h = request.headers['if-match'];
  if (typeof h !== 'string') return undefined;
  const m = /(\d+)/.exec(h);
  return m ? Number(m[1]) : undefined;
}

/** Sets ETag to a version (quoted, as HTTP wants). Not pure. */
export function setVersion(reply: FastifyReply, version: number): void {
  void reply.header('etag', `"${version}"`);
}

/** The caller; the auth hook has run for every non-public route. Pure. */
export function who(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} ran without a signed-in caller`);
  return request.principal;
}

/**
 * What every write route does around its service call: runs `write` as the
 * signed-in caller with the version from If-Match, sets ETag to the version
 * the result names (the school's or the group's), and answers with `status`.
 * Not pure.
 */
export async function versionedWrite<R>(
  request: FastifyRequest,
  reply: FastifyReply,
  write: (svc: Service, p: Principal, ifMatch: number | undefined) => Promise<R>,
  version: (result: R) => number,
  status = 200,
): Promise<FastifyReply> {
  const result = await write(request.server.service, who(request), ifMatchOf(request));
  setVersion(reply, version(result));
  return reply.code(status).send(result);
}
