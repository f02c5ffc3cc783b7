/**
 * The commitment form to print: hub staff and auditors open it from the
 * school page (/hub/schools/:urn/commitment-form); the headteacher from the
 * school's page link (/for-schools/<token>/commitment, for-schools.ts). One
 * view for both. Not pure.
 */
import type { FastifyInstance } from 'fastify';
import { UnknownSchoolError } from '../../domain/errors.js';
import { findHub } from '../../domain/catalogue/hubs.js';
import type { Service } from '../../service/context.js';
import { hubLabel } from '../../service/access.js';
import { commitmentFormFor } from '../../service/commitment-form.js';
import { RefusedError } from '../../service/errors.js';
import { requireSignIn } from '../session.js';
import { renderStatusPage } from '../errors.js';

/** Registers /hub/schools/:urn/commitment-form. Not pure. */
export async function commitmentFormRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  app.get<{ Params: { urn: string } }>('/hub/schools/:urn/commitment-form', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const urn = request.params.urn;
    const back = { href: `/hub/schools/${encodeURIComponent(urn)}`, text: 'Back to the school' };
    try {
      const { form, status, signedOn } = await commitmentFormFor(svc, p, urn);
      const hub = findHub(form.hub);
      return reply.page('commitment/form.njk', {
        title: `Commitment form: ${form.school}`,
        hubName: hub ? hubLabel(hub) : undefined,
        breadcrumbs: [{ text: 'Hub board', href: '/hub' }, { text: form.school, href: back.href }, { text: 'Commitment form' }],
        f: form,
        forHub: true,
        committed: status !== 'selected',
        signedOn,
      });
    } catch (e) {
      if (e instanceof UnknownSchoolError) return renderStatusPage(reply, 404, { title: 'School not found', body: [`There is no school with URN ${urn} in this service.`], links: [{ href: '/hub', text: 'Go to the hub board' }] });
      if (e instanceof RefusedError) return renderStatusPage(reply, 404, { title: 'No commitment form yet', body: [e.message], links: [back] });
      throw e;
    }
  });
}
