/**
 * The API under generated requests (fast-check), on the real embedded engine
 * (PGlite and Postgres): any method, path, query, headers and body — valid,
 * nearly valid and garbage — never gets a 500 or crashes the service, always
 * gets a JSON error that says what was wrong, and a refused request writes
 * nothing (events, work groups, users and forms counted before and after).
 * FUZZ_RUNS sets the number of requests per database: 1,500 by default
 * (3,000 in `npm test`); `npm run soak:api` runs 10,000 per database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dbTargets } from './helpers/db.js';
import { HUB_A, readinessForm, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { signCommitment } from '../service/schools.js';
import { generateGroupSchedule } from '../service/schedule.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };

interface Fixtures {
  urns: string[];
  groups: string[];
  sessions: string[];
  tokens: string[];
  writers: string[];
}

/** Everything that may be written, as one comparable record. */
async function writes(h: ApiHarness): Promise<string> {
  const r = await h.svc.db.query<{ e: number; g: number; p: number; s: number; u: number; f: number; c: number }>(
    `SELECT (SELECT count(*)::int FROM events) AS e,
            (SELECT coalesce(sum(version), 0)::int FROM work_groups) AS g,
            (SELECT count(*)::int FROM work_group_places) AS p,
            (SELECT count(*)::int FROM group_sessions) AS s,
            (SELECT count(*)::int FROM api_users WHERE revoked_at IS NULL) AS u,
            (SELECT count(*)::int FROM application_forms) AS f,
            (SELECT count(*)::int FROM hub_contacts) AS c`,
  );
  return JSON.stringify(r.rows[0]);
}

/** The routes with the method each expects, plus one that does not exist. */
const ROUTES: [string, string][] = [
  ['GET', '/health'],
  ['GET', '/me'],
  ['POST', '/applications'],
  ['GET', '/applications'],
  ['POST', '/applications/{urn}/eligibility'],
  ['POST', '/applications/{urn}/select'],
  ['POST', '/applications/{urn}/waitlist'],
  ['POST', '/applications/{urn}/decline'],
  ['POST', '/groups'],
  ['GET', '/groups'],
  ['GET', '/groups/{group}'],
  ['POST', '/groups/{group}/schools'],
  ['POST', '/groups/{group}/schedule'],
  ['POST', '/groups/{group}/sessions/{session}/move'],
  ['POST', '/groups/{group}/sessions/{session}/cancel'],
  ['GET', '/schools'],
  ['GET', '/schools/{urn}'],
  ['GET', '/schools/{urn}/history'],
  ['POST', '/schools/{urn}/commitment'],
  ['POST', '/schools/{urn}/attendance'],
  ['POST', '/schools/{urn}/gap-tasks'],
  ['POST', '/schools/{urn}/release-days'],
  ['POST', '/schools/{urn}/evaluation'],
  ['POST', '/schools/{urn}/withdraw'],
  ['POST', '/schools/{urn}/defer'],
  ['POST', '/schools/{urn}/resume'],
  ['POST', '/schools/{urn}/teachers/{slot}'],
  ['POST', '/cohorts/transition'],
  ['POST', '/users'],
  ['GET', '/users'],
  ['DELETE', '/users/{user}'],
  ['GET', '/hubs/contacts'],
  ['GET', '/hubs/{hub}/contact'],
  ['PUT', '/hubs/{hub}/contact'],
  ['GET', '/docs/json'],
  ['GET', '/nowhere/{urn}'],
];

const weird = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '..', '%2e%2e', '%00', '%ZZ', 'null', '-1', '0', '999999', '1e9', 'true', '💥', 'a'.repeat(300), "'; drop table events; --"),
);

/** The fields each route's body takes (so generated bodies reach the rules, not only the schema). */
const FIELDS: Record<string, string[]> = {
  '/applications/{urn}/eligibility': ['eligible', 'criteria', 'note', 'at'],
  '/applications/{urn}/select': ['groupId', 'at'],
  '/applications/{urn}/waitlist': ['reason', 'at'],
  '/applications/{urn}/decline': ['reason', 'alternative', 'at'],
  '/groups': ['programmeId', 'hub', 'lead', 'name'],
  '/groups/{group}/schools': ['urn', 'at'],
  '/groups/{group}/schedule': ['academicYear', 'weekday', 'time', 'place', 'policy', 'at'],
  '/groups/{group}/sessions/{session}/move': ['to', 'place', 'at'],
  '/groups/{group}/sessions/{session}/cancel': ['reason', 'at'],
  '/schools/{urn}/commitment': ['signatories', 'at'],
  '/schools/{urn}/attendance': ['sessionId', 'teachersPresent', 'headteacherPresent', 'at'],
  '/schools/{urn}/gap-tasks': ['task', 'at'],
  '/schools/{urn}/release-days': ['days', 'at'],
  '/schools/{urn}/evaluation': ['summary', 'at'],
  '/schools/{urn}/withdraw': ['reason', 'at'],
  '/schools/{urn}/defer': ['reason', 'untilYear', 'at'],
  '/schools/{urn}/resume': ['academicYear', 'at'],
  '/schools/{urn}/teachers/{slot}': ['teacher', 'at'],
  '/cohorts/transition': ['from', 'to', 'groupId', 'hub', 'dryRun'],
  '/users': ['name', 'role', 'hubs'],
  '/hubs/{hub}/contact': ['name', 'email'],
};

