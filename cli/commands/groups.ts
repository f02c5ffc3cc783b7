/**
 * `pathway groups create|list|show`: work groups of a hub for a catalogue
 * programme. Schools join one with `pathway applications select <urn>
 * --group <id>` (formerly `pathway groups add <group> <urn>`).
 */
import type { Command } from 'commander';
import { withService, print, printTable, listingOptions, type OutputOptions } from '../support.js';

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const groups = program.command('groups').description('Work groups: create, list, show (schools join with pathway applications select)');

  groups
    .command('create')
    .description('Create a work group for a catalogue programme in a hub, with its lead')
    .requiredOption('--programme <id>', 'catalogue programme id, e.g. secondary-development-2020-21 (see pathway programmes)')
    .requiredOption('--hub <hub>', 'hub id or name')
    .requiredOption('--lead-name <name>', "the lead's name (e.g. the Mastery Specialist)")
    .requiredOption('--lead-email <email>', "the lead's email")
    .option('--id <id>', 'the group id (default: <hub>-<phase>-<year>-<n>)')
    .option('--name <name>', 'a name for people')
    .option('--json', 'print JSON')
    .action(async (o: { programme: string; hub: string; leadName: string; leadEmail: string; id?: string; name?: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const { createGroup } = await import('../../service/groups.js');
        const g = await createGroup(svc, op, { programmeId: o.programme, hub: o.hub, lead: { name: o.leadName, email: o.leadEmail }, ...(o.id ? { id: o.id } : {}), ...(o.name ? { name: o.name } : {}) });
        print(o.json, g, () => `Created work group ${g.id}: ${g.name}, ${g.maxSchools === null ? 'no size limit' : `up to ${g.maxSchools} schools`}. Select schools into it with: pathway applications select <urn> --group ${g.id}`);
      });
    });

  const listing = groups
    .command('list')
    .description('List work groups')
    .option('--hub <hub>', 'only this hub')
    .option('--programme <id>', 'only this programme')
    .option('--year <year>', 'only this academic year, e.g. 2020/21');
  listingOptions(listing).action(async (o: OutputOptions & { hub?: string; programme?: string; year?: string }, cmd: Command) => {
    await withService(
      cmd,
      async (svc, op) => {
        const { listWorkGroups } = await import('../../service/groups.js');
        const { groupsTable } = await import('../render.js');
        const found = await listWorkGroups(svc, op, { ...(o.hub ? { hub: o.hub } : {}), ...(o.programme ? { programmeId: o.programme } : {}), ...(o.year ? { academicYear: o.year } : {}) });
        printTable(o, found, groupsTable(found), (t) => (found.length ? t : 'No work groups.'));
      },
      { readOnly: true },
    );
  });

  groups
    .command('show')
    .description('One work group: its schools and sessions')
    .argument('<group>', 'the work group id')
    .option('--json', 'print JSON')
    .action(async (groupId: string, o: { json?: boolean }, cmd: Command) => {
      await withService(
        cmd,
        async (svc, op) => {
          const { groupDetail } = await import('../../service/groups.js');
          const { renderGroup } = await import('../render.js');
          const d = await groupDetail(svc, op, groupId);
          print(o.json, d, () => renderGroup(d));
        },
        { readOnly: true },
      );
    });
}
