/**
 * The API under generated requests (fast-check), on the real embedded engine
 * (PGlite and Postgres): any method, path, query, headers and body — valid,
 * nearly valid and garbage, text over all of Unicode (NUL, lone surrogates,
 * astral characters), dates from year 0 to 9999 with any offset, numbers from
 * -1e308 to 1e308 — never gets a 500 or crashes the service, always gets a
 * JSON error that says what was wrong, a refused request writes nothing
 * (events, work groups, users and forms counted before and after), and a
 * request that was accepted was valid (its text keepable, its dates real and
 * in range, its counts whole, the instant stored the one that was sent).
 * FUZZ_RUNS sets the number of requests per database: 1,500 by default, so
 * 3,000 in all over PGlite and Postgres; `npm run soak:api` runs 10,000 per
 * database.
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
import { academicYearProblem, dateProblem, instantProblem, textProblems } from '../domain/boundary.js';

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

/** One character of all Unicode: any code point (lone surrogate halves included), with NUL, surrogates and astral ones often. */
const char = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
  { weight: 2, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\udcaf', '\u{1f4a5}', '\u202e', '\ufeff', '\uffff') },
);
/** Text over all of Unicode, up to `max` characters. */
const text = (max: number) => fc.array(char, { maxLength: max }).map((a) => a.join(''));

/** Instants and dates from year 0 to 9999, impossible days and hours, offsets up to ±99:99. */
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const offset = fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`), fc.constantFrom('+14:00', '-14:00', '+14:01', '+00:00', '+01:00'));
const extremeDate = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1988, max: 2102 })), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`);
const extremeInstant = fc.tuple(extremeDate, fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 61 }), offset).map(([d, h, mi, se, o]) => `${d}T${pad(h)}:${pad(mi)}:${pad(se)}${o}`);
/** Numbers at the edges: huge, tiny, negative zero, fractions. */
const extremeNumber = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 0.1, 0.5, 1.5, 2.000001, -1, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 31), fc.integer());

const weird = fc.oneof(
  fc.string({ maxLength: 30 }),
  text(20),
  extremeInstant,
  extremeDate,
  fc.constantFrom('', '..', '%2e%2e', '%00', '%ZZ', 'null', '-1', '0', '0.1', '2.5', '1e308', '999999', '1e9', 'true', '💥', 'a\u0000b', '\ud800', '9999/00', '1899/00', 'a'.repeat(300), "'; drop table events; --"),
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

/** Values that must be refused wherever they go: text the database cannot keep, impossible or far dates, odd numbers. */
const hostile = fc.oneof(
  fc.constantFrom('a\u0000b', '\u0000', 'x\ud800', '\udfff', '\udc00\ud800', '0001-01-01T00:00:00Z', '2021-01-05T09:00:00+99:99', '2021-02-30T09:00:00Z', '0000-01-01', '2021-02-30', '9999/00', '1899/00'),
  fc.constantFrom(0.1, 1.5, -0, 1e308, -1e308, 5e-324, 2 ** 53),
  text(8).map((t) => `${t}\u0000`),
  text(8).map((t) => `\ud800${t}`),
  extremeInstant,
);

/** Every path to a leaf (string, number, boolean) in a JSON value. Pure. */
function leafPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return path.length ? [path] : [];
  return Object.entries(v).flatMap(([k, c]) => leafPaths(c, [...path, Array.isArray(v) ? Number(k) : k]));
}

