/**
 * Deterministic crashes (issue 15): a simulated hub runs in a child process
 * that kills itself with SIGKILL exactly at one named fault point
 * (store/faults.ts, PATHWAY_FAULTS=point@n), then a fresh child resumes it to
 * the end. For every point between the steps of a write (decide -> append ->
 * commit -> timers) and of an effect (claim -> perform -> record; mail:
 * claim -> send -> record), the result equals the uninterrupted run: events,
 * snapshots, timers, outbox, ledger, sent messages and mailbox files, compared
 * as dumps (test/fixtures/crash-child.ts worldOf/compareWorlds). Each crash
 * must really happen at its point: the child says where on stderr.
 * Postgres for every point; a PGlite folder for the points after an effect is
 * carried out, compared with the same Postgres reference.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_POINTS, type FaultPoint } from '../store/faults.js';
import { childArgs, compareWorlds, worldOf, type HubArgs, type World } from './fixtures/crash-child.js';
import { copyMigratedPgliteFolder, createTestDatabase, dbTargets, type TestDatabase } from './helpers/db.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HUB: HubArgs = { schools: 3, years: 1, seed: 8, start: '2020/21', batch: 3 };

/** Each point the simulation passes, and which hit of it to die on (not the first: something must already be stored). */
const SIMULATED: [string, number][] = [
  ['event.after-append', 9],
  ['event.after-commit', 9],
  ['timer.after-fire', 4],
  ['effect.after-claim', 6],
  ['effect.after-perform', 7],
  ['mail.after-claim', 5],
  ['mail.after-send', 5],
  // By effect kind: between the claim and the payment of a grant, and between an evaluation request and its record.
  ['effect.after-claim:funding.release', 1],
  ['effect.after-perform:evaluation.request', 1],
];
/**
 * The effect points also run in a PGlite folder (slower: each start reopens
 * the folder): the two where the payment or the email has happened and is
 * not yet recorded, the ones that could pay or send twice. A kill after a
 * claim, with nothing done yet, is run on Postgres only: the claim and its
 * expiry are the same SQL on both, and test/crash-pglite.test.ts kills
 * PGlite runs at random points as well.
 */
const EFFECT_POINTS = new Set<string>(['effect.after-perform', 'mail.after-send']);

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(db: string, mailbox: string, faults: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, childArgs(db, mailbox, HUB), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SMTP_URL: '', PATHWAY_FAULTS: faults },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

it('the table names every fault point the simulation passes, and the others are tested in-process', () => {
  const inProcess: FaultPoint[] = ['record-event.after-append']; // test/faults-effects.test.ts
  expect([...new Set([...SIMULATED.map(([p]) => p.split(':')[0]!), ...inProcess])].sort()).toEqual([...FAULT_POINTS].sort());
});

// One uninterrupted run, on Postgres, is the reference for both targets: the
// simulation is deterministic, so a PGlite folder must end the same too.
let reference: World;
beforeAll(async () => {
  const d: TestDatabase = await createTestDatabase(dbTargets()[1]!);
  cleanups.push(() => d.drop());
  const mail = tempDir('pathway-faults-ref-mail-');
  const r = await runChild(d.url, mail, '');
  if (r.code !== 0) throw new Error(`the uninterrupted run failed (exit ${r.code}): ${r.stderr}`);
  reference = await worldOf(d.url, mail);
}, 240_000);

describe.each(dbTargets())('a crash at each fault point, then a restart, equals the uninterrupted run ($name)', (target) => {
  const newTarget = async (label: string): Promise<string> => {
    if (target.name === 'pglite') {
      // A migrated folder copied from a template: the faults are in the simulation, not in PGlite's initdb.
      const folder = join(tempDir(`pathway-faults-${label}-`), 'data');
      await copyMigratedPgliteFolder(folder);
      return folder;
    }
    const d: TestDatabase = await createTestDatabase(target);
    cleanups.push(() => d.drop());
    return d.url;
  };

  const points = SIMULATED.filter(([p]) => target.name === 'postgres' || EFFECT_POINTS.has(p));
  it.each(points)('%s (hit %i)', async (point, hit) => {
    expect(reference.events.length).toBeGreaterThan(20);
    // The kinds named above happen in this hub's year.
    expect(reference.ledger.length).toBeGreaterThan(0);
    expect(reference.evaluations.length).toBeGreaterThan(0);
    const db = await newTarget(point);
    const mail = tempDir(`pathway-faults-${point}-mail-`);
    const crashed = await runChild(db, mail, `${point}@${hit}`);
    expect(crashed.stderr).toContain(`fault injected at ${point}`);
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stdout).not.toContain('done ');
    const resumed = await runChild(db, mail, '');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(compareWorlds(await worldOf(db, mail), reference)).toEqual([]);
  }, 240_000);
});
