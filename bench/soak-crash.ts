/**
 * Crash soak (`npm run soak:crash`): a simulated hub run in a child process
 * that is killed with SIGKILL at random points 100 times (by default) and
 * restarted each time until it finishes, then compared with an
 * uninterrupted run of the same hub: event log, snapshots, timers, outbox,
 * ledger, messages and mailbox must be equal. Exit 0 when they are, 1 with
 * the differences otherwise.
 *
 *   npm run soak:crash -- [--kills 100] [--fault-kills 22] [--schools 30] [--years 4] [--seed 11] [--db postgres|pglite]
 *
 * Before the random kills, `--fault-kills` crashes land exactly at the named
 * fault points (store/faults.ts), in turn: between the claim and the
 * carrying out, and between the carrying out and the record, of each effect
 * kind (grant payment, email, evaluation request), between a message's
 * send-claim, its send and its record, and between decide, append, commit
 * and the firing of timers.
 *
 * It prints, per effect kind (mail, payment, evaluation request), how many
 * kills fell between the claim and the completion of that kind and what the
 * killed run lost or did twice: "lost 0, duplicated 0" for each when it holds.
 *
 * Postgres (default) comes from TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/test; two fresh databases are created
 * beside it and dropped at the end. Not pure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { childArgs, compareWorlds, runUntilDone, worldOf, type HubArgs, type World } from '../test/fixtures/crash-child.js';
import { mulberry32 } from '../host/simulate.js';

/** The fault points the soak crashes at, in turn (point or point:effect kind). */
const FAULT_CYCLE = [
  // Grants are few (one per school's Development year): the first grant is killed after its claim and, resumed, after its payment.
  'effect.after-claim:funding.release',
  'effect.after-perform:funding.release',
  'mail.after-claim',
  'mail.after-send',
  'timer.after-fire',
  'event.after-append',
  'event.after-commit',
  'effect.after-claim:notify',
  'effect.after-perform:notify',
  // Evaluation requests come at the end of a school's year.
  'effect.after-claim:evaluation.request',
  'effect.after-perform:evaluation.request',
];
/** The effect kinds an outbox carries out, as the soak counts them, and the fault points that fall between claim and completion of each. */
const KINDS = [
  { name: 'mail', points: ['mail.after-claim', 'mail.after-send', 'effect.after-claim:notify', 'effect.after-perform:notify'] },
  { name: 'payment', points: ['effect.after-claim:funding.release', 'effect.after-perform:funding.release'] },
  { name: 'evaluation request', points: ['effect.after-claim:evaluation.request', 'effect.after-perform:evaluation.request'] },
] as const;

/**
 * Per effect kind, what the killed run lost and did twice compared with the
 * uninterrupted one: lost = a record (message sent, grant paid, evaluation
 * requested, mailbox file) of the uninterrupted run missing or different
 * (a message skipped instead of sent counts), or an outbox item of that kind
 * not carried out; duplicated = a record the uninterrupted run does not
 * have, or more records for the same school and subject (a message to the
 * same people with the same subject and template, a grant for the same
 * programme and year) than it has. Pure.
 */
function lossesByKind(killed: World, reference: World): { kind: string; expected: number; lost: number; duplicated: number }[] {
  const rows = (w: World, t: 'messages' | 'ledger' | 'evaluations') => w[t] as Record<string, unknown>[];
  const count = <T,>(xs: T[], f: (x: T) => string) => xs.reduce((m, x) => m.set(f(x), (m.get(f(x)) ?? 0) + 1), new Map<string, number>());
  const compare = (a: Record<string, unknown>[], b: Record<string, unknown>[], identity: (r: Record<string, unknown>) => string) => {
    const byKey = new Map(a.map((r) => [String(r.key), JSON.stringify(r)]));
    const lost = b.filter((r) => byKey.get(String(r.key)) !== JSON.stringify(r)).length;
    const refCount = count(b, identity);
    let duplicated = 0;
    for (const [id, n] of count(a, identity)) duplicated += Math.max(0, n - (refCount.get(id) ?? 0));
    return { lost, duplicated };
  };
  const openOf = (type: string) => (killed.outbox as { type: string; status: string }[]).filter((o) => o.type === type && o.status !== 'done').length;
  const sent = (w: World) => rows(w, 'messages').filter((m) => m.status === 'sent');
  const mail = compare(sent(killed), sent(reference), (m) => JSON.stringify([m.urn, m.template, m.recipients, m.subject]));
  const files = Object.keys(killed.mailbox);
  const refFiles = Object.keys(reference.mailbox);
  const mailLost = mail.lost + refFiles.filter((f) => !(f in killed.mailbox)).length + openOf('notify');
  const mailDup = mail.duplicated + files.filter((f) => !(f in reference.mailbox)).length;
  const pay = compare(rows(killed, 'ledger'), rows(reference, 'ledger'), (r) => JSON.stringify([r.urn, r.programme_id, r.academic_year]));
  const ev = compare(rows(killed, 'evaluations'), rows(reference, 'evaluations'), (r) => JSON.stringify([r.urn, r.programme_id, r.academic_year]));
  return [
    { kind: 'mail', expected: sent(reference).length, lost: mailLost, duplicated: mailDup },
    { kind: 'payment', expected: rows(reference, 'ledger').length, lost: pay.lost + openOf('funding.release'), duplicated: pay.duplicated },
    { kind: 'evaluation request', expected: rows(reference, 'evaluations').length, lost: ev.lost + openOf('evaluation.request'), duplicated: ev.duplicated },
  ];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs the simulation child once with PATHWAY_FAULTS set; 'killed' when it died at the point, 'done' when it finished first. */
function childAtFault(db: string, mailbox: string, h: HubArgs, faults: string): Promise<'killed' | 'done'> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, childArgs(db, mailbox, h), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SMTP_URL: '', PATHWAY_FAULTS: faults },
    });
    let err = '';
    p.stdout.resume();
    p.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && err.includes('fault injected at')) resolve('killed');
      else if (code === 0) resolve('done');
      else reject(new Error(`the simulation child failed by itself at ${faults} (exit ${code}, signal ${signal}):\n${err}`));
    });
  });
}

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    'fault-kills': { type: 'string', default: String(FAULT_CYCLE.length * 2) },
    schools: { type: 'string', default: '30' },
    years: { type: 'string', default: '4' },
    seed: { type: 'string', default: '11' },
    db: { type: 'string', default: 'postgres' },
  },
});

