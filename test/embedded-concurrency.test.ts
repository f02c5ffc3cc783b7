/**
 * Concurrency on the embedded host. Two writers racing on one school with the
 * same expectedVersion: one wins, the other gets VersionConflictError and
 * nothing of it is written (PGlite and Postgres). Two hosts (two engines,
 * two connection pools) on one Postgres database ticking at the same time:
 * every timer fires exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule } from '../domain/calendar/index.js';
import { VersionConflictError } from '../domain/errors.js';
import { openStore, type Store } from '../store/index.js';
import { readStream, verifyStream } from '../store/event-log.js';
import type { Db } from '../store/db.js';
import { createMailer, type Mailer } from '../activities/mail/mailer.js';
import { dbTargets, useTestDb } from './helpers/db.js';

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

const secondary = programmeFor('secondary', 'development', '2020/21')!;
const schoolOf = (urn: string) => ({
  name: `School ${urn}`,
  route: 'secondary' as const,
  hub: 'Cambridge',
  headteacher: { name: 'Head Teacher', email: `head@${urn}.example` },
  headOfDepartment: { name: 'Head of Maths', email: `hod@${urn}.example` },
});
const teachersOf = (urn: string) => [
  { name: 'Advocate One', email: `one@${urn}.example`, role: 'headOfDepartment' },
  { name: 'Advocate Two', email: `two@${urn}.example`, role: 'aspiringLeader' },
];

/** A secondary school applied, selected, committed and scheduled: its reminders, checks and year end are timers. */
function enrol(urn: string) {
  return [
    { urn, actor: 'setup', event: { type: 'APPLY' as const, at: '2020-07-01T12:00:00+01:00', programme: secondary, school: schoolOf(urn), teachers: teachersOf(urn) } },
    { urn, actor: 'setup', event: { type: 'ELIGIBILITY_ASSESSED' as const, at: '2020-07-02T12:00:00+01:00', eligible: true } },
    { urn, actor: 'setup', event: { type: 'SELECTED' as const, at: '2020-07-03T12:00:00+01:00', groupId: `g-${urn}`, groupSize: 2 } },
    { urn, actor: 'setup', event: { type: 'COMMITMENT_SIGNED' as const, at: '2020-09-01T12:00:00+01:00', signatories: ['headteacher' as const, 'headOfDepartment' as const, 'teacher1' as const, 'teacher2' as const] } },
    { urn, actor: 'setup', event: { type: 'SCHEDULE_SET' as const, at: '2020-09-02T12:00:00+01:00', sessions: generateSchedule(secondary, '2020/21') } },
  ];
}

