/**
 * Faults below us (issue 12): the disk of a PGlite folder fills up. A real
 * full disk: a small tmpfs mounted for the test (the tests run as root here
 * and in CI; a machine where mount is refused fails this test, it does not
 * skip), holding a migrated PGlite folder and a file that takes all but a
 * little of the space. Writes go on until Postgres cannot extend a file
 * (ENOSPC, SQLSTATE 53100); then:
 * - the command fails with DiskFullError naming the folder and saying the disk
 *   is full, and nothing of it is stored;
 * - after the space is freed the folder opens, every school's hash chain
 *   verifies, exactly the schools stored before are there, and writing goes on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { DiskFullError, dumpPgliteDataDir } from '../store/db.js';
import { verifyStream } from '../store/event-log.js';
import { noMailer } from '../activities/mail/mailer.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { withTestDb } from './helpers/db.js';

const root = mkdtempSync(join(tmpdir(), 'pathway-disk-full-'));
const mnt = join(root, 'disk');
let mounted = false;
afterAll(() => {
  if (mounted) execFileSync('umount', [mnt]);
  rmSync(root, { recursive: true, force: true });
});

const programme = programmeFor('secondary', 'development', '2025/26')!;

function apply(engine: EmbeddedEngine, n: number) {
  const urn = String(140000 + n);
  return engine.send(urn, {
    type: 'APPLY',
    at: '2025-06-10T10:00:00+01:00',
    programme,
    school: { name: `Kingsmead Academy ${urn}`, route: 'secondary', hub: 'East Midlands East', headteacher: { name: 'Priya Patel', email: `head@${urn}.example` }, headOfDepartment: { name: 'Ben Clarke', email: `hod@${urn}.example` } },
    teachers: [
      { name: 'Ben Clarke', email: `hod@${urn}.example`, role: 'headOfDepartment' },
      { name: 'Zara Khan', email: `zk@${urn}.example`, role: 'aspiringLeader' },
    ],
  }, { actor: 'hub-ops' });
}

const open = (folder: string) => createEmbeddedEngine({ db: folder, mailer: noMailer(), clock: new SimulatedClock('2025-06-01T09:00:00Z') });

it('a full disk under a PGlite folder: a clear error naming the folder, nothing half-written, and the folder opens and goes on once there is space', async () => {
  // A migrated PGlite data directory (from the tests' template) on a disk of its own.
  const dump = Buffer.from(await (await withTestDb({ name: 'pglite', url: 'memory://' }, (db) => dumpPgliteDataDir(db))).arrayBuffer());
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(dump.length / 1048576) + 4}m`, 'tmpfs', mnt]);
  } catch (err) {
    throw new Error(`this test needs a small tmpfs of its own (mount -t tmpfs, as root): ${(err as Error).message}`);
  }
  mounted = true;
  const folder = join(mnt, 'pglite');
  mkdirSync(folder);
  execFileSync('tar', ['-x', '-C', folder], { input: dump });
  // All but 256 KB of what is left goes to a file that can be removed to free the disk.
  const { bavail, bsize } = statfsSync(mnt);
  writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 256 * 1024)));

  let engine = await open(folder);
  let stored = 0;
  let failure: unknown = null;
  try {
    for (; stored < 2000; stored++) {
      try {
        await apply(engine, stored);
      } catch (err) {
        failure = err;
        break;
      }
    }
    expect({ failure: String(failure), stored }).toMatchObject({ failure: expect.stringMatching(/^DiskFullError/) });
    expect(failure).toBeInstanceOf(DiskFullError);
    const message = (failure as Error).message;
    expect(message).toContain(`the disk holding the folder ${folder} is full`);
    expect(message).toMatch(/No space left on device/);
    expect(message).toMatch(/Nothing of this command was stored\. Free space on that disk \(df -h .*\) and run it again/);
    expect(stored).toBeGreaterThan(0);
    // Nothing of the failed command is there; the ones before are.
    await expect(engine.state(String(140000 + stored))).rejects.toThrow(/no school|unknown|not found/i);
    expect((await engine.state(String(140000 + stored - 1))).version).toBe(1);
  } finally {
    await engine.close();
  }

  rmSync(join(mnt, 'filler'));
  engine = await open(folder);
  try {
    const urns = (await engine.db.query<{ urn: string }>('SELECT urn FROM streams ORDER BY urn')).rows.map((r) => r.urn);
    expect(urns).toEqual(Array.from({ length: stored }, (_, i) => String(140000 + i)));
    for (const urn of urns) expect(await verifyStream(engine.db, urn)).toBeNull();
    expect((await engine.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n).toBe(stored);
    await apply(engine, stored);
    expect((await engine.state(String(140000 + stored))).version).toBe(1);
  } finally {
    await engine.close();
  }
}, 240_000);
