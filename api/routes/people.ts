/**
 * People and action plans: a hub's Mastery Specialists and Readiness Leads
 * (list, add), a school's allocation to one of them (refused past the
 * programme's load per leader: two departments per Secondary Mastery
 * Specialist, eight schools per Readiness Lead), its action plan on the 5
 * Big Ideas and its reviews at visits, and the Readiness year's Mastery
 * Ready judgement. Every school write takes If-Match with the school's
 * version; a rule's refusal is 422 naming the rule and the field.
 */
import { z } from 'zod';
import { EventRejectedError } from '../../domain/errors.js';
import { IdeaProgress, LeaderRole } from '../../domain/people.js';
import type { TypedApp } from '../server.js';
import { versionedWrite, who } from '../http.js';
import { ErrorOut, IfMatchHeaders, UrnParams, WriteOut } from '../schemas.js';
import { BoundedAcademicYear, BoundedInstant } from '../../domain/boundary.js';
import { addPerson, allocateLeader, createActionPlan, judgeMasteryReady, listHubPeople, reviewActionPlan } from '../../service/people.js';

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 423: ErrorOut };
const tags = ['people'];
const Text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const When = BoundedInstant.optional().describe('When it happened (ISO instant with offset); default now. Never in the future.');
const PersonId = z.string().max(60, 'must be at most 60 characters').regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');
const Aim = Text(600);

const PeopleQuery = z.strictObject({ hub: Text(120).optional().describe('Hub id or name'), year: BoundedAcademicYear.optional().describe('Only allocations of this academic year') });
const PersonBody = z.strictObject({ hub: Text(120), name: Text(100), email: z.email('must be an email address'), role: LeaderRole, id: PersonId.optional().describe('Default: the name in lower case with dashes') });
const PersonOut = z.looseObject({ id: z.string(), hub: z.string(), name: z.string(), email: z.string(), role: LeaderRole });
const PeopleOut = z.object({
  count: z.number(),
  people: z.array(PersonOut.extend({ title: z.string(), allocations: z.array(z.looseObject({ urn: z.string(), programmeId: z.string(), academicYear: z.string(), allocatedAt: z.string() })) })),
});
const LeaderBody = z.strictObject({ personId: PersonId, at: When });
const PlanBody = z.strictObject({
  aims: z.strictObject({ coherence: Aim, representationAndStructure: Aim, mathematicalThinking: Aim, fluency: Aim, variation: Aim }).describe('What the school will work on for each of the 5 Big Ideas'),
  at: When,
});
const ReviewBody = z.strictObject({
  sessionId: z.string().max(200).regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, dot, dash or underscore').describe('The visit at which the plan was reviewed'),
  progress: z
    .strictObject({ coherence: IdeaProgress.optional(), representationAndStructure: IdeaProgress.optional(), mathematicalThinking: IdeaProgress.optional(), fluency: IdeaProgress.optional(), variation: IdeaProgress.optional() })
    .refine((p) => Object.values(p).some((v) => v !== undefined), 'must give the progress on at least one of the 5 Big Ideas'),
  note: z.string().max(2000, 'must be at most 2000 characters').optional(),
  at: When,
});
const JudgementBody = z.strictObject({ ready: z.boolean({ error: 'must be true or false' }), note: z.string().max(2000, 'must be at most 2000 characters').optional(), at: When });

/** A rule's refusal of a school write, tagged with the request field it is about (422 body `field`). */
async function about<R>(field: string, write: () => Promise<R>): Promise<R> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof EventRejectedError) Object.assign(err, { field });
    throw err;
  }
}

/** Registers the people and action plan routes. Not pure. */
export function peopleRoutes(app: TypedApp): void {
  app.get('/people', {
    config: { access: 'read' },
    schema: { tags, summary: 'The Mastery Specialists and Readiness Leads of the hubs you may see, with the schools each leads', querystring: PeopleQuery, response: { 200: PeopleOut, ...errors } },
    handler: async (request) => {
      const q = request.query;
      const people = await listHubPeople(request.server.service, who(request), { ...(q.hub ? { hub: q.hub } : {}), ...(q.year ? { academicYear: q.year } : {}) });
      return { count: people.length, people };
    },
  });

  app.post('/people', {
    config: { access: 'write' },
    schema: { tags, summary: 'Add a Mastery Specialist (role specialist) or a Mastery Readiness Lead (role readinessLead) to a hub', body: PersonBody, response: { 201: PersonOut, ...errors } },
    handler: async (request, reply) => reply.code(201).send(await addPerson(request.server.service, who(request), request.body)),
  });

  app.post('/schools/:urn/leader', {
    config: { access: 'write' },
    schema: {
      tags,
      summary: "Allocate the school to a Mastery Specialist or Readiness Lead of its hub for its current programme (LEADER_ALLOCATED); 422 past the programme's load per leader",
      params: UrnParams,
      headers: IfMatchHeaders,
      body: LeaderBody,
      response: { 200: WriteOut.extend({ load: z.number(), person: PersonOut }), ...errors },
    },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => about('personId', () => allocateLeader(svc, p, request.params.urn, request.body, { expectedVersion: ifMatch })), (r) => r.version),
  });

  app.post('/schools/:urn/action-plan', {
    config: { access: 'write' },
    schema: { tags, summary: "Record the school's action plan on the 5 Big Ideas, made with its leader (ACTION_PLAN_CREATED)", params: UrnParams, headers: IfMatchHeaders, body: PlanBody, response: { 200: WriteOut, ...errors } },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => about('aims', () => createActionPlan(svc, p, request.params.urn, request.body, { expectedVersion: ifMatch })), (r) => r.version),
  });

  app.post('/schools/:urn/action-plan/reviews', {
    config: { access: 'write' },
    schema: { tags, summary: 'Record a review of the action plan at a visit that was held (ACTION_PLAN_REVIEWED)', params: UrnParams, headers: IfMatchHeaders, body: ReviewBody, response: { 200: WriteOut, ...errors } },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => about('sessionId', () => reviewActionPlan(svc, p, request.params.urn, request.body, { expectedVersion: ifMatch })), (r) => r.version),
  });

  app.post('/schools/:urn/mastery-ready', {
    config: { access: 'write' },
    schema: { tags, summary: "Record the Readiness year's Mastery Ready judgement at its end (MASTERY_READY_JUDGED)", params: UrnParams, headers: IfMatchHeaders, body: JudgementBody, response: { 200: WriteOut, ...errors } },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => about('ready', () => judgeMasteryReady(svc, p, request.params.urn, request.body, { expectedVersion: ifMatch })), (r) => r.version),
  });
}
