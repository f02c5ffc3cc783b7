/**
 * Benchmarks of the hub operations service (issue 5), called by `npm run
 * bench` as `benchApi(opts)`:
 *
 * 1. a cohort transition of 1,000 schools (target under 2 s), beside a dry
 *    run of the same cohort (the listing and planning alone);
 * 2. API latency at 200 requests/s for 30 s from a second process on
 *    loopback (p50/p99; target p99 under 20 ms) on a mix of real routes (one
 *    school's state, a filtered list, a write), beside the same load on
 *    /health, a route that does no work (the baseline); on Postgres also a
 *    write route and a read route alone for 60 s each (issue 10), with the
 *    server's RSS before and after. Open loop: latency is counted from each
 *    request's scheduled send time.
 *
 * Each on PGlite (the embedded default `npm start` runs) and on Postgres
 * (when the bench server is reachable).
 * Not pure (databases, a server, a child process, the clock).
 */
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Programme } from '../domain/catalogue/schema.js';
import type { PathwayEventInput } from '../machines/events.js';
import { programmeById } from '../domain/catalogue/programmes.js';
import { transitionCohort } from '../host/cohort.js';
import { SimulatedClock } from '../host/clock.js';
import type { EmbeddedEngine } from '../host/embedded.js';
import { openService } from '../service/open.js';
import { createMailer } from '../activities/mail/mailer.js';
import { fmt, log, type BenchOptions, type BenchRow } from './report.js';
import { createBenchDatabase } from './pg.js';
import { hostNodeOptions } from './durable.js';
import type { ApiServerAsk, ApiServerMessage, ApiServerTask } from './api-server.js';

export const ACTOR = 'bench';

/**
 * The 2020/21 secondary Development programme with no sessions to attend, so
 * that a school completes it in five events: how a school reached
 * "completed" does not change what a transition costs.
 */
function quickProgramme(): Programme {
  return Programme.parse({ ...programmeById('secondary-development-2020-21'), sessions: [], deadlines: {}, group: { maxSchools: null, teachersPerSchool: 2 } });
}

/**
 * `n` schools of hub Great North in work group "bench-group", each completed
 * (or, with `activeOnly`, active), written 100 schools to a transaction with
 * the engine's sendMany: the setup is not what is measured.
 */
export async function fillSchools(engine: EmbeddedEngine, n: number, options: { activeOnly?: boolean } = {}): Promise<string[]> {
  const programme = quickProgramme();
  const urns = Array.from({ length: n }, (_, i) => String(300000 + i));
  const at = (day: number) => `2020-07-${String(1 + day).padStart(2, '0')}T10:00:00+01:00`;
  const eventsOf = (urn: string, i: number): PathwayEventInput[] => [
    {
      type: 'APPLY',
      at: at(0),
      programme,
      school: { name: `Bench School ${i}`, route: 'secondary', hub: 'Great North', headteacher: { name: 'Head', email: `head${i}@bench.example` }, headOfDepartment: { name: 'HoD', email: `hod${i}@bench.example` } },
      teachers: [
        { name: 'One', email: `one${i}@bench.example`, role: 'ks3Lead' },
        { name: 'Two', email: `two${i}@bench.example`, role: 'teacher' },
      ],
    },
    { type: 'ELIGIBILITY_ASSESSED', at: at(1), eligible: true },
    { type: 'SELECTED', at: at(2), groupId: 'bench-group', groupSize: 1 },
    { type: 'COMMITMENT_SIGNED', at: at(3), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] },
    ...(options.activeOnly ? [] : [{ type: 'EVALUATION_SUBMITTED' as const, at: '2021-07-10T10:00:00+01:00', summary: '' }]),
  ];
  for (let i = 0; i < n; i += 100) {
    const items = urns.slice(i, i + 100).flatMap((urn, k) => eventsOf(urn, i + k).map((event) => ({ urn, event, actor: ACTOR })));
    await engine.sendMany(items);
  }
  return urns;
}

/** A mailer that keeps nothing: the benches measure the service, not a mailbox on disk. */
export function nullMailer() {
  const m = createMailer({ mailboxDir: '/dev/null/none', smtpUrl: '' });
  return { ...m, send: async () => ({ messageId: 'bench', duplicate: false }) };
}

