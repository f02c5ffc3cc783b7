/**
 * The mailbox a simulated hub leaves (host/simulate.ts through the embedded
 * host, as `pathway simulate` runs it): every email has a text part and an
 * HTML part, every session email and schedule announcement a calendar invite
 * that ical.js reads, no part shows an internal id or CLI/API syntax, and
 * nothing is sent late; the work groups it selects schools into exist. `--mail none` keeps no mailbox and is the default
 * above 100 schools. PGlite and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ICAL from 'ical.js';
import { createEmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { simulateHub, type SimulationSummary } from '../host/simulate.js';
import { simulationMailer, MAILBOX_LIMIT } from '../cli/commands/simulate.js';
import { defaultMailboxDir } from '../activities/mail/mailer.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { dbTargets, useTestDb } from './helpers/db.js';
import { groupSessions, listGroups, placesOf } from '../store/ops/groups.js';
import { listPeople } from '../store/ops/people.js';

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

const decodeQp = (s: string) => Buffer.from(s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');

/** The parts of a nodemailer .eml by content type (bodies decoded). */
function partsOf(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  const boundaries = [...raw.matchAll(/boundary="([^"]+)"/g)].map((m) => m[1]!);
  const chunks = boundaries.length ? raw.split(new RegExp(`--(?:${boundaries.map((b) => b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?:--)?\\r?\\n`)) : [raw];
  for (const c of chunks) {
    const split = c.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const head = c.slice(0, split);
    const type = /^Content-Type:\s*([^;\s]+)/im.exec(head)?.[1]?.toLowerCase();
    if (!type || type.startsWith('multipart/')) continue;
    const enc = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
    const body = c.slice(split).trim();
    out.set(type, enc === 'quoted-printable' ? decodeQp(body) : enc === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body);
  }
  return out;
}

describe.each(dbTargets())('the mailbox of a simulated hub ($name)', (target) => {
  const t = useTestDb(target);
  let mailbox: string;
  let summary: SimulationSummary;

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-sim-mail-'));
    const engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('1970-01-01T00:00:00Z'), dispatch: 'manual', mailbox });
    try {
      summary = await simulateHub({ engine, schools: 6, years: 1, seed: 3, start: '2020/21', batchSize: 200 });
    } finally {
      await engine.close();
    }
  }, 120_000);
  afterAll(() => rmSync(mailbox, { recursive: true, force: true }));

  it('every email has a text and an HTML part; session emails carry an invite ical.js reads; nothing internal shows', () => {
    const files = readdirSync(mailbox).filter((f) => f.endsWith('.eml'));
    expect(files.length).toBe(summary.messages.total);
    expect(files.length).toBeGreaterThan(20);
    let invites = 0;
    for (const f of files) {
      const raw = readFileSync(join(mailbox, f), 'utf8');
      const key = /^X-Pathway-Key:\s*(.*(?:\r?\n[ \t].*)*)/im.exec(raw)![1]!.replace(/\s+/g, '');
      const parts = partsOf(raw);
      expect(parts.get('text/plain'), f).toBeTruthy();
      expect(parts.get('text/html'), f).toMatch(/<html lang="en">/);
      expect(raw, f).toMatch(/^Reply-To: /m);
      for (const [type, body] of parts) {
        expect(body, `${f} ${type}`).not.toMatch(/\w+-\d{4}-\d{2}\.\w+-\d+/);
        expect(body, `${f} ${type}`).not.toMatch(/pathway |GET \/|rules carried|day\(s\)/i);
      }
      if (/:(reminder|moved|cancelled|schedule):/.test(key)) {
        const cal = parts.get('text/calendar');
        expect(cal, `${f} has an invite`).toBeTruthy();
        const comp = new ICAL.Component(ICAL.parse(cal!));
        expect(comp.getAllSubcomponents('vevent').length).toBeGreaterThan(0);
        invites++;
      }
    }
    expect(invites).toBeGreaterThan(0);
  });

  it('makes the work groups it selects schools into: each group page exists, with its lead, sessions and places', async () => {
    const selected = (await t.db.query<{ urn: string; group_id: string }>("SELECT urn, payload->>'groupId' AS group_id FROM events WHERE type = 'SELECTED'")).rows;
    expect(selected.length).toBeGreaterThan(0);
    const groups = new Map((await listGroups(t.db)).map((g) => [g.id, g]));
    for (const s of selected) {
      const g = groups.get(s.group_id);
      expect(g, `group ${s.group_id} of school ${s.urn}`).toBeDefined();
      // Named and numbered as the hub's own groups are, so pages read "…, group 1", not an id.
      expect(g!.id).toMatch(/-\d+$/);
      expect(g!.name).toMatch(/Work Group \d{4}\/\d{2}, .+ Maths Hub, group \d+$/);
      expect(g!.lead.email).toMatch(/@.+\.example$/);
      expect((await placesOf(t.db, g!.id)).map((x) => x.urn)).toContain(s.urn);
      expect((await groupSessions(t.db, g!.id)).length).toBeGreaterThan(0);
    }
  });

  it('allocates Readiness schools to a leader who is one of the hub’s people', async () => {
    const allocated = (await t.db.query<{ id: string }>("SELECT DISTINCT payload->'leader'->>'id' AS id FROM events WHERE type = 'LEADER_ALLOCATED'")).rows.map((r) => r.id);
    expect(allocated.length).toBeGreaterThan(0);
    const people = (await listPeople(t.db)).map((p) => p.id);
    for (const id of allocated) expect(people).toContain(id);
  });

  it('records gap tasks in words a hub would use, with no session id (the timeline and audit show them)', async () => {
    const tasks = (await t.db.query<{ task: string }>("SELECT payload->>'task' AS task FROM events WHERE type = 'GAP_TASK_COMPLETED'")).rows.map((r) => r.task);
    expect(tasks.length).toBeGreaterThan(0);
    for (const task of tasks) {
      expect(task).not.toMatch(/\w+-\d{4}-\d{2}\.\w+-\d+/);
      expect(task).toMatch(/ \(set at (meeting|workshop|visit|in-school day) \d+\)$/);
    }
  });

  it('sent nothing late: no message was skipped in a simulation that runs on time', () => {
    expect(summary.messages.skipped).toBe(0);
    expect(summary.messages.byTemplate['schedule-announced']).toBeGreaterThan(0);
  });
});

describe('where a simulation keeps its mail', () => {
  it('beside the database, or nowhere above 100 schools unless asked', () => {
    expect(simulationMailer(undefined, MAILBOX_LIMIT + 1, '/data/sim/db').transport).toBe('none');
    expect(simulationMailer('mailbox', MAILBOX_LIMIT + 1, '/data/sim/db').describe()).toBe(process.env.SMTP_URL ? expect.stringMatching(/^SMTP/) : `mailbox folder ${defaultMailboxDir('/data/sim/db')}`);
    expect(simulationMailer(undefined, 20, '/data/sim/db').transport).toBe(process.env.SMTP_URL ? 'smtp' : 'mailbox');
    expect(simulationMailer('none', 20, '/data/sim/db').transport).toBe('none');
    expect(() => simulationMailer('maybe', 20, '/data/sim/db')).toThrow('--mail must be "mailbox" or "none", not "maybe"');
    expect(defaultMailboxDir('/data/sim/db', {})).toBe('/data/sim/mailbox');
    expect(defaultMailboxDir('postgres://u@h/db', {})).toBe(join(process.cwd(), 'mailbox'));
    expect(defaultMailboxDir('/data/sim/db', { MAILBOX_DIR: '/var/mail/pathway' })).toBe('/var/mail/pathway');
  });
});
