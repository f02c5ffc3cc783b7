/**
 * Routes about the service itself: /health (public, does no work: the
 * latency baseline of the benchmark) and /me (who the token belongs to).
 */
import { z } from 'zod';
import type { TypedApp } from '../server.js';
import { who } from '../http.js';
import { ErrorOut } from '../schemas.js';

/** Registers /health and /me. Not pure. */
export function metaRoutes(app: TypedApp): void {
  app.get('/health', {
    config: { access: 'public' },
    // No query parameters: an unknown one is refused (400) as on every other route.
    schema: { tags: ['service'], summary: 'Is the service up? (does no work)', security: [], querystring: z.strictObject({}), response: { 200: z.object({ ok: z.literal(true) }), 400: ErrorOut } },
    handler: async () => ({ ok: true as const }),
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
