/**
 * GET /effects: what the outbox has not carried out yet (pending, or failed
 * for good), each with its error and next try, for the schools the caller
 * may see (service/effects.ts). Read access; hub staff and auditors see
 * their hubs' schools, admins all. POST /effects/retry: one of them tried
 * again now (retryEffect, as the outbox page's "Try again now" and
 * `pathway effects retry`): hub staff their hubs' emails, admins anything.
 */
import { z } from 'zod';
import type { TypedApp } from '../server.js';
import { who } from '../http.js';
import { ErrorOut, Urn } from '../schemas.js';
import { listEffects, retryEffect } from '../../service/effects.js';

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

const RetryBody = z.strictObject({ key: z.string().min(1).max(500).describe('the key of an effect that failed or waits to retry (GET /effects lists them)') });

const RetryOut = z.object({
  key: z.string(),
  urn: z.string(),
  type: z.string(),
  outcome: z.enum(['sent', 'not-sent', 'failed', 'queued', 'already-done', 'busy']).describe('sent: carried out now; not-sent: an email too late by now (note says why); failed: tried and failed again (error); queued: due again, carried out by the host; already-done and busy: nothing was done'),
  error: z.string().nullable(),
  note: z.string().nullable(),
  describes: z.string().nullable().describe("which one, in words: an email's subject, a grant's amount"),
});

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

  app.post('/effects/retry', {
    config: { access: 'write' },
    schema: {
      operationId: 'retryEffect',
      tags: ['service'],
      summary: 'Try an effect that failed, or waits to retry, again now (hub staff: their hubs\' emails; admins: any); asking twice does it once',
      body: RetryBody,
      response: { 200: RetryOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut },
    },
    handler: async (request) => retryEffect(request.server.service, who(request), request.body.key),
  });
}