/** A body each route would accept as it stands (on the fixtures), or undefined for the form route. */
function validBody(f: Fixtures, template: string): Record<string, unknown> | undefined {
  const bodies: Record<string, Record<string, unknown>> = {
    '/applications/{urn}/eligibility': { eligible: true, note: 'n' },
    '/applications/{urn}/select': { groupId: f.groups[1] },
    '/applications/{urn}/waitlist': { reason: 'r' },
    '/applications/{urn}/decline': { reason: 'r', alternative: 'a' },
    '/groups': { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'Lead', email: 'lead@a.example' }, name: 'n' },
    '/groups/{group}/schools': { urn: f.urns[1] },
    '/groups/{group}/schedule': { place: 'p', weekday: 'monday', time: '09:00' },
    '/groups/{group}/sessions/{session}/move': { to: '2021-03-04T09:00:00Z', place: 'p' },
    '/groups/{group}/sessions/{session}/cancel': { reason: 'r' },
    '/schools/{urn}/commitment': { signatories: ['headteacher'] },
    '/schools/{urn}/attendance': { sessionId: f.sessions[0], teachersPresent: 2 },
    '/schools/{urn}/gap-tasks': { task: 't' },
    '/schools/{urn}/release-days': { days: 1 },
    '/schools/{urn}/evaluation': { summary: 's' },
    '/schools/{urn}/withdraw': { reason: 'r' },
    '/schools/{urn}/defer': { reason: 'r', untilYear: '2021/22' },
    '/schools/{urn}/resume': { academicYear: '2021/22' },
    '/schools/{urn}/teachers/{slot}': { teacher: { name: 'n', email: 't@x.example', role: 'r' } },
    '/cohorts/transition': { from: '2020/21', to: '2021/22', dryRun: true },
    '/users': { name: 'n', role: 'auditor', hubs: [HUB_A] },
    '/hubs/{hub}/contact': { name: 'n', email: 'e@x.example' },
  };
  return bodies[template];
}

