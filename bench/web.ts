/**
 * Benchmark of the hub web pages (issue 8), called by `npm run bench` as
 * `benchWeb(opts)`: server render time of the hub board and of a school page
 * with 2,000 schools in one hub, beside the JSON API for the same data in the
 * same run (GET /schools?hub=…&limit=50 for the board's page of 50, and
 * GET /schools/:urn for a school). Each request goes through Fastify with
 * `inject` (routing, session cookie, CSRF token, Nunjucks, the database), not
 * the network. Targets: p95 under 150 ms (board) and 50 ms (school page).
 *
 * The hub: 2,000 primary schools applying for Readiness 2026/27 in 40 work
 * groups, most taking part with a year of sessions scheduled and attended so
 * far, some applied, waitlisted or declined, a few with attendance not
 * recorded (overdue). On PGlite (what `npm start` runs) and on Postgres when
 * the bench server is reachable. Not pure (databases, the clock).
 */
import { programmeFor } from '../domain/catalogue/programmes.js';
import type { Programme } from '../domain/catalogue/schema.js';
import { generateSchedule } from '../domain/calendar/schedule.js';
import { SimulatedClock } from '../host/clock.js';
import type { EmbeddedEngine } from '../host/embedded.js';
import type { PathwayEventInput } from '../machines/events.js';
import { openService } from '../service/open.js';
import { buildApi } from '../api/server.js';
import { addUser } from '../service/users.js';
import { createGroup } from '../service/groups.js';
import type { Principal } from '../service/context.js';
import { createMailer } from '../activities/mail/mailer.js';
import { registerWeb } from '../web/plugin.js';
import { quantile } from './api.js';
import { fmt, log, type BenchOptions, type BenchRow } from './report.js';
import { createBenchDatabase } from './pg.js';

const NOW = '2026-11-10T09:00:00Z';
const YEAR = '2026/27';
const HUB = { id: 'east-midlands-east', label: 'East Midlands East' };
const ADMIN: Principal = { id: 'bench', name: 'bench', role: 'admin', hubs: [] };

function nullMailer() {
  const m = createMailer({ mailboxDir: '/dev/null/none', smtpUrl: '' });
  return { ...m, send: async () => ({ messageId: 'bench', duplicate: false }) };
}

