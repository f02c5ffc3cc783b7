/**
 * Routes about the service itself: /health (public: is the service up, and
 * does its database answer?) and /me (who the token belongs to).
 */
import { z } from 'zod';
import type { TypedApp } from '../server.js';
import { who } from '../http.js';
import { ErrorOut } from '../schemas.js';

/** How long /health waits for the database to answer before calling it down. */
export const HEALTH_DB_TIMEOUT_MS = 2_000;

const HealthUp = z.object({ ok: z.literal(true), database: z.literal('up') });
const HealthDown = z.object({ ok: z.literal(false), database: z.literal('down'), reason: z.string() });

/** Registers /health and /me. Not pure. */
export function metaRoutes(app: TypedApp): void {
  app.get('/health', {
    config: { access: 'public' },
    // No query parameters: an unknown one is refused (400) as on every other route.
    schema: {
      tags: ['service'],
      summary: 'Is the service up, and does its database answer? (503 with the reason while it does not)',
      description: 'Postgres is asked SELECT 1 on a connection of its own (at most 2 s); PGlite, in the process, is up while the service is. Does no other work.',
      security: [],
      querystring: z.strictObject({}),
      response: { 200: HealthUp, 400: ErrorOut, 503: HealthDown },
    },
    handler: async (_request, reply) => {
      const db = app.service.db;
      const found = db.health ? await db.health(HEALTH_DB_TIMEOUT_MS) : { ok: true as const };
      if (found.ok) return { ok: true as const, database: 'up' as const };
      return reply.code(503).send({ ok: false as const, database: 'down' as const, reason: `the database (${db.describe()}) does not answer: ${found.reason}` });
    },
  });

  app.get('/me', {
    config: { access: 'read' },
    schema: {
      tags: ['service'],
      summary: 'Who this token belongs to',
      response: { 200: z.object({ id: z.string(), name: z.string(), role: z.string(), hubs: z.array(z.string()) }) },
    },
    handler: async (request) => {
      const p = who(request);
      return { id: p.id, name: p.name, role: p.role, hubs: p.hubs };
    },
  });
}
