/**
 * `pathway applications`: a school's application from the form to a place in
 * a work group: submit the form, list open applications, assess eligibility,
 * select into a work group (one named, or one chosen to keep partner schools
 * together), waitlist, decline. The same steps as the API's /applications
 * routes, through the same service functions.
 */
import type { Command } from 'commander';
import { withService, print, printTable, listingOptions, list, type OutputOptions } from '../support.js';
import { writeCommand } from './schools.js';

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const applications = program.command('applications').description('Applications: submit a form, list, assess, select into a work group, waitlist, decline');

  applications
    .command('submit')
    .description('Submit an application form (JSON; see examples/forms) for the school it names; exit 2 listing every problem if the form is invalid')
    .argument('<form.json>', 'the form, e.g. examples/forms/primary-readiness-2020.json')
    .option('--programme <id>', "apply for this catalogue programme (the form's route and phase, another year)")
    .option('--json', 'print {urn, version, programmeId, summary, effects, warnings} as JSON')
    .action(async (file: string, o: { programme?: string; json?: boolean }, cmd: Command) => {
      const { readForm } = await import('./validate.js');
      const form = await readForm(file);
      await withService(cmd, async (svc, op) => {
        const { submitApplication } = await import('../../service/applications.js');
        const { renderWrite } = await import('../render.js');
        const { sentence } = await import('../../domain/errors.js');
        const r = await submitApplication(svc, op, form, o.programme ? { programmeId: o.programme } : {});
        print(o.json, r, () => [renderWrite(`Application for ${r.programmeId} recorded`, r), ...r.warnings.map((w) => `  warning: ${sentence(w)}`)].join('\n'));
      });
    });

  const listing = applications
    .command('list')
    .description('Open applications (applied, eligible, waitlisted), or those in one status')
    .option('--hub <hub>', 'hub id or name')
    .option('--programme <id>', 'catalogue programme id')
    .option('--year <year>', 'academic year, e.g. 2020/21')
    .option('--status <status>', 'applied, eligible, waitlisted, declined, ...');
  listingOptions(listing).action(async (o: OutputOptions & { hub?: string; programme?: string; year?: string; status?: string }, cmd: Command) => {
    await withService(
      cmd,
      async (svc, op) => {
        const { listApplications } = await import('../../service/applications.js');
        const { schoolsTable, renderSchools } = await import('../render.js');
        const found = await listApplications(svc, op, { ...(o.hub ? { hub: o.hub } : {}), ...(o.programme ? { programmeId: o.programme } : {}), ...(o.year ? { academicYear: o.year } : {}), ...(o.status ? { status: o.status } : {}) });
        printTable(o, found, schoolsTable(found), (t) => renderSchools(found, t));
      },
      { readOnly: true },
    );
  });

  writeCommand(
    applications,
    'assess',
    'Record the eligibility judgement (ELIGIBILITY_ASSESSED)',
    (c) => c.option('--not-eligible', 'the school is not eligible').option('--criteria <ids>', 'criteria met, comma-separated (default: those the form claimed)').option('--note <text>', 'a note'),
    async ({ urn, o, svc, op, when }) => {
      const { assessEligibility } = await import('../../service/applications.js');
      return assessEligibility(svc, op, urn, { eligible: !o.notEligible, ...(o.criteria ? { criteria: list(o.criteria as string)! } : {}), ...(o.note ? { note: o.note as string } : {}), ...when });
    },
  );
  writeCommand(
    applications,
    'select',
    'Select into a work group (SELECTED)',
    (c) => c.option('--group <id>', 'the work group (default: one with room, keeping partner schools together)'),
    async ({ urn, o, svc, op, when }) => {
      const { selectApplication } = await import('../../service/applications.js');
      const r = await selectApplication(svc, op, urn, { ...(o.group ? { groupId: o.group as string } : {}), ...when });
      const { joinedDatesWords } = await import('../../service/schedule.js');
      const dates = joinedDatesWords(r.dates);
      return { ...r, notes: [`work group ${r.groupId} now has ${r.groupSize} school${r.groupSize === 1 ? '' : 's'}`, ...r.notes, ...(dates ? [dates] : [])] };
    },
  );
  writeCommand(applications, 'waitlist', 'Put on the waiting list (WAITLISTED)', (c) => c.requiredOption('--reason <text>', 'why'), async ({ urn, o, svc, op, when }) => {
    const { waitlistApplication } = await import('../../service/applications.js');
    return waitlistApplication(svc, op, urn, { reason: o.reason as string, ...when });
  });
  writeCommand(
    applications,
    'decline',
    'Decline the application (DECLINED)',
    (c) => c.requiredOption('--reason <text>', 'why').option('--alternative <text>', 'what the hub offers instead'),
    async ({ urn, o, svc, op, when }) => {
      const { declineApplication } = await import('../../service/applications.js');
      return declineApplication(svc, op, urn, { reason: o.reason as string, ...(o.alternative ? { alternative: o.alternative as string } : {}), ...when });
    },
  );
}
