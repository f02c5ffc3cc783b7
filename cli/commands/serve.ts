/**
 * `pathway serve [--port 3000] [--host 127.0.0.1]` (what `npm start` runs):
 * the HTTP API with its OpenAPI page at /docs, the embedded scheduler on the
 * system clock (reminders, escalations) and the weekly hub digest. On the
 * first start (nobody has a token yet) it makes an admin token and writes it
 * once to a 0600 file whose path it prints; on an empty database it also seeds the demo hub (service/demo.ts) when
 * it is the default PGlite folder or --demo asks (never into a database named
 * by --db or DATABASE_URL unless asked). While it runs on a PGlite folder, the
 * users commands reach it through its local admin socket (cli/admin-socket.ts).
 */
import type { Command } from 'commander';
import pino from 'pino';
import { UsageError } from '../exit.js';
import { settings } from '../../config/load.js';
import { startAdminSocket } from '../admin-socket.js';
import { openService } from '../../service/open.js';
import type { Service } from '../../service/context.js';
import { buildApi } from '../../api/server.js';
import { notFoundPage, registerWeb, type WebOptions } from '../../web/plugin.js';
import { cliOperator } from '../../service/context.js';
import { addUser, firstTokenPath, hasUsers, saveFirstAdminToken } from '../../service/users.js';
import { startDigestJob } from '../../service/digest.js';
import { seedDemo, wantsDemo, DEMO_HUB } from '../../service/demo.js';
import { longDate } from '../../domain/words/dates.js';
import type { Clock } from '../../host/clock.js';
import type { EmbeddedEngine } from '../../host/embedded.js';

export interface ServerOptions {
  db?: string;
  port: number;
  host: string;
  /** Seed the demo hub into an empty database: true (--demo), false (--no-demo), or undefined: only on the default PGlite folder. */
  demo?: boolean | undefined;
  /** True when neither --db nor DATABASE_URL named the database (default: true when `db` is not given). */
  dbIsDefault?: boolean;
  /** Log every request. */
  log?: boolean;
  /** Default: the system clock. */
  clock?: Clock;
  /** Mailbox folder when SMTP_URL is not set. */
  mailbox?: string;
  /** Options of the hub web pages (tests shorten the session). */
  web?: WebOptions;
  /** Where the startup lines go (default stdout). */
  say?: (line: string) => void;
}

export interface RunningServer {
  address: string;
  /** The admin token made at this first start, or null when people existed already. */
  firstToken: string | null;
  /** The running service (for tests that need its clock, keys or database). */
  service: Service;
  /** The embedded engine (its tick fires due timers on a simulated clock), or null on Temporal. */
  embedded: EmbeddedEngine | null;
  close(): Promise<void>;
}

