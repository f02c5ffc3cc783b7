/**
 * School routes: the list with filters, one school's state with its upcoming
 * deadlines, its history as of a date (auditors), and the single-school
 * events of the year (commitment, attendance, gap tasks, release days,
 * evaluation, withdrawal, deferral, resumption, teacher replacement). Every
 * write takes If-Match with the school's version.
 */
import { z } from 'zod';
import type { SendResult } from '../../host/engine.js';
import type { TypedApp } from '../server.js';
import { setVersion, versionedWrite, who } from '../http.js';
import {
  AttendanceBody,
  CommitmentBody,
  DeferBody,
  ErrorOut,
  EvaluationBody,
  GapTaskBody,
  HistoryQuery,
  IfMatchHeaders,
  ReasonBody,
  ReleaseDaysBody,
  ResumeBody,
  SchoolListOut,
  SchoolOut,
  SchoolsQuery,
  SummaryOut,
  TeacherBody,
  TeacherSlotParams,
  UrnParams,
  WriteOut,
} from '../schemas.js';
import {
  deferSchool,
  listSchools,
  recordAttendance,
  recordGapTask,
  recordReleaseDays,
  replaceTeacher,
  resumeSchool,
  schoolHistory,
  schoolState,
  signCommitment,
  submitEvaluation,
  withdrawSchool,
  type WriteOptions,
} from '../../service/schools.js';
import type { Principal, Service } from '../../service/context.js';
import { correctHeadteacherEmail } from '../../service/school-contacts.js';
import { schoolTamper, tamperFlag } from '../../service/tamper.js';
import { auditedHistory } from '../../service/school-audit.js';

const HeadteacherContactBody = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional().describe('Default: the name already on record'),
  email: z.email('must be an email address'),
});
const HeadteacherContactOut = z.object({
  urn: z.string(),
  name: z.string(),
  email: z.string(),
  changed: z.boolean().describe('False when the name and address were already these: nothing was recorded as a change'),
  requeued: z.number().int().describe('How many held emails were queued again'),
  resent: z.array(z.object({ key: z.string(), template: z.string(), outcome: z.enum(['sent', 'too-late', 'queued']), note: z.string().nullable() })),
});

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 423: ErrorOut };
const tags = ['schools'];

type SchoolWrite<B> = (svc: Service, p: Principal, urn: string, body: B, o: WriteOptions) => Promise<SendResult>;

/** One POST /schools/:urn/<path> route over a single-school service function. */
function writeRoute<S extends z.ZodType>(app: TypedApp, path: string, summary: string, body: S, run: SchoolWrite<z.output<S>>): void {
  app.post(`/schools/:urn/${path}`, {
    config: { access: 'write' },
    schema: { tags, summary, params: UrnParams, headers: IfMatchHeaders, body, response: { 200: WriteOut, ...errors } },
    handler: async (request, reply) => versionedWrite(request, reply, (svc, p, ifMatch) => run(svc, p, (request.params as { urn: string }).urn, request.body as z.output<S>, { expectedVersion: ifMatch }), (r) => r.version),
  });
}

