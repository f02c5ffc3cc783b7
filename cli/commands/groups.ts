/**
 * `pathway groups create|add|list|show`: work groups of a hub for a
 * catalogue programme, filled with selected schools within the size limit.
 */
import type { Command } from 'commander';
import { withService, print } from '../../cli/support.js';
import { renderGroup, renderGroups, renderWrite } from '../../cli/render.js';
import { addSchoolToGroup, createGroup, groupDetail, listWorkGroups } from '../../service/groups.js';

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const groups = program.command('groups').description('Work groups: create, add schools, list, show');

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
        const g = await createGroup(svc, op, { programmeId: o.programme, hub: o.hub, lead: { name: o.leadName, email: o.leadEmail }, ...(o.id ? { id: o.id } : {}), ...(o.name ? { name: o.name } : {}) });
        print(o.json, g, () => `Created work group ${g.id}: ${g.name}, ${g.maxSchools === null ? 'no size limit' : `up to ${g.maxSchools} schools`}.`);
      });
    });

  groups
    .command('add')
    .description('Add an eligible or waitlisted school to a work group (SELECTED)')
    .argument('<group>', 'the work group id')
    .argument('<urn>', 'the school URN')
    .option('--json', 'print JSON')
    .action(async (groupId: string, urn: string, o: { json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const r = await addSchoolToGroup(svc, op, groupId, { urn });
        print(o.json, r, () => [renderWrite(`Added to ${r.groupId} (${r.groupSize} school(s))`, r), ...r.notes.map((n) => `  note: ${n}`)].join('\n'));
      });
    });

  groups
    .command('list')
    .description('List work groups')
    .option('--hub <hub>', 'only this hub')
    .option('--programme <id>', 'only this programme')
    .option('--year <year>', 'only this academic year, e.g. 2020/21')
    .option('--json', 'print JSON')
    .action(async (o: { hub?: string; programme?: string; year?: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const list = await listWorkGroups(svc, op, { ...(o.hub ? { hub: o.hub } : {}), ...(o.programme ? { programmeId: o.programme } : {}), ...(o.year ? { academicYear: o.year } : {}) });
        print(o.json, list, () => renderGroups(list));
      });
    });

  groups
    .command('show')
    .description('One work group: its schools and sessions')
    .argument('<group>', 'the work group id')
    .option('--json', 'print JSON')
    .action(async (groupId: string, o: { json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const d = await groupDetail(svc, op, groupId);
        print(o.json, d, () => renderGroup(d));
      });
    });
}
