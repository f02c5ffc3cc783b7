/**
 * The page routes of each area, registered in one place so the plugin gives
 * each the session, CSRF and security headers. Not pure.
 */
import type { FastifyInstance } from 'fastify';
import type { Service } from '../../service/context.js';

/** Registers every area's pages. Not pure. */
export async function pageRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  void app;
  void svc;
}
