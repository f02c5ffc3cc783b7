/**
 * `pathway users add|list|revoke`: people and their API tokens. The operator
 * at the command line acts as an admin. While `pathway serve` holds a PGlite
 * folder (one process at a time), these commands go through the server's
 * local admin socket (cli/admin-socket.ts), so a lost admin token can be
 * replaced without stopping the service.
 */
import type { Command } from 'commander';
import { print, printTable, listingOptions, checkDatabase, type OutputOptions } from '../support.js';
import { UsageError } from '../exit.js';
import type { UsersRequest, UsersReply } from '../admin-socket.js';

const ROLES = ['admin', 'hub_staff', 'auditor'];

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Runs a users request: through the running server's admin socket when one
 * answers for the database folder, else on the database directly. Not pure.
 */
export async function runUsers(request: UsersRequest, access: { readOnly?: boolean } = {}): Promise<UsersReply> {
  const { askServer, runUsersRequest } = await import('../admin-socket.js');
  const { cliConfig } = await import('../context.js');
  const viaServer = await askServer(cliConfig().db, request);
  if (viaServer) return viaServer;
  checkDatabase(access);
  const { openService } = await import('../../service/open.js');
  const opened = await openService({ db: cliConfig().db });
  try {
    return await runUsersRequest(opened.service, request);
  } finally {
    await opened.close();
  }
}

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const users = program.command('users').description('People who use the pages and the HTTP API, and their tokens (works while the service runs)');

  users
    .command('add')
    .description('Add a person and print their sign-in key / API token (shown once; only its hash is kept)')
    .requiredOption('--name <name>', 'their name')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--hub <hub>', 'a hub id or name: one for hub_staff, one or more for an auditor (repeat the option)', collect, [])
    .option('--days <n>', 'how many days the token works (default 90, at most 3650)')
    .option('--json', 'print JSON')
    .action(async (o: { name: string; role: string; hub: string[]; days?: string; json?: boolean }) => {
      // A number that is not whole (0.1), or not a number, is refused by the service (field days, exit 2).
      const r = await runUsers({ op: 'add', name: o.name, role: o.role, hubs: o.hub, ...(o.days !== undefined ? { days: Number(o.days) } : {}) });
      if (r.op !== 'add') throw new UsageError('unexpected reply');
      const made = r.made;
      const { cliConfig } = await import('../context.js');
      const { londonWhen } = await import('../render.js');
      const base = cliConfig().publicUrl;
      print(o.json, made, () =>
        [
          `Added ${made.user.name} (${made.user.id}), ${made.user.role}${made.user.hubs.length ? ` of ${made.user.hubs.join(', ')}` : ''}${r.viaServer ? ' (through the running service)' : ''}.`,
          `Sign-in key and API token (shown once, keep it safe): ${made.token}`,
          `It works until ${londonWhen(made.user.expiresAt)} (London); then make a new one with pathway users add.`,
          `Use it as: curl -H 'Authorization: Bearer ${made.token}' ${base}/me`,
        ].join('\n'),
      );
    });

  const listing = users.command('list').description('List people with tokens').option('--all', 'include revoked tokens');
  listingOptions(listing).action(async (o: OutputOptions & { all?: boolean }) => {
    const r = await runUsers({ op: 'list', all: o.all ?? false }, { readOnly: true });
    if (r.op !== 'list') throw new UsageError('unexpected reply');
    const { usersTable } = await import('../render.js');
    printTable(o, r.users, usersTable(r.users), (t) => (r.users.length ? t : 'No users.'));
  });

  users
    .command('revoke')
    .description("Revoke a person's token at once")
    .argument('<id>', 'the user id (see pathway users list)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const r = await runUsers({ op: 'revoke', id });
      if (r.op !== 'revoke') throw new UsageError('unexpected reply');
      const { londonWhen } = await import('../render.js');
      print(o.json, r.user, () => `Revoked the token of ${r.user.name} (${r.user.id}) at ${londonWhen(r.user.revokedAt ?? '')} (London)${r.viaServer ? ', in the running service too' : ''}.`);
    });
}