/** Registers the school routes. Not pure. */
export function schoolRoutes(app: TypedApp): void {
  app.get('/schools', {
    config: { access: 'read' },
    schema: { tags, summary: 'Schools of the hubs you may see, with filters', querystring: SchoolsQuery, response: { 200: SchoolListOut, ...errors } },
    handler: async (request) => {
      const q = request.query;
      const schools = await listSchools(request.server.service, who(request), {
        ...(q.hub ? { hub: q.hub } : {}),
        ...(q.phase ? { phase: q.phase } : {}),
        ...(q.programme ? { programmeId: q.programme } : {}),
        ...(q.year ? { academicYear: q.year } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
        ...(q.group ? { groupId: q.group } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
      return { count: schools.length, schools };
    },
  });

  app.get('/schools/:urn', {
    config: { access: 'read' },
    schema: {
      tags,
      summary: "One school's state, with its upcoming sessions and deadlines",
      params: UrnParams,
      response: {
        200: SchoolOut.extend({
          upcoming: z.array(z.object({ what: z.string(), at: z.string() })),
          tampered: z.object({ atVersion: z.number(), reason: z.string() }).nullable().describe('The history was found changed at this version: no write is taken (423) until an admin signs it off'),
        }),
        ...errors,
      },
    },
    handler: async (request, reply) => {
      const s = await schoolState(request.server.service, who(request), request.params.urn);
      setVersion(reply, s.version);
      const tampered = tamperFlag(await schoolTamper(request.server.service, who(request), request.params.urn));
      return { urn: s.urn, version: s.version, summary: s.summary, upcoming: s.summary.upcoming, tampered };
    },
  });

  app.get('/schools/:urn/history', {
    config: { access: 'read' },
    schema: {
      tags,
      summary: "A school's events (who, when it happened, when recorded, machine version) and its state on a date",
      params: UrnParams,
      querystring: HistoryQuery,
      response: {
        200: z.looseObject({
          urn: z.string(),
          entries: z.array(z.looseObject({ version: z.number(), type: z.string(), occurredAt: z.string(), recordedAt: z.string(), actor: z.string(), machineVersion: z.string(), phase: z.string(), status: z.string() })),
          stateAt: SummaryOut.nullable(),
          tampered: z.looseObject({ version: z.number(), reason: z.string() }).nullable(),
        }),
        ...errors,
      },
    },
    handler: async (request) => auditedHistory(request.server.service, who(request), request.params.urn, request.query.at),
  });

  writeRoute(app, 'commitment', 'Record the signed commitment (COMMITMENT_SIGNED): the phase becomes active', CommitmentBody, signCommitment);
  writeRoute(app, 'attendance', 'Record who came to a session (ATTENDANCE_RECORDED), and whether the headteacher was there', AttendanceBody, recordAttendance);
  writeRoute(app, 'gap-tasks', 'Record a completed gap task (GAP_TASK_COMPLETED)', GapTaskBody, recordGapTask);
  writeRoute(app, 'release-days', 'Record teacher release days (RELEASE_DAYS_RECORDED)', ReleaseDaysBody, recordReleaseDays);
  writeRoute(app, 'evaluation', 'Record the submitted end-of-year evaluation (EVALUATION_SUBMITTED)', EvaluationBody, submitEvaluation);
  writeRoute(app, 'withdraw', 'Withdraw the school from its phase (WITHDRAWN)', ReasonBody, withdrawSchool);
  writeRoute(app, 'defer', 'Defer the school to a later year (DEFERRED)', DeferBody, deferSchool);
  writeRoute(app, 'resume', 'Resume a deferred school (RESUMED) in the catalogue programme for the year', ResumeBody, resumeSchool);

  app.put('/schools/:urn/headteacher-contact', {
    config: { access: 'write' },
    schema: {
      tags,
      summary: "Correct the headteacher's email address (and name); emails held for want of a good address are sent to it again, if still in time",
      params: UrnParams,
      body: HeadteacherContactBody,
      response: { 200: HeadteacherContactOut, ...errors },
    },
    handler: async (request) => correctHeadteacherEmail(request.server.service, who(request), request.params.urn, request.body),
  });

  app.post('/schools/:urn/teachers/:slot', {
    config: { access: 'write' },
    schema: { tags, summary: 'Replace lead teacher 1 or 2 (TEACHER_REPLACED)', params: TeacherSlotParams, headers: IfMatchHeaders, body: TeacherBody, response: { 200: WriteOut, ...errors } },
    handler: async (request, reply) =>
      versionedWrite(request, reply, (svc, p, ifMatch) => replaceTeacher(svc, p, request.params.urn, Number(request.params.slot) as 1 | 2, request.body, { expectedVersion: ifMatch }), (r) => r.version),
  });
}
