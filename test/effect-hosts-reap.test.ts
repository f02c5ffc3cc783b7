/**
 * A host killed with -9 keeps its liveness lock until Postgres notices the
 * socket closed. reapDeadHosts (store/effect-hosts.ts) ends that session for
 * an owner on this machine whose process is gone, so its claims are taken
 * over at once; an owner whose process is alive is left alone.
 *
 * The dead host's not-yet-ended session is played by a connection of this
 * test holding the lock of an owner id that names a process that has exited.
 */
import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { claimMessage } from '../store/messages.js';
import { claimPending, enqueue, releaseDeadClaims } from '../store/outbox.js';
import { holdLiveness, liveOwnersFor, ownerFor, provablyDead, reapDeadHosts, OWNER_LOCK_SQL } from '../store/effect-hosts.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const postgres = dbTargets().find((x) => x.name === 'postgres')!;

/** An owner id like this process's, for process `pid`. */
function ownerOf(me: string, pid: number, tag: string): string {
  const [kind, machine] = me.split(':');
  return `${kind}:${machine}:${pid}:${tag}:${tag}`;
}

/** A connection of its own holding `owner`'s liveness lock, as a host's session does. */
async function holdLockAs(url: string, owner: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  await c.query('BEGIN');
  await c.query(`SELECT pg_advisory_xact_lock(${OWNER_LOCK_SQL.replace('$OWNER', '$1')})`, [owner]);
  return c;
}

describe('reaping hosts that died on Postgres', () => {
  const t = useTestDb(postgres);

  it("ends the session still holding a dead host's lock, so its effect and send-claim are taken over at once; a live host's are not", async () => {
    const release = await holdLiveness(t.db);
    try {
      const me = ownerFor(t.db);
      const gone = spawnSync(process.execPath, ['-e', '']).pid!;
      const dead = ownerOf(me, gone, 'deadbeef');
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      const alive = ownerOf(me, sleeper.pid!, 'a11ve000');
      const deadSession = await holdLockAs(t.database.url, dead);
      const liveSession = await holdLockAs(t.database.url, alive);
      try {
        expect(provablyDead(dead)).toBe(true);
        expect(provablyDead(alive)).toBe(false);
        expect(provablyDead(me)).toBe(false);
        expect(provablyDead('session:another-machine:1:x:y')).toBe(false);
        for (const [key, owner] of [['reap:dead', dead], ['reap:live', alive]] as const) {
          await enqueue(t.db, { key, urn: '520001', type: 'notify', payload: { key }, notBefore: '2021-01-01T00:00:00Z' });
          await claimPending(t.db, '2021-01-01T00:00:00Z', 1, { owner, leaseMs: 300_000, live: null });
          expect(await claimMessage(t.db, `${key}:mail`, owner, 300_000, null)).toBe(true);
        }
        // The locks are held, so both look alive: nothing is freed, and nobody else may send.
        expect(await releaseDeadClaims(t.db, me, liveOwnersFor(t.db))).toEqual([]);
        expect(await claimMessage(t.db, 'reap:dead:mail', me, 300_000, null)).toBe(false);

        const waits: string[] = [];
        const report = await reapDeadHosts(t.db, { waitMs: 20_000, graceMs: 0, onWait: (m) => waits.push(m) });
        expect(report).toEqual({ dead: [dead], terminated: 1, stillHeld: [] });
        expect(waits).toHaveLength(1);
        expect(waits[0]).toContain(dead);
        await expect(deadSession.query('SELECT 1')).rejects.toThrow();

        expect(await releaseDeadClaims(t.db, me, liveOwnersFor(t.db))).toEqual(['reap:dead']);
        expect(await claimMessage(t.db, 'reap:dead:mail', me, 300_000, null)).toBe(true);
        expect(await claimMessage(t.db, 'reap:live:mail', me, 300_000, null)).toBe(false);
        expect((await liveSession.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
        // Nothing dead is left: a second reap finds nothing and waits for nothing.
        expect(await reapDeadHosts(t.db, { waitMs: 20_000, graceMs: 0 })).toEqual({ dead: [], terminated: 0, stillHeld: [] });
      } finally {
        sleeper.kill('SIGKILL');
        await deadSession.end().catch(() => undefined);
        await liveSession.end().catch(() => undefined);
      }
    } finally {
      await release();
    }
  }, 60_000);

  it('waits no longer than told for a session it has not ended, and says which host is still held', async () => {
    const release = await holdLiveness(t.db);
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const dead = ownerOf(ownerFor(t.db), gone, 'cafe0000');
    // The dead host's session, still open; a grace period longer than the wait means it is never ended.
    const session = await holdLockAs(t.database.url, dead);
    try {
      await enqueue(t.db, { key: 'reap:held', urn: '520002', type: 'notify', payload: {}, notBefore: '2021-01-01T00:00:00Z' });
      await t.db.query("UPDATE outbox SET lease_owner = $1, lease_until = now() + interval '5 minutes' WHERE key = 'reap:held'", [dead]);
      const waits: string[] = [];
      const report = await reapDeadHosts(t.db, { waitMs: 300, graceMs: 60_000, onWait: (m) => waits.push(m) });
      // (The earlier test's live host has since been killed too; its session is gone, so it is not held.)
      expect(report.dead).toContain(dead);
      expect(report).toMatchObject({ terminated: 0, stillHeld: [dead] });
      expect(waits).toEqual([expect.stringContaining(dead)]);
      expect((await session.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
    } finally {
      await session.end().catch(() => undefined);
      await release();
    }
  }, 60_000);
});