describe.each(dbTargets())('two writers on one school, $name', (target) => {
  const t = useTestDb(target);
  let a: EmbeddedEngine;
  let b: EmbeddedEngine;
  let second: Store | null = null;
  let mailbox: string;

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-race-mail-'));
    a = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2020-06-01T00:00:00Z'), mailbox });
    // Postgres: a second host with its own pool; PGlite allows one process, so the second writer shares it.
    second = target.name === 'postgres' ? await openStore(t.database.url) : null;
    b = await createEmbeddedEngine({ store: second ?? storeOf(t.db), clock: new SimulatedClock('2020-06-01T00:00:00Z'), mailbox });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await second?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('lets one of two writers with the same expectedVersion win; the other gets a conflict and writes nothing', async () => {
    const urn = '400100';
    await a.sendMany(enrol(urn));
    for (let round = 0; round < 12; round++) {
      const { version } = await a.state(urn);
      const at = `2020-10-${String(round + 1).padStart(2, '0')}T12:00:00+01:00`;
      const results = await Promise.allSettled([
        a.send(urn, { type: 'GAP_TASK_COMPLETED', at, task: `task ${round} by A` }, { actor: 'writer-a', expectedVersion: version }),
        b.send(urn, { type: 'GAP_TASK_COMPLETED', at, task: `task ${round} by B` }, { actor: 'writer-b', expectedVersion: version }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(VersionConflictError);
      expect((lost[0]!.reason as VersionConflictError).actual).toBe(version + 1);
      expect((await a.state(urn)).version).toBe(version + 1);
    }
    const events = await readStream(t.db, urn);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'GAP_TASK_COMPLETED')).toHaveLength(12);
    // Each round's one event is the winner's: its actor matches its task.
    for (const e of events.filter((x) => x.type === 'GAP_TASK_COMPLETED')) expect((e.payload as { task: string }).task.endsWith(e.actor === 'writer-a' ? 'by A' : 'by B')).toBe(true);
    expect(await verifyStream(t.db, urn)).toBeNull();
    expect((await a.state(urn)).summary.urn).toBe(urn);
  });

  it('refuses a stale writer even when the school was changed by the other host long before', async () => {
    const urn = '400101';
    await b.sendMany(enrol(urn));
    const seen = (await a.state(urn)).version;
    await b.send(urn, { type: 'RELEASE_DAYS_RECORDED', at: '2020-10-10T12:00:00+01:00', days: 2 }, { actor: 'writer-b' });
    await expect(a.send(urn, { type: 'RELEASE_DAYS_RECORDED', at: '2020-10-11T12:00:00+01:00', days: 3 }, { actor: 'writer-a', expectedVersion: seen })).rejects.toThrow(
      new VersionConflictError(urn, seen, seen + 1).message,
    );
    expect((await readStream(t.db, urn)).filter((e) => e.type === 'RELEASE_DAYS_RECORDED').map((e) => e.actor)).toEqual(['writer-b']);
  });
});

describe('two hosts ticking one Postgres database', () => {
  const [, pgTarget] = dbTargets();
  const t = useTestDb(pgTarget!);
  const hosts: { engine: EmbeddedEngine; store: Store }[] = [];
  let mailbox: string;
  /** Every message either host handed to its mail transport, in order: a key twice here is an email sent twice. */
  const handed: { host: number; key: string }[] = [];

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-ticks-mail-'));
    for (let i = 0; i < 2; i++) {
      const store = await openStore(t.database.url);
      const real = createMailer({ mailboxDir: mailbox, smtpUrl: '' });
      const mailer: Mailer = { transport: real.transport, describe: () => real.describe(), close: () => real.close(), send: async (m) => {
        handed.push({ host: i, key: m.key });
        return real.send(m);
      } };
      hosts.push({ store, engine: await createEmbeddedEngine({ store, clock: new SimulatedClock('2020-06-01T00:00:00Z'), mailbox, mailer }) });
    }
  });
  afterAll(async () => {
    for (const h of hosts) {
      await h.engine.close();
      await h.store.close();
    }
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('never fires one timer twice', async () => {
    const urns = Array.from({ length: 30 }, (_, i) => String(410_000 + i));
    await hosts[0]!.engine.sendMany(urns.flatMap(enrol));
    const due = (await t.db.query<{ urn: string; key: string }>('SELECT urn, key FROM timers ORDER BY urn, key')).rows;
    // 4 meetings: 2 reminders and 1 attendance check each, and the year end.
    expect(due.length).toBe(urns.length * 13);

    // Small batches, so the two hosts interleave all the way through.
    const [r1, r2] = await Promise.all(hosts.map((h) => h.engine.tick('2021-08-31', undefined, { batch: 4 })));
    expect(r1!.fired + r2!.fired).toBe(due.length);
    expect(r1!.fired).toBeGreaterThan(0);
    expect(r2!.fired).toBeGreaterThan(0);

    const perTimer = (await t.db.query<{ urn: string; type: string; k: string; n: number }>(
      `SELECT urn, type, coalesce(payload->>'sessionId', payload->>'academicYear') || ':' || coalesce(payload->>'daysBefore', '') AS k, count(*)::int AS n
         FROM events WHERE actor = 'timer' GROUP BY urn, type, k ORDER BY urn, type, k`,
    )).rows;
    expect(perTimer.length).toBe(due.length);
    expect(perTimer.filter((r) => r.n !== 1)).toEqual([]);
    expect((await t.db.query('SELECT 1 FROM timers')).rowCount).toBe(0);
    for (const urn of urns) {
      expect(await verifyStream(t.db, urn)).toBeNull();
      // Nobody recorded attendance, so the year ended overdue, once.
      expect((await hosts[1]!.engine.state(urn)).summary.status).toBe('overdue');
    }
    // The effects of the firings (reminders, escalations) went out once each, whichever host carried them out:
    // no message was handed to a transport twice (outbox and sent_messages keys are primary keys, so only the
    // transport can show a double send), and every message recorded as sent was handed over exactly once.
    const keys = handed.map((h) => h.key);
    expect(keys.length).toBeGreaterThan(urns.length);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    const recorded = (await t.db.query<{ key: string }>("SELECT key FROM sent_messages WHERE status = 'sent' ORDER BY key")).rows.map((r) => r.key);
    expect([...keys].sort()).toEqual(recorded);
    // Both hosts carried out effects (so the claims were really contended).
    expect(new Set(handed.map((h) => h.host)).size).toBe(2);
    const open = (await t.db.query<{ key: string; attempts: number }>("SELECT key, attempts FROM outbox WHERE status <> 'done' OR attempts > 0")).rows;
    expect(open).toEqual([]);
  });
});
