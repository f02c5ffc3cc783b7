/**
 * `pathway cohort transition --from 2020/21 --to 2021/22 [--group ID]
 * [--hub H] [--dry-run] [--json]`: move a year's schools to their next phase.
 */
import type { Command } from 'commander';
import { withService, print } from '../support.js';
import { renderTransition } from '../render.js';
import { runCohortTransition } from '../../service/cohorts.js';
import { AT_HELP, atOption } from './schools.js';

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const cohort = program.command('cohort').description('Cohorts of schools moving between years');
  cohort
    .command('transition')
    .description('Move every school of a year (or work group, or hub) to its next phase; --dry-run shows what would happen')
    .requiredOption('--from <year>', 'the year finishing, e.g. 2020/21')
    .requiredOption('--to <year>', 'the next year, e.g. 2021/22')
    .option('--group <id>', 'only this work group')
    .option('--hub <hub>', 'only this hub')
    .option('--dry-run', 'change nothing; say per school what would happen')
    .option('--at <when>', `${AT_HELP}; the date ADVANCED carries`)
    .option('--json', 'print JSON')
    .action(async (o: { from: string; to: string; group?: string; hub?: string; dryRun?: boolean; at?: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const r = await runCohortTransition(svc, op, { from: o.from, to: o.to, dryRun: o.dryRun ?? false, ...(o.group ? { groupId: o.group } : {}), ...(o.hub ? { hub: o.hub } : {}), ...(await atOption(o.at, svc.now())) });
        print(o.json, r, () => renderTransition(r));
        if (r.counts.failed > 0) process.exitCode = 1;
      });
    });
}
