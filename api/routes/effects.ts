/**
 * GET /effects: what the outbox has not carried out yet (pending, or failed
 * for good), each with its error and next try, for the schools the caller
 * may see (service/effects.ts). Read access; hub staff and auditors see
 * their hubs' schools, admins all.
 */
import { z } from 'zod';
import type { TypedApp } from '../server.js';
import { who } from '../http.js';
import { ErrorOut, Urn } from '../schemas.js';
import { listEffects } from '../../service/effects.js';

const EffectsQuery = z.strictObject({
  status: z.enum(['pending', 'failed']).optional().describe('only effects waiting to be carried out (pending) or given up on (failed); default both'),
  urn: Urn.optional().describe('one school'),
  hub: z.string().min(1).max(100).optional().describe('a hub id or name'),
  limit: z.coerce.number().int().min(1).max(1000).optional().describe('at most this many (default 1000)'),
});

const EffectOut = z.object({
  key: z.string(),
  urn: z.string(),
  type: z.string(),
  status: z.enum(['pending', 'failed']),
  state: z.enum(['due', 'claimed', 'retrying', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  dueAt: z.string().describe('the school time it is due at'),
  retryAt: z.string().nullable().describe('real time of the next try, when it waits to retry'),
  claimedBy: z.string().nullable(),
  claimedUntil: z.string().nullable(),
  summary: z.string(),
  describes: z.string().nullable().describe("which one, in words: an email's subject, a grant's amount"),
});

const EffectsOut = z.object({ count: z.number().int(), effects: z.array(EffectOut) });

/** Registers GET /effects. Not pure. */
export function effectRoutes(app: TypedApp): void {
  app.get('/effects', {
    config: { access: 'read' },
    schema: {
      operationId: 'listEffects',
      tags: ['service'],
      summary: 'Effects not carried out yet (payments, emails, evaluation requests), with their error and next try',
      querystring: EffectsQuery,
      response: { 200: EffectsOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut },
    },
    handler: async (request) => {
      const q = request.query;
      const effects = await listEffects(request.server.service, who(request), {
        ...(q.status ? { status: q.status } : {}),
        ...(q.urn ? { urn: q.urn } : {}),
        ...(q.hub ? { hub: q.hub } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
      return { count: effects.length, effects };
    },
  });
}
