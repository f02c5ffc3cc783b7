/**
 * `pathway schools`: the schools (with filters) and what happens to one school
 * once it has a place: show, history, attend, event, commit, gap-task,
 * release-days, evaluation, withdraw, defer, resume, action-plan,
 * review-plan, mastery-ready, replace-teacher.
 * Applications (submit, assess, select, waitlist, decline) are under
 * `pathway applications`. The service and the engine are imported when a
 * command runs.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { withService, print, printTable, listingOptions, list, wholeNumber, refuseChoice, type OutputOptions } from '../support.js';
import { PHASE_CHOICES, STATUS_CHOICES, phaseFromInput, statusFromInput } from '../../domain/words/school-state.js';
import type { SendResult } from '../../host/engine.js';
import type { Principal, Service } from '../../service/context.js';

interface ListOptions extends OutputOptions {
  hub?: string;
  phase?: string;
  programme?: string;
  year?: string;
  group?: string;
  status?: string;
  overdue?: boolean;
  limit?: string;
}

/** The signatories a commitment names. */
const SIGNATORIES = ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'];

export async function readJson(file: string): Promise<unknown> {
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

/** "Record the signed commitment (COMMITMENT_SIGNED)" -> "COMMITMENT_SIGNED recorded": what a write did, for its result line. Pure. */
export function doneWords(description: string): string {
  const event = /\(([A-Z_]+)\)$/.exec(description)?.[1];
  return event ? `${event} recorded` : description;
}

/** The help of every write command's --at. */
export const AT_HELP = 'when it happened: ISO date-time with offset, London date-time or date (noon London); default now';

/**
 * --at as `schools event` reads it (cli/commands/event.ts eventInstant: a bare
 * date is noon London, 1990-2100, never after `now`), as the `at` a service
 * write takes; {} when not given, so the service takes its clock. UsageError
 * (exit 2) naming --at. Pure, but for loading the parser.
 */
export async function atOption(value: string | undefined, now: string): Promise<{ at?: string }> {
  if (value === undefined) return {};
  const { eventInstant } = await import('./event.js');
  return { at: eventInstant(value, now) };
}

/**
 * A subcommand `<parent> <name> <urn> ...` that sends one event through the
 * service and prints the school's new state and what it caused.
 */
export function writeCommand(
  parent: Command,
  name: string,
  description: string,
  build: (c: Command) => Command,
  run: (args: { urn: string; o: Record<string, unknown>; svc: Service; op: Principal; when: { at?: string } }) => Promise<SendResult & { notes?: string[] }>,
): void {
  build(parent.command(name).description(description).argument('<urn>', 'the school URN').option('--at <when>', AT_HELP).option('--json', 'print JSON')).action(async (urn: string, o: Record<string, unknown>, cmd: Command) => {
    await withService(cmd, async (svc, op) => {
      const r = await run({ urn, o, svc, op, when: await atOption(o.at as string | undefined, svc.now()) });
      const { renderWrite } = await import('../render.js');
      print(o.json as boolean | undefined, r, () => [renderWrite(doneWords(description), r), ...(r.notes ?? []).map((n) => `  note: ${n}`)].join('\n'));
    });
  });
}

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const schools = program.command('schools').description('List schools (with filters), and record what happens to one school');
  // The listing is the default subcommand, so `pathway schools --overdue` lists, and each
  // subcommand keeps its own --json (options on the parent would take it from them).
  const listing = schools
    .command('list', { isDefault: true })
    .description('List schools, with filters (the default: pathway schools --overdue)')
    .option('--hub <hub>', 'hub id or name')
    .option('--phase <phase>', 'trg, readiness, development, embedding or sustaining (or as the pages say it: "TRG pilot")')
    .option('--programme <id>', 'catalogue programme id')
    .option('--year <year>', 'academic year, e.g. 2020/21')
    .option('--group <id>', 'work group id')
    .option('--status <status>', `${STATUS_CHOICES.map((c) => c.name).join(', ')}; or as the pages say it, e.g. "taking part"`)
    .option('--overdue', 'only schools with something overdue')
    .option('--limit <n>', 'at most this many');
  listingOptions(listing).action(async (o: ListOptions, cmd: Command) => {
    const limit = wholeNumber('--limit', o.limit, 1);
    const phase = o.phase === undefined ? undefined : (phaseFromInput(o.phase) ?? refuseChoice('--phase', o.phase, PHASE_CHOICES));
    const status = o.status === undefined ? undefined : (statusFromInput(o.status) ?? refuseChoice('--status', o.status, STATUS_CHOICES));
    await withService(
      cmd,
      async (svc, op) => {
        const { listSchools } = await import('../../service/schools.js');
        const { schoolsTable, renderSchools } = await import('../render.js');
        const found = await listSchools(svc, op, {
          ...(o.hub ? { hub: o.hub } : {}),
          ...(phase ? { phase } : {}),
          ...(o.programme ? { programmeId: o.programme } : {}),
          ...(o.year ? { academicYear: o.year } : {}),
          ...(o.group ? { groupId: o.group } : {}),
          ...(status ? { status } : {}),
          ...(o.overdue ? { overdue: true } : {}),
          ...(limit !== undefined ? { limit } : {}),
        });
        printTable(o, found, schoolsTable(found), (t) => renderSchools(found, t));
      },
      { readOnly: true },
    );
  });

  schools
    .command('show')
    .description("One school's state: phase, status, programme, meetings held and required, funding paid, and what is coming up")
    .argument('<urn>', 'the school URN')
    .option('--json', 'print {urn, version, summary} as JSON')
    .action(async (urn: string, o: { json?: boolean }, cmd: Command) => {
      await withService(
        cmd,
        async (svc, op) => {
          const { schoolState } = await import('../../service/schools.js');
          const { renderSchool } = await import('../render.js');
          const { schoolTamper, tamperFlag } = await import('../../service/tamper.js');
          const s = await schoolState(svc, op, urn);
          // The work group as the pages name it, beside the id that the group commands take.
          const { getGroup } = await import('../../store/ops/groups.js');
          const { compactGroupName } = await import('../../service/school-words.js');
          const group = s.summary.groupId ? await getGroup(svc.db, s.summary.groupId) : null;
          const groupName = group ? compactGroupName(group.name, group.id) : null;
          // The whole hash chain is checked: a tampered school is flagged, and the command fails.
          const tampered = tamperFlag(await schoolTamper(svc, op, urn));
          const { listEffects, pendingEffectsNote } = await import('../../service/effects.js');
          const effects = await listEffects(svc, op, { urn });
          const effectsNote = pendingEffectsNote(effects);
          // `schools` itself takes --json (its list), and commander gives it to the parent: read it from either.
          const json = o.json ?? cmd.optsWithGlobals<{ json?: boolean }>().json;
          print(json, { urn: s.urn, version: s.version, summary: s.summary, tampered, effectsPending: effects.map((e) => ({ key: e.key, type: e.type, state: e.state, lastError: e.lastError })) }, () =>
            (tampered ? `${renderSchool(s.summary, s.version, groupName)}\nTAMPERED: the history was changed at version ${tampered.atVersion} (${tampered.reason}); no change is recorded until an admin signs it off.` : renderSchool(s.summary, s.version, groupName)) +
            (effectsNote ? `\n${effectsNote}` : ''),
          );
          if (tampered) {
            process.stderr.write(`pathway: the event log of URN ${urn} was tampered with at version ${tampered.atVersion}: ${tampered.reason}\n`);
            process.exitCode = 1;
          }
        },
        { readOnly: true },
      );
    });

  schools
    .command('history')
    .description("A school's events (who, when, recorded, machine version), its state on a date by replaying them, and the tamper check; exit 1 if the log was tampered with")
    .argument('<urn>', 'the school URN')
    .option('--at <date>', 'only events up to this date (the end of that London day) or ISO instant; the state shown is the state then')
    .option('--format <format>', 'text (default) or mermaid (a gantt chart of the phases)', 'text')
    .option('--json', 'print {urn, at, entries, stateAt, tampered, replayMatches} as JSON')
    .option('--csv', 'print the events table as CSV')
    .action(async (urn: string, o: { at?: string; json?: boolean; csv?: boolean; format: string }, cmd: Command) => {
      const { historyAt } = await import('./history.js');
      const at = historyAt(o.at);
      if (o.format !== 'text' && o.format !== 'mermaid') throw new UsageError(`--format must be text or mermaid, not ${JSON.stringify(o.format)}`);
      await withService(
        cmd,
        async (svc, op) => {
          const { auditedHistory, historyRowsWithAudit, signOffWords } = await import('../../service/school-audit.js');
          const { historyTable, compactHistory, renderHistory, renderMermaid, londonWhen, tableWidth } = await import('../render.js');
          const h = await auditedHistory(svc, op, urn, at);
          if (o.format === 'mermaid' && !o.json) {
            const lastEvent = h.entries[h.entries.length - 1]?.occurredAt ?? svc.now();
            const until = at === undefined ? lastEvent : at.length === 10 ? `${at}T12:00:00Z` : at;
            process.stdout.write(`${renderMermaid(h, until)}\n`);
          } else {
            const json = { urn: h.urn, at: at ?? null, entries: h.entries, funding: h.funding, stateAt: h.stateAt, tampered: h.tampered, signedOff: h.signedOff, replayMatches: h.replayMatches ?? null };
            // Each payment is a dated entry after the event that released it; each sign-off of a tampered break at the end.
            const table = historyTable(h);
            const rows = { ...table, rows: historyRowsWithAudit(table.rows, h, londonWhen) };
            printTable(o, json, o.csv || tableWidth() === Infinity ? rows : compactHistory(rows), (t) =>
              [renderHistory(h, at, t), ...h.signedOff.map((x) => `Signed off: ${signOffWords(x)}.`)].join('\n'),
            );
          }
          if (h.tampered) {
            process.stderr.write(`pathway: the event log of URN ${urn} was tampered with at version ${h.tampered.version}: ${h.tampered.reason}\n`);
            process.exitCode = 1;
          }
        },
        { readOnly: true },
      );
    });

  schools
    .command('attend')
    .description('Record attendance at a session (ATTENDANCE_RECORDED): how many lead teachers came, and whether the headteacher did')
    .argument('<urn>', 'the school URN')
    .argument('<session>', 'the session id (see pathway schools show <urn>)')
    .requiredOption('--teachers <n>', 'lead teachers present: 0, 1 or 2')
    .option('--headteacher', 'the headteacher was there')
    .option('--at <when>', AT_HELP)
    .option('--json', 'print JSON')
    .action(async (urn: string, sessionId: string, o: { teachers: string; headteacher?: boolean; at?: string; json?: boolean }, cmd: Command) => {
      const teachersPresent = wholeNumber('--teachers', o.teachers, 0)!;
      await withService(cmd, async (svc, op) => {
        const { recordAttendance } = await import('../../service/schools.js');
        const { renderWrite } = await import('../render.js');
        const r = await recordAttendance(svc, op, urn, { sessionId, teachersPresent, headteacherPresent: o.headteacher ?? false, ...(await atOption(o.at, svc.now())) });
        print(o.json, r, () => renderWrite(`Attendance at ${sessionId} recorded`, r));
      });
    });

  schools
    .command('event')
    .description("Record any hub event for a school, e.g. pathway schools event 122657 ELIGIBILITY_ASSESSED --data '{\"eligible\":true,\"criteria\":[\"ofstedRiOrInadequate\"]}'")
    .argument('<urn>', "the school's URN")
    .argument('<TYPE>', 'the event type, e.g. ELIGIBILITY_ASSESSED, SELECTED, SCHEDULE_SET, ATTENDANCE_RECORDED (an unknown type is refused with the list)')
    .option('--data <json>', "the event's fields as a JSON object; programmeId stands for a catalogue programme")
    .option('--at <when>', 'when it happened: ISO date-time with offset, London date-time or date (default: now)')
    .option('--actor <name>', 'who did it (default: cli:<your login>)')
    .option('--expect-version <n>', 'refuse unless the school is at this version (optimistic concurrency)')
    .option('--json', 'print {urn, version, summary, effects} as JSON')
    .action(async (urn: string, type: string, o: { data?: string; at?: string; actor?: string; expectVersion?: string; json?: boolean }, cmd: Command) => {
      const { runEvent } = await import('./event.js');
      await runEvent(cmd, urn, type, o);
    });

  writeCommand(schools, 'commit', 'Record the signed commitment (COMMITMENT_SIGNED)', (c) => c.requiredOption('--signatories <list>', `who signed, comma-separated: ${SIGNATORIES.join(', ')}`), async ({ urn, o, svc, op, when }) => {
    const { signCommitment } = await import('../../service/schools.js');
    const { Signatory } = await import('../../domain/catalogue/schema.js');
    const names = list(o.signatories as string)!;
    const bad = names.filter((s) => !Signatory.safeParse(s).success);
    if (bad.length) throw new UsageError(`--signatories must be among ${SIGNATORIES.join(', ')} (got ${JSON.stringify(bad.join(','))})`);
    return signCommitment(svc, op, urn, { signatories: names.map((s) => Signatory.parse(s)), ...when });
  });
  writeCommand(schools, 'gap-task', 'Record a completed gap task (GAP_TASK_COMPLETED)', (c) => c.requiredOption('--task <text>', 'the task'), async ({ urn, o, svc, op, when }) => {
    const { recordGapTask } = await import('../../service/schools.js');
    return recordGapTask(svc, op, urn, { task: o.task as string, ...when });
  });
  writeCommand(schools, 'release-days', 'Record teacher release days (RELEASE_DAYS_RECORDED)', (c) => c.requiredOption('--days <n>', 'days released'), async ({ urn, o, svc, op, when }) => {
    const days = Number(o.days);
    if (!(days > 0)) throw new UsageError(`--days must be a number above 0 (got ${JSON.stringify(o.days)})`);
    const { recordReleaseDays } = await import('../../service/schools.js');
    return recordReleaseDays(svc, op, urn, { days, ...when });
  });
  writeCommand(schools, 'evaluation', 'Record the submitted evaluation (EVALUATION_SUBMITTED)', (c) => c.option('--summary <text>', 'a summary'), async ({ urn, o, svc, op, when }) => {
    const { submitEvaluation } = await import('../../service/schools.js');
    return submitEvaluation(svc, op, urn, { ...(o.summary ? { summary: o.summary as string } : {}), ...when });
  });
  writeCommand(schools, 'withdraw', 'Withdraw from the phase (WITHDRAWN)', (c) => c.requiredOption('--reason <text>', 'why'), async ({ urn, o, svc, op, when }) => {
    const { withdrawSchool } = await import('../../service/schools.js');
    return withdrawSchool(svc, op, urn, { reason: o.reason as string, ...when });
  });
  writeCommand(schools, 'defer', 'Defer to a later year (DEFERRED)', (c) => c.requiredOption('--reason <text>', 'why').requiredOption('--until <year>', 'the academic year to resume, e.g. 2022/23'), async ({ urn, o, svc, op, when }) => {
    const { deferSchool } = await import('../../service/schools.js');
    return deferSchool(svc, op, urn, { reason: o.reason as string, untilYear: o.until as string, ...when });
  });
  writeCommand(schools, 'resume', 'Resume a deferred school (RESUMED)', (c) => c.option('--year <year>', 'the academic year (default: the one deferred until)'), async ({ urn, o, svc, op, when }) => {
    const { resumeSchool } = await import('../../service/schools.js');
    return resumeSchool(svc, op, urn, { ...(o.year ? { academicYear: o.year as string } : {}), ...when });
  });
  // The action plan on the 5 Big Ideas (made with the school's leader: pathway people allocate) and the Mastery Ready judgement.
  const aimOptions = [
    ['coherence', 'coherence'],
    ['representation-and-structure', 'representationAndStructure'],
    ['mathematical-thinking', 'mathematicalThinking'],
    ['fluency', 'fluency'],
    ['variation', 'variation'],
  ] as const;
  writeCommand(
    schools,
    'action-plan',
    "Record the school's action plan on the 5 Big Ideas, made with its Mastery Specialist or Readiness Lead (ACTION_PLAN_CREATED)",
    (c) => aimOptions.reduce((cmd, [flag]) => cmd.requiredOption(`--${flag} <aim>`, `what the school will work on for ${flag.replace(/-/g, ' ')}`), c),
    async ({ urn, o, svc, op, when }) => {
      const { createActionPlan } = await import('../../service/people.js');
      const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, x: string) => x.toUpperCase());
      const aims = Object.fromEntries(aimOptions.map(([flag, key]) => [key, o[camel(flag)]]));
      return createActionPlan(svc, op, urn, { aims, ...when });
    },
  );
  writeCommand(
    schools,
    'review-plan',
    'Record a review of the action plan at a visit that was held (ACTION_PLAN_REVIEWED): progress notStarted, developing or established on any of the 5 Big Ideas',
    (c) =>
      aimOptions
        .reduce((cmd, [flag]) => cmd.option(`--${flag} <progress>`, 'notStarted, developing or established'), c.requiredOption('--visit <session>', 'the visit (session id) at which it was reviewed'))
        .option('--note <text>', 'what was agreed'),
    async ({ urn, o, svc, op, when }) => {
      const { reviewActionPlan } = await import('../../service/people.js');
      const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, x: string) => x.toUpperCase());
      const progress = Object.fromEntries(aimOptions.filter(([flag]) => o[camel(flag)] !== undefined).map(([flag, key]) => [key, o[camel(flag)]]));
      return reviewActionPlan(svc, op, urn, { sessionId: o.visit as string, progress, ...(o.note ? { note: o.note as string } : {}), ...when });
    },
  );
  writeCommand(
    schools,
    'mastery-ready',
    'Record the Readiness year\'s judgement at its end: Mastery Ready or not (MASTERY_READY_JUDGED); a school not judged ready does not move into Development',
    (c) => c.option('--ready', 'judged Mastery Ready').option('--not-ready', 'judged not Mastery Ready').option('--note <text>', 'the reasons'),
    async ({ urn, o, svc, op, when }) => {
      if (Boolean(o.ready) === Boolean(o.notReady)) throw new UsageError('give one of --ready and --not-ready');
      const { judgeMasteryReady } = await import('../../service/people.js');
      return judgeMasteryReady(svc, op, urn, { ready: Boolean(o.ready), ...(o.note ? { note: o.note as string } : {}), ...when });
    },
  );
  writeCommand(
    schools,
    'replace-teacher',
    'Replace lead teacher 1 or 2 (TEACHER_REPLACED)',
    (c) => c.requiredOption('--slot <n>', '1 or 2').requiredOption('--name <name>', 'the new teacher').requiredOption('--email <email>', 'their email').requiredOption('--role <role>', 'their role'),
    async ({ urn, o, svc, op, when }) => {
      if (o.slot !== '1' && o.slot !== '2') throw new UsageError(`--slot must be 1 or 2 (got ${JSON.stringify(o.slot)})`);
      const { replaceTeacher } = await import('../../service/schools.js');
      return replaceTeacher(svc, op, urn, Number(o.slot) as 1 | 2, { teacher: { name: o.name as string, email: o.email as string, role: o.role as string }, ...when });
    },
  );
}
