/**
 * Work group routes: create, list, show; add a school; generate the year's
 * schedule; move or cancel one session. If-Match here is the group's version
 * (its ETag), except when adding a school, where it may also be given as the
 * group's.
 */
import { z } from 'zod';
import type { TypedApp } from '../server.js';
import { setVersion, versionedWrite, who } from '../http.js';
import {
  AddSchoolBody,
  CancelBody,
  ErrorOut,
  GenerateBody,
  GroupBody,
  GroupChangeOut,
  GroupOut,
  GroupParams,
  GroupsQuery,
  IfMatchHeaders,
  MoveBody,
  SessionOut,
  SessionParams,
  SummaryOut,
  WriteOut,
} from '../schemas.js';
import { addSchoolToGroup, createGroup, groupDetail, listWorkGroups } from '../../service/groups.js';
import { cancelGroupSession, generateGroupSchedule, moveGroupSession } from '../../service/schedule.js';

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut };
const tags = ['work groups'];

/** Registers the work group and schedule routes. Not pure. */
export function groupRoutes(app: TypedApp): void {
  app.post('/groups', {
    config: { access: 'write' },
    schema: { tags, summary: 'Create a work group for a catalogue programme in a hub, with its lead', body: GroupBody, response: { 201: GroupOut, ...errors } },
    handler: async (request, reply) => {
      const g = await createGroup(request.server.service, who(request), request.body);
      setVersion(reply, g.version);
      return reply.code(201).send(g);
    },
  });

  app.get('/groups', {
    config: { access: 'read' },
    schema: { tags, summary: 'Work groups of the hubs you may see', querystring: GroupsQuery, response: { 200: z.object({ count: z.number(), groups: z.array(GroupOut.extend({ places: z.number() })) }), ...errors } },
    handler: async (request) => {
      const q = request.query;
      const groups = await listWorkGroups(request.server.service, who(request), {
        ...(q.hub ? { hub: q.hub } : {}),
        ...(q.programme ? { programmeId: q.programme } : {}),
        ...(q.year ? { academicYear: q.year } : {}),
      });
      return { count: groups.length, groups };
    },
  });

  app.get('/groups/:id', {
    config: { access: 'read' },
    schema: {
      tags,
      summary: 'One work group: its places, its schools and its sessions',
      params: GroupParams,
      response: { 200: z.object({ group: GroupOut, places: z.array(z.looseObject({ urn: z.string() })), schools: z.array(SummaryOut), sessions: z.array(SessionOut) }), ...errors },
    },
    handler: async (request, reply) => {
      const d = await groupDetail(request.server.service, who(request), request.params.id);
      setVersion(reply, d.group.version);
      return d;
    },
  });

  app.post('/groups/:id/schools', {
    config: { access: 'write' },
    schema: {
      tags,
      summary: 'Add an eligible or waitlisted school to the group (SELECTED), within its size limit',
      params: GroupParams,
      headers: IfMatchHeaders,
      body: AddSchoolBody,
      response: { 200: WriteOut.extend({ groupId: z.string(), groupSize: z.number(), groupVersion: z.number(), notes: z.array(z.string()) }), ...errors },
    },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => addSchoolToGroup(svc, p, request.params.id, request.body, { groupVersion: ifMatch }), (r) => r.groupVersion),
  });

  app.post('/groups/:id/schedule', {
    config: { access: 'write' },
    schema: {
      tags,
      summary: "Generate the year's sessions from the calendar and the catalogue and send them to each school (SCHEDULE_SET)",
      description: 'Reminders follow the policy (default 14 and 2 days before each session, escalation the day after a session with no attendance recorded).',
      params: GroupParams,
      headers: IfMatchHeaders,
      body: GenerateBody,
      response: { 200: GroupChangeOut.extend({ academicYear: z.string(), sessions: z.array(z.looseObject({ id: z.string(), kind: z.string(), at: z.string(), place: z.string() })) }), ...errors },
    },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => generateGroupSchedule(svc, p, request.params.id, request.body, { groupVersion: ifMatch }), (r) => r.groupVersion),
  });

  app.post('/groups/:id/sessions/:sessionId/move', {
    config: { access: 'write' },
    schema: { tags, summary: 'Move one session for every school of the group (SESSION_MOVED); reminders move with it', params: SessionParams, headers: IfMatchHeaders, body: MoveBody, response: { 200: GroupChangeOut.extend({ session: SessionOut }), ...errors } },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => moveGroupSession(svc, p, request.params.id, request.params.sessionId, request.body, { groupVersion: ifMatch }), (r) => r.groupVersion),
  });

  app.post('/groups/:id/sessions/:sessionId/cancel', {
    config: { access: 'write' },
    schema: { tags, summary: 'Cancel one session for every school of the group (SESSION_CANCELLED); its reminders are dropped', params: SessionParams, headers: IfMatchHeaders, body: CancelBody, response: { 200: GroupChangeOut.extend({ session: SessionOut }), ...errors } },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => cancelGroupSession(svc, p, request.params.id, request.params.sessionId, request.body, { groupVersion: ifMatch }), (r) => r.groupVersion),
  });
}
