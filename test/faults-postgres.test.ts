/**
 * Faults below us (issue 12): Postgres connections killed with
 * pg_terminate_backend in the middle of the work, as a server restart or an
 * operator would. The store reconnects (store/db.ts, store/reconnect.ts):
 * - a transaction cut before COMMIT is run again on a new connection and
 *   stored once; one cut during COMMIT is resolved by asking the server
 *   (txid_status) whether it committed;
 * - a read cut in flight is run again; a single write cut in flight fails with
 *   ConnectionLostError, which says it may or may not be stored and to run the
 *   command again;
 * - `simulate` and `tick` with their connections killed again and again end
 *   with the same events, snapshots, timers, outbox, ledger, messages and
 *   mailbox files as an undisturbed run (compareWorlds), a command that failed
 *   being run again as an operator would.
 * Each block has its own databases on the shared server; only their own
 * backends are terminated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, ConnectionLostError, type Db } from '../store/db.js';
import { DatabaseUnavailableError } from '../store/errors.js';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { simulateHub } from '../host/simulate.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule } from '../domain/calendar/schedule.js';
import { compareWorlds, worldOf } from './fixtures/crash-child.js';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from './helpers/db.js';

const POSTGRES = { name: 'postgres' as const, url: postgresTestUrl() };

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function database(): Promise<TestDatabase> {
  const d = await createTestDatabase(POSTGRES);
  cleanups.push(() => d.drop());
  return d;
}

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** An admin connection that terminates the backends of one database (never another's). */
async function killerOf(name: string) {
  const admin = new pg.Client({ connectionString: postgresTestUrl() });
  await admin.connect();
  cleanups.push(() => admin.end());
  let terminated = 0;
  const pending: Promise<unknown>[] = [];
  const api = {
    /** Terminates every backend of the database now (those running a statement, idle, or idle in a transaction). */
    async all(): Promise<number> {
      const r = await admin.query<{ n: number }>('SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      terminated += r.rows[0]!.n;
      return r.rows[0]!.n;
    },
    /** Starts a kill without waiting for it, so that it lands in the middle of whatever runs next. */
    soon(): void {
      pending.push(api.all());
    },
    /** Waits until a backend runs a statement matching `like`, then terminates it. */
    async whenRunning(like: string): Promise<void> {
      for (;;) {
        const r = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE $2 AND pid <> pg_backend_pid()", [name, like]);
        if (r.rows.length > 0) {
          for (const { pid } of r.rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          terminated += r.rows.length;
          return;
        }
        // Polls the server's own view of its backends: the statement is on its way.
        await new Promise((res) => setImmediate(res));
      }
    },
    async settled(): Promise<number> {
      await Promise.all(pending.splice(0));
      return terminated;
    },
  };
  return api;
}

describe('the store on Postgres when its connections are killed', () => {
  let d: TestDatabase;
  let db: Db;
  let kill: Awaited<ReturnType<typeof killerOf>>;
  beforeAll(async () => {
    d = await database();
    db = await openDb(d.url, { reconnect: { budgetMs: 10_000 } });
    cleanups.push(() => db.close());
    kill = await killerOf(d.name!);
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, run int NOT NULL)');
    // A check at COMMIT that takes its time, so a kill can land while COMMIT runs.
    await db.exec(`CREATE TABLE slow_commit (id int PRIMARY KEY);
      CREATE FUNCTION slow_commit_check() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER slow_commit_check AFTER INSERT ON slow_commit DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit_check();`);
  });

  it('a transaction whose connection is killed before COMMIT is run again on a new connection and stored once', async () => {
    let runs = 0;
    const got = await db.tx(async (tx) => {
      runs++;
      await tx.query('INSERT INTO t (id, run) VALUES (1, $1)', [runs]);
      if (runs === 1) {
        const { pid } = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
        await kill.all();
        expect(pid).toBeGreaterThan(0);
        await tx.query('SELECT 1'); // on the dead connection
      }
      return runs;
    });
    expect(got).toBe(2);
    expect((await db.query('SELECT id, run FROM t ORDER BY id')).rows).toEqual([{ id: 1, run: 2 }]);
  });

  it('a transaction killed during COMMIT: the server is asked whether it committed (here it had not) and it is run again, once', async () => {
    let runs = 0;
    const done = db.tx(async (tx) => {
      runs++;
      await tx.query('INSERT INTO slow_commit (id) VALUES (1)');
      return runs;
    });
    await kill.whenRunning('COMMIT%');
    expect(await done).toBe(2);
    expect((await db.query('SELECT count(*)::int AS n FROM slow_commit')).rows).toEqual([{ n: 1 }]);
  });

  it('a write that read its transaction id itself (noteTransactionId, as every batch of events does) and is killed during COMMIT: the server is asked about that id, and it is run again, once', async () => {
    let runs = 0;
    const done = db.tx(async (tx) => {
      runs++;
      const { xid } = (await tx.query<{ xid: string }>('INSERT INTO slow_commit (id) VALUES (2) RETURNING txid_current()::text AS xid')).rows[0]!;
      tx.noteTransactionId?.(xid);
      return runs;
    });
    await kill.whenRunning('COMMIT%');
    expect(await done).toBe(2);
    expect((await db.query('SELECT count(*)::int AS n FROM slow_commit WHERE id = 2')).rows).toEqual([{ n: 1 }]);
  });

  it('a read killed in flight is run again; a write killed in flight fails saying it may or may not be stored and to run the command again', async () => {
    const read = db.query<{ n: number }>('SELECT 7 AS n FROM pg_sleep(0.3)');
    await kill.whenRunning('SELECT 7 AS n FROM pg_sleep%');
    expect((await read).rows).toEqual([{ n: 7 }]);

    // The failure is taken at once: it may come before whenRunning returns, and must not be left unhandled meanwhile.
    const write = db.query('INSERT INTO t (id, run) SELECT 2, 1 FROM pg_sleep(0.3)').then(() => null, (e: unknown) => e);
    await kill.whenRunning('INSERT INTO t (id, run) SELECT 2%');
    const err = await write;
    expect(err).toBeInstanceOf(ConnectionLostError);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(/^cannot use Postgres at 127\.0\.0\.1:\d+\/pathway_test_\w+ \(user postgres\): lost the connection while running a statement that writes \(terminating connection due to administrator command \(57P01\)\); it may or may not have been stored, and nothing after it was\. Run the command again/);
    // And the database is usable at once.
    expect((await db.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 1 }]);
  });

  it('a connection killed while idle in a transaction that holds a lock (the host liveness lock) is taken again, and the process does not crash', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let runs = 0;
    let locked!: () => void;
    let lockedAgain = new Promise<void>((r) => (locked = r));
    const holder = db.tx(async (tx) => {
      runs++;
      await tx.query('SELECT pg_advisory_xact_lock(4242)');
      locked();
      await held;
    });
    await lockedAgain;
    lockedAgain = new Promise<void>((r) => (locked = r));
    await kill.all();
    await lockedAgain;
    expect(runs).toBe(2);
    release();
    await holder;
  });
});

