/**
 * The page routes of each area, registered in one place so the plugin gives
 * each the session, CSRF and security headers. Not pure.
 */
import type { FastifyInstance } from 'fastify';
import type { Service } from '../../service/context.js';
import { boardRoutes } from './board.js';
import { groupRoutes } from './groups.js';
import { applicationRoutes } from './applications.js';
import { applicationNewRoutes } from './application-new.js';
import { auditRoutes } from './audit.js';
import { schoolPeopleRoutes } from './school-people.js';
import { auditCheckRoutes } from './audit-checks.js';
import { commitmentFormRoutes } from './commitment-form.js';

/** Registers every area's pages. Not pure. */
export async function pageRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  await boardRoutes(app, svc);
  await groupRoutes(app, svc);
  await applicationRoutes(app, svc);
  await applicationNewRoutes(app, svc);
  await auditRoutes(app, svc);
  await schoolPeopleRoutes(app, svc);
  await auditCheckRoutes(app, svc);
  await commitmentFormRoutes(app, svc);
}
