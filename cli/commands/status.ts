/**
 * `pathway status <urn> [--json]`: a school's state now: phase, status,
 * programme and year, work group, meetings held against those required,
 * funding paid, and the upcoming sessions and deadlines as a table.
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import type { SchoolSummary } from '../../machines/summary.js';
import { withEngine } from '../engine.js';
import { renderTable } from './programmes.js';

/** "Thu 5 Nov 2020 09:30" in London time. Pure. */
export function londonWhen(instant: string): string {
  const d = DateTime.fromISO(instant, { setZone: true });
  return d.isValid ? d.setZone('Europe/London').setLocale('en-GB').toFormat('ccc d LLL yyyy HH:mm') : instant;
}

/** "£1,000.00" from pence. Pure. */
export function pounds(pence: number): string {
  return `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: pence % 100 === 0 ? 0 : 2, maximumFractionDigits: 2 })}`;
}

/** "readiness/applied" or "prospective". Pure. */
export function describeState(s: Pick<SchoolSummary, 'phase' | 'status'>): string {
  return s.phase === 'none' ? s.status : `${s.phase}/${s.status}`;
}

/** The status as lines for a person. Pure. */
export function renderStatus(s: SchoolSummary, version: number): string {
  const rows: [string, string][] = [
    ['school', `${s.name ?? '(no name)'} (URN ${s.urn}), ${s.route ?? 'route unknown'}, ${s.hub ? `${s.hub} Maths Hub` : 'no hub'}`],
    ['phase', s.phase],
    ['status', `${s.status}${s.overdue ? ' (overdue: an escalation is open)' : ''}${s.reason ? ` (${s.reason})` : ''}`],
    ['programme', s.programmeName ? `${s.programmeName} (${s.programmeId})` : '-'],
    ['year', s.academicYear ?? '-'],
    ['group', s.groupId ?? '-'],
    ['meetings', `${s.sessionsHeld} held of ${s.sessionsRequired} required`],
    ['funding paid', s.fundingPaidPence > 0 ? pounds(s.fundingPaidPence) : 'none this phase'],
    ['evaluation', s.evaluationSubmitted ? 'submitted' : 'not submitted'],
    ['version', String(version)],
  ];
  if (s.alternativeOffered) rows.push(['alternative offered', s.alternativeOffered]);
  if (s.pastPhases.length) rows.push(['past phases', s.pastPhases.map((p) => `${p.phase} ${p.academicYear}: ${p.outcome}`).join('; ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  const upcoming = s.upcoming.length
    ? `\n\nUpcoming\n${renderTable(['when (London)', 'what'], s.upcoming.map((u) => [londonWhen(u.at), u.what]))}`
    : '\n\nUpcoming: nothing scheduled';
  return head + upcoming;
}

/** Adds the `status` command. */
export function register(program: Command): void {
  program
    .command('status')
    .description("a school's state: phase, status, programme, year, group, meetings held/required, funding paid, upcoming deadlines")
    .argument('<urn>', "the school's URN")
    .option('--json', 'print {urn, version, summary} as JSON')
    .action(async (urn: string, options: { json?: boolean }, command: Command) => {
      await withEngine(command, async (engine) => {
        const st = await engine.state(urn);
        process.stdout.write(options.json ? `${JSON.stringify({ urn: st.urn, version: st.version, summary: st.summary }, null, 2)}\n` : `${renderStatus(st.summary, st.version)}\n`);
      });
    });
}