/** A cohort transition of `n` completed schools on one database, beside a dry run of the same cohort. */
async function cohortOn(opts: BenchOptions, db: string, where: string, concurrency: number): Promise<BenchRow> {
  const n = opts.quick ? 50 : 1000;
  const opened = await openService({ db, clock: new SimulatedClock('2020-06-30T09:00:00Z'), mailer: nullMailer() });
  try {
    const engine = opened.embedded!;
    const t0 = performance.now();
    await fillSchools(engine, n);
    if (opts.progress) log(`api bench: ${n} completed schools made on ${where} in ${fmt((performance.now() - t0) / 1000)} s`);
    const options = { from: '2020/21', to: '2021/22', actor: ACTOR, at: '2021-09-01T09:00:00+01:00', concurrency } as const;
    const d0 = performance.now();
    const dry = await transitionCohort(engine, { ...options, dryRun: true });
    const dryMs = performance.now() - d0;
    const r0 = performance.now();
    const real = await transitionCohort(engine, { ...options, dryRun: false });
    const realMs = performance.now() - r0;
    const a0 = performance.now();
    const again = await transitionCohort(engine, { ...options, dryRun: false });
    const againMs = performance.now() - a0;
    if (real.counts.moved !== n || dry.counts['would move'] !== n || again.counts['already moved'] !== n) {
      throw new Error(`cohort bench: expected ${n} schools to move, got dry ${JSON.stringify(dry.counts)}, real ${JSON.stringify(real.counts)}, again ${JSON.stringify(again.counts)}`);
    }
    return {
      bench: 'api',
      name: `cohort transition of ${n} schools on ${where} (${n} ADVANCED events)`,
      figure: { label: 'time', value: realMs / 1000, unit: 's' },
      baseline: { label: 'dry run of the same cohort', value: dryMs / 1000, unit: 's' },
      ratio: { value: realMs / dryMs, meaning: 'the dry run' },
      target: 'under 2 s for 1,000 schools',
      met: opts.quick ? null : realMs < 2000,
      note: `${fmt((n / realMs) * 1000)} schools/s, ${concurrency} at a time; each move is one engine.send (its own transaction); a second run (all already moved) took ${fmt(againMs / 1000)} s`,
    };
  } finally {
    await opened.close();
  }
}

/** Runs `fn` on a fresh Postgres bench database, or returns null (and says why) when there is no server. */
async function onPostgres<T>(opts: BenchOptions, what: string, fn: (url: string) => Promise<T>): Promise<T | null> {
  const database = await createBenchDatabase(opts.postgresUrl).catch((err: unknown) => {
    log(`api bench: no Postgres for the ${what} (${err instanceof Error ? err.message : String(err)}); PGlite only`);
    return null;
  });
  if (!database) return null;
  try {
    return await fn(database.url);
  } finally {
    await database.drop();
  }
}

/** The load generator: plain JavaScript run by a second Node process, open loop at a fixed rate; latency from each request's scheduled send time. */
const LOADER = `
const { base, token, rate, seconds, warmup, targets } = JSON.parse(process.argv[1]);
// Warm up (connections, JIT) for \`warmup\` seconds at the same rate; those requests are not counted.
for (let i = 0; i < Math.round(rate * warmup); i++) {
  const t = targets[i % targets.length];
  await fetch(base + t.path, { method: t.method, headers: { authorization: 'Bearer ' + token, ...(t.body ? { 'content-type': 'application/json' } : {}) }, body: t.body ? JSON.stringify(t.body) : undefined }).then((r) => r.arrayBuffer());
  await new Promise((r) => setTimeout(r, 1000 / rate));
}
const total = Math.round(rate * seconds);
const interval = 1000 / rate;
const results = [];
const pending = [];
const start = performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < total; i++) {
  const due = start + i * interval;
  const wait = due - performance.now();
  if (wait > 1) await sleep(wait);
  const t = targets[i % targets.length];
  // Open loop: latency counts from when the request was due, so a reply that kept later ones waiting counts against them too.
  const t0 = due;
  pending.push(
    fetch(base + t.path, { method: t.method, headers: { authorization: 'Bearer ' + token, ...(t.body ? { 'content-type': 'application/json' } : {}) }, body: t.body ? JSON.stringify(t.body) : undefined })
      .then(async (res) => { const body = await res.text(); results.push(res.status >= 300 ? [t.kind, performance.now() - t0, res.status, body.slice(0, 400)] : [t.kind, performance.now() - t0, res.status]); })
      .catch((err) => results.push([t.kind, performance.now() - t0, 0, String(err)])),
  );
}
await Promise.all(pending);
process.stdout.write(JSON.stringify({ results, seconds: (performance.now() - start) / 1000 }));
`;

interface LoadResult {
  results: [kind: string, ms: number, status: number, error?: string][];
  seconds: number;
}

