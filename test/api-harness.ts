/**
 * Shared by the API tests: a real SMTP server (smtp-server) that keeps what it
 * receives, and the hub service on a fresh test database (PGlite or Postgres)
 * with the embedded engine on a simulated clock, its HTTP API (fastify.inject)
 * and one token per role. Not a test file itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { FastifyInstance } from 'fastify';
import { createMailer } from '../activities/mail/mailer.js';
import { SimulatedClock } from '../host/clock.js';
import type { EmbeddedEngine } from '../host/embedded.js';
import { openService, type OpenedService } from '../service/open.js';
import { buildApi, type ApiOptions } from '../api/server.js';
import type { Principal, Service } from '../service/context.js';
import { addUser } from '../service/users.js';
import { createTestDatabase, openMigratedStore, type DbTarget, type TestDatabase } from './helpers/db.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  /** The effect's idempotency key (X-Pathway-Key). */
  key: string;
  /** The body, quoted-printable decoded. */
  text: string;
  /** The Reply-To header. */
  replyTo: string;
}

export interface SmtpSink {
  url: string;
  messages: ReceivedMail[];
  close(): Promise<void>;
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

/** Parses what the SMTP server received into headers we count on and a decoded body. */
function parse(raw: string, envelope: { from: string; to: string[] }): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  // A multipart message (text, HTML, calendar) has its parts quoted-printable: decode the body as a whole.
  const qp = /quoted-printable/i.test(header('Content-Transfer-Encoding')) || /^Content-Transfer-Encoding:\s*quoted-printable/im.test(body);
  return { from: envelope.from, to: envelope.to, subject: decodeWords(header('Subject')), key: header('X-Pathway-Key'), replyTo: decodeWords(header('Reply-To')), text: qp ? decodeQuotedPrintable(body) : body };
}

