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

/** Registers `whatif`. Not pure. */
export function register(program: Command): void {
  program
    .command('whatif')
    .description('Replay the schools under a proposed catalogue change, writing nothing, and list who would change (phase, status, payments, reminders)')
    .requiredOption('--rules <file>', 'proposal JSON: {"changes":[{"programme":"<id>","set":{<fields>}}]} (see examples/whatif/)')
    .option('--hub <hub>', 'hub id or name (default: every hub)')
    .option('--year <year>', 'only schools with a programme in this academic year, e.g. 2020/21')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .action(async (o: { rules: string; hub?: string; year?: string; csv?: boolean; json?: boolean }, cmd: Command) => {
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
}
