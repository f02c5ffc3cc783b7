/**
 * Crash safety in a PGlite folder, the embedded default: as
 * test/crash-kill.test.ts (which kills a Postgres-backed run 20 times), with
 * a smaller hub and three kills, since every restart reopens the folder and
 * that takes seconds. The run that was killed must end exactly as an
 * uninterrupted one: nothing lost, nothing twice, nothing half-written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWorlds, runUntilDone, worldOf, type HubArgs } from './fixtures/crash-child.js';
import { copyMigratedPgliteFolder } from './helpers/db.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

describe('kill -9 during a simulated year, PGlite folder', () => {
  it('killed 3 times, ends exactly as an uninterrupted run', async () => {
    const hub: HubArgs = { schools: 5, years: 1, seed: 8, start: '2020/21', batch: 3 };
    const refDir = join(tempDir('pathway-crash-pglite-ref-'), 'data');
    const crashDir = join(tempDir('pathway-crash-pglite-killed-'), 'data');
    // Migrated folders copied from a template: the kills fall in the simulation, not in PGlite's initdb.
    await copyMigratedPgliteFolder(refDir);
    await copyMigratedPgliteFolder(crashDir);
    const refMail = tempDir('pathway-crash-pglite-ref-mail-');
    const crashMail = tempDir('pathway-crash-pglite-killed-mail-');
    const [reference, crashed] = await Promise.all([
      runUntilDone({ db: refDir, mailbox: refMail, hub, kills: 0, killSeed: 1 }),
      runUntilDone({ db: crashDir, mailbox: crashMail, hub, kills: 3, killSeed: 7, maxDaysBeforeKill: 6 }),
    ]);
    expect(crashed.kills).toBe(3);
    expect(crashed.summary.events).toEqual(reference.summary.events);
    const world = await worldOf(refDir, refMail);
    expect(world.events.length).toBeGreaterThan(100);
    expect(compareWorlds(await worldOf(crashDir, crashMail), world)).toEqual([]);
  }, 400_000);
});
