/**
 * Admin routes: people and their tokens, and hub lead contacts (who gets
 * escalations and the weekly digest). The command line does the same with
 * `pathway users ...`.
 */
import { z } from 'zod';
import type { TypedApp } from '../server.js';
import { who } from '../http.js';
import { ErrorOut, HubContactBody, HubParams, UserBody, UserOut, UserParams, UsersQuery } from '../schemas.js';
import { addUser, hubContacts, hubLead, revoke, setHubLead, usersList } from '../../service/users.js';
import { assertRead, resolveHub } from '../../service/access.js';

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut };
const ContactOut = z.object({ hub: z.string(), name: z.string(), email: z.string(), configured: z.boolean(), updatedAt: z.string().nullable(), updatedBy: z.string().nullable() });

/** Registers the admin routes. Not pure. */
export function adminRoutes(app: TypedApp): void {
  app.post('/users', {
    config: { access: 'admin' },
    schema: { tags: ['admin'], summary: 'Add a person and make their API token (shown once)', body: UserBody, response: { 201: z.object({ user: UserOut, token: z.string() }), ...errors } },
    handler: async (request, reply) => reply.code(201).send(await addUser(request.server.service, who(request), request.body)),
  });

  app.get('/users', {
    config: { access: 'admin' },
    schema: { tags: ['admin'], summary: 'People with API tokens', querystring: UsersQuery, response: { 200: z.object({ users: z.array(UserOut) }), ...errors } },
    handler: async (request) => ({ users: await usersList(request.server.service, who(request), request.query.revoked ?? false) }),
  });

  app.delete('/users/:id', {
    config: { access: 'admin' },
    schema: { tags: ['admin'], summary: "Revoke a person's token", params: UserParams, response: { 200: UserOut, ...errors } },
    handler: async (request) => revoke(request.server.service, who(request), request.params.id),
  });

  app.get('/hubs/contacts', {
    config: { access: 'admin' },
    schema: { tags: ['admin'], summary: 'Hub lead contacts set by admins, and the default for the others', response: { 200: z.object({ configured: z.array(ContactOut), defaultExample: ContactOut }), ...errors } },
    handler: async (request) => hubContacts(request.server.service, who(request)),
  });

  app.get('/hubs/:hub/contact', {
    config: { access: 'read' },
    schema: { tags: ['admin'], summary: "A hub's lead contact (escalations and the weekly digest go there)", params: HubParams, response: { 200: ContactOut, ...errors } },
    handler: async (request) => {
      assertRead(who(request), resolveHub(request.params.hub, 'hub').id, `the contact of hub ${request.params.hub}`);
      return hubLead(request.server.service, request.params.hub);
    },
  });

  app.put('/hubs/:hub/contact', {
    config: { access: 'admin' },
    schema: { tags: ['admin'], summary: "Set a hub's lead contact", params: HubParams, body: HubContactBody, response: { 200: ContactOut, ...errors } },
    handler: async (request) => setHubLead(request.server.service, who(request), request.params.hub, request.body),
  });
}
