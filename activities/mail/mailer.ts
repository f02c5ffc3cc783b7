/**
 * Sending email with nodemailer: over SMTP when `SMTP_URL` is given, else
 * into a mailbox folder (one .eml file a message) so the embedded default
 * needs no mail server. I/O.
 */
import { settings, type Environment } from '../../config/load.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile, readdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type nodemailerModule from 'nodemailer';
import { processAlive } from '../../store/process-alive.js';

// nodemailer (a CommonJS package) is loaded when a message is first sent: most commands send none and need not pay for it.
const require = createRequire(import.meta.url);
let nodemailerLoaded: typeof nodemailerModule | null = null;
const nodemailer = (): typeof nodemailerModule => (nodemailerLoaded ??= require('nodemailer') as typeof nodemailerModule);

export interface OutgoingMessage {
  /** Idempotency key of the effect; becomes the Message-ID so receivers can drop duplicates. */
  key: string;
  to: { name: string; email: string }[];
  subject: string;
  text: string;
  /** The HTML part (the text part stays the plain alternative). */
  html?: string;
  /** Where replies go: the hub's contact. */
  replyTo?: { name: string; email: string };
  /** The sender's display name (e.g. the hub's name); the address stays the configured one. */
  fromName?: string;
  /** A calendar invite: sent as a text/calendar alternative and as an .ics attachment. */
  ics?: { method: string; content: string; filename: string };
}

export interface Mailer {
  readonly transport: 'smtp' | 'mailbox' | 'none';
  /**
   * True when the transport itself delivers a key once however often it is
   * handed it (the mailbox folder keeps one file a key; `none` delivers
   * nothing): the host may then record a batch of sends in one statement
   * after them all, since a crash in between only hands them over again.
   * Otherwise (SMTP) each send is recorded as soon as it is made.
   */
  readonly idempotent?: boolean;
  send(message: OutgoingMessage): Promise<{ messageId: string; duplicate: boolean }>;
  describe(): string;
  close(): Promise<void>;
}

export const DEFAULT_FROM = 'Mastery Pathway <pathway@mathshub.invalid>';

