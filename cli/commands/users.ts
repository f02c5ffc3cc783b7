/**
 * `pathway users add|list|revoke` (people and their API tokens) and
 * `pathway users contact|contacts` (hub lead addresses for escalations and
 * the weekly digest). The operator at the command line acts as an admin.
 */
import type { Command } from 'commander';
import { withService, print } from '../../cli/support.js';
import { renderContacts, renderUsers } from '../../cli/render.js';
import { addUser, hubContacts, revoke, setHubLead, usersList, ROLES } from '../../service/users.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const users = program.command('users').description('People who use the HTTP API, their tokens, and hub lead contacts');

  users
    .command('add')
    .description('Add a person and print their API token (shown once; only its hash is kept)')
    .requiredOption('--name <name>', 'their name')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--hub <hub>', 'a hub id or name: one for hub_staff, one or more for an auditor (repeat the option)', collect, [])
    .option('--json', 'print JSON')
    .action(async (o: { name: string; role: string; hub: string[]; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const made = await addUser(svc, op, { name: o.name, role: o.role as (typeof ROLES)[number], hubs: o.hub });
        print(o.json, made, () =>
          [
            `Added ${made.user.name} (${made.user.id}), ${made.user.role}${made.user.hubs.length ? ` of ${made.user.hubs.join(', ')}` : ''}.`,
            `API token (shown once, keep it safe): ${made.token}`,
            `Use it as: curl -H 'Authorization: Bearer ${made.token}' http://127.0.0.1:3000/me`,
          ].join('\n'),
        );
      });
    });

  users
    .command('list')
    .description('List people with API tokens')
    .option('--all', 'include revoked tokens')
    .option('--json', 'print JSON')
    .action(async (o: { all?: boolean; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const list = await usersList(svc, op, o.all ?? false);
        print(o.json, list, () => renderUsers(list));
      });
    });

  users
    .command('revoke')
    .description("Revoke a person's token at once")
    .argument('<id>', 'the user id (see pathway users list)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const u = await revoke(svc, op, id);
        print(o.json, u, () => `Revoked the token of ${u.name} (${u.id}) at ${u.revokedAt}.`);
      });
    });

  users
    .command('contact')
    .description("Set a hub's lead contact (escalations and the weekly digest go there)")
    .argument('<hub>', 'hub id or name')
    .requiredOption('--name <name>', "the hub lead's name")
    .requiredOption('--email <email>', "the hub lead's email")
    .option('--json', 'print JSON')
    .action(async (hub: string, o: { name: string; email: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const c = await setHubLead(svc, op, hub, { name: o.name, email: o.email });
        print(o.json, c, () => `Hub ${c.hub}: escalations and the weekly digest go to ${c.name} <${c.email}>.`);
      });
    });

  users
    .command('contacts')
    .description('List hub lead contacts, and the default address used where none is set')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const c = await hubContacts(svc, op);
        print(o.json, c, () => `${renderContacts(c.configured)}\nHubs without a contact use HUB_LEAD_EMAIL if set, else e.g. ${c.defaultExample.email}.`);
      });
    });
}
