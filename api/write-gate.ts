/**
 * Load shedding for changes: at most `limit` POST, PUT, PATCH or DELETE
 * requests are handled at once; one more is refused at once with 503 and
 * Retry-After (ServiceBusyError), before its body is read. Without it a
 * burst of writes beyond what the database commits waits in an unbounded
 * queue: at 200 writes a second on Postgres the wait grew past a minute and
 * the server's memory by 650 MB (bench/api.ts). Reads are never refused.
 * Not pure (counts requests in flight).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServiceBusyError } from '../service/errors.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const counted = new WeakSet<FastifyRequest>();

/** Adds the gate's hooks to `app`. */
export function addWriteGate(app: FastifyInstance, limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`writesInFlight must be a whole number of at least 1 (got ${limit})`);
  let inFlight = 0;
  const leave = (request: FastifyRequest) => {
    if (counted.delete(request)) inFlight--;
  };
  app.addHook('onRequest', async (request, reply) => {
    if (READS.has(request.method)) return;
    if (inFlight >= limit) throw new ServiceBusyError(limit);
    inFlight++;
    counted.add(request);
    // 'close' comes for every reply, also when the client went away before it (onResponse then never comes):
    // a slot is never lost to a client that gave up, or the gate would shut for good.
    reply.raw.once('close', () => leave(request));
  });
  app.addHook('onResponse', async (request) => leave(request));
}