/**
 * Opens the service, makes the first admin token or says how to get one,
 * seeds the demo into an empty database, fires timers that fell due while
 * stopped, then listens and starts the scheduler and the weekly digest. Not pure.
 */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const config = settings();
  const logger = pino({ level: config.logLevel });
  const say = o.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const opened = await openService({ longRunning: true, ...(o.db ? { db: o.db } : {}), ...(o.clock ? { clock: o.clock } : {}), ...(o.mailbox ? { mailbox: o.mailbox } : {}), logger });
  const svc = opened.service;
  try {
    const fresh = !(await hasUsers(svc));
    const empty = fresh && (await svc.engine.schools({ limit: 1 })).length === 0;
    const firstToken = fresh ? (await addUser(svc, { ...cliOperator(), id: 'first-start' }, { name: 'First-start admin', role: 'admin' })).token : null;
    const target = o.db ?? config.db;
    if (empty && opened.embedded && wantsDemo({ demo: o.demo, dbIsDefault: o.dbIsDefault ?? o.db === undefined, target })) {
      say(`Empty database (${opened.store.describe()}): seeding the demo hub, ${DEMO_HUB.label} Maths Hub...`);
      const t0 = Date.now();
      // A line at each quarter reached: seeding takes tens of seconds, and a first start should not look stuck.
      let quarter = 0;
      const demo = await seedDemo(svc, opened.embedded, svc.now(), (p) => {
        const q = Math.floor(p.fraction * 4);
        if (q > quarter && q < 4) say(`  ${(quarter = q) * 25}% seeded: the hub's history to ${longDate(p.at)}`);
      });
      say(`Seeded ${demo.schools.length} schools and ${demo.groups.length} work groups for ${demo.year} (${demo.events} events) in ${((Date.now() - t0) / 1000).toFixed(1)} s:`);
      for (const s of demo.schools) say(`  ${s.urn}  ${s.name}: ${s.story}`);
    }
    const app = await buildApi(svc, {
      // Faults are always logged (with the request id the reply carries); --log adds every request.
      logger,
      logRequests: o.log === true,
      extend: (a) => registerWeb(a, svc, { publicUrl: config.publicUrl, ...o.web }),
      notFoundPage,
    });
    let address: string;
    try {
      address = await app.listen({ port: o.port, host: o.host });
    } catch (err) {
      await app.close().catch(() => undefined);
      // Usually a second `npm start`: say what to do rather than "listen EADDRINUSE".
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${o.port} on ${o.host} is already in use (is the service already running?): stop that, or choose another port, e.g. npm start -- --port ${o.port + 1}`);
      throw err;
    }
    // Timers that fell due while the service was stopped fire now, before the first digest looks.
    await opened.embedded?.tick(svc.now());
    opened.embedded?.startScheduler();
    const digest = startDigestJob(svc, { warn: (m) => logger.warn(m), info: (m) => logger.info(m) });
    // A lost admin token is replaced with `pathway users add` while this runs: PGlite lets only this process open the folder.
    const adminSocket = opened.embedded ? await startAdminSocket(svc, target, (m) => logger.warn(m)) : null;
    // This week's digest, if due and not sent yet, goes before the service says it is up.
    await digest.check();
    // Signed checkpoints of the log at an interval (issue 12; service/verify.ts).
    const checkpoints = await (await import('../../service/verify.js')).startConfiguredCheckpoints(svc.db, target, (m) => logger.warn(m), say);
    const pages = address.replace('://127.0.0.1:', '://localhost:');
    say(`Mastery Pathway hub service on ${address} (${opened.engine.kind} engine, ${opened.store.describe()})`);
    say(`  Open ${pages} in your browser and sign in with the admin key below.`);
    say(`  API documentation: ${address}/docs`);
    if (firstToken) {
      // Never the token itself on stdout (it would end in docker logs): a 0600 file, once.
      const file = await saveFirstAdminToken(firstToken, firstTokenPath(target));
      say(`  Admin sign-in key: written once to ${file} (readable by you only; only its hash is kept). Read it, keep it safe, delete the file.`);
      say(`  API: curl -H "Authorization: Bearer $(cat ${file})" ${address}/schools`);
    } else {
      say('  Admin sign-in key: written once, at the first start. Lost it? Make another with: npx pathway users add --name "Your Name" --role admin (works while the service runs)');
    }
    say(`  mail: ${svc.mailer?.describe() ?? 'none'}; reminders fire on the ${o.clock ? 'given' : 'system'} clock; Ctrl-C stops.`);
    return {
      address,
      firstToken,
      service: svc,
      embedded: opened.embedded,
      close: async () => {
        await digest.stop();
        await checkpoints?.stop();
        await adminSocket?.close();
        await app.close();
        await opened.close();
      },
    };
  } catch (err) {
    await opened.close().catch(() => undefined);
    throw err;
  }
}

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the hub service: the HTTP API (/docs), the reminder scheduler and the weekly digest')
    .option('--port <port>', 'TCP port (default: PORT, else 3000)')
    .option('--host <host>', 'address to listen on (default: HOST, else 127.0.0.1)')
    .option('--demo', 'seed the demo hub into an empty database (the default only for the default ./.pglite folder)')
    .option('--no-demo', 'never seed the demo hub')
    .option('--log', 'log every request (JSON lines)')
    .action(async (o: { log?: boolean }) => {
      // --port, --host, --demo and --db were checked with the environment at start (config/).
      const c = settings();
      const server = await startServer({ db: c.db, dbIsDefault: c.dbIsDefault, port: c.port, host: c.host, demo: c.demo, ...(o.log ? { log: true } : {}) });
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`${signal}: stopping...\n`);
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
