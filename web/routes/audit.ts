/**
 * Pages of this area (being built). Not pure.
 */
import type { FastifyInstance } from 'fastify';
import type { Service } from '../../service/context.js';

/** Registers this area's pages. Not pure. */
export async function auditRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  void app;
  void svc;
}
