/**
 * Application routes: submit a form, list applications, assess eligibility,
 * select into a work group, waitlist, decline with an alternative.
 */
import { FormSchema } from '../../domain/forms/index.js';
import type { TypedApp } from '../server.js';
import { versionedWrite, who } from '../http.js';
import { ApplicationsQuery, ApplyQuery, DeclineBody, EligibilityBody, ErrorOut, IfMatchHeaders, ReasonBody, SchoolListOut, SelectBody, UrnParams, WriteOut } from '../schemas.js';
import { assessEligibility, declineApplication, listApplications, selectApplication, submitApplication, waitlistApplication } from '../../service/applications.js';
import { z } from 'zod';
import { ProblemOut } from '../schemas.js';

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut };
const tags = ['applications'];

/** Registers the application routes. Not pure. */
export function applicationRoutes(app: TypedApp): void {
  app.post('/applications', {
    config: { access: 'write' },
    schema: {
      tags,
      summary: 'Submit an application form (APPLY)',
      description:
        "The form of one of the four kinds (secondary-eoi-2018, secondary-development-2020, primary-readiness-2020, primary-trg-eoi-2019). Every field and cross-field rule is checked at once; the school applies for the catalogue's programme of the form's kind and year. Warnings (an 'about N words' statement over its length) do not stop it and are returned. With ?programme=<id>, the form applies for that catalogue programme (same route and phase, another year) and is checked against its rules.",
      headers: IfMatchHeaders,
      querystring: ApplyQuery,
      body: FormSchema,
      response: { 201: WriteOut.extend({ programmeId: z.string(), warnings: z.array(ProblemOut) }), ...errors },
    },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => submitApplication(svc, p, request.body, { expectedVersion: ifMatch, ...(request.query.programme ? { programmeId: request.query.programme } : {}) }), (r) => r.version, 201),
  });

  app.get('/applications', {
    config: { access: 'read' },
    schema: { tags, summary: 'Applications awaiting a decision (applied, eligible, waitlisted), or those of one status', querystring: ApplicationsQuery, response: { 200: SchoolListOut, ...errors } },
    handler: async (request) => {
      const q = request.query;
      const schools = await listApplications(request.server.service, who(request), {
        ...(q.hub ? { hub: q.hub } : {}),
        ...(q.programme ? { programmeId: q.programme } : {}),
        ...(q.year ? { academicYear: q.year } : {}),
        ...(q.status ? { status: q.status } : {}),
      });
      return { count: schools.length, schools };
    },
  });

  app.post('/applications/:urn/eligibility', {
    config: { access: 'write' },
    schema: { tags, summary: 'Record the eligibility judgement (ELIGIBILITY_ASSESSED)', params: UrnParams, headers: IfMatchHeaders, body: EligibilityBody, response: { 200: WriteOut, ...errors } },
    handler: async (request, reply) => versionedWrite(request, reply, (svc, p, ifMatch) => assessEligibility(svc, p, request.params.urn, request.body, { expectedVersion: ifMatch }), (r) => r.version),
  });

  app.post('/applications/:urn/select', {
    config: { access: 'write' },
    schema: {
      tags,
      summary: 'Select the school into a work group (SELECTED)',
      description: 'Into the group named, or into one chosen to keep group applications together; the group size is kept within the catalogue limit. If-Match is the school\'s version.',
      params: UrnParams,
      headers: IfMatchHeaders,
      body: SelectBody,
      response: { 200: WriteOut.extend({ groupId: z.string(), groupSize: z.number(), groupVersion: z.number(), notes: z.array(z.string()) }), ...errors },
    },
    handler: async (request, reply) => versionedWrite(request, reply, (svc, p, ifMatch) => selectApplication(svc, p, request.params.urn, request.body, { expectedVersion: ifMatch }), (r) => r.version),
  });

  app.post('/applications/:urn/waitlist', {
    config: { access: 'write' },
    schema: { tags, summary: 'Put the school on the waiting list (WAITLISTED)', params: UrnParams, headers: IfMatchHeaders, body: ReasonBody, response: { 200: WriteOut, ...errors } },
    handler: async (request, reply) => versionedWrite(request, reply, (svc, p, ifMatch) => waitlistApplication(svc, p, request.params.urn, request.body, { expectedVersion: ifMatch }), (r) => r.version),
  });

  app.post('/applications/:urn/decline', {
    config: { access: 'write' },
    schema: { tags, summary: 'Decline, optionally offering an alternative (DECLINED)', params: UrnParams, headers: IfMatchHeaders, body: DeclineBody, response: { 200: WriteOut, ...errors } },
    handler: async (request, reply) => versionedWrite(request, reply, (svc, p, ifMatch) => declineApplication(svc, p, request.params.urn, request.body, { expectedVersion: ifMatch }), (r) => r.version),
  });
}