const HUB = { schools: 3, years: 1, seed: 8, start: '2020/21' };

async function simulate(url: string, mailbox: string, onDay?: (day: number) => void): Promise<{ reconnects: number }> {
  const engine = await createEmbeddedEngine({ db: url, mailbox, clock: new SimulatedClock('1970-01-01T00:00:00Z'), dispatch: 'manual', retryBaseMs: 1 });
  try {
    let day = 0;
    await simulateHub({ engine, ...HUB, batchSize: 3, onProgress: () => onDay?.(++day) });
    return { reconnects: (engine.db as { reconnects?: number }).reconnects ?? 0 };
  } finally {
    await engine.close();
  }
}

/** Runs a command again after it failed for a lost connection, as an operator would; the failures' messages. */
async function untilDone(run: () => Promise<unknown>): Promise<string[]> {
  const failures: string[] = [];
  for (;;) {
    try {
      await run();
      return failures;
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError) || failures.length >= 5) throw err;
      failures.push(err.message);
    }
  }
}

describe('simulate on Postgres with its connections killed every few simulated days', () => {
  it('ends with the same world as an undisturbed run: nothing lost, nothing twice', async () => {
    const [quiet, noisy] = [await database(), await database()];
    const [quietMail, noisyMail] = [tempDir('pathway-faults-mail-'), tempDir('pathway-faults-mail-')];
    await simulate(quiet.url, quietMail);
    const kill = await killerOf(noisy.name!);
    let reconnects = 0;
    const failures = await untilDone(async () => {
      reconnects += (await simulate(noisy.url, noisyMail, (day) => day % 3 === 0 && kill.soon())).reconnects;
    });
    const terminated = await kill.settled();
    expect(terminated).toBeGreaterThan(20);
    expect(reconnects).toBeGreaterThan(0);
    for (const f of failures) expect(f).toMatch(/lost the connection while .*Run the command again/);
    expect(compareWorlds(await worldOf(noisy.url, noisyMail), await worldOf(quiet.url, quietMail))).toEqual([]);
  });
});

