/**
 * Messages delivered through a real SMTP server (smtp-server) by the embedded
 * host's outbox, on PGlite and Postgres: a server that refuses, or is down, is
 * retried with backoff and exactly one copy arrives; every message has a text
 * part, an HTML part and Reply-To the hub's contact; a headteacher address
 * that cannot receive mail is recorded as a problem (mailProblems) and the
 * message reaches the corrected address if still in time; reminders that
 * would go out after their meeting are recorded as skipped, not mailed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { createMailer } from '../activities/mail/mailer.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule } from '../domain/calendar/schedule.js';
import { mailProblems, sentMessages, setSchoolContact } from '../store/messages.js';
import { setHubContact } from '../store/ops/hub-contacts.js';
import { digestMessage } from '../service/digest.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { dbTargets, useTestDb } from './helpers/db.js';

interface Received {
  to: string[];
  raw: string;
  key: string;
}

interface Sink {
  port: number;
  received: Received[];
  /** How many more messages to refuse with 451 before accepting. */
  refuse: number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startSink(port = 0): Promise<Sink> {
  const sink: Sink = { port, received: [], refuse: 0, close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.refuse > 0) {
          sink.refuse--;
          return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
        }
        const raw = Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n');
        const key = /^X-Pathway-Key:\s*(.*(?:\n[ \t].*)*)/im.exec(raw)?.[1]?.replace(/\n[ \t]+/g, '').trim() ?? '';
        sink.received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, key });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  sink.port = (server.server.address() as { port: number }).port;
  sink.close = () => new Promise<void>((r) => server.close(() => r()));
  return sink;
}

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

const HUB = 'East Midlands East';
const programme = programmeFor('secondary', 'development', '2025/26')!;
const sessions = generateSchedule(programme, '2025/26');
const plus = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString();
const MINUTE = 60_000;
const RETRY_MS = 200;
const realWait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 86_400_000;

async function apply(engine: EmbeddedEngine, urn: string, headEmail: string): Promise<void> {
  await engine.send(
    urn,
    {
      type: 'APPLY',
      at: '2025-06-10T10:00:00+01:00',
      programme,
      school: { name: `Kingsmead Academy ${urn}`, route: 'secondary', hub: HUB, headteacher: { name: 'Priya Patel', email: headEmail }, headOfDepartment: { name: 'Ben Clarke', email: `hod@${urn}.example` } },
      teachers: [
        { name: 'Ben Clarke', email: `hod@${urn}.example`, role: 'headOfDepartment' },
        { name: 'Zara Khan', email: `zk@${urn}.example`, role: 'aspiringLeader' },
      ],
    },
    { actor: 'hub-ops' },
  );
  await engine.send(urn, { type: 'ELIGIBILITY_ASSESSED', at: '2025-06-20T10:00:00+01:00', eligible: true }, { actor: 'hub-ops' });
}

async function outboxRow(db: Db, key: string) {
  return (await db.query<{ status: string; attempts: number; next_attempt_at: string; last_error: string | null; retry_wait_ms: number }>(
    'SELECT status, attempts, next_attempt_at, last_error, (extract(epoch FROM retry_at - now()) * 1000)::float8 AS retry_wait_ms FROM outbox WHERE key = $1',
    [key],
  )).rows[0];
}