export function runLoader(input: { base: string; token: string; rate: number; seconds: number; warmup: number; targets: { kind: string; method: string; path: string; body?: unknown }[] }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', LOADER, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}: ${err.slice(0, 500)}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch (e) {
        reject(new Error(`load generator printed no result: ${(e as Error).message}; stderr: ${err.slice(0, 500)}`));
      }
    });
  });
}

/** The q-quantile (0..1) of a list of numbers, nearest rank. Pure. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** API latency at 200 requests/s on one database, beside the same load on /health. */
async function latencyOn(opts: BenchOptions, db: string, where: string): Promise<BenchRow[]> {
  const rate = 200;
  const seconds = opts.quick ? 1 : 30;
  // The server in a process of its own, as npm start runs it: its latency and RSS, not the bench process's.
  const server = await startApiServer({ db, schools: opts.quick ? 10 : 200 });
  try {
    const { urns, token, base } = server;
    // 10 requests: 7 reads of one school, 2 filtered lists, 1 write.
    const mix = Array.from({ length: 10 }, (_, i) => {
      const urn = urns[(i * 37) % urns.length]!;
      if (i === 9) return { kind: 'write', method: 'POST', path: `/schools/${urn}/gap-tasks`, body: { task: 'bench gap task' } };
      if (i % 5 === 4) return { kind: 'list', method: 'GET', path: '/schools?hub=great-north&status=evaluating&limit=50' };
      return { kind: 'school', method: 'GET', path: `/schools/${urns[(i * 53) % urns.length]}` };
    });
    const warmup = opts.quick ? 0.25 : 3;
    const baseline = await runLoader({ base, token, rate, seconds, warmup, targets: [{ kind: 'health', method: 'GET', path: '/health' }] });
    if (opts.progress) log(`api bench: baseline /health on ${where} done (${baseline.results.length} requests)`);
    const real = await runLoader({ base, token, rate, seconds, warmup, targets: mix });
    // A request that failed (a refused connection after 10 s of a server that fell behind) counts with the time it took, and is said in the row.
    const failures = real.results.filter((r) => r[2] < 200 || r[2] >= 300);
    const failed = failures.length > 0 ? `; ${failures.length} of ${real.results.length} failed, e.g. ${String(failures[0]![3] ?? failures[0]![2]).slice(0, 80)} after ${fmt(failures[0]![1])} ms` : '';
    const ms = (kind?: string) => (kind ? real.results.filter((r) => r[0] === kind) : real.results).map((r) => r[1]);
    const b = baseline.results.map((r) => r[1]);
    const b50 = quantile(b, 0.5);
    const b99 = quantile(b, 0.99);
    const row = (name: string, values: number[], q: number, target?: string): BenchRow => {
      const v = quantile(values, q);
      const base = q === 0.5 ? b50 : b99;
      return {
        bench: 'api',
        name: `${name} on ${where}`,
        figure: { label: q === 0.5 ? 'p50' : 'p99', value: v, unit: 'ms' },
        baseline: { label: `/health ${q === 0.5 ? 'p50' : 'p99'} (no work)`, value: base, unit: 'ms' },
        ratio: { value: v / base, meaning: 'the no-op route' },
        ...(target ? { target, met: opts.quick ? null : v < 20 } : {}),
        note: `${values.length} requests at ${rate}/s over ${fmt(real.seconds)} s from a second process on loopback (after ${warmup} s of warm-up)${failed}`,
      };
    };
    const single: BenchRow[] = [];
    if (where === 'Postgres') {
      // Issue 10: a write route and a read route alone, 200 requests/s for 60 s each, with the server's RSS before and after.
      const alone = opts.quick ? 1 : 60;
      for (const kind of ['write', 'read'] as const) {
        // Every school in turn.
        const targets = urns.map((urn) =>
          kind === 'write' ? { kind, method: 'POST', path: `/schools/${urn}/gap-tasks`, body: { task: 'bench gap task' } } : { kind, method: 'GET', path: `/schools/${urn}` },
        );
        const rssBefore = await server.rss();
        const load = await runLoader({ base, token, rate, seconds: alone, warmup, targets });
        const rssAfter = await server.rss();
        // A change past what the service takes at once is refused with 503 (api/write-gate.ts): counted apart, not a failure.
        const busy = load.results.filter((r) => r[2] === 503);
        const bad = load.results.filter((r) => (r[2] < 200 || r[2] >= 300) && r[2] !== 503);
        const failedAlone = bad.length > 0 ? `; ${bad.length} failed, e.g. ${String(bad[0]![3] ?? bad[0]![2]).slice(0, 80)} after ${fmt(bad[0]![1])} ms` : '';
        const accepted = load.results.filter((r) => r[2] >= 200 && r[2] < 300);
        const values = load.results.map((r) => r[1]);
        const v = quantile(values, 0.99);
        const shed = busy.length > 0 ? `; ${accepted.length} taken (${fmt(accepted.length / load.seconds)} a second, p99 ${fmt(quantile(accepted.map((r) => r[1]), 0.99))} ms), ${busy.length} refused at once with 503 busy (p99 ${fmt(quantile(busy.map((r) => r[1]), 0.99))} ms)` : '';
        single.push({
          bench: 'api',
          name: `API latency, ${kind === 'write' ? 'POST /schools/{urn}/gap-tasks' : 'GET /schools/{urn}'} alone on ${where}`,
          figure: { label: 'p99', value: v, unit: 'ms' },
          baseline: { label: '/health p99 (no work)', value: b99, unit: 'ms' },
          ratio: { value: v / b99, meaning: 'the no-op route' },
          target: 'p99 under 20 ms',
          met: opts.quick ? null : v < 20,
          note: `${values.length} requests at ${rate}/s over ${fmt(load.seconds)} s, open loop (latency from each request's scheduled send time), p50 ${fmt(quantile(values, 0.5))} ms${shed}${failedAlone}; server RSS ${fmt(rssBefore / 2 ** 20)} MB before, ${fmt(rssAfter / 2 ** 20)} MB after`,
        });
      }
    }
    return [
      ...single,
      row('API latency, mixed routes (70% one school, 20% filtered list, 10% write)', ms(), 0.5),
      row('API latency, mixed routes (70% one school, 20% filtered list, 10% write)', ms(), 0.99, 'p99 under 20 ms'),
      row('API latency, GET /schools/{urn}', ms('school'), 0.99),
      row('API latency, GET /schools?hub&status&limit=50', ms('list'), 0.99),
      row('API latency, POST /schools/{urn}/gap-tasks (one event appended)', ms('write'), 0.99),
    ];
  } finally {
    await server.stop();
  }
}

