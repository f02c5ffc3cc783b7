/**
 * Faults below us (issue 12): the SMTP server is down for a simulated week.
 * A real local SMTP server (smtp-server) is stopped while three schools are
 * selected and sign their commitments, the host ticks day by day through the
 * week (each drain tries the waiting mail again: more tries than maxAttempts),
 * then the server is started again on the same port: every message goes, each
 * exactly once, the same keys and recipients as a run whose server never went
 * down. The old host gave such mail up as failed after maxAttempts.
 */
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { createMailer } from '../activities/mail/mailer.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { openEffects } from '../store/outbox.js';
import { sentMessages } from '../store/messages.js';
import type { Db } from '../store/db.js';
import type { Store } from '../store/index.js';
import { withTestDb } from './helpers/db.js';

const PGLITE = { name: 'pglite' as const, url: 'memory://' };
const programme = programmeFor('secondary', 'development', '2025/26')!;
const URNS = ['138001', '138002', '138003'];
const DAY = 86_400_000;
const RETRY_MS = 20;

interface Sink {
  received: { key: string; to: string[] }[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A real SMTP server on `port` that keeps each message's key (X-Pathway-Key) and envelope recipients. */
async function startSmtp(port: number, received: Sink['received']): Promise<Sink> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n');
        const key = /^X-Pathway-Key:\s*(.*(?:\n[ \t].*)*)/im.exec(raw)?.[1]?.replace(/\n[ \t]+/g, '').trim() ?? '';
        received.push({ key, to: session.envelope.rcptTo.map((r) => r.address).sort() });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

/** Three schools selected on Monday 7 July 2025 and committed on Tuesday, then the host ticks to Sunday 13 July, day by day. */
async function week(engine: EmbeddedEngine): Promise<void> {
  for (const urn of URNS) {
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
  }
  for (const urn of URNS) await engine.send(urn, { type: 'SELECTED', at: '2025-07-07T10:00:00+01:00', groupId: 'emeast-development-2025-a', groupSize: 3 }, { actor: 'hub-ops' });
  for (const urn of URNS) await engine.send(urn, { type: 'COMMITMENT_SIGNED', at: '2025-07-08T10:00:00+01:00', signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] }, { actor: 'hub-ops' });
  for (let t = Date.parse('2025-07-08T12:00:00+01:00'); t <= Date.parse('2025-07-13T12:00:00+01:00'); t += DAY) {
    // Each day the waiting mail is due for another try (its retry time is real time: waited for, at most 16 x 20 ms).
    await waitForRetries(engine.db);
    await engine.tick(new Date(t).toISOString());
  }
}

async function waitForRetries(db: Db): Promise<void> {
  const wait = await longestRetryWait(db);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 1));
}

/** The outstanding effects' longest wait for their retry, in real ms (the database clock). */
async function longestRetryWait(db: Db): Promise<number> {
  const r = await db.query<{ ms: number | null }>("SELECT max(extract(epoch FROM retry_at - now()) * 1000)::float8 AS ms FROM outbox WHERE status = 'pending'");
  return Math.max(0, r.rows[0]?.ms ?? 0);
}

it('mail held through a simulated week with the SMTP server down goes once, all of it, when the server is back', async () => {
  const port = await freePort();
  const open = (db: Db) => createEmbeddedEngine({ store: storeOf(db), clock: new SimulatedClock('2025-06-01T09:00:00Z'), mailer: createMailer({ smtpUrl: `smtp://127.0.0.1:${port}` }), retryBaseMs: RETRY_MS, maxAttempts: 3 });

  // Undisturbed: the server is up all week.
  const reference: Sink['received'] = [];
  const expected = await withTestDb(PGLITE, async (db) => {
    const sink = await startSmtp(port, reference);
    const engine = await open(db);
    try {
      await week(engine);
      return (await sentMessages(db, {})).map((m) => [m.key, m.status]).sort();
    } finally {
      await engine.close();
      await sink.close();
    }
  });
  expect(reference.length).toBeGreaterThanOrEqual(6);

  // Down all week; back on Sunday.
  const received: Sink['received'] = [];
  await withTestDb(PGLITE, async (db) => {
    const engine = await open(db);
    try {
      await week(engine);
      expect(received).toEqual([]);
      const waiting = await openEffects(db, {});
      // Still waiting, not given up, though tried more often than maxAttempts.
      expect(waiting.filter((e) => e.status === 'failed')).toEqual([]);
      expect(waiting.filter((e) => e.type === 'notify').length).toBeGreaterThanOrEqual(6);
      expect(Math.max(...waiting.map((e) => e.attempts))).toBeGreaterThan(3);
      expect(waiting[0]!.lastError).toMatch(/^the mail server SMTP smtp:\/\/127\.0\.0\.1:\d+ cannot take mail now \(.*ECONNREFUSED.*\); the message waits and goes when it is back$/);

      const sink = await startSmtp(port, received);
      try {
        // Each waits out its retry time (real time, at most 16 x 20 ms here), then goes.
        for (let round = 0; round < 5 && (await openEffects(db, {})).length > 0; round++) {
          await waitForRetries(db);
          await engine.drainOutbox();
        }
        await engine.drainOutbox();
      } finally {
        await sink.close();
      }
      expect(await openEffects(db, {})).toEqual([]);
      // The acknowledgements of the June applications waited more than 7 days for the server: recorded as
      // not sent (too late to be news), as any confirmation that late is; everything else went as in the reference.
      const late = (key: string) => key.endsWith(':application');
      expect((await sentMessages(db, {})).map((m) => [m.key, m.status]).sort()).toEqual(expected.map(([k, s]) => [k, late(k!) ? 'skipped' : s]));
    } finally {
      await engine.close();
    }
  });
  const byKey = (xs: Sink['received']) => xs.map((x) => `${x.key} -> ${x.to.join(' ')}`).sort();
  // Exactly once each: the same messages to the same people as when the server never went down.
  expect(byKey(received)).toEqual(byKey(reference.filter((x) => !x.key.endsWith(':application'))));
  expect(new Set(received.map((x) => x.key)).size).toBe(received.length);
}, 180_000);
