/**
 * `pathway hubs [--json|--csv]`: the 35 Maths Hubs of 2018/19 (seed 000) and
 * their lead schools, by region; `pathway hubs contact <hub>` sets a hub's
 * lead contact (escalations and the weekly digest go there) and `pathway hubs
 * contacts` lists them (formerly `pathway users contact|contacts`).
 */
import type { Command } from 'commander';
import { withService, print, printTable, listingOptions, type OutputOptions } from '../support.js';
import { renderTable } from '../table.js';

/** The hubs as text, one table per region. Pure. */
export async function renderHubs(): Promise<string> {
  const { hubs, hubsByRegion, SCALE } = await import('../../domain/catalogue/hubs.js');
  const out: string[] = [];
  for (const { region, hubs: list } of hubsByRegion()) {
    out.push(`${region} (${list.length})`, renderTable(['id', 'name', 'lead school'], list.map((h) => [h.id, h.name, h.leadSchool])), '');
  }
  const regions = hubsByRegion().length;
  const since = SCALE.mathsHubs.find((s) => 'since' in s);
  out.push(`${hubs.length} Maths Hubs in ${regions} regions (2018/19, source 000)${since ? `; ${since.count} since ${'since' in since ? since.since : ''} (${since.source})` : ''}.`);
  return out.join('\n');
}

export function register(program: Command): void {
  const hubsCommand = program.command('hubs').description('List the Maths Hubs and their lead schools, by region; set and list hub lead contacts');
  // The listing is the default subcommand, so `pathway hubs` lists and `hubs contacts --json` keeps its own --json.
  listingOptions(hubsCommand.command('list', { isDefault: true }).description('The Maths Hubs and their lead schools, by region (the default)')).action(async (o: OutputOptions) => {
    const { hubs } = await import('../../domain/catalogue/hubs.js');
    if (o.json || o.csv) printTable(o, hubs, { headers: ['id', 'name', 'region', 'lead school'], rows: hubs.map((h) => [h.id, h.name, h.region, h.leadSchool]) });
    else process.stdout.write(`${await renderHubs()}\n`);
  });

  hubsCommand
    .command('contact')
    .description("Set a hub's lead contact (escalations and the weekly digest go there)")
    .argument('<hub>', 'hub id or name')
    .requiredOption('--name <name>', "the hub lead's name")
    .requiredOption('--email <email>', "the hub lead's email")
    .option('--json', 'print JSON')
    .action(async (hub: string, o: { name: string; email: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const { setHubLead } = await import('../../service/users.js');
        const c = await setHubLead(svc, op, hub, { name: o.name, email: o.email });
        print(o.json, c, () => `Hub ${c.hub}: escalations and the weekly digest go to ${c.name} <${c.email}>.`);
      });
    });

  listingOptions(hubsCommand.command('contacts').description('List hub lead contacts, and the default address used where none is set')).action(async (o: OutputOptions, cmd: Command) => {
    await withService(
      cmd,
      async (svc, op) => {
        const { hubContacts } = await import('../../service/users.js');
        const { contactsTable } = await import('../render.js');
        const c = await hubContacts(svc, op);
        printTable(o, c, contactsTable(c.configured), (t) => `${c.configured.length ? t : 'No hub contacts set.'}\nHubs without a contact use HUB_LEAD_EMAIL if set, else e.g. ${c.defaultExample.email}.`);
      },
      { readOnly: true },
    );
  });
}