/** Starts an SMTP server on a free loopback port that accepts every message (no TLS, no auth). */
export async function startSmtp(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push(parse(Buffer.concat(chunks).toString('latin1'), { from, to: session.envelope.rcptTo.map((r) => r.address) }));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return { url: `smtp://127.0.0.1:${port}`, messages, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export type RoleName = 'admin' | 'staffA' | 'staffB' | 'auditorA' | 'auditorB';

export interface ApiHarness {
  svc: Service;
  engine: EmbeddedEngine;
  app: FastifyInstance;
  clock: SimulatedClock;
  opened: OpenedService;
  tokens: Record<RoleName, string>;
  principals: Record<RoleName, Principal>;
  smtp: SmtpSink | null;
  /** The database's URL ("memory://" for PGlite), for a second process on the same Postgres. */
  dbUrl: string;
  /** An HTTP request through fastify.inject; `as` picks the token (none: no Authorization header). */
  call(method: string, url: string, o?: { as?: RoleName | 'none'; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** Events in the log, all schools. */
  eventCount(): Promise<number>;
  close(): Promise<void>;
}

/** Hubs of the two hub-staff and auditor users: A = Great North, B = Cambridge. */
export const HUB_A = 'great-north';
export const HUB_B = 'cambridge';

/**
 * The service on a fresh database of `target`, on a simulated clock starting
 * at `start`; mail over a real SMTP server when `smtp` is true, else into a
 * temporary mailbox folder.
 */
export async function startApi(target: DbTarget, o: { start: string; smtp?: boolean; api?: ApiOptions }): Promise<ApiHarness> {
  // Already migrated (Postgres: a copy of the migrated template database; PGlite: loaded from the migrated template).
  const database: TestDatabase = await createTestDatabase(target, { migrated: true });
  const smtp = o.smtp ? await startSmtp() : null;
  const mailbox = smtp ? null : mkdtempSync(join(tmpdir(), 'pathway-mailbox-'));
  const clock = new SimulatedClock(o.start);
  // Over SMTP the mailer is configured the way the service is in production: SMTP_URL.
  const savedSmtpUrl = process.env.SMTP_URL;
  if (smtp) process.env.SMTP_URL = smtp.url;
  const mailer = smtp ? createMailer() : createMailer({ mailboxDir: mailbox!, smtpUrl: '' });
  if (smtp) {
    if (savedSmtpUrl === undefined) delete process.env.SMTP_URL;
    else process.env.SMTP_URL = savedSmtpUrl;
  }
  const opened = await openService({ db: database.url, store: await openMigratedStore(database), clock, mailer });
  const svc = opened.service;
  // The rate limits are tested on their own (api-hardening); tables of hundreds of calls from one address must not meet them.
  const app = await buildApi(svc, { ...o.api, limits: { failedAuthPerMinute: 1_000_000, writesPerMinute: 1_000_000, ...o.api?.limits } });
  const root: Principal = { id: 'test-root', name: 'test root', role: 'admin', hubs: [] };
  const made = {
    admin: await addUser(svc, root, { name: 'Ada Admin', role: 'admin' }),
    staffA: await addUser(svc, root, { name: 'Sam Staff', role: 'hub_staff', hubs: [HUB_A] }),
    staffB: await addUser(svc, root, { name: 'Bea Staff', role: 'hub_staff', hubs: [HUB_B] }),
    auditorA: await addUser(svc, root, { name: 'Aud Itor', role: 'auditor', hubs: [HUB_A] }),
    auditorB: await addUser(svc, root, { name: 'Bo Auditor', role: 'auditor', hubs: [HUB_B] }),
  };
  const tokens = Object.fromEntries(Object.entries(made).map(([k, v]) => [k, v.token])) as Record<RoleName, string>;
  const principals = Object.fromEntries(Object.entries(made).map(([k, v]) => [k, { id: v.user.id, name: v.user.name, role: v.user.role, hubs: v.user.hubs }])) as Record<RoleName, Principal>;
  return {
    svc,
    engine: opened.embedded!,
    app,
    clock,
    opened,
    tokens,
    principals,
    smtp,
    dbUrl: database.url,
    async call(method, url, c = {}) {
      const headers: Record<string, string> = { ...(c.headers ?? {}) };
      const token = c.token ?? (c.as && c.as !== 'none' ? tokens[c.as] : undefined);
      if (token) headers.authorization = `Bearer ${token}`;
      const r = await app.inject({ method: method as 'GET', url, headers, ...(c.body !== undefined ? { payload: c.body as object } : {}) });
      let body: unknown = r.body;
      try {
        body = JSON.parse(r.body);
      } catch {
        // Not JSON (the docs page): keep the text.
      }
      return { status: r.statusCode, body, headers: r.headers };
    },
    async eventCount() {
      const r = await svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
      return r.rows[0]!.n;
    },
    async close() {
      await app.close();
      await opened.close();
      await smtp?.close();
      if (mailbox) rmSync(mailbox, { recursive: true, force: true });
      await database.drop();
    },
  };
}

/** The secondary Development 2020/21 form of seed 003 (examples/forms), for another school when `n` is given. */
export function secondaryForm(n = 0, hub = 'Great North Maths Hub'): Record<string, any> {
  const urn = String(108514 + n * 7).padStart(6, '0');
  const d = `school${n}.example`;
  return {
    kind: 'secondary-development-2020',
    submittedOn: '2020-07-06',
    school: {
      name: n === 0 ? 'Tynebridge School' : `Tynebridge School ${n}`,
      address: 'Coach Lane, Newcastle upon Tyne NE7 7XA',
      urn,
      phone: '0191 498 0231',
      hub,
      headteacher: { name: 'Martin Lowes', email: `head@${d}` },
      headOfDepartment: { name: 'Claire Robson', email: `hod@${d}` },
    },
    teachers: [
      { name: 'Gareth Milburn', email: `t1@${d}`, role: 'ks3Lead', yearGroups: ['Y7', 'Y8'] },
      { name: 'Aisha Rahman', email: `t2@${d}`, role: 'nonSpecialist', yearGroups: ['Y7'] },
    ],
    masterySpecialist: { workedWith: false },
    statements: { headOfDepartment: 'We want to rebuild our Key Stage 3 teaching on firm foundations through depth rather than repetition, planning lessons together in small steps.' },
    signatures: {
      headteacher: { name: 'Martin Lowes', signedOn: '2020-07-03' },
      headOfDepartment: { name: 'Claire Robson', signedOn: '2020-07-03' },
      teacher1: { name: 'Gareth Milburn', signedOn: '2020-07-06' },
      teacher2: { name: 'Aisha Rahman', signedOn: '2020-07-06' },
    },
  };
}

/** The primary Readiness 2020 form of seed 002 (examples/forms), for another school when `n` is given. */
export function readinessForm(n = 0, hub = 'East Midlands East Maths Hub'): Record<string, any> {
  const urn = String(122657 + n * 11).padStart(6, '0');
  const d = `primary${n}.example`;
  return {
    kind: 'primary-readiness-2020',
    submittedOn: '2020-03-20',
    school: {
      name: n === 0 ? 'Hollybrook Primary School' : `Hollybrook Primary School ${n}`,
      address: 'Hollybrook Lane, Mansfield, Nottinghamshire NG18 4QP',
      urn,
      phone: '01632 960587',
      hub,
      localAuthority: 'Nottinghamshire',
      headteacher: { name: 'Sarah Whitfield', email: `head@${d}` },
    },
    teachers: [
      { name: 'Tom Bradley', ncetmUsername: 'tbradley', email: `t1@${d}`, role: 'mathsLead', yearGroups: ['Y5'] },
      { name: 'Nadia Kowalski', ncetmUsername: 'nkowalski', email: `t2@${d}`, role: 'teacher', yearGroups: ['Y2'] },
    ],
    statements: {
      headteacher:
        'Hollybrook was judged Requires Improvement at our most recent Ofsted inspection. We have also had a high turnover of teaching staff, which has made it hard to sustain change.',
    },
    eligibility: { criteria: ['ofstedRiOrInadequate', 'highStaffTurnover'] },
    group: { applying: false, schools: [] },
    signatures: {
      headteacher: { name: 'Sarah Whitfield', signedOn: '2020-03-19' },
      teacher1: { name: 'Tom Bradley', signedOn: '2020-03-19' },
      teacher2: { name: 'Nadia Kowalski', signedOn: '2020-03-20' },
    },
  };
}