const kills = Number(values.kills);
const faultKills = Number(values['fault-kills']);
const hub: HubArgs = { schools: Number(values.schools), years: Number(values.years), seed: Number(values.seed), start: '2018/19', batch: 3 };
if (![kills, faultKills, hub.schools, hub.years, hub.seed].every(Number.isInteger) || (values.db !== 'postgres' && values.db !== 'pglite')) {
  process.stderr.write('usage: npm run soak:crash -- [--kills N] [--fault-kills N] [--schools N] [--years N] [--seed N] [--db postgres|pglite]\n');
  process.exit(2);
}

const adminUrl = process.env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';
const scratch = mkdtempSync(join(tmpdir(), 'pathway-soak-'));
const names = [`pathway_soak_${process.pid}_ref`, `pathway_soak_${process.pid}_killed`];

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function databaseUrl(name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function main(): Promise<number> {
  let targets: [string, string];
  if (values.db === 'postgres') {
    for (const n of names) await admin(`CREATE DATABASE "${n}"`);
    targets = [databaseUrl(names[0]!), databaseUrl(names[1]!)];
  } else {
    targets = [join(scratch, 'ref'), join(scratch, 'killed')];
  }
  const mail = [join(scratch, 'mail-ref'), join(scratch, 'mail-killed')] as const;
  const started = Date.now();
  process.stderr.write(`soak: ${hub.schools} schools, ${hub.years} years from ${hub.start}, seed ${hub.seed}, on ${values.db}; ${faultKills} kills at fault points, then ${kills} at random\n`);
  // Crashes at the named points first (on the run that will be killed), each resumed by the next start.
  const rng = mulberry32(hub.seed * 31 + faultKills);
  let faultKilled = 0;
  /** The fault point (without its @count) of each fault kill that landed. */
  const faultPoints: string[] = [];
  let finishedEarly = false;
  for (let i = 0; i < faultKills && !finishedEarly; i++) {
    const name = FAULT_CYCLE[i % FAULT_CYCLE.length]!;
    const nth = 1 + Math.floor(rng() * 3);
    // A grant's claim and payment are killed at their first hit: the payment after the claim is the same grant's, carried out by the next start.
    const point = `${name}@${name.endsWith(':funding.release') ? 1 : nth}`;
    const r = await childAtFault(targets[1], mail[1], hub, point);
    if (r === 'killed') {
      faultKilled++;
      faultPoints.push(point.split('@')[0]!);
      process.stderr.write(`soak: fault kill ${faultKilled}/${faultKills} at ${point}\n`);
    } else finishedEarly = true;
  }
  if (finishedEarly) process.stderr.write(`soak: the simulation finished after ${faultKilled} fault kills; no random kills\n`);
  const [reference, killed] = await Promise.all([
    runUntilDone({ db: targets[0], mailbox: mail[0], hub, kills: 0, killSeed: 1 }),
    runUntilDone({
      db: targets[1],
      mailbox: mail[1],
      hub,
      kills: finishedEarly ? 0 : kills,
      killSeed: hub.seed * 7919 + kills,
      maxDaysBeforeKill: 2,
      onKill: (n, days) => process.stderr.write(`soak: kill ${n}/${kills} after ${days} simulated day${days === 1 ? '' : 's'}${days === 0 ? ' (while starting)' : ''}\n`),
    }),
  ]);
  const [a, b] = [await worldOf(targets[1], mail[1]), await worldOf(targets[0], mail[0])];
  const differences = compareWorlds(a, b);
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `${faultKilled} kills at fault points and ${killed.kills} at random (${killed.killsWhileStarting} while starting) over ${faultKilled + killed.starts} starts in ${secs} s; ` +
      `${b.events.length} events, ${b.messages.length} messages, ${Object.keys(b.mailbox).length} mailbox files, ${b.ledger.length} grants in the uninterrupted run\n`,
  );
  // Per effect kind: the kills between its claim and its completion, and what was lost or done twice.
  const perKind = lossesByKind(a, b);
  process.stdout.write(
    `per effect kind: ${perKind
      .map((k) => {
        const points = KINDS.find((x) => x.name === k.kind)!.points as readonly string[];
        const kills = faultPoints.filter((p) => points.includes(p)).length;
        return `${k.kind} (${k.expected} in the uninterrupted run, ${kills} kills between claim and completion): lost ${k.lost}, duplicated ${k.duplicated}`;
      })
      .join('; ')}\n`,
  );
  for (const k of perKind) if (k.lost || k.duplicated) differences.push(`${k.kind}: lost ${k.lost}, duplicated ${k.duplicated}`);
  if (reference.summary.run.rejected || killed.summary.run.rejected) differences.push(`events refused by the rules: ${reference.summary.run.rejected} uninterrupted, ${killed.summary.run.rejected} killed`);
  if (differences.length) {
    process.stdout.write(`DIFFERENT from the uninterrupted run:\n${differences.map((d) => `  ${d}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write('the killed run equals the uninterrupted run: nothing lost, nothing twice\n');
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  if (values.db === 'postgres') for (const n of names) await admin(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`).catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);
