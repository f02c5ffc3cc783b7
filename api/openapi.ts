/**
 * The finishing of the OpenAPI document served at /docs/json (issue 13): an
 * operationId for every operation, only the error statuses an operation can
 * return (no 409 or 422 on a read, 401/429/503 wherever a token is checked,
 * 413/415 wherever a body is read), a description per status instead of
 * "Default Response", and an example for every request and response body,
 * made from its schema with realistic values (so each example is valid
 * against its schema). Runs over the document @fastify/swagger builds from
 * the zod schemas, so routes added later get the same treatment. Pure.
 */

import { z } from 'zod';
import { ErrorOut } from './schemas.js';

type Json = Record<string, any>;

/** The error body's schema, for operations whose route declared no error response (its $schema key dropped). */
const ERROR_SCHEMA: Json = (({ $schema: _, ...rest }) => rest)(z.toJSONSchema(ErrorOut, { io: 'output' }) as Json);

/** Operation ids by method and path; other routes get one made from them (see derivedId). */
const OPERATION_IDS: Record<string, string> = {
  'GET /health': 'getHealth',
  'GET /me': 'getMe',
  'POST /applications': 'submitApplication',
  'GET /applications': 'listApplications',
  'POST /applications/{urn}/eligibility': 'assessEligibility',
  'POST /applications/{urn}/select': 'selectApplication',
  'POST /applications/{urn}/waitlist': 'waitlistApplication',
  'POST /applications/{urn}/decline': 'declineApplication',
  'POST /groups': 'createGroup',
  'GET /groups': 'listGroups',
  'GET /groups/{id}': 'getGroup',
  'POST /groups/{id}/schools': 'addSchoolToGroup',
  'POST /groups/{id}/schedule': 'generateGroupSchedule',
  'POST /groups/{id}/sessions/{sessionId}/move': 'moveGroupSession',
  'POST /groups/{id}/sessions/{sessionId}/cancel': 'cancelGroupSession',
  'GET /schools': 'listSchools',
  'GET /schools/{urn}': 'getSchool',
  'GET /schools/{urn}/history': 'getSchoolHistory',
  'POST /schools/{urn}/commitment': 'signCommitment',
  'POST /schools/{urn}/attendance': 'recordAttendance',
  'POST /schools/{urn}/gap-tasks': 'recordGapTask',
  'POST /schools/{urn}/release-days': 'recordReleaseDays',
  'POST /schools/{urn}/evaluation': 'submitEvaluation',
  'POST /schools/{urn}/withdraw': 'withdrawSchool',
  'POST /schools/{urn}/defer': 'deferSchool',
  'POST /schools/{urn}/resume': 'resumeSchool',
  'PUT /schools/{urn}/headteacher-contact': 'correctHeadteacherContact',
  'POST /schools/{urn}/teachers/{slot}': 'replaceTeacher',
  'POST /cohorts/transition': 'runCohortTransition',
  'POST /users': 'addUser',
  'GET /users': 'listUsers',
  'DELETE /users/{id}': 'revokeUser',
  'GET /hubs/contacts': 'listHubContacts',
  'GET /hubs/{hub}/contact': 'getHubContact',
  'PUT /hubs/{hub}/contact': 'setHubContact',
};