/** Body values: those a route expects, broken a little, and anything at all. */
function bodies(f: Fixtures, template: string) {
  const instant = fc.oneof(fc.constantFrom('2021-03-04T09:00:00Z', '2020-12-10T09:00:00+00:00', '2030-01-01T00:00:00Z', '2019-01-01T00:00:00Z', 'tomorrow', '2021-02-30T09:00:00Z'), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  const year = fc.constantFrom('2020/21', '2021/22', '2019/20', '2026/27', '2027/28', '2020/22', '20/21', '');
  const all = {
      eligible: fc.boolean(),
      criteria: fc.array(fc.constantFrom('ofstedRiOrInadequate', 'highStaffTurnover', 'nonsense'), { maxLength: 3 }),
      note: fc.string({ maxLength: 40 }),
      groupId: fc.constantFrom(...f.groups, 'no-such-group', 'UPPER'),
      reason: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('')),
      alternative: fc.string({ maxLength: 20 }),
      signatories: fc.array(fc.constantFrom('headteacher', 'headOfDepartment', 'teacher1', 'teacher2', 'mayor'), { maxLength: 5 }),
      sessionId: fc.constantFrom(...f.sessions, 'nope', '../x'),
      teachersPresent: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.double(), fc.constant('2')),
      headteacherPresent: fc.oneof(fc.boolean(), fc.constant('yes')),
      task: fc.string({ maxLength: 40 }),
      days: fc.oneof(fc.double({ min: -5, max: 100 }), fc.integer()),
      summary: fc.string({ maxLength: 40 }),
      untilYear: year,
      academicYear: year,
      teacher: fc.record({ name: fc.string({ maxLength: 20 }), email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 10 })), role: fc.string({ maxLength: 10 }) }, { requiredKeys: [] }),
      programmeId: fc.constantFrom('secondary-development-2020-21', 'primary-readiness-2020-21', 'nope'),
      hub: fc.constantFrom(HUB_A, 'Cambridge Maths Hub', 'atlantis'),
      lead: fc.record({ name: fc.string({ maxLength: 20 }), email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 10 })) }, { requiredKeys: [] }),
      urn: fc.constantFrom(...f.urns, '000000', 'abc'),
      to: instant,
      at: instant,
      place: fc.string({ maxLength: 20 }),
      weekday: fc.constantFrom('monday', 'thursday', 'sunday'),
      time: fc.constantFrom('09:00', '25:00', '9am'),
      from: year,
      dryRun: fc.oneof(fc.boolean(), fc.constant('no')),
      name: fc.string({ maxLength: 20 }),
      role: fc.constantFrom('admin', 'auditor', 'hub_staff', 'king'),
      hubs: fc.array(fc.constantFrom(HUB_A, 'cambridge', 'atlantis'), { maxLength: 2 }),
      email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 10 })),
      policy: fc.record({ daysBefore: fc.array(fc.integer({ min: -3, max: 30 }), { maxLength: 3 }), escalateAfterDays: fc.integer({ min: -1, max: 5 }) }, { requiredKeys: [] }),
  };
  // The route's own fields, each present or not (`at` mostly left out: the service's clock is then used).
  const own = (FIELDS[template] ?? []).filter((k) => k !== 'at');
  const known = fc
    .tuple(
      fc.boolean().chain((complete) => fc.record(Object.fromEntries(own.map((k) => [k, all[k as keyof typeof all]])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: complete ? own : [] })),
      fc.option(instant, { freq: 5 }),
      fc.option(fc.constantFrom(...Object.keys(all)), { freq: 8 }),
    )
    .map(([body, at, extra]) => ({ ...body, ...(at !== null && FIELDS[template]?.includes('at') ? { at } : {}), ...(extra !== null ? { [extra]: 'unexpected' } : {}) }));
  const form = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.boolean(), fc.constantFrom<(string | number)[]>([], ['school', 'urn'], ['teachers', 1, 'email'], ['submittedOn'], ['kind'], ['statements', 'headteacher'], ['school', 'hub']), fc.anything()).map(([n, primary, path, value]) => {
    const f = primary ? readinessForm(n) : secondaryForm(n);
    if (path.length) {
      let at: any = f;
      for (const k of path.slice(0, -1)) at = at[k];
      at[path.at(-1)!] = value;
    }
    return f;
  });
  return fc.oneof(
    { weight: 5, arbitrary: known },
    { weight: template === '/applications' ? 8 : 1, arbitrary: form },
    { weight: 2, arbitrary: fc.json().map((j) => JSON.parse(j) as unknown) },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

function requests(f: Fixtures) {
  const param = (choices: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...choices) }, { weight: 1, arbitrary: weird.map((s) => encodeURIComponent(s)) });
  const path = fc
    .record({ route: fc.constantFrom(...ROUTES), urn: param(f.urns), group: param(f.groups), session: param(f.sessions), slot: param(['1', '2', '3']), user: param(['no-such-user', 'ab']), hub: param([HUB_A, 'Cambridge', 'atlantis']) })
    .map((p) => ({ method: p.route[0], template: p.route[1], path: p.route[1].replace('{urn}', p.urn).replace('{group}', p.group).replace('{session}', p.session).replace('{slot}', p.slot).replace('{user}', p.user).replace('{hub}', p.hub) }));
  const query = fc.array(
    fc.tuple(fc.constantFrom('hub', 'phase', 'year', 'programme', 'status', 'overdue', 'group', 'limit', 'at', 'revoked', 'x'), fc.oneof(fc.constantFrom('great-north', 'development', '2020/21', 'true', 'false', '5', '0', '2021-01-01', 'active'), weird)),
    { maxLength: 3 },
  );
  return fc.record({
    // Mostly the route's own method, sometimes another; a body made for the route.
    target: fc
      .tuple(path, fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') }))
      .chain(([p, m]) => bodies(f, p.template).map((body) => ({ method: m ?? p.method, path: p.path, body }))),
    query,
    // Mostly someone who may write in hub A (admin, hub A staff), often someone who may not.
    token: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...f.writers) }, { weight: 3, arbitrary: fc.constantFrom(...f.tokens) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: weird }),
    ifMatch: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(fc.nat({ max: 20 }).map(String), fc.nat({ max: 20 }).map((v) => `"${v}"`), weird) }),
    contentType: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
    huge: fc.integer({ min: 0, max: 199 }),
  });
}

