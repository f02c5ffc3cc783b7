/**
 * Opens the hub service: the store (migrated), the engine over it, and the
 * service context the API and the CLI share. Embedded by default; the
 * Temporal engine when PATHWAY_ENGINE=temporal (host/open-engine.ts). Not pure.
 */
import type { Logger } from 'pino';
import { openStore, type Store } from '../store/index.js';
import { EmbeddedEngine } from '../host/embedded.js';
import { openEngine } from '../host/open-engine.js';
import type { Engine } from '../host/engine.js';
import { systemClock, type Clock } from '../host/clock.js';
import { createMailer, defaultMailboxDir, type Mailer } from '../activities/mail/mailer.js';
import { defaultTarget } from '../store/db.js';
import type { Service } from './context.js';

export interface OpenServiceOptions {
  /** A PGlite folder, "memory://" or a postgres:// URL; default DATABASE_URL, else ./.pglite. */
  db?: string;
  /**
   * A store opened (and migrated) already, used instead of opening `db`, e.g. a
   * test's PGlite loaded from a pre-migrated copy; closed with the service.
   */
  store?: Store;
  /** The service runs until stopped (pathway serve), not for one command: see OpenDbOptions.longRunning. */
  longRunning?: boolean;
  clock?: Clock;
  mailer?: Mailer;
  /** Mailbox folder when SMTP_URL is not set (default: MAILBOX_DIR, else "mailbox" beside the database folder). */
  mailbox?: string;
  logger?: Logger;
}

export interface OpenedService {
  service: Service;
  engine: Engine;
  /** The embedded engine (its scheduler, tick and outbox), or null on Temporal. */
  embedded: EmbeddedEngine | null;
  store: Store;
  close(): Promise<void>;
}

/**
 * The service over the engine PATHWAY_ENGINE names (embedded by default).
 * The embedded engine resolves each hub lead through the hub_contacts table
 * (store/ops/hub-contacts.ts), so escalations reach the address an admin set. Not pure.
 */
export async function openService(options: OpenServiceOptions = {}): Promise<OpenedService> {
  const store = options.store ?? (await openStore(options.db, { longRunning: options.longRunning ?? false }));
  try {
    const clock = options.clock ?? systemClock;
    const mailbox = options.mailbox ?? defaultMailboxDir(options.db ?? defaultTarget());
    const engine = await openEngine({
      store,
      clock,
      ...(options.mailer ? { mailer: options.mailer } : {}),
      mailbox,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const embedded = engine instanceof EmbeddedEngine ? engine : null;
    const mailer = embedded?.mailer ?? options.mailer ?? createMailer({ mailboxDir: mailbox });
    const service: Service = { engine, db: store.db, now: () => clock.now(), mailer, dbTarget: options.db ?? defaultTarget() };
    return {
      service,
      engine,
      embedded,
      store,
      close: async () => {
        await engine.close();
        if (!embedded && !options.mailer) await mailer.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}