/** The hub service started in a child process (bench/api-server.ts) on `task.db`, listening on loopback, with its schools and an admin token. */
async function startApiServer(task: ApiServerTask): Promise<{ base: string; token: string; urns: string[]; rss(): Promise<number>; stop(): Promise<void> }> {
  const entry = fileURLToPath(new URL('./ts-entry.mjs', import.meta.url));
  const file = fileURLToPath(new URL('./api-server.ts', import.meta.url));
  const child = fork(entry, [file], { execArgv: hostNodeOptions(), env: { ...process.env, PATHWAY_BENCH_CHILD: 'api-server' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T extends ApiServerMessage['type']>(type: T): Promise<Extract<ApiServerMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: ApiServerMessage) => {
        if (m.type !== type && m.type !== 'error') return;
        done();
        if (m.type === 'error') reject(new Error(`the API bench's server failed: ${m.message}`));
        else resolve(m as Extract<ApiServerMessage, { type: T }>);
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        reject(new Error(`the API bench's server exited (${signal ?? `code ${code}`}) before it said ${type}`));
      };
      const done = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = next('ready');
  child.send(task);
  const { base, token, urns } = await ready.catch((err: unknown) => {
    child.kill();
    throw err;
  });
  return {
    base,
    token,
    urns,
    async rss() {
      const answer = next('rss');
      child.send({ type: 'rss' } satisfies ApiServerAsk);
      return (await answer).bytes;
    },
    async stop() {
      if (!child.connected) return;
      const stopped = next('stopped');
      child.send({ type: 'stop' } satisfies ApiServerAsk);
      await stopped.finally(() => child.kill());
    },
  };
}

/** Both benches of the hub service, on PGlite and (when reachable) Postgres; rows for bench/run.ts's table. Not pure. */
export async function benchApi(opts: BenchOptions): Promise<{ rows: BenchRow[] }> {
  const rows: BenchRow[] = [];
  const pg = await onPostgres(opts, 'cohort transition', (url) => cohortOn(opts, url, 'Postgres', 8));
  // A --quick smoke run checks the code once, on Postgres where it can: PGlite's half is the same code on another database.
  const pglite = !opts.quick || pg === null;
  if (pglite) rows.push(await cohortOn(opts, 'memory://', 'PGlite', 1));
  if (pg) rows.push(pg);
  if (pglite) rows.push(...(await latencyOn(opts, 'memory://', 'PGlite')));
  rows.push(...((await onPostgres(opts, 'API latency', (url) => latencyOn(opts, url, 'Postgres'))) ?? []));
  return { rows };
}