describe.each(dbTargets())('the API under generated requests ($name)', (target) => {
  let h: ApiHarness;
  const f: Fixtures = { urns: [], groups: [], sessions: [], tokens: [], writers: [] };

  beforeAll(async () => {
    h = await startApi(target, { start: '2021-01-20T12:00:00Z' });
    f.tokens = Object.values(h.tokens);
    f.writers = [h.tokens.admin, h.tokens.staffA];
    for (let n = 1; n <= 4; n++) {
      const form = secondaryForm(n);
      await submitApplication(h.svc, root, form);
      f.urns.push(form.school.urn);
    }
    for (const urn of f.urns.slice(0, 3)) await assessEligibility(h.svc, root, urn, { eligible: true });
    for (let i = 0; i < 2; i++) f.groups.push((await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } })).id);
    await selectApplication(h.svc, root, f.urns[0]!, { groupId: f.groups[0]! });
    await signCommitment(h.svc, root, f.urns[0]!, { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
    f.sessions = (await generateGroupSchedule(h.svc, root, f.groups[0]!, {})).sessions.map((s) => s.id);
  });
  afterAll(async () => h?.close());

  it(`${RUNS} generated requests: no 500, a readable error, nothing written when refused`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests(f), async ({ target: { method, path, body }, ...r }) => {
        const before = await writes(h);
        const qs = r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const headers: Record<string, string> = {};
        if (r.token !== undefined) headers.authorization = `Bearer ${r.token}`;
        if (r.ifMatch !== undefined) headers['if-match'] = r.ifMatch;
        let payload: string | undefined;
        if (body !== undefined && method !== 'GET') {
          // One request in 200 carries a body over the 256 KB limit.
          payload = r.huge === 0 ? JSON.stringify({ task: 'x'.repeat(300 * 1024) }) : JSON.stringify(body);
          if (r.contentType) headers['content-type'] = r.contentType;
        }
        const res = await h.app.inject({ method: method as 'GET', url: `${path}${qs ? `?${qs}` : ''}`, headers, ...(payload !== undefined ? { payload } : {}) });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, `${method} ${path}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
        if (res.statusCode >= 400) {
          const body = JSON.parse(res.body) as { error?: unknown; problems?: { path: unknown; message: unknown }[] };
          expect(typeof body.error).toBe('string');
          expect((body.error as string).length).toBeGreaterThan(5);
          for (const p of body.problems ?? []) {
            expect(typeof p.path).toBe('string');
            expect(typeof p.message).toBe('string');
          }
          expect(await writes(h), `${method} ${path} -> ${res.statusCode} wrote something`).toBe(before);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20201105), endOnFailure: true },
    );
    if (process.env.FUZZ_VERBOSE) console.log(target.name, JSON.stringify([...statuses].sort((a, b) => a[0] - b[0])));
    // The generator reaches the rules and successes too, not only the front door.
    for (const code of [200, 400, 401, 403, 404, 422]) expect(statuses.get(code) ?? 0, `status ${code} in ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
  });
});
