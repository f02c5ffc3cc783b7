/**
 * `pathway audit funding [--hub H] [--year Y] [--csv|--json]`: the funding
 * conformance audit (service/funding-audit.ts): every payment checked against
 * the rules the school was under when it was paid, and every entitled school
 * the ledger never paid. Exit 1 when there is a finding, 0 when clean.
 *
 * `pathway audit sign-off <urn> --reason "..."`: an admin's signed-off
 * correction of a school whose history was found tampered; writes to the
 * school resume, and its history shows the finding and the sign-off.
 *
 * The service is imported when a command runs, so the CLI starts fast.
 */
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { withService } from '../support.js';
import { renderTable } from './programmes.js';
import type { FundingAudit } from '../../service/funding-audit.js';

/** The audit for a person: a line of what was checked, then each finding. Pure. */
export function renderFundingAudit(a: FundingAudit, rule: (r: FundingAudit['findings'][number]['rule']) => string, evidence: (f: FundingAudit['findings'][number]) => string): string {
  const scope = [a.filter.hub ? `hub ${a.filter.hub}` : 'every hub you may see', a.filter.year ? `academic year ${a.filter.year}` : 'every year'].join(', ');
  const head = `Funding audit (${scope}): ${a.payments} payment${a.payments === 1 ? '' : 's'} of ${a.schools} school${a.schools === 1 ? '' : 's'} checked; ${a.entitled} school-year${a.entitled === 1 ? '' : 's'} entitled to a grant.`;
  if (a.clean) return `${head}\nClean: every payment follows the rules it was made under, and every entitled school was paid.`;
  const lines = [head, `${a.findings.length} finding${a.findings.length === 1 ? '' : 's'}:`, ''];
  lines.push(
    renderTable(
      ['urn', 'school', 'year', 'rule', 'problem', 'payment'],
      a.findings.map((f) => [f.urn, f.school, f.academicYear, rule(f.rule), f.problem, f.payment ?? '-']),
    ),
  );
  lines.push('', 'Rules and evidence:');
  a.findings.forEach((f, i) => lines.push(`${i + 1}. ${f.urn} ${f.academicYear}: ${f.ruleText}.`, `   evidence: ${evidence(f) || 'none in the history'}`));
  return lines.join('\n');
}

/** Registers `audit funding` and `audit sign-off`. Not pure. */
export function register(program: Command): void {
  const audit = program.command('audit').description('Audits for auditors: the funding conformance audit, and signing off a tampered history (admin)');

  audit
    .command('funding')
    .description('Check every payment against the rules it was made under, and find entitled schools not paid (exit 1 with findings)')
    .option('--hub <hub>', 'hub id or name (default: every hub)')
    .option('--year <year>', 'academic year, e.g. 2020/21')
    .option('--csv', 'print the findings as CSV')
    .option('--json', 'print JSON')
    .action(async (o: { hub?: string; year?: string; csv?: boolean; json?: boolean }, cmd: Command) => {
      if (o.csv && o.json) throw new UsageError('choose one of --csv and --json');
      const { fundingAudit, findingsCsv, evidenceWords, FUNDING_RULES } = await import('../../service/funding-audit.js');
      await withService(cmd, async (svc, op) => {
        const a = await fundingAudit(svc, op, { ...(o.hub ? { hub: o.hub } : {}), ...(o.year ? { year: o.year } : {}) });
        if (o.json) process.stdout.write(`${JSON.stringify(a, null, 2)}\n`);
        else if (o.csv) process.stdout.write(findingsCsv(a.findings));
        else process.stdout.write(`${renderFundingAudit(a, (r) => FUNDING_RULES[r], (f) => evidenceWords(f.events) + (f.payments.length > 1 ? `; payments ${f.payments.join(', ')}` : ''))}\n`);
        if (!a.clean) process.exitCode = 1;
      });
    });

  audit
    .command('sign-off')
    .description("Admin: sign off a school's tampered history after finding out what happened; writes to the school resume")
    .argument('<urn>', 'the school URN')
    .requiredOption('--reason <text>', 'what was found and corrected (recorded with your name)')
    .option('--json', 'print JSON')
    .action(async (urn: string, o: { reason: string; json?: boolean }, cmd: Command) => {
      const { signOffTamper } = await import('../../service/tamper.js');
      await withService(cmd, async (svc, op) => {
        const s = await signOffTamper(svc, op, urn, { reason: o.reason });
        if (o.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        else process.stdout.write(`Signed off by ${s.signedByName} (${s.signedBy}) on ${s.signedAt}: the break at version ${s.atVersion} of URN ${urn} (${s.finding}). Reason: ${s.reason}\nWrites to the school resume; its history shows the break and this sign-off.\n`);
      });
    });
}
