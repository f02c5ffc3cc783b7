/**
 * `pathway programmes [--json] [--phase X] [--route R] [--year 2020/21]`: the
 * programme catalogue as a table, with the places where the source documents
 * disagree listed below it; `--json` prints the parsed entries.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { AcademicYear, PhaseKind, Route, type Programme } from '../../domain/catalogue/schema.js';
import { programmesFor } from '../../domain/catalogue/programmes.js';
import { describeDeadline, describeGroup, describeMeetings, describeMoney, describeSources } from '../../domain/catalogue/describe.js';
import { parseOrThrow } from '../../domain/errors.js';

/**
 * Left-aligned text columns separated by two spaces, with a rule under the
 * header; a cell with line breaks spreads its row over several lines. Pure.
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const split = rows.map((r) => headers.map((_, i) => (r[i] ?? '').split('\n')));
  const widths = headers.map((h, i) => Math.max(h.length, ...split.flatMap((r) => r[i]!.map((l) => l.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const body = split.flatMap((cells) => {
    const height = Math.max(...cells.map((c) => c.length));
    return Array.from({ length: height }, (_, k) => line(cells.map((c) => c[k] ?? '')));
  });
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...body].join('\n');
}

export interface ProgrammesOptions {
  json?: boolean;
  phase?: string;
  route?: string;
  year?: string;
}

/** The programmes chosen by the command-line filters; a bad filter is a ValidationError (exit 2). Pure. */
export function selectProgrammes(o: ProgrammesOptions): Programme[] {
  // Keyed by the option's name, so an error reads "--phase must be one of ...".
  const f = parseOrThrow(
    z.object({ '--phase': PhaseKind.optional(), '--route': Route.optional(), '--year': AcademicYear.optional() }),
    { '--phase': o.phase, '--route': o.route, '--year': o.year },
    'options',
  );
  return programmesFor({
    ...(f['--phase'] !== undefined ? { phase: f['--phase'] } : {}),
    ...(f['--route'] !== undefined ? { route: f['--route'] } : {}),
    ...(f['--year'] !== undefined ? { academicYear: f['--year'] } : {}),
  });
}

/** The table and the inconsistencies, as text. Pure. */
export function renderProgrammes(list: Programme[]): string {
  if (list.length === 0) return 'No programme matches these filters.';
  const table = renderTable(
    ['id', 'phase', 'route', 'year', 'leader', 'group', 'meetings', 'money', 'deadline', 'sources'],
    list.map((p) => [p.id, p.phase, p.route, p.academicYear, p.leader, describeGroup(p), describeMeetings(p, '\n'), describeMoney(p), describeDeadline(p, '\n'), describeSources(p)]),
  );
  const out = [table, '', `${list.length} programme${list.length === 1 ? '' : 's'}. "copy of" marks a year no document describes: its rules are carried from that year (see --json: carriedFrom, note).`];
  // Copies repeat the inconsistencies of the entry they copy; show each once, with every entry it applies to.
  const seen = new Map<string, { text: string; ids: string[] }>();
  for (const p of list) {
    for (const inc of p.inconsistencies) {
      const key = JSON.stringify([inc.field, inc.readings]);
      const entry = seen.get(key);
      if (entry) {
        entry.ids.push(p.id);
        continue;
      }
      const readings = inc.readings.map((r) => `    - "${r.text}" (${r.source})`).join('\n');
      seen.set(key, { text: `${inc.field}:\n${readings}\n    rules use: ${inc.used}`, ids: [p.id] });
    }
  }
  if (seen.size > 0) {
    out.push('', 'Known inconsistencies in the source documents (kept as data):');
    for (const { text, ids } of seen.values()) out.push(`  ${ids.join(', ')} ${text}`);
  }
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('programmes')
    .description('List the programme catalogue: phases, years, group sizes, meetings, money, deadlines and sources')
    .option('--json', 'print the parsed catalogue entries as JSON')
    .option('--phase <phase>', `only this phase (${PhaseKind.options.join(', ')})`)
    .option('--route <route>', `only this route (${Route.options.join(', ')})`)
    .option('--year <year>', 'only this academic year, e.g. 2020/21')
    .action((o: ProgrammesOptions) => {
      const list = selectProgrammes(o);
      process.stdout.write(o.json ? `${JSON.stringify(list, null, 2)}\n` : `${renderProgrammes(list)}\n`);
    });
}