/** `n` schools of one hub in 40 work groups, in a realistic mix of states, 100 schools to a transaction. */
async function fillHub(engine: EmbeddedEngine, svc: Parameters<typeof createGroup>[0], n: number): Promise<string[]> {
  const programme = programmeFor('primary', 'readiness', YEAR) as Programme;
  if (!programme) throw new Error(`web bench: no primary Readiness programme for ${YEAR}`);
  const groups: string[] = [];
  for (let g = 1; g <= 40; g++) {
    const made = await createGroup(svc, ADMIN, { programmeId: programme.id, hub: HUB.id, id: `bench-readiness-2026-${g}`, lead: { name: `Lead ${g}`, email: `lead${g}@bench.example` } });
    groups.push(made.id);
  }
  const sessions = generateSchedule(programme, YEAR, {}).map((s, k) => ({ id: s.id, kind: s.kind, at: s.at, place: `Bench Hub Venue ${k % 3 + 1}` }));
  const past = sessions.filter((s) => Date.parse(s.at) + 4 * 3600_000 < Date.parse(NOW) && (s.kind === 'meeting' || s.kind === 'workshop'));
  const urns = Array.from({ length: n }, (_, i) => String(400000 + i));
  const eventsOf = (urn: string, i: number): PathwayEventInput[] => {
    const domain = `bench${i}.example`;
    const out: PathwayEventInput[] = [
      {
        type: 'APPLY',
        at: '2026-05-11T10:00:00+01:00',
        programme,
        school: { name: `Bench Primary School ${String(i + 1).padStart(4, '0')}`, route: 'primary', hub: HUB.label, localAuthority: 'Nottinghamshire', headteacher: { name: 'Head Teacher', email: `head@${domain}` } },
        teachers: [
          { name: 'Lead One', email: `one@${domain}`, role: 'mathsLead' },
          { name: 'Lead Two', email: `two@${domain}`, role: 'teacher' },
        ],
      },
    ];
    const kind = i % 20;
    if (kind === 0) return out; // applied, not yet assessed
    out.push({ type: 'ELIGIBILITY_ASSESSED', at: '2026-05-25T10:00:00+01:00', eligible: true, criteria: ['ofstedRiOrInadequate', 'highStaffTurnover'] });
    if (kind === 1) return [...out, { type: 'WAITLISTED', at: '2026-05-26T10:00:00+01:00', reason: 'the work groups are full' }];
    if (kind === 2) return [...out, { type: 'DECLINED', at: '2026-05-26T10:00:00+01:00', reason: 'the work groups are full' }];
    out.push({ type: 'SELECTED', at: '2026-05-26T10:00:00+01:00', groupId: groups[i % groups.length]!, groupSize: 1 });
    out.push({ type: 'COMMITMENT_SIGNED', at: '2026-09-02T10:00:00+01:00', signatories: ['headteacher', 'teacher1', 'teacher2'] });
    out.push({ type: 'SCHEDULE_SET', at: '2026-09-02T11:00:00+01:00', sessions });
    // One school in ten has the latest past session's attendance unrecorded.
    const attended = kind === 3 || kind === 13 ? past.slice(0, -1) : past;
    for (const s of attended) out.push({ type: 'ATTENDANCE_RECORDED', at: new Date(Date.parse(s.at) + 4 * 3600_000).toISOString(), sessionId: s.id, teachersPresent: 2, headteacherPresent: true });
    return out;
  };
  for (let i = 0; i < n; i += 100) {
    const items = urns.slice(i, i + 100).flatMap((urn, k) => eventsOf(urn, i + k).map((event) => ({ urn, event, actor: ADMIN.id })));
    await engine.sendMany(items);
  }
  // Fire the timers due by now (reminders, attendance checks), so the overdue schools are escalated.
  await engine.tick(NOW);
  return urns;
}

type Inject = (o: { method: 'GET'; url: string; headers: Record<string, string> }) => Promise<{ statusCode: number; body: string }>;