/** Body values: those a route expects, broken a little, and anything at all. */
function bodies(f: Fixtures, template: string) {
  const instant = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('2021-03-04T09:00:00Z', '2020-12-10T09:00:00+00:00', '2021-01-05T09:00:00+14:00', '2030-01-01T00:00:00Z', '2019-01-01T00:00:00Z', 'tomorrow', '2021-02-30T09:00:00Z', '0001-01-01T00:00:00Z', '2021-01-05T09:00:00+99:99') },
    { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
    { weight: 2, arbitrary: extremeInstant },
    { weight: 1, arbitrary: text(12) },
  );
  const year = fc.oneof(fc.constantFrom('2020/21', '2021/22', '2019/20', '2026/27', '2027/28', '2020/22', '20/21', '', '9999/00', '1989/90', '2099/00', '2100/01'), fc.integer({ min: 0, max: 9999 }).map((y) => `${pad(y, 4)}/${pad((y + 1) % 100)}`));
  const all = {
      eligible: fc.boolean(),
      criteria: fc.array(fc.constantFrom('ofstedRiOrInadequate', 'highStaffTurnover', 'nonsense'), { maxLength: 3 }),
      note: text(40),
      groupId: fc.constantFrom(...f.groups, 'no-such-group', 'UPPER'),
      reason: fc.oneof(text(40), fc.constant('')),
      alternative: text(20),
      signatories: fc.array(fc.constantFrom('headteacher', 'headOfDepartment', 'teacher1', 'teacher2', 'mayor'), { maxLength: 5 }),
      sessionId: fc.constantFrom(...f.sessions, 'nope', '../x'),
      teachersPresent: fc.oneof(fc.integer({ min: -2, max: 4 }), extremeNumber, fc.constant('2')),
      headteacherPresent: fc.oneof(fc.boolean(), fc.constant('yes')),
      task: text(40),
      days: fc.oneof(fc.double({ min: -5, max: 100 }), fc.integer({ min: -2, max: 60 }).map((n) => n / 2), extremeNumber),
      summary: text(40),
      untilYear: year,
      academicYear: year,
      teacher: fc.record({ name: text(20), email: fc.oneof(fc.emailAddress(), text(10)), role: text(10) }, { requiredKeys: [] }),
      programmeId: fc.constantFrom('secondary-development-2020-21', 'primary-readiness-2020-21', 'nope'),
      hub: fc.constantFrom(HUB_A, 'Cambridge Maths Hub', 'atlantis'),
      lead: fc.record({ name: text(20), email: fc.oneof(fc.emailAddress(), text(10)) }, { requiredKeys: [] }),
      urn: fc.constantFrom(...f.urns, '000000', 'abc'),
      to: instant,
      at: instant,
      place: text(20),
      weekday: fc.constantFrom('monday', 'thursday', 'sunday'),
      time: fc.constantFrom('09:00', '25:00', '9am'),
      from: year,
      dryRun: fc.oneof(fc.boolean(), fc.constant('no')),
      name: text(20),
      role: fc.constantFrom('admin', 'auditor', 'hub_staff', 'king'),
      hubs: fc.array(fc.constantFrom(HUB_A, 'cambridge', 'atlantis'), { maxLength: 2 }),
      email: fc.oneof(fc.emailAddress(), text(10)),
      policy: fc.record({ daysBefore: fc.array(fc.oneof(fc.integer({ min: -3, max: 30 }), extremeNumber), { maxLength: 3 }), escalateAfterDays: fc.oneof(fc.integer({ min: -1, max: 5 }), extremeNumber) }, { requiredKeys: [] }),
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
  const form = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.boolean(), fc.constantFrom<(string | number)[]>([], ['school', 'urn'], ['teachers', 1, 'email'], ['submittedOn'], ['signatures', 'headteacher', 'signedOn'], ['kind'], ['statements', 'headteacher'], ['school', 'name'], ['school', 'hub']), fc.oneof(fc.anything(), text(30), extremeDate)).map(([n, primary, path, value]) => {
    const f = primary ? readinessForm(n) : secondaryForm(n);
    if (path.length) {
      let at: any = f;
      for (const k of path.slice(0, -1)) at = at[k];
      at[path.at(-1)!] = value;
    }
    return f;
  });
  // A body that would be accepted, with one field (or `at`) replaced by a hostile value: reaches the service and the database.
  const valid = validBody(f, template);
  const mutant =
    valid === undefined
      ? known
      : fc.tuple(fc.nat(), hostile, fc.nat({ max: 3 })).map(([i, value, how]) => {
          const copy = structuredClone(valid);
          // One in four as it stands: the rules and the successes; the others with one hostile field or `at`.
          if (how === 0) return copy;
          const atInstead = how === 1;
          const leaves = leafPaths(copy);
          const path = atInstead || leaves.length === 0 ? ['at'] : leaves[i % leaves.length]!;
          let at: any = copy;
          for (const k of path.slice(0, -1)) at = at[k];
          at[path.at(-1)!] = value;
          return copy;
        });
  return fc.oneof(
    { weight: 5, arbitrary: known },
    { weight: 5, arbitrary: mutant },
    { weight: template === '/applications' ? 8 : 1, arbitrary: form },
    { weight: 2, arbitrary: fc.json().map((j) => JSON.parse(j) as unknown) },
    { weight: 1, arbitrary: fc.anything({ stringUnit: 'binary', withNullPrototype: false }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** The routes whose query string is read (any other key is refused), with the keys they take. */
const QUERY_ROUTES = new Set(['GET /schools', 'GET /applications', 'GET /groups', 'GET /schools/{urn}/history', 'GET /users', 'POST /applications']);

/**
 * Why a request the API accepted (2xx) should have been refused, judged from
 * the rules themselves (domain/boundary.ts), not from the API's schemas: text
 * it cannot keep, dates that do not exist or fall outside 1990-2100, counts
 * that are not whole. Empty when it was valid. Pure.
 */
function acceptedButInvalid(method: string, template: string, query: [string, string][], body: unknown): string[] {
  const out: string[] = [];
  for (const p of textProblems(body)) out.push(`body ${p.path} ${p.message}`);
  if (QUERY_ROUTES.has(`${method} ${template}`)) {
    // What the server reads: a value whose bytes are not UTF-8 (a lone surrogate's %ED%A0%80) is not decoded at all, so it arrives as
    // its percent-encoded text (keepable, with no NUL left in it); any other value decoded.
    const serverReads = (x: string) => {
      try {
        return decodeURIComponent(encodeAny(x));
      } catch {
        return encodeAny(x);
      }
    };
    for (const [k, v] of query.map(([a, b]) => [serverReads(a), serverReads(b)] as const)) {
      for (const p of textProblems(v)) out.push(`query ${k} ${p.message}`);
      const why = k === 'year' ? academicYearProblem(v) : k === 'at' ? (v.length === 10 ? dateProblem(v) : instantProblem(v)) : k === 'limit' && !/^\d+$/.test(v) ? 'not a whole number' : null;
      if (why) out.push(`query ${k}=${JSON.stringify(v)} ${why}`);
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return out;
  const b = body as Record<string, unknown>;
  const years = template === '/cohorts/transition' ? ['from', 'to'] : ['untilYear', 'academicYear'];
  const instants = template === '/cohorts/transition' ? ['at'] : ['at', 'to'];
  for (const k of instants) if (typeof b[k] === 'string' && instantProblem(b[k] as string)) out.push(`body ${k}=${JSON.stringify(b[k])} ${instantProblem(b[k] as string)}`);
  for (const k of years) if (typeof b[k] === 'string' && academicYearProblem(b[k] as string)) out.push(`body ${k}=${JSON.stringify(b[k])} ${academicYearProblem(b[k] as string)}`);
  if ('days' in b && !(typeof b.days === 'number' && b.days > 0 && b.days <= 50 && Number.isInteger(b.days * 2))) out.push(`body days=${JSON.stringify(b.days)} is not a whole or half number of days from 0.5 to 50`);
  if ('teachersPresent' in b && !(typeof b.teachersPresent === 'number' && Number.isInteger(b.teachersPresent))) out.push(`body teachersPresent=${JSON.stringify(b.teachersPresent)} is not a whole number`);
  if (template === '/applications') {
    const dates = [b.submittedOn, ...Object.values((b.signatures ?? {}) as Record<string, { signedOn?: unknown }>).map((x) => x?.signedOn)];
    for (const d of dates) if (typeof d === 'string' && dateProblem(d)) out.push(`form date ${JSON.stringify(d)} ${dateProblem(d)}`);
  }
  return out;
}

/**
 * Percent-encodes any string for a URL, lone surrogates too (as the WTF-8
 * bytes a careless client sends, e.g. %ED%A0%80), where encodeURIComponent
 * throws. Pure.
 */
function encodeAny(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    else out += encodeURIComponent(ch);
  }
  return out;
}

function requests(f: Fixtures) {
  const param = (choices: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...choices) }, { weight: 1, arbitrary: weird.map(encodeAny) });
  const path = fc
    .record({ route: fc.constantFrom(...ROUTES), urn: param(f.urns), group: param(f.groups), session: param(f.sessions), slot: param(['1', '2', '3']), user: param(['no-such-user', 'ab']), hub: param([HUB_A, 'Cambridge', 'atlantis']) })
    .map((p) => ({ method: p.route[0], template: p.route[1], path: p.route[1].replace('{urn}', p.urn).replace('{group}', p.group).replace('{session}', p.session).replace('{slot}', p.slot).replace('{user}', p.user).replace('{hub}', p.hub) }));
  const query = fc.array(
    fc.tuple(fc.constantFrom('hub', 'phase', 'year', 'programme', 'status', 'overdue', 'group', 'limit', 'at', 'revoked', 'x'), fc.oneof(fc.constantFrom('great-north', 'development', '2020/21', 'true', 'false', '5', '0', '2021-01-01', 'active'), weird, extremeDate, hostile.map(String))),
    { maxLength: 3 },
  );
  return fc.record({
    // Mostly the route's own method, sometimes another; a body made for the route.
    target: fc
      .tuple(path, fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') }))
      .chain(([p, m]) => bodies(f, p.template).map((body) => ({ method: m ?? p.method, routeMethod: p.method, template: p.template, path: p.path, body }))),
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
      fc.asyncProperty(requests(f), async ({ target: { method, routeMethod, template, path, body }, ...r }) => {
        const before = await writes(h);
        const qs = r.query.map(([k, v]) => `${encodeAny(k)}=${encodeAny(v)}`).join('&');
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
        if (res.statusCode < 300 && method === routeMethod) {
          // What was sent, as the server read it (JSON turns lone surrogates into escapes and back).
          const sent = payload !== undefined && (headers['content-type'] ?? '').startsWith('application/json') ? (JSON.parse(payload) as unknown) : undefined;
          expect(acceptedButInvalid(method, template, r.query, sent), `${method} ${path} ${qs} was accepted (${res.statusCode})`).toEqual([]);
          // The instant stored is the one that was sent (an offset of +99:99 was once stored days off).
          const at = sent !== null && typeof sent === 'object' ? (sent as { at?: unknown }).at : undefined;
          if (typeof at === 'string' && /^\/(schools|applications)\/\d{6}\//.test(path)) {
            const ev = await h.svc.db.query<{ occurred_at: string }>('SELECT occurred_at FROM events WHERE urn = $1 ORDER BY version DESC LIMIT 1', [path.split('/')[2]]);
            expect(new Date(ev.rows[0]!.occurred_at).getTime(), `${method} ${path} stored another instant than ${at}`).toBe(Date.parse(at));
          }
        }
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
    // About 15 ms a request alone, several times that on a busy machine.
  }, Math.max(120_000, RUNS * 100));
});
