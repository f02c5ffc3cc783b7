/**
 * The running service's local admin socket. PGlite lets one process at a time
 * open a data folder, so while `pathway serve` runs on one, `pathway users
 * add|list|revoke` cannot open it (and a lost admin token could not be
 * replaced without stopping the service). The server therefore listens on a
 * Unix socket inside the data folder, readable and writable by its own user
 * only (0600, as the folder's files are), and the users commands send their
 * request there when it answers. Only these three requests are served, as the
 * operator at the command line (an admin). Not pure (sockets, files).
 */
import { createConnection, createServer, type Server } from 'node:net';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Service } from '../service/context.js';
import type { ApiUser } from '../store/ops/users.js';
import type { MadeUser } from '../service/users.js';

export type UsersRequest = { op: 'add'; name: string; role: string; hubs: string[]; days?: number } | { op: 'list'; all: boolean } | { op: 'revoke'; id: string };
export type UsersReply = ({ op: 'add'; made: MadeUser } | { op: 'list'; users: ApiUser[] } | { op: 'revoke'; user: ApiUser }) & { viaServer?: boolean };

/** An error as it crosses the socket: enough for the CLI to print it and pick its exit code. */
interface WireError {
  name: string;
  message: string;
  problems?: unknown[];
  next?: unknown;
}

/** The socket of a PGlite data folder's server, or null for Postgres and memory (several processes share those). Pure. */
export function adminSocketPath(target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return null;
  return join(resolve(target), 'pathway-admin.sock');
}

/** Runs one users request on the service as the operator. Not pure. */
export async function runUsersRequest(svc: Service, request: UsersRequest): Promise<UsersReply> {
  const { addUser, usersList, revoke } = await import('../service/users.js');
  const { cliOperator } = await import('../service/context.js');
  const op = cliOperator();
  switch (request.op) {
    case 'add':
      return { op: 'add', made: await addUser(svc, op, { name: request.name, role: request.role as 'admin', hubs: request.hubs, ...(request.days !== undefined ? { days: request.days } : {}) }) };
    case 'list':
      return { op: 'list', users: await usersList(svc, op, request.all) };
    case 'revoke':
      return { op: 'revoke', user: await revoke(svc, op, request.id) };
  }
}

/**
 * Listens on the data folder's admin socket for users requests, or returns
 * null where there is no folder (Postgres, memory) or the socket cannot be
 * made (a path too long for a socket): the service runs on without it. Not pure.
 */
export async function startAdminSocket(svc: Service, target: string, warn: (m: string) => void = () => undefined): Promise<{ path: string; close(): Promise<void> } | null> {
  const path = adminSocketPath(target);
  if (!path) return null;
  // A socket file left by a service that was killed: this process holds the folder now.
  if (existsSync(path)) rmSync(path, { force: true });
  const server: Server = createServer((conn) => {
    let text = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      text += chunk;
      if (!text.includes('\n')) return;
      void (async () => {
        let reply: unknown;
        try {
          reply = { ok: true, result: await runUsersRequest(svc, JSON.parse(text.slice(0, text.indexOf('\n'))) as UsersRequest) };
        } catch (err) {
          const e = err as Error & { problems?: unknown[]; next?: unknown };
          reply = { ok: false, error: { name: e.name ?? 'Error', message: e.message ?? String(err), ...(e.problems ? { problems: e.problems } : {}), ...(e.next ? { next: e.next } : {}) } satisfies WireError };
        }
        conn.end(`${JSON.stringify(reply)}\n`);
      })();
    });
    conn.on('error', () => undefined);
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(path, () => ok());
    });
    chmodSync(path, 0o600);
  } catch (err) {
    warn(`no admin socket at ${path}: ${(err as Error).message}`);
    return null;
  }
  return {
    path,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        rmSync(path, { force: true });
      }),
  };
}

/** An error the server reported, with its name (so the CLI's exit code follows it) and its next step. */
class ServerError extends Error {
  constructor(e: WireError) {
    super(e.message);
    this.name = e.name;
    if (e.next) (this as { next?: unknown }).next = e.next;
  }
}

/**
 * Sends a users request to the server holding the database folder, if one
 * answers on its admin socket; null when none does (no socket, nobody
 * listening), so the caller opens the database itself. Not pure.
 */
export async function askServer(target: string, request: UsersRequest): Promise<UsersReply | null> {
  const path = adminSocketPath(target);
  if (!path || !existsSync(path)) return null;
  const text = await new Promise<string | null>((ok, fail) => {
    const conn = createConnection(path);
    let got = '';
    conn.setEncoding('utf8');
    conn.setTimeout(30_000, () => conn.destroy(new Error(`the service did not answer on ${path} within 30 s`)));
    conn.on('connect', () => conn.write(`${JSON.stringify(request)}\n`));
    conn.on('data', (chunk: string) => (got += chunk));
    conn.on('end', () => ok(got));
    conn.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? ok(null) : fail(err)));
  });
  if (text === null) return null;
  const reply = JSON.parse(text) as { ok: true; result: UsersReply } | { ok: false; error: WireError };
  if (reply.ok) return { ...reply.result, viaServer: true };
  if (reply.error.name === 'ValidationError' && reply.error.problems) {
    const { ValidationError } = await import('../domain/errors.js');
    throw new ValidationError(reply.error.problems as ConstructorParameters<typeof ValidationError>[0], 'user');
  }
  throw new ServerError(reply.error);
}