describe.each(dbTargets())('messages over SMTP ($name)', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine | null = null;
  const sinks: Sink[] = [];
  afterEach(async () => {
    await engine?.close();
    engine = null;
    for (const s of sinks.splice(0)) await s.close();
  });

  async function open(port: number, clock: SimulatedClock, dispatch: 'inline' | 'manual' = 'inline', retryMs = RETRY_MS): Promise<EmbeddedEngine> {
    // Retries wait real time (store/outbox.ts), apart from the simulated clock: 200 ms, 400 ms, ... here.
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock, mailer: createMailer({ smtpUrl: `smtp://127.0.0.1:${port}` }), dispatch, retryBaseMs: retryMs });
    return engine;
  }

  it('a refusal (451) is retried with backoff; exactly one copy arrives, with text, HTML and Reply-To the hub contact', async () => {
    await setHubContact(t.db, { hub: 'east-midlands-east', name: 'Priya Shah', email: 'priya.shah@emeast.example', updatedBy: 'admin' });
    const sink = await startSink();
    sinks.push(sink);
    const clock = new SimulatedClock('2025-06-01T09:00:00Z');
    // A retry 2 s out: the send's own drain must end before it falls due, even on a machine loaded by a full test run (200 ms once was not).
    const retryMs = 2_000;
    const e = await open(sink.port, clock, 'inline', retryMs);
    await apply(e, '137001', 'head@137001.example');
    sink.refuse = 1;
    const at = '2025-07-01T10:00:00+01:00';
    await e.send('137001', { type: 'SELECTED', at, groupId: 'emeast-development-2025-a', groupSize: 2 }, { actor: 'hub-ops' });
    const key = '137001:secondary-development-2025-26:selected';
    expect(sink.received.filter((m) => m.key === key)).toEqual([]);
    const failed = await outboxRow(t.db, key);
    const dueBy = Date.now() + failed!.retry_wait_ms;
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed!.last_error).toMatch(/451/);
    // Backoff: not retried before its time, which is real time, however the simulated clock moves.
    expect(failed!.retry_wait_ms).toBeGreaterThan(0);
    clock.advanceTo(plus(clock.now(), 5 * MINUTE));
    await e.drainOutbox();
    // Only when this drain ended before the retry fell due: on a loaded machine the 200 ms may pass first (CI once did).
    if (Date.now() < dueBy) expect(sink.received.filter((m) => m.key === key)).toEqual([]);
    await realWait(Math.max(0, dueBy - Date.now()) + 50);
    await e.drainOutbox();
    await e.drainOutbox();
    const got = sink.received.filter((m) => m.key === key);
    expect(got).toHaveLength(1);
    expect(got[0]!.to.sort()).toEqual(['head@137001.example', 'hod@137001.example', 'zk@137001.example']);
    expect(got[0]!.raw).toMatch(/^Content-Type: text\/plain; charset=utf-8/m);
    expect(got[0]!.raw).toMatch(/^Content-Type: text\/html; charset=utf-8/m);
    expect(got[0]!.raw).toMatch(/^Reply-To: Priya Shah <priya\.shah@emeast\.example>/m);
    expect(got[0]!.raw).toMatch(/^From: East Midlands East Maths Hub </m);
    expect((await sentMessages(t.db, { urn: '137001' })).filter((m) => m.key === key)).toHaveLength(1);
    expect(await outboxRow(t.db, key)).toMatchObject({ status: 'done' });
  });

  it('a server that is down is retried until it is up: one copy, nothing lost', async () => {
    const port = await freePort();
    const clock = new SimulatedClock('2025-06-01T09:00:00Z');
    const e = await open(port, clock);
    await apply(e, '137002', 'head@137002.example');
    await e.send('137002', { type: 'SELECTED', at: '2025-07-01T10:00:00+01:00', groupId: 'emeast-development-2025-a', groupSize: 2 }, { actor: 'hub-ops' });
    const key = '137002:secondary-development-2025-26:selected';
    expect(await outboxRow(t.db, key)).toMatchObject({ status: 'pending', attempts: 1 });
    await realWait(RETRY_MS + 50);
    await e.drainOutbox();
    expect(await outboxRow(t.db, key)).toMatchObject({ status: 'pending', attempts: 2 });
    const sink = await startSink(port);
    sinks.push(sink);
    await realWait(2 * RETRY_MS + 50);
    await e.drainOutbox();
    await e.drainOutbox();
    expect(sink.received.filter((m) => m.key === key)).toHaveLength(1);
    expect(await outboxRow(t.db, key)).toMatchObject({ status: 'done' });
  });

  it('a headteacher address that cannot receive mail: teachers get it, a problem is recorded, the corrected address gets it if still in time', async () => {
    const sink = await startSink();
    sinks.push(sink);
    const clock = new SimulatedClock('2025-06-01T09:00:00Z');
    const e = await open(sink.port, clock);
    await apply(e, '137003', 'head@kingsmead.invalid');
    await apply(e, '137004', 'head@other.invalid');
    await e.send('137003', { type: 'SELECTED', at: '2025-07-01T10:00:00+01:00', groupId: 'emeast-development-2025-a', groupSize: 2 }, { actor: 'hub-ops' });
    await e.send('137004', { type: 'SELECTED', at: '2025-07-01T10:05:00+01:00', groupId: 'emeast-development-2025-a', groupSize: 2 }, { actor: 'hub-ops' });
    // Every message of the four events carried out (each send's own drain may still be going on).
    await e.drainOutbox();
    await e.drainOutbox();
    const key = '137003:secondary-development-2025-26:selected';
    // The teachers were not held up.
    expect(sink.received.find((m) => m.key === key)!.to.sort()).toEqual(['hod@137003.example', 'zk@137003.example']);
    const all = await mailProblems(t.db, { hub: HUB });
    // The acknowledgement of an application goes to the headteacher alone: held too, with nobody else to tell
    // (137004's came more than 7 days late on this test's clock, and was recorded as not sent instead).
    expect(all.filter((p) => p.template === 'application-received').map((p) => p.urn)).toEqual(['137003']);
    const problems = all.filter((p) => p.template === 'selected');
    expect(problems.map((p) => [p.urn, p.key, p.template, p.problem])).toEqual([
      ['137003', key, 'selected', 'the headteacher\'s email address "head@kingsmead.invalid" is a placeholder that cannot receive mail'],
      ['137004', '137004:secondary-development-2025-26:selected', 'selected', 'the headteacher\'s email address "head@other.invalid" is a placeholder that cannot receive mail'],
    ]);
    expect(await mailProblems(t.db, { urns: ['137004'] })).toHaveLength(1);
    expect(await mailProblems(t.db, { hub: 'cambridge' })).toEqual([]);
    // The digest lists them for the hub lead, with the page to fix them on.
    const digest = digestMessage('East Midlands East Maths Hub', '2025-W27', [], problems, 'https://hub.example', new Map([['137003', 'Kingsmead Academy']]));
    expect(digest.subject).toBe('East Midlands East Maths Hub: 2 emails not delivered, week of Monday 30 June 2025');
    // Each school by its name (one the service does not know by its URN alone), with the page to fix it on.
    expect(digest.text).toContain('- School 137004 (URN 137004): ');
    expect(digest.text).toContain('- Kingsmead Academy (URN 137003): the headteacher\'s email address "head@kingsmead.invalid" is a placeholder that cannot receive mail (1 email held).\n  Open the school’s page: https://hub.example/hub/schools/137003');
    // The same list as HTML, each school linked to its page.
    expect(digest.html).toContain('<a href="https://hub.example/hub/schools/137003" style="color:#1d70b8;">Kingsmead Academy</a> (URN 137003): the headteacher&#39;s email address &quot;head@kingsmead.invalid&quot; is a placeholder that cannot receive mail (1 email held).');

    // Corrected the next day: the held message goes to the new address, once.
    clock.advanceTo(plus(clock.now(), DAY));
    expect(await setSchoolContact(t.db, { urn: '137003', name: 'Priya Patel', email: 'p.patel@kingsmead.example', updatedBy: 'hub-ops', at: clock.now() })).toEqual({ requeued: 2, changed: true });
    await e.drainOutbox();
    await e.drainOutbox();
    const resent = sink.received.filter((m) => m.key === `${key}:to-corrected-address`);
    expect(resent.map((m) => m.to)).toEqual([['p.patel@kingsmead.example']]);
    expect(await mailProblems(t.db, { urns: ['137003'] })).toEqual([]);

    // Corrected too late (more than 7 days after it was decided): recorded as not sent.
    clock.advanceTo('2025-07-20T09:00:00+01:00');
    expect(await setSchoolContact(t.db, { urn: '137004', name: 'Priya Patel', email: 'p.patel@other.example', updatedBy: 'hub-ops', at: clock.now() })).toEqual({ requeued: 1, changed: true });
    await e.drainOutbox();
    expect(sink.received.filter((m) => m.key.startsWith('137004:') && m.key.endsWith(':to-corrected-address'))).toEqual([]);
    const late = (await sentMessages(t.db, { urn: '137004', status: 'skipped' })).filter((m) => m.key.includes(':selected:')).map((m) => [m.key, m.note]);
    expect(late).toEqual([['137004:secondary-development-2025-26:selected:to-corrected-address', expect.stringMatching(/^not sent: it was decided on Tuesday 1 July 2025, more than 7 days before it could go out/)]]);
    expect(await mailProblems(t.db, { hub: HUB })).toEqual([]);
  });

  it('a host stopped over its meetings: the late reminders are recorded as skipped and not mailed; later ones go out', async () => {
    const sink = await startSink();
    sinks.push(sink);
    const clock = new SimulatedClock('2025-06-01T09:00:00Z');
    const e = await open(sink.port, clock, 'manual');
    await apply(e, '137005', 'head@137005.example');
    await e.send('137005', { type: 'SELECTED', at: '2025-07-01T10:00:00+01:00', groupId: 'emeast-development-2025-a', groupSize: 2 }, { actor: 'hub-ops' });
    await e.send('137005', { type: 'COMMITMENT_SIGNED', at: '2025-09-03T10:00:00+01:00', signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] }, { actor: 'hub-ops' });
    await e.send('137005', { type: 'SCHEDULE_SET', at: '2025-09-05T10:00:00+01:00', sessions }, { actor: 'hub-ops' });
    await e.drainOutbox();
    const announced = sink.received.filter((m) => m.key.includes(':schedule:'));
    expect(announced).toHaveLength(1);
    expect(announced[0]!.raw).toMatch(/^Content-Type: text\/calendar; charset=utf-8; method=PUBLISH/m);
    const first = sessions.find((s) => s.kind === 'meeting')!;
    // The host is down from before the first meeting's reminders until after it; it fires them all on its return.
    await e.tick(plus(first.at, DAY));
    await e.drainOutbox();
    const reminders = sink.received.filter((m) => m.key.includes(`:reminder:${first.id}:`));
    expect(reminders).toEqual([]);
    const skipped = (await sentMessages(t.db, { urn: '137005', status: 'skipped' })).filter((m) => m.key.includes(`:reminder:${first.id}:`));
    // The reminders set for it: those not already past when the year was scheduled.
    expect(skipped).toHaveLength([14, 2].filter((d) => Date.parse(first.at) - d * DAY > Date.parse('2025-09-05T10:00:00+01:00')).length);
    expect(skipped.length).toBeGreaterThan(0);
    for (const m of skipped) expect(m.note).toMatch(/^not sent: it was about \w+day \d+ \w+ 2025, /);
    // Back on time: the next meeting's reminders go out on their day, with an invite.
    const second = sessions.filter((s) => s.kind === 'meeting')[1]!;
    for (const d of [14, 2]) {
      await e.tick(plus(second.at, -d * DAY));
      await e.drainOutbox();
    }
    const next = sink.received.filter((m) => m.key.includes(`:reminder:${second.id}:`));
    expect(next).toHaveLength(2);
    for (const m of next) {
      expect(m.raw).toMatch(/^Content-Type: text\/calendar; charset=utf-8; method=PUBLISH/m);
      // Apart from the key header, no part names the session by its id.
      const body = m.raw.replace(/^X-Pathway-Key:.*(\n[ \t].*)*/m, '').replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      expect(body).not.toContain(second.id);
      expect(body).toContain('Work Group meeting 2 of');
    }
  });
});

describe('the SMTP sink itself', () => {
  let sink: Sink;
  beforeAll(async () => {
    sink = await startSink();
  });
  afterAll(async () => sink.close());
  it('refuses while asked to, then accepts', async () => {
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${sink.port}` });
    sink.refuse = 1;
    await expect(mailer.send({ key: 'k1', to: [{ name: 'A', email: 'a@x.example' }], subject: 's', text: 't' })).rejects.toThrow(/451/);
    await mailer.send({ key: 'k1', to: [{ name: 'A', email: 'a@x.example' }], subject: 's', text: 't' });
    expect(sink.received.map((m) => m.key)).toEqual(['k1']);
    await mailer.close();
  });
});
