/**
 * `pathway schools [--phase X --year Y --hub H --overdue ...] [--json]`: the
 * schools, with filters. Its subcommands do what the API's application and
 * school routes do: apply with a form, assess, select, waitlist, decline,
 * commit, record gap tasks, release days and the evaluation, withdraw, defer,
 * resume, replace a teacher; show one school and its history.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { withService, print, list, wholeNumber } from '../../cli/support.js';
import { renderHistory, renderSchool, renderSchools, renderWrite } from '../../cli/render.js';
import { assessEligibility, declineApplication, selectApplication, submitApplication, waitlistApplication } from '../../service/applications.js';
import {
  deferSchool,
  listSchools,
  recordGapTask,
  recordReleaseDays,
  replaceTeacher,
  resumeSchool,
  schoolHistory,
  schoolState,
  signCommitment,
  submitEvaluation,
  withdrawSchool,
} from '../../service/schools.js';
import { sentence } from '../../domain/errors.js';
import { Signatory } from '../../domain/catalogue/schema.js';
import type { SendResult } from '../../host/engine.js';
import type { Principal, Service } from '../../service/context.js';

interface ListOptions {
  hub?: string;
  phase?: string;
  programme?: string;
  year?: string;
  group?: string;
  status?: string;
  overdue?: boolean;
  limit?: string;
  json?: boolean;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

/** A subcommand `pathway schools <name> <urn> ...` that sends one event and prints the school's new state. */
function write(
  parent: Command,
  name: string,
  description: string,
  build: (c: Command) => Command,
  run: (args: { urn: string; o: Record<string, unknown>; svc: Service; op: Principal }) => Promise<SendResult>,
): void {
  build(parent.command(name).description(description).argument('<urn>', 'the school URN').option('--json', 'print JSON')).action(async (urn: string, o: Record<string, unknown>, cmd: Command) => {
    await withService(cmd, async (svc, op) => {
      const r = await run({ urn, o, svc, op });
      print(o.json as boolean | undefined, r, () => renderWrite(description.replace(/ \(.*$/, ''), r));
    });
  });
}

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const schools = program
    .command('schools')
    .description('List schools (with filters), and record what happens to one school')
    .option('--hub <hub>', 'hub id or name')
    .option('--phase <phase>', 'trg, readiness, development, embedding or sustaining')
    .option('--programme <id>', 'catalogue programme id')
    .option('--year <year>', 'academic year, e.g. 2020/21')
    .option('--group <id>', 'work group id')
    .option('--status <status>', 'e.g. applied, eligible, active, overdue, completed, withdrawn')
    .option('--overdue', 'only schools with something overdue')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print JSON')
    .action(async (o: ListOptions, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const limit = wholeNumber('--limit', o.limit, 1);
        const found = await listSchools(svc, op, {
          ...(o.hub ? { hub: o.hub } : {}),
          ...(o.phase ? { phase: o.phase } : {}),
          ...(o.programme ? { programmeId: o.programme } : {}),
          ...(o.year ? { academicYear: o.year } : {}),
          ...(o.group ? { groupId: o.group } : {}),
          ...(o.status ? { status: o.status } : {}),
          ...(o.overdue ? { overdue: true } : {}),
          ...(limit !== undefined ? { limit } : {}),
        });
        print(o.json, found, () => renderSchools(found));
      });
    });

  schools
    .command('show')
    .description("One school's state and what is coming up")
    .argument('<urn>', 'the school URN')
    .option('--json', 'print JSON')
    .action(async (urn: string, o: { json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const s = await schoolState(svc, op, urn);
        print(o.json, { urn: s.urn, version: s.version, summary: s.summary }, () => renderSchool(s.summary, s.version));
      });
    });

  schools
    .command('history')
    .description("A school's events and its state on a date (for auditors)")
    .argument('<urn>', 'the school URN')
    .option('--at <date>', 'YYYY-MM-DD (end of that day) or an ISO instant')
    .option('--json', 'print JSON')
    .action(async (urn: string, o: { at?: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const h = await schoolHistory(svc, op, urn, o.at);
        print(o.json, h, () => renderHistory(h, o.at));
      });
    });

  schools
    .command('apply')
    .description('Submit an application form (JSON; see examples/forms) for the school it names')
    .argument('<form.json>', 'the form')
    .option('--programme <id>', "apply for this catalogue programme (the form's route and phase, another year)")
    .option('--json', 'print JSON')
    .action(async (file: string, o: { programme?: string; json?: boolean }, cmd: Command) => {
      const form = await readJson(file);
      await withService(cmd, async (svc, op) => {
        const r = await submitApplication(svc, op, form, o.programme ? { programmeId: o.programme } : {});
        print(o.json, r, () => [renderWrite(`Applied for ${r.programmeId}`, r), ...r.warnings.map((w) => `  ${sentence(w)}`)].join('\n'));
      });
    });

  write(
    schools,
    'assess',
    'Record the eligibility judgement (ELIGIBILITY_ASSESSED)',
    (c) => c.option('--not-eligible', 'the school is not eligible').option('--criteria <ids>', 'criteria met, comma-separated (default: those the form claimed)').option('--note <text>', 'a note'),
    ({ urn, o, svc, op }) =>
      assessEligibility(svc, op, urn, { eligible: !o.notEligible, ...(o.criteria ? { criteria: list(o.criteria as string)! } : {}), ...(o.note ? { note: o.note as string } : {}) }),
  );
  write(schools, 'select', 'Select into a work group (SELECTED)', (c) => c.option('--group <id>', 'the work group (default: chosen to keep group applications together)'), ({ urn, o, svc, op }) =>
    selectApplication(svc, op, urn, o.group ? { groupId: o.group as string } : {}),
  );
  write(schools, 'waitlist', 'Put on the waiting list (WAITLISTED)', (c) => c.requiredOption('--reason <text>', 'why'), ({ urn, o, svc, op }) =>
    waitlistApplication(svc, op, urn, { reason: o.reason as string }),
  );
  write(schools, 'decline', 'Decline the application (DECLINED)', (c) => c.requiredOption('--reason <text>', 'why').option('--alternative <text>', 'what the hub offers instead'), ({ urn, o, svc, op }) =>
    declineApplication(svc, op, urn, { reason: o.reason as string, ...(o.alternative ? { alternative: o.alternative as string } : {}) }),
  );
  write(schools, 'commit', 'Record the signed commitment (COMMITMENT_SIGNED)', (c) => c.requiredOption('--signatories <list>', `who signed, comma-separated: ${Signatory.options.join(', ')}`), ({ urn, o, svc, op }) =>
    signCommitment(svc, op, urn, { signatories: list(o.signatories as string)!.map((s) => Signatory.parse(s)) }),
  );
  write(schools, 'gap-task', 'Record a completed gap task (GAP_TASK_COMPLETED)', (c) => c.requiredOption('--task <text>', 'the task'), ({ urn, o, svc, op }) =>
    recordGapTask(svc, op, urn, { task: o.task as string }),
  );
  write(schools, 'release-days', 'Record teacher release days (RELEASE_DAYS_RECORDED)', (c) => c.requiredOption('--days <n>', 'days released'), ({ urn, o, svc, op }) => {
    const days = Number(o.days);
    if (!(days > 0)) throw new UsageError(`--days must be a number above 0 (got ${JSON.stringify(o.days)})`);
    return recordReleaseDays(svc, op, urn, { days });
  });
  write(schools, 'evaluation', 'Record the submitted evaluation (EVALUATION_SUBMITTED)', (c) => c.option('--summary <text>', 'a summary'), ({ urn, o, svc, op }) =>
    submitEvaluation(svc, op, urn, o.summary ? { summary: o.summary as string } : {}),
  );
  write(schools, 'withdraw', 'Withdraw from the phase (WITHDRAWN)', (c) => c.requiredOption('--reason <text>', 'why'), ({ urn, o, svc, op }) =>
    withdrawSchool(svc, op, urn, { reason: o.reason as string }),
  );
  write(schools, 'defer', 'Defer to a later year (DEFERRED)', (c) => c.requiredOption('--reason <text>', 'why').requiredOption('--until <year>', 'the academic year to resume, e.g. 2022/23'), ({ urn, o, svc, op }) =>
    deferSchool(svc, op, urn, { reason: o.reason as string, untilYear: o.until as string }),
  );
  write(schools, 'resume', 'Resume a deferred school (RESUMED)', (c) => c.option('--year <year>', 'the academic year (default: the one deferred until)'), ({ urn, o, svc, op }) =>
    resumeSchool(svc, op, urn, o.year ? { academicYear: o.year as string } : {}),
  );
  write(
    schools,
    'replace-teacher',
    'Replace lead teacher 1 or 2 (TEACHER_REPLACED)',
    (c) => c.requiredOption('--slot <n>', '1 or 2').requiredOption('--name <name>', 'the new teacher').requiredOption('--email <email>', 'their email').requiredOption('--role <role>', 'their role'),
    ({ urn, o, svc, op }) => {
      if (o.slot !== '1' && o.slot !== '2') throw new UsageError(`--slot must be 1 or 2 (got ${JSON.stringify(o.slot)})`);
      return replaceTeacher(svc, op, urn, Number(o.slot) as 1 | 2, { teacher: { name: o.name as string, email: o.email as string, role: o.role as string } });
    },
  );
}