/** "GET /audit/funding" -> "getAuditFunding"; path parameters become "ByUrn". Pure. */
export function derivedId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith('{') ? `by-${s.slice(1, -1)}` : s))
    .flatMap((s) => s.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** What each status means, in the words the document shows. */
const STATUS_WORDS: Record<string, string> = {
  '400': 'Invalid input: `problems` lists each field with the rule it broke and the value given',
  '401': 'No token, or an unknown, revoked or expired one',
  '403': "Outside the caller's hubs or role (auditors never change anything)",
  '404': 'No such school, work group, session, user or route (a school of a hub the caller may not see is answered the same way)',
  '409': 'If-Match is stale (`currentVersion` says the version now), or the id is taken: reload and try again',
  '413': 'The body is over 256 KB',
  '415': 'The body is not JSON',
  '422': "Well formed, but the programme's rules refuse it (`reason` says why)",
  '423': "The school's history was found changed: no write until an admin signs it off",
  '429': 'Too many failed authentications from this address, or too many writes on this token, in a minute: wait for Retry-After seconds',
  '503': 'The database is unavailable, or (a change) the service is already saving as many changes as it takes at once: try again after Retry-After seconds; nothing was saved',
};

/** A plausible error body per status (the example of each error response). */
const ERROR_EXAMPLES: Record<string, Json> = {
  '400': { error: 'one problem: task must not be empty (got "").', problems: [{ path: 'task', message: 'must not be empty', value: '', severity: 'error', in: 'body' }], requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '401': { error: 'the API token is unknown or was revoked', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '403': { error: 'Aud Itor is an auditor: auditors can read but never change anything', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '404': { error: 'no school with URN 108514: submit its application first, or check the URN', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '409': { error: 'school 108514 is at version 5, not 4: reload and try again', currentVersion: 5, requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '413': { error: 'the request body is too large: at most 256 KB', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '415': { error: 'send the body as JSON (Content-Type: application/json)', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '422': { error: 'school 108514 (Development: application received) cannot take GAP_TASK_COMPLETED: the school has not started its phase', reason: 'the school has not started its phase', state: 'development/applied', phase: 'development', status: 'applied', event: 'GAP_TASK_COMPLETED', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '423': { error: 'school 108514: its history was found changed at version 4; an admin must sign it off', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '429': { error: 'too many failed authentications from 203.0.113.7: wait 42 s', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
  '503': { error: 'the database is unavailable; try again shortly', requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f' },
};

/** Values for string fields by name, each valid for the schemas that use that name. */
const STRING_BY_NAME: Record<string, string> = {
  urn: '108514',
  name: 'Tynebridge School',
  hub: 'great-north',
  route: 'secondary',
  phase: 'development',
  status: 'active',
  programmeId: 'secondary-development-2020-21',
  academicYear: '2020/21',
  untilYear: '2021/22',
  from: '2020/21',
  to: '2021/22',
  year: '2020/21',
  groupId: 'great-north-development-2020-1',
  sessionId: 'secondary-development-2020-21.meeting-01',
  id: 'great-north-development-2020-1',
  email: 'head@tynebridge.example',
  role: 'hub_staff',
  actor: 'sam-staff-1a2b',
  createdBy: 'ada-admin-9f3c',
  updatedBy: 'ada-admin-9f3c',
  machineVersion: 'pathway@12',
  type: 'GAP_TASK_COMPLETED',
  kind: 'meeting',
  place: 'Tynebridge School, room 4',
  task: 'Bar models in Year 7',
  reason: 'The headteacher left at Easter',
  alternative: 'A place in the 2021/22 group',
  summary: 'Teachers plan lessons together in small steps.',
  note: 'Meets the Ofsted criterion',
  what: 'meeting secondary-development-2020-21.meeting-02 at Tynebridge School',
  token: 'mpt_3q2v9ZkXwP0aB7cD1eF4gH6iJ8kL0mN2oP4qR6sT8uV',
  error: 'see the status',
  requestId: '6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f',
  time: '09:30',
  weekday: 'thursday',
  key: 'mail:108514:reminder:meeting-02:14',
  template: 'session-reminder',
  path: 'task',
  message: 'must not be empty',
  severity: 'error',
  in: 'body',
  outcome: 'moved',
  fromPhase: 'readiness',
  fromYear: '2020/21',
  fromStatus: 'completed',
  toPhase: 'development',
  toProgrammeId: 'secondary-development-2021-22',
};

const INSTANT = '2021-03-04T09:30:00Z';

/** An example value valid against a JSON schema, named `name` in its object. Pure. */
export function exampleOf(schema: Json | undefined, name = '', depth = 0): unknown {
  if (!schema || depth > 12) return null;
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum.includes(STRING_BY_NAME[name]) ? STRING_BY_NAME[name] : schema.enum[0];
  for (const k of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[k])) {
      const first = (schema[k] as Json[]).find((s) => s.type !== 'null') ?? schema[k][0];
      return exampleOf(first, name, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) return Object.assign({}, ...schema.allOf.map((s: Json) => exampleOf(s, name, depth + 1) as Json));
  const type = Array.isArray(schema.type) ? (schema.type.find((t: string) => t !== 'null') ?? 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Json = {};
      for (const [k, s] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) out[k] = exampleOf(s, k, depth + 1);
      return out;
    }
    case 'array': {
      const n = Math.max(1, schema.minItems ?? 1);
      return Array.from({ length: Math.min(n, 4) }, () => exampleOf(schema.items, name.replace(/s$/, ''), depth + 1));
    }
    case 'integer':
    case 'number': {
      const guess = /version/i.test(name) ? 4 : /count|size|places|requeued/i.test(name) ? 1 : /Pence$/.test(name) ? 200000 : /teachersPresent/.test(name) ? 2 : 1;
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -Infinity);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : Infinity);
      return Math.min(Math.max(guess, min), max);
    }
    case 'boolean':
      // Filters and dry runs off, everything else (ok, eligible, configured) on.
      return !/^(dryRun|overdue|revoked)$/.test(name);
    case 'null':
      return null;
    case 'string': {
      const about = String(schema.description ?? '');
      if (/academic year/i.test(about)) return '2020/21';
      if (schema.format === 'date-time' || /At$/.test(name) || name === 'at' || (name === 'to' && /instant/i.test(about))) return INSTANT;
      if (schema.format === 'email' || /email$/i.test(name)) return STRING_BY_NAME.email;
      const byName = STRING_BY_NAME[name];
      if (byName !== undefined && (!schema.pattern || new RegExp(schema.pattern).test(byName))) return byName;
      if (schema.pattern === '^\\d{6}$') return '108514';
      return 'text';
    }
    default:
      return null;
  }
}

/** The document's description, markdown-safe (a bare <token> is read as HTML and vanishes). */
export const API_DESCRIPTION =
  "Run Teaching for Mastery work groups for a Maths Hub: applications, work groups, schedules, attendance, cohort transitions, and each school's auditable history.\n\n" +
  'Authenticate with the header `Authorization: Bearer <token>` (make a token with `pathway users add`; it works for 90 days unless made for longer). ' +
  'Writes accept `If-Match` with the version you last saw (409 if it changed). Every reply carries `X-Request-Id`; quote it when reporting a fault.\n\n' +
  'Errors: 400 invalid input (problems listed per field), 401 no, bad or expired token, 403 outside your hub or role, 404 unknown (including a school of a hub you may not see), ' +
  '409 stale version or id taken, 413 body over 256 KB, 415 body not JSON, 422 refused by the programme rules, 429 too many failed authentications or writes in a minute, 503 database unavailable or (a change) the service busy with as many changes as it takes at once (Retry-After; nothing saved).';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Whether a reply's schema is the generic error body (or says nothing of its fields): a 503 of GET /health with its own fields is not. Pure. */
function isErrorBody(schema: Json | undefined): boolean {
  return !schema?.properties || 'error' in schema.properties;
}

/** Finishes the document @fastify/swagger built (see the file's comment). Pure (returns a changed copy). */
export function finishDocument(input: Json): Json {
  const doc: Json = structuredClone(input);
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      op.operationId ??= OPERATION_IDS[`${method.toUpperCase()} ${path}`] ?? derivedId(method, path);
      const responses: Json = (op.responses ??= {});
      const errorSchema = Object.entries(responses).find(([s]) => s >= '400')?.[1]?.content?.['application/json']?.schema ?? ERROR_SCHEMA;
      const authenticated = !(Array.isArray(op.security) && op.security.length === 0);
      const takesInput = Boolean(op.requestBody) || (op.parameters ?? []).length > 0;
      if (method === 'get') {
        // A read changes nothing: no version to be stale, no rule to refuse.
        delete responses['409'];
        delete responses['422'];
        delete responses['423'];
        // A school the caller may not see is a 404, not a 403 (service/access.ts).
        if (/^\/schools\/\{urn\}/.test(path)) delete responses['403'];
      }
      const wanted = [...(takesInput ? ['400'] : []), ...(authenticated ? ['401', '429', '503'] : []), ...(op.requestBody ? ['413', '415'] : [])];
      for (const status of wanted) if (!responses[status]) responses[status] = { content: { 'application/json': { schema: errorSchema } } };
      for (const [status, response] of Object.entries(responses as Record<string, Json>)) {
        response.description = status < '300' ? (op.summary ?? 'Done') : (STATUS_WORDS[status] ?? response.description);
        const media = response.content?.['application/json'];
        if (media && media.example === undefined && media.examples === undefined) media.example = status >= '400' && ERROR_EXAMPLES[status] && isErrorBody(media.schema) ? ERROR_EXAMPLES[status] : exampleOf(media.schema);
      }
      const body = op.requestBody?.content?.['application/json'];
      if (body && body.example === undefined && body.examples === undefined) body.example = exampleOf(body.schema);
    }
  }
  return doc;
}