describe('tick on Postgres with its connections killed between its batches', () => {
  const programme = programmeFor('secondary', 'development', '2025/26')!;
  const sessions = generateSchedule(programme, '2025/26');

  /** Three schools through to their year's schedule (effects carried out as they go). */
  async function schools(url: string, mailbox: string): Promise<EmbeddedEngine> {
    const engine = await createEmbeddedEngine({ db: url, mailbox, clock: new SimulatedClock('2025-06-01T09:00:00Z'), retryBaseMs: 1 });
    for (const urn of ['137101', '137102', '137103']) {
      const d = `${urn}.example`;
      await engine.send(urn, {
        type: 'APPLY',
        at: '2025-06-10T10:00:00+01:00',
        programme,
        school: { name: `Kingsmead Academy ${urn}`, route: 'secondary', hub: 'East Midlands East', headteacher: { name: 'Priya Patel', email: `head@${d}` }, headOfDepartment: { name: 'Ben Clarke', email: `hod@${d}` } },
        teachers: [
          { name: 'Ben Clarke', email: `hod@${d}`, role: 'headOfDepartment' },
          { name: 'Zara Khan', email: `zk@${d}`, role: 'aspiringLeader' },
        ],
      }, { actor: 'hub-ops' });
      await engine.send(urn, { type: 'ELIGIBILITY_ASSESSED', at: '2025-06-20T10:00:00+01:00', eligible: true }, { actor: 'hub-ops' });
      await engine.send(urn, { type: 'SELECTED', at: '2025-07-01T10:00:00+01:00', groupId: 'emeast-development-2025-a', groupSize: 3 }, { actor: 'hub-ops' });
      await engine.send(urn, { type: 'COMMITMENT_SIGNED', at: '2025-09-03T10:00:00+01:00', signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] }, { actor: 'hub-ops' });
      await engine.send(urn, { type: 'SCHEDULE_SET', at: '2025-09-05T10:00:00+01:00', sessions }, { actor: 'hub-ops' });
    }
    return engine;
  }

  it('a year of timers fired with kills landing in the middle: the same world as an undisturbed tick', async () => {
    const [quiet, noisy] = [await database(), await database()];
    const [quietMail, noisyMail] = [tempDir('pathway-faults-mail-'), tempDir('pathway-faults-mail-')];
    const q = await schools(quiet.url, quietMail);
    await q.tick('2026-08-31', undefined, { batch: 2 }).finally(() => q.close());
    const n = await schools(noisy.url, noisyMail);
    const kill = await killerOf(noisy.name!);
    let batches = 0;
    const failures = await untilDone(() => n.tick('2026-08-31', () => ++batches % 4 === 0 && kill.soon(), { batch: 2 }));
    const reconnects = (n.db as { reconnects?: number }).reconnects ?? 0;
    await n.close();
    expect(await kill.settled()).toBeGreaterThan(10);
    expect(reconnects).toBeGreaterThan(0);
    for (const f of failures) expect(f).toMatch(/lost the connection while .*Run the command again/);
    expect(compareWorlds(await worldOf(noisy.url, noisyMail), await worldOf(quiet.url, quietMail))).toEqual([]);
  });
});
