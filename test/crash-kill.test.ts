/**
 * Crash safety: a simulated year runs in a child process that is killed with
 * SIGKILL at random points (between and inside transactions, while timers
 * fire, while effects are carried out, while it starts up) and started again
 * each time until it finishes. The result must equal an uninterrupted run of
 * the same hub: the same event log (apart from recorded_at and position),
 * snapshots, timers, outbox, funding ledger, messages, evaluation requests
 * and mailbox files. Nothing lost, nothing twice.
 *
 * Postgres here, with 20 kills; test/crash-pglite.test.ts does the same in
 * a PGlite folder; bench/soak-crash.ts does 100 kills.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWorlds, runUntilDone, worldOf, type HubArgs } from './fixtures/crash-child.js';
import { createTestDatabase, dbTargets, type TestDatabase } from './helpers/db.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function postgresDatabase(): Promise<TestDatabase> {
  const d = await createTestDatabase(dbTargets()[1]!);
  cleanups.push(() => d.drop());
  return d;
}

describe('kill -9 during a simulated year', () => {
  it('on Postgres, killed 20 times, ends exactly as an uninterrupted run', async () => {
    const hub: HubArgs = { schools: 10, years: 1, seed: 5, start: '2020/21', batch: 3 };
    const [refDb, crashDb] = await Promise.all([postgresDatabase(), postgresDatabase()]);
    const refMail = tempDir('pathway-crash-ref-');
    const crashMail = tempDir('pathway-crash-killed-');
    const [reference, crashed] = await Promise.all([
      runUntilDone({ db: refDb.url, mailbox: refMail, hub, kills: 0, killSeed: 1 }),
      runUntilDone({ db: crashDb.url, mailbox: crashMail, hub, kills: 20, killSeed: 20261123, maxDaysBeforeKill: 3 }),
    ]);
    expect(reference.starts).toBe(1);
    expect(crashed.kills).toBe(20);
    expect(crashed.summary.run.rejected).toBe(0);
    expect(crashed.summary.events).toEqual(reference.summary.events);
    expect(crashed.summary.phases).toEqual(reference.summary.phases);
    expect(crashed.summary.money).toEqual(reference.summary.money);
    expect(crashed.summary.messages).toEqual(reference.summary.messages);
    const world = await worldOf(refDb.url, refMail);
    expect(world.events.length).toBeGreaterThan(200);
    expect(compareWorlds(await worldOf(crashDb.url, crashMail), world)).toEqual([]);
    // 21 starts of a child (tsx, migrations, resume) take 1-2 minutes on a quiet machine and over 5 on a loaded one: the limit only stops a hang.
  }, 900_000);
});