/** Times `count` sequential requests (after `warm` unmeasured ones); fails on any status but 200. */
async function timeRequests(inject: Inject, urls: string[], headers: Record<string, string>, count: number, warm: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < warm + count; i++) {
    const url = urls[i % urls.length]!;
    const t0 = performance.now();
    const r = await inject({ method: 'GET', url, headers });
    const t = performance.now() - t0;
    if (r.statusCode !== 200) throw new Error(`web bench: GET ${url} answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
    if (i >= warm) ms.push(t);
  }
  return ms;
}

async function webOn(opts: BenchOptions, db: string, where: string): Promise<BenchRow[]> {
  const n = opts.quick ? 60 : 2000;
  const count = opts.quick ? 10 : 200;
  const warm = opts.quick ? 3 : 20;
  const opened = await openService({ db, clock: new SimulatedClock(NOW), mailer: nullMailer() });
  const svc = opened.service;
  const app = await buildApi(svc, { extend: (a) => registerWeb(a, svc, { signInPerMinute: 1000 }) });
  try {
    const t0 = performance.now();
    const urns = await fillHub(opened.embedded!, svc, n);
    if (opts.progress) log(`web bench: ${n} schools made in one hub on ${where} in ${fmt((performance.now() - t0) / 1000)} s`);
    const { token } = await addUser(svc, ADMIN, { name: 'Bench Officer', role: 'hub_staff', hubs: [HUB.id] });
    await app.ready();

    // Sign in as a person does: the sign-in page's CSRF token and cookie, then the form.
    const form = await app.inject({ method: 'GET', url: '/sign-in' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
    const cookieOf = (r: { headers: Record<string, unknown> }) => String([r.headers['set-cookie']].flat()[0] ?? '').split(';')[0]!;
    const signed = await app.inject({ method: 'POST', url: '/sign-in', headers: { cookie: cookieOf(form), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf ?? '', token, return: '/hub' }).toString() });
    if (signed.statusCode !== 303) throw new Error(`web bench: sign-in answered ${signed.statusCode}`);
    const page = { cookie: cookieOf(signed), accept: 'text/html' };
    const api = { authorization: `Bearer ${token}` };
    const inject = app.inject.bind(app) as unknown as Inject;

    // Board: the default view, and filtered, sorted and paged views, in turn.
    const boards = ['/hub', '/hub?sort=name&page=7', '/hub?status=active&sort=group&order=desc&page=3', '/hub?overdue=yes', '/hub?phase=readiness&page=40'];
    const board = await timeRequests(inject, boards, page, count, warm);
    const apiList = await timeRequests(inject, [`/schools?hub=${HUB.id}&limit=50`], api, count, warm);
    const apiAll = await timeRequests(inject, [`/schools?hub=${HUB.id}`], api, Math.ceil(count / 4), Math.ceil(warm / 4));
    const pick = Array.from({ length: 20 }, (_, k) => urns[(k * 97 + 5) % urns.length]!);
    const school = await timeRequests(inject, pick.map((u) => `/hub/schools/${u}`), page, count, warm);
    const apiSchool = await timeRequests(inject, pick.map((u) => `/schools/${u}`), api, count, warm);
    const apiHistory = await timeRequests(inject, pick.map((u) => `/schools/${u}/history`), api, count, warm);

    const note = `${count} sequential requests through Fastify inject after ${warm} warm-up, ${n.toLocaleString('en-GB')} schools in the hub`;
    const row = (name: string, values: number[], base: number[], baseLabel: string, q: number, target?: { ms: number; text: string }): BenchRow => {
      const v = quantile(values, q);
      const b = quantile(base, q);
      const label = q === 0.5 ? 'p50' : 'p95';
      return {
        bench: 'web',
        name: `${name} on ${where}`,
        figure: { label, value: v, unit: 'ms' },
        baseline: { label: `${baseLabel} ${label}`, value: b, unit: 'ms' },
        ratio: { value: v / b, meaning: 'the JSON API' },
        ...(target ? { target: target.text, met: opts.quick ? null : v < target.ms } : {}),
        note: `${note}; the JSON API's whole hub list (GET /schools?hub, ${n.toLocaleString('en-GB')} summaries) p50 ${fmt(quantile(apiAll, 0.5))} ms`,
      };
    };
    return [
      row('hub board page (GET /hub: counts, filters, 50 rows, due, overdue, grants)', board, apiList, 'GET /schools?hub&limit=50', 0.5),
      row('hub board page (GET /hub: counts, filters, 50 rows, due, overdue, grants)', board, apiList, 'GET /schools?hub&limit=50', 0.95, { ms: 150, text: 'p95 under 150 ms' }),
      row('school page (GET /hub/schools/{urn}: timeline, payments, chart, actions)', school, apiSchool, 'GET /schools/{urn}', 0.5),
      row('school page (GET /hub/schools/{urn}: timeline, payments, chart, actions)', school, apiSchool, 'GET /schools/{urn}', 0.95, { ms: 50, text: 'p95 under 50 ms' }),
      { ...row('school page beside the API history of the same school', school, apiHistory, 'GET /schools/{urn}/history', 0.95), note },
    ];
  } finally {
    await app.close();
    await opened.close();
  }
}

/** The web bench on PGlite and (when reachable) Postgres; rows for bench/run.ts's table. Not pure. */
export async function benchWeb(opts: BenchOptions): Promise<{ rows: BenchRow[] }> {
  const rows = await webOn(opts, 'memory://', 'PGlite');
  const database = await createBenchDatabase(opts.postgresUrl).catch((err: unknown) => {
    log(`web bench: no Postgres (${err instanceof Error ? err.message : String(err)}); PGlite only`);
    return null;
  });
  if (database) {
    try {
      rows.push(...(await webOn(opts, database.url, 'Postgres')));
    } finally {
      await database.drop();
    }
  }
  return { rows };
}
