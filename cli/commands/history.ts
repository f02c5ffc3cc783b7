/**
 * `pathway history <urn> [--at DATE] [--json] [--format text|mermaid]`: a
 * school's events (who, when it happened, when it was recorded, the machine
 * version that decided it, the state after it) up to a date, the school's
 * state on that date found by replaying the events through the machine, and
 * the check of the hash chain. `--format mermaid` draws the phases as a
 * Mermaid gantt chart instead. Exit 1 when the chain shows a stored event was
 * changed or deleted (the event is named).
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import type { History } from '../../host/engine.js';
import type { SchoolSummary } from '../../machines/summary.js';
import { withEngine } from '../engine.js';
import { UsageError } from '../exit.js';
import { renderTable } from './programmes.js';
import { describeState, londonWhen, pounds } from './status.js';

type FullHistory = History & { replayMatches?: boolean; replayError?: string | null };

/** Checks --at: a date (YYYY-MM-DD, the end of that London day) or an ISO instant with offset. Throws UsageError. Pure. */
export function historyAt(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if (!DateTime.fromISO(value, { zone: 'Europe/London' }).isValid) throw new UsageError(`--at ${value} is not a real date`);
    return value;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && DateTime.fromISO(value, { setZone: true }).isValid) return value;
  throw new UsageError(`--at must be a date (2021-03-01, meaning the end of that day in London) or an ISO date-time with offset, not ${JSON.stringify(value)}`);
}

function utc(instant: string): string {
  return instant.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function describeSummary(s: SchoolSummary): string {
  const parts = [describeState(s)];
  if (s.programmeName) parts.push(`${s.programmeName} (${s.academicYear})`);
  if (s.groupId) parts.push(`group ${s.groupId}`);
  if (s.sessionsRequired > 0 || s.sessionsHeld > 0) parts.push(`${s.sessionsHeld} of ${s.sessionsRequired} meetings held`);
  parts.push(s.fundingPaidPence > 0 ? `funding paid ${pounds(s.fundingPaidPence)}` : 'no funding paid this phase');
  return parts.join('; ');
}

/** The history as text: the events table, the state on the date, the replay and tamper checks. Pure. */
export function renderHistory(h: FullHistory, at: string | undefined): string {
  const name = h.stateAt?.name ? ` (${h.stateAt.name})` : '';
  const out = [`History of URN ${h.urn}${name}${at ? ` up to ${at}${at.length === 10 ? ' (end of the day, London)' : ''}` : ''}: ${h.entries.length} event${h.entries.length === 1 ? '' : 's'}`];
  if (h.entries.length) {
    out.push(
      renderTable(
        ['ver', 'occurred (London)', 'event', 'by', 'recorded (UTC)', 'machine', 'state after'],
        h.entries.map((e) => [String(e.version), londonWhen(e.occurredAt), e.type, e.actor, utc(e.recordedAt), e.machineVersion, e.phase === 'none' ? e.status : `${e.phase}/${e.status}`]),
      ),
    );
  }
  out.push('', `State ${at ? `on ${at}` : 'now'} (replayed): ${h.stateAt ? describeSummary(h.stateAt) : 'no events yet: the school had not applied'}`);
  if (h.replayMatches !== undefined) {
    out.push(h.replayMatches ? 'Replay: every stored state matches the machine run again over the events.' : `Replay: the stored states differ from the machine run again over the events${h.replayError ? ` (${h.replayError})` : ''}.`);
  }
  out.push(h.tampered ? `Hash chain: TAMPERED at version ${h.tampered.version}: ${h.tampered.reason}` : 'Hash chain: intact (no stored event was changed or deleted).');
  return out.join('\n');
}

/** Mermaid-safe text: no colons, semicolons or hashes, which the gantt syntax reads. Pure. */
function label(text: string): string {
  return text.replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The school's phases as a Mermaid gantt chart: one section per phase and
 * year, one bar per status it was in, from the event that put it there to
 * the next (the last runs to `until`). Pure.
 */
export function renderMermaid(h: History, until: string): string {
  const out = ['gantt', `  title URN ${h.urn}${h.stateAt?.name ? ` ${label(h.stateAt.name)}` : ''} pathway`, '  dateFormat YYYY-MM-DD', '  axisFormat %b %Y'];
  const day = (instant: string) => DateTime.fromISO(instant, { setZone: true }).setZone('Europe/London').toISODate()!;
  const spans: { section: string; status: string; from: string; to: string }[] = [];
  let section = '';
  let sectionPhase = '';
  for (const e of h.entries) {
    const year = (e.payload as { programme?: { academicYear?: string } }).programme?.academicYear;
    // A new section when a phase starts (an application, advance or resumption names its programme) or the phase changes.
    if (year || e.phase !== sectionPhase) {
      sectionPhase = e.phase;
      section = `${e.phase}${year ? ` ${year}` : ''}`;
    }
    const last = spans[spans.length - 1];
    if (last && last.section === section && last.status === e.status) continue;
    if (last) last.to = day(e.occurredAt);
    spans.push({ section, status: e.status, from: day(e.occurredAt), to: day(until) });
  }
  let current = '';
  spans.forEach((s, n) => {
    if (s.section !== current) {
      current = s.section;
      out.push(`  section ${label(s.section)}`);
    }
    const to = s.to > s.from ? s.to : DateTime.fromISO(s.from).plus({ days: 1 }).toISODate()!;
    const milestone = s.status === 'completed' || s.status === 'withdrawn' || s.status === 'declined';
    out.push(milestone ? `  ${label(s.status)} :milestone, s${n}, ${s.from}, 0d` : `  ${label(s.status)} :s${n}, ${s.from}, ${to}`);
  });
  return out.join('\n');
}

/** Adds the `history` command. */
export function register(program: Command): void {
  program
    .command('history')
    .description("a school's events (who, when, recorded, machine version), its state on a date by replaying them, and the tamper check")
    .argument('<urn>', "the school's URN")
    .option('--at <date>', 'only events up to this date (end of that London day) or ISO instant; the state shown is the state then')
    .option('--json', 'print {urn, at, entries, stateAt, tampered, replayMatches} as JSON')
    .option('--format <format>', 'text (default) or mermaid (a gantt chart of the phases)', 'text')
    .action(async (urn: string, options: { at?: string; json?: boolean; format: string }, command: Command) => {
      const at = historyAt(options.at);
      if (options.format !== 'text' && options.format !== 'mermaid') throw new UsageError(`--format must be text or mermaid, not ${JSON.stringify(options.format)}`);
      await withEngine(command, async (engine) => {
        const h = (await engine.history(urn, at === undefined ? {} : { at })) as FullHistory;
        if (options.json) process.stdout.write(`${JSON.stringify({ urn: h.urn, at: at ?? null, entries: h.entries, stateAt: h.stateAt, tampered: h.tampered, replayMatches: h.replayMatches ?? null }, null, 2)}\n`);
        else if (options.format === 'mermaid') {
          const lastEvent = h.entries[h.entries.length - 1]?.occurredAt ?? new Date().toISOString();
          const until = at === undefined ? lastEvent : at.length === 10 ? `${at}T12:00:00Z` : at;
          process.stdout.write(`${renderMermaid(h, until)}\n`);
        } else process.stdout.write(`${renderHistory(h, at)}\n`);
        if (h.tampered) {
          process.stderr.write(`pathway: the event log of URN ${urn} was tampered with at version ${h.tampered.version}: ${h.tampered.reason}\n`);
          process.exitCode = 1;
        }
      });
    });
}
