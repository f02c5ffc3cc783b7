/**
 * `pathway people add|list|allocate`: a hub's Mastery Specialists and
 * Mastery Readiness Leads, and the schools allocated to each (with the
 * programme's load per leader: two departments per Secondary Mastery
 * Specialist, up to eight schools per Readiness Lead). The action plan and
 * the Mastery Ready judgement are school writes: `pathway schools
 * action-plan|review-plan|mastery-ready`.
 */
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { withService, print, printTable, listingOptions, type OutputOptions } from '../support.js';
import { writeCommand } from './schools.js';

const ROLES = ['specialist', 'readinessLead'];

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const people = program.command('people').description("A hub's Mastery Specialists and Readiness Leads: add, list, allocate schools to them");

  people
    .command('add')
    .description('Add a Mastery Specialist or a Mastery Readiness Lead to a hub')
    .requiredOption('--hub <hub>', 'hub id or name')
    .requiredOption('--name <name>', 'their name')
    .requiredOption('--email <email>', 'their email')
    .requiredOption('--role <role>', 'specialist (a Mastery Specialist; on the secondary route a Secondary Mastery Specialist) or readinessLead')
    .option('--id <id>', 'their id (default: the name in lower case with dashes)')
    .option('--json', 'print JSON')
    .action(async (o: { hub: string; name: string; email: string; role: string; id?: string; json?: boolean }, cmd: Command) => {
      if (!ROLES.includes(o.role)) throw new UsageError(`--role must be specialist or readinessLead (got ${JSON.stringify(o.role)})`);
      await withService(cmd, async (svc, op) => {
        const { addPerson } = await import('../../service/people.js');
        const x = await addPerson(svc, op, { hub: o.hub, name: o.name, email: o.email, role: o.role, ...(o.id ? { id: o.id } : {}) });
        print(o.json, x, () => `Added ${x.name} (${x.id}), ${x.role === 'readinessLead' ? 'Mastery Readiness Lead' : 'Mastery Specialist'} of ${x.hub}. Allocate a school with: pathway people allocate <urn> --person ${x.id}`);
      });
    });

  const listing = people
    .command('list', { isDefault: true })
    .description('List the people of the hubs you may see, with the schools each leads')
    .option('--hub <hub>', 'only this hub')
    .option('--year <year>', 'only allocations of this academic year, e.g. 2020/21');
  listingOptions(listing).action(async (o: OutputOptions & { hub?: string; year?: string }, cmd: Command) => {
    await withService(
      cmd,
      async (svc, op) => {
        const { listHubPeople } = await import('../../service/people.js');
        const found = await listHubPeople(svc, op, { ...(o.hub ? { hub: o.hub } : {}), ...(o.year ? { academicYear: o.year } : {}) });
        const table = {
          headers: ['id', 'name', 'role', 'hub', 'schools (programme: URNs)'],
          rows: found.map((x) => {
            const by = new Map<string, string[]>();
            for (const a of x.allocations) by.set(a.programmeId, [...(by.get(a.programmeId) ?? []), a.urn]);
            return [x.id, x.name, x.title, x.hub, [...by].map(([p, urns]) => `${p}: ${urns.join(', ')}`).join('; ') || '-'];
          }),
        };
        printTable(o, found, table, (t) => (found.length ? t : 'No people yet: add one with pathway people add.'));
      },
      { readOnly: true },
    );
  });

  writeCommand(
    people,
    'allocate',
    "Allocate a school to a Mastery Specialist or Readiness Lead of its hub for its current programme (LEADER_ALLOCATED); refused past the programme's load per leader",
    (c) => c.requiredOption('--person <id>', 'the person id (see pathway people list)'),
    async ({ urn, o, svc, op, when }) => {
      const { allocateLeader } = await import('../../service/people.js');
      const r = await allocateLeader(svc, op, urn, { personId: o.person as string, ...when });
      return { ...r, notes: [`${r.person.name} now leads ${r.load} school${r.load === 1 ? '' : 's'} of ${r.summary.programmeId}`] };
    },
  );
}
