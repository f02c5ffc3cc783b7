/**
 * `pathway whatif --rules <file> [--hub H] [--year YYYY/YY] [--csv|--json]`:
 * a proposed catalogue change replayed over the schools' recorded events,
 * writing nothing; prints the schools whose phase, status, payments or
 * reminders would change, with counts per kind. The rules file is checked
 * against the catalogue's schema before the database is opened (a bad file:
 * every problem named, exit 2). See examples/whatif/.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { withService } from '../support.js';
import { renderTable } from './programmes.js';
import { parseJsonFile } from './validate.js';
import type { WhatIfReport } from '../../service/whatif.js';
import type { TransitionWhatIfReport } from '../../service/whatif-transition.js';

/** The report for a person: what was proposed, the counts, a row per change. Pure. */
export function renderWhatIf(r: WhatIfReport): string {
  const head = [
    ...(r.description ? [r.description] : []),
    ...r.changes.map((c) => `Proposed: ${c.programme}: ${c.fields.join(', ') || '(nothing changed)'}`),
    `Replayed ${r.schools} school${r.schools === 1 ? '' : 's'} (${r.events} events)${r.hub ? ` of ${r.hub}` : ''}${r.year ? ` with a programme in ${r.year}` : ''}; nothing was written.`,
  ];
  const kinds = Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  const mismatch = r.replayMismatches.length ? [`Warning: ${r.replayMismatches.length} school(s) do not replay to their stored state as recorded (${r.replayMismatches.slice(0, 5).join(', ')}); see \`pathway schools history <urn>\`.`] : [];
  if (r.rows.length === 0) return [...head, 'No school would change.', ...mismatch].join('\n');
  const table = renderTable(['urn', 'school', 'what changes', 'from', 'to'], r.rows.map((x) => [x.urn, x.school, x.what, x.from, x.to]));
  return [...head, table, `${r.schoolsChanged} school${r.schoolsChanged === 1 ? '' : 's'} would change: ${kinds.join(', ')}.`, ...mismatch].join('\n');
}

/** The transition what-if for a person: the moment, the cohort, the counts, a row per change. Pure. */
export function renderTransitionWhatIf(r: TransitionWhatIfReport): string {
  const head = [
    `What if the cohort moved from ${r.from} to ${r.to} at ${r.at}${r.groupId ? ` (work group ${r.groupId})` : ''}:`,
    `Replayed ${r.schools} school${r.schools === 1 ? '' : 's'} (${r.events} events)${r.hub ? ` of ${r.hub}` : ''}; nothing was written.`,
    `${r.inCohort} in ${r.from} at that moment: ${r.wouldMove} would move, ${r.cannotMove.length} could not${r.recordedTransitions ? `; ${r.recordedTransitions} recorded transition${r.recordedTransitions === 1 ? '' : 's'} replaced` : ''}.`,
  ];
  const kinds = Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  if (r.rows.length === 0) return [...head, 'No school would change.'].join('\n');
  const table = renderTable(['urn', 'school', 'what changes', 'from', 'to'], r.rows.map((x) => [x.urn, x.school, x.what, x.from, x.to]));
  return [...head, table, `${r.schoolsChanged} school${r.schoolsChanged === 1 ? '' : 's'} would change: ${kinds.join(', ')}.`].join('\n');
}

/** Registers `whatif` and `whatif transition`. Not pure. */
export function register(program: Command): void {
  const whatif = program
    .command('whatif')
    .description('Replay the schools under a proposed catalogue change (--rules) or a cohort transition (whatif transition), writing nothing, and list who would change (phase, status, payments, reminders)')
    // Not a commander requiredOption: commander would then demand it of `whatif transition` too.
    .option('--rules <file>', 'proposal JSON: {"changes":[{"programme":"<id>","set":{<fields>}}]} (see examples/whatif/); required unless `whatif transition`')
    .option('--hub <hub>', 'hub id or name (default: every hub)')
    .option('--year <year>', 'only schools with a programme in this academic year, e.g. 2020/21')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .action(async (o: { rules?: string; hub?: string; year?: string; csv?: boolean; json?: boolean }, cmd: Command) => {
      if (o.rules === undefined) throw new UsageError("required option '--rules <file>' not specified (or use `pathway whatif transition --from <year>` for a cohort transition)");
      if (o.csv && o.json) throw new UsageError('choose one of --csv and --json');
      let text: string;
      try {
        text = await readFile(o.rules, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot read --rules ${o.rules}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message}`);
      }
      const { parseProposal, whatIf, whatIfCsv } = await import('../../service/whatif.js');
      const proposal = parseProposal(parseJsonFile(o.rules, text));
      await withService(
        cmd,
        async (svc, op) => {
          const r = await whatIf(svc, op, proposal, { ...(o.hub ? { hub: o.hub } : {}), ...(o.year ? { year: o.year } : {}) });
          if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          else if (o.csv) process.stdout.write(`\uFEFF${whatIfCsv(r.rows)}`);
          else process.stdout.write(`${renderWhatIf(r)}\n`);
        },
        { readOnly: true },
      );
    });

  whatif
    .command('transition')
    .description('Replay the schools as if the cohort moved from one year to the next at a given moment (pathway cohort transition), writing nothing, and list who would change')
    .requiredOption('--from <year>', 'the year finishing, e.g. 2020/21')
    .option('--to <year>', 'the next year (default: the year after --from)')
    .option('--at <when>', 'when the transition runs: ISO date-time with offset, or a date (09:00 London); default 1 September of --to, 09:00')
    .option('--group <id>', 'only this work group (its schools continue in it)')
    .option('--hub <hub>', 'hub id or name (default: every hub)')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .action(async (own: Record<string, unknown>, cmd: Command) => {
      // Options written before --from may have been taken by `whatif` itself (it knows --hub, --csv and --json).
      const o = { ...(cmd.parent?.opts() ?? {}), ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) } as { from: string; to?: string; at?: string; group?: string; hub?: string; csv?: boolean; json?: boolean; rules?: string; year?: string };
      if (o.rules !== undefined) throw new UsageError('--rules is for `pathway whatif`, not `whatif transition`');
      if (o.year !== undefined) throw new UsageError('`whatif transition` takes --from (the year finishing), not --year');
      if (o.csv && o.json) throw new UsageError('choose one of --csv and --json');
      const { checkTransitionWhatIf, whatIfTransition } = await import('../../service/whatif-transition.js');
      const { whatIfCsv } = await import('../../service/whatif.js');
      // Years and moment checked before the database is opened.
      checkTransitionWhatIf({ from: o.from, ...(o.to ? { to: o.to } : {}), ...(o.at ? { at: o.at } : {}) });
      await withService(
        cmd,
        async (svc, op) => {
          const r = await whatIfTransition(svc, op, { from: o.from, ...(o.to ? { to: o.to } : {}), ...(o.at ? { at: o.at } : {}), ...(o.group ? { groupId: o.group } : {}), ...(o.hub ? { hub: o.hub } : {}) });
          if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          else if (o.csv) process.stdout.write(`\uFEFF${whatIfCsv(r.rows)}`);
          else process.stdout.write(`${renderTransitionWhatIf(r)}\n`);
        },
        { readOnly: true },
      );
    });
}