/**
 * `pathway programmes [--phase X] [--route R] [--year 2020/21] [--json|--csv]`:
 * the programme catalogue. By default a compact table (id, group size,
 * sessions, grant, deadline) that fits the terminal; `--wide`
 * prints every rule in words with the sources and the places where the source
 * documents disagree; `--json` prints the parsed entries, `--csv` the table.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { AcademicYear, PhaseKind, Route, type Programme } from '../../domain/catalogue/schema.js';
import { programmesFor } from '../../domain/catalogue/programmes.js';
import { describeDeadline, describeGroup, describeMeetings, describeMoney, describeSources } from '../../domain/catalogue/describe.js';
import { parseOrThrow } from '../../domain/errors.js';
import { pounds } from '../../domain/catalogue/describe.js';
import { renderCsv, renderTable, tableWidth, type Table } from '../table.js';
import { UsageError } from '../exit.js';

export { renderTable };

export interface ProgrammesOptions {
  json?: boolean;
  csv?: boolean;
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

/** The compact table: one short line a programme (id, group size, sessions, grant, deadline), narrow enough for a terminal. Pure. */
export function compactProgrammes(list: Programme[]): Table {
  return {
    // The id says the route, phase and year ("primary-readiness-2020-21"), so they need no columns of their own.
    headers: ['id', 'schools', 'sessions', 'grant', 'apply by'],
    rows: list.map((p) => [
      p.id,
      p.group.maxSchools === null ? '-' : `<=${p.group.maxSchools}`,
      p.sessions.map((r) => `${r.max ?? r.min} ${r.kind}${(r.max ?? r.min) === 1 ? '' : 's'}`).join(', ') || 'none',
      p.funding ? pounds(p.funding.amountPence) : '-',
      p.deadlines.applicationsClose ?? '-',
    ]),
  };
}

/** The full view (--wide): every rule in words, the sources, and the inconsistencies, as text. Pure. */
export function renderProgrammes(list: Programme[]): string {
  if (list.length === 0) return 'No programme matches these filters.';
  const table = renderTable(
    ['id', 'phase', 'route', 'year', 'leader', 'group', 'meetings', 'money', 'deadline', 'sources'],
    list.map((p) => [p.id, p.phase, p.route, p.academicYear, p.leader, describeGroup(p), describeMeetings(p, '\n'), describeMoney(p), describeDeadline(p, '\n'), describeSources(p)]),
    Infinity,
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
    .description('List the programme catalogue: a compact table; --wide for every rule, the sources and their inconsistencies')
    .option('--phase <phase>', `only this phase (${PhaseKind.options.join(', ')})`)
    .option('--route <route>', `only this route (${Route.options.join(', ')})`)
    .option('--year <year>', 'only this academic year, e.g. 2020/21')
    .option('--json', 'print the parsed catalogue entries as JSON')
    .option('--csv', 'print the compact table as CSV')
    .action((o: ProgrammesOptions) => {
      if (o.json && o.csv) throw new UsageError('choose one of --json and --csv');
      const list = selectProgrammes(o);
      if (o.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      else if (o.csv) {
        const t = compactProgrammes(list);
        process.stdout.write(`${renderCsv(t.headers, t.rows)}\r\n`);
      } else if (tableWidth() === Infinity) process.stdout.write(`${renderProgrammes(list)}\n`);
      else if (list.length === 0) process.stdout.write('No programme matches these filters.\n');
      else {
        const t = compactProgrammes(list);
        process.stdout.write(`${renderTable(t.headers, t.rows)}\n${list.length} programme${list.length === 1 ? '' : 's'}. Every rule, its sources and where they disagree:\npathway --wide programmes\n`);
      }
    });
}
