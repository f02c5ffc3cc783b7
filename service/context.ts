/**
 * What every operation of the hub service needs: the engine (the only way to
 * change a school), the database (users, work groups, hub contacts), the clock
 * (the engine's, so a simulated year moves the service too) and a mailer for
 * the hub digest. Shared by the HTTP routes and the CLI commands. Types and
 * small helpers; not pure where noted.
 */
import { userInfo } from 'node:os';
import type { Engine } from '../host/engine.js';
import type { Db } from '../store/db.js';
import type { Mailer } from '../activities/mail/mailer.js';
import type { Role } from '../store/ops/users.js';

export type { Role };

/** Who is asking: an API user, or the operator at the command line. */
export interface Principal {
  /** Recorded as the actor of every event this person causes. */
  id: string;
  name: string;
  role: Role;
  /** Hub ids this person may see (auditor) or work in (hub staff); empty for an admin. */
  hubs: string[];
}

export interface Service {
  engine: Engine;
  db: Db;
  /** The current instant, ISO with offset: the engine's clock. */
  now(): string;
  /** For the weekly hub digest; when absent the digest job cannot run. */
  mailer?: Mailer;
  /** Where the database is (a PGlite folder or a postgres:// URL), as opened: the checkpoints' signing key sits beside a folder. */
  dbTarget?: string;
}

/**
 * The operator at the command line: an admin, recorded as "cli:<login>". The
 * CLI reaches the database directly, so whoever can run it could do anything
 * anyway; the record says who did. Reads the OS user. Not pure.
 */
export function cliOperator(): Principal {
  let login = 'operator';
  try {
    login = userInfo().username || login;
  } catch {
    // No passwd entry (some containers): keep the generic name.
  }
  return { id: `cli:${login}`, name: login, role: 'admin', hubs: [] };
}