/** The Message-ID of a key: stable, so a resend is recognisable. Pure. */
export function messageIdOf(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@mastery-pathway>`;
}

/** A file name for a key: readable prefix plus a hash so distinct keys never collide. Pure. */
export function mailboxFileOf(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `${safe}.${createHash('sha256').update(key).digest('hex').slice(0, 12)}.eml`;
}

export interface MailerOptions {
  smtpUrl?: string;
  mailboxDir?: string;
  from?: string;
}

/**
 * Where the mailbox folder of a database lives when none is named: MAILBOX_DIR
 * if set, else a folder "mailbox" beside the PGlite folder (./.pglite gives
 * ./mailbox, /data/hub/db gives /data/hub/mailbox), else (Postgres, memory)
 * ./mailbox in the current folder. Reads the environment; no I/O.
 */
export function defaultMailboxDir(target: string, env?: Environment): string {
  const named = env ? env.MAILBOX_DIR?.trim() : settings().mailboxDir;
  if (named) return resolve(named);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return resolve('mailbox');
  return join(dirname(resolve(target)), 'mailbox');
}

/** A mailer from options, else from SMTP_URL, else a mailbox folder (options.mailboxDir, else MAILBOX_DIR, else ./mailbox). */
export function createMailer(options: MailerOptions = {}): Mailer {
  const config = settings();
  const smtpUrl = options.smtpUrl ?? config.smtpUrl;
  const from = options.from ?? config.mailFrom ?? DEFAULT_FROM;
  if (smtpUrl) return smtpMailer(smtpUrl, from);
  return mailboxMailer(resolve(options.mailboxDir ?? config.mailboxDir ?? 'mailbox'), from);
}

/** The address of a "Name <address>" sender. Pure. */
function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1]?.trim() ?? from.trim();
}

/** What nodemailer sends for a message (both transports build it the same way). Pure. */
function mailOf(m: OutgoingMessage, from: string) {
  return {
    from: m.fromName ? { name: m.fromName, address: addressOf(from) } : from,
    to: m.to.map((t) => ({ name: t.name, address: t.email })),
    ...(m.replyTo ? { replyTo: { name: m.replyTo.name, address: m.replyTo.email } } : {}),
    subject: m.subject,
    text: m.text,
    ...(m.html ? { html: m.html } : {}),
    ...(m.ics ? { icalEvent: { method: m.ics.method, content: m.ics.content, filename: m.ics.filename } } : {}),
    // Quoted-printable, as nodemailer picks for text that is mostly Latin letters (all of ours) after counting
    // them in every part, twice: named here, it need not count.
    textEncoding: 'quoted-printable' as const,
    messageId: messageIdOf(m.key),
    headers: { 'X-Pathway-Key': m.key },
  };
}

/** nodemailer's codes for a server that cannot be reached or dropped the connection (not a message it refused). */
const TRANSPORT_DOWN_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/**
 * The mail server cannot be reached (refused, timed out, dropped the
 * connection) or says it is not taking mail now (421). Not the message's
 * fault: the host keeps it waiting however long that lasts, without using up
 * its attempts, and it goes once when the server is back (issue 12).
 */
export class MailTransportDownError extends Error {
  override readonly name = 'MailTransportDownError';
  constructor(readonly server: string, reason: string, options?: { cause?: unknown }) {
    super(`the mail server ${server} cannot take mail now (${reason}); the message waits and goes when it is back`, options);
  }
}

/** Whether a send failed because the server is down, not because of the message. Pure. */
export function isTransportDown(err: unknown): boolean {
  if (err instanceof MailTransportDownError) return true;
  const e = err as { code?: unknown; responseCode?: unknown } | null;
  return (typeof e?.code === 'string' && TRANSPORT_DOWN_CODES.has(e.code)) || e?.responseCode === 421;
}

function smtpMailer(url: string, from: string): Mailer {
  const transporter = nodemailer().createTransport(url);
  const shown = `SMTP ${url.replace(/\/\/[^@]*@/, '//***@')}`;
  return {
    transport: 'smtp',
    async send(m) {
      const messageId = messageIdOf(m.key);
      try {
        await transporter.sendMail(mailOf(m, from));
      } catch (err) {
        if (isTransportDown(err)) throw new MailTransportDownError(shown, err instanceof Error ? err.message : String(err), { cause: err });
        throw err;
      }
      return { messageId, duplicate: false };
    },
    describe: () => shown,
    close: async () => transporter.close(),
  };
}

function mailboxMailer(dir: string, from: string): Mailer {
  // Made on the first message, so a command that sends none does not load nodemailer.
  let transporter: ReturnType<typeof nodemailerModule.createTransport> | null = null;
  let ready: Promise<unknown> | null = null;
  return {
    transport: 'mailbox',
    idempotent: true,
    async send(m) {
      ready ??= mkdir(dir, { recursive: true }).then(() => removeStaleTempFiles(dir));
      await ready;
      const messageId = messageIdOf(m.key);
      const file = join(dir, mailboxFileOf(m.key));
      // existsSync: a missing file is the common case, and fs/promises' access() builds an Error for it.
      if (existsSync(file)) return { messageId, duplicate: true };
      transporter ??= nodemailer().createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      const info = await transporter.sendMail(mailOf(m, from));
      // Write then rename, so a crash never leaves half a message in the mailbox.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, info.message as Buffer);
      await rename(tmp, file);
      return { messageId, duplicate: false };
    },
    describe: () => `mailbox folder ${dir}`,
    close: async () => transporter?.close(),
  };
}

/**
 * A process killed between writing a message's temporary file and renaming
 * it leaves the temporary file behind (the message itself is sent again,
 * since its .eml is missing). Remove those of processes that are gone; a
 * live process sharing the folder may be writing its own.
 */
async function removeStaleTempFiles(dir: string): Promise<void> {
  for (const f of await readdir(dir)) {
    const pid = /\.(\d+)\.tmp$/.exec(f)?.[1];
    if (pid === undefined || Number(pid) === process.pid || processAlive(Number(pid))) continue;
    await unlink(join(dir, f)).catch(() => undefined);
  }
}

/**
 * A mailer that keeps no copy (`simulate --mail none`): each message is still
 * rendered and recorded in sent_messages (transport "none"), but no file or
 * SMTP connection is made. For large simulations. Pure.
 */
export function noMailer(): Mailer {
  return {
    transport: 'none',
    idempotent: true,
    send: async (m) => ({ messageId: messageIdOf(m.key), duplicate: false }),
    describe: () => 'no mailbox (messages recorded, not kept)',
    close: async () => undefined,
  };
}
