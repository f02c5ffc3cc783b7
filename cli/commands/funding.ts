/**
 * `pathway funding [--hub H] [--year Y] [--urn U] [--csv|--json]`: the
 * funding ledger for people: every grant paid to a school of the hubs the
 * operator may see, with the school, programme, year, amount, the date it was
 * paid (the school time of the event that released it), the event, the
 * payment reference and when it was carried out. `--csv` is the same as the
 * audit page's CSV (RFC 4180, opens in a spreadsheet). The service is
 * imported when the command runs, so the CLI starts fast.
 */
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { withService } from '../support.js';
import { renderTable } from './programmes.js';
import type { Ledger } from '../../service/ledger.js';

/** The ledger as a table for a person, with its total. Pure. */
export function renderLedger(l: Ledger, money: (pence: number) => string, day: (instant: string) => string): string {
  if (l.rows.length === 0) return `No payments (${l.schools} school${l.schools === 1 ? '' : 's'} looked at).`;
  const table = renderTable(
    ['paid on', 'urn', 'school', 'programme', 'year', 'amount', 'released by', 'reference'],
    l.rows.map((r) => [day(r.paidAt), r.urn, r.school, r.programme, r.academicYear, money(r.amountPence), r.releasedBy ? `event ${r.releasedBy.number}: ${r.releasedBy.what}` : '-', r.key]),
  );
  return `${table}\n${l.rows.length} payment${l.rows.length === 1 ? '' : 's'}, ${money(l.totalPence)} in all.`;
}

/** Registers `funding`. Not pure. */
export function register(program: Command): void {
  program
    .command('funding')
    .description('The funding ledger: every grant paid, when, for what, and the event that released it (--csv for a spreadsheet)')
    .option('--hub <hub>', 'hub id or name (default: every hub)')
    .option('--year <year>', 'academic year, e.g. 2020/21')
    .option('--urn <urn>', 'one school')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .action(async (o: { hub?: string; year?: string; urn?: string; csv?: boolean; json?: boolean }, cmd: Command) => {
      if (o.csv && o.json) throw new UsageError('choose one of --csv and --json');
      if (o.urn !== undefined && !/^\d{6,7}$/.test(o.urn)) throw new UsageError(`--urn must be a URN of 6 or 7 digits, like 100001 (got ${JSON.stringify(o.urn)})`);
      const { fundingLedger, ledgerCsv } = await import('../../service/ledger.js');
      const { londonDateOf: londonDate } = await import('../../domain/calendar/london.js');
      const { pounds } = await import('../../domain/catalogue/describe.js');
      await withService(cmd, async (svc, op) => {
        const l = await fundingLedger(svc, op, { ...(o.hub ? { hub: o.hub } : {}), ...(o.year ? { year: o.year } : {}), ...(o.urn ? { urn: o.urn } : {}) });
        if (o.json) process.stdout.write(`${JSON.stringify(l, null, 2)}\n`);
        else if (o.csv) process.stdout.write(`\uFEFF${ledgerCsv(l.rows, londonDate)}`);
        else process.stdout.write(`${renderLedger(l, pounds, londonDate)}\n`);
      });
    });
}
