/**
 * Tables for the command line: columns fitted to the terminal (cells wrapped
 * inside their column when the table is wider than the screen), at full width
 * with --wide, or as CSV with --csv. Pure, but for `terminalWidth`, which asks
 * the terminal.
 */
import { csvCell } from '../domain/words/csv.js';

/** How wide tables may be: the terminal's columns, 80 when stdout is not a terminal, unlimited with --wide. */
export interface TableLayout {
  width: number;
}

let layout: TableLayout = { width: 80 };

/** The width of this process's stdout: its columns on a terminal, else 80. Reads the terminal. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns && stream.columns > 0 ? stream.columns : 80;
}

/** Sets the width tables are fitted to (the CLI does at start: the terminal, or Infinity for --wide). */
export function setTableLayout(l: TableLayout): void {
  layout = l;
}

/** The width tables are fitted to now. */
export function tableWidth(): number {
  return layout.width;
}

/** Splits text into lines of at most `width` characters, at spaces where it can, else mid-word. Pure. */
export function wrap(text: string, width: number): string[] {
  if (width < 1) return [text];
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/ +/)) {
      let w = word;
      while (w.length > width) {
        if (line) {
          out.push(line);
          line = '';
        }
        out.push(w.slice(0, width));
        w = w.slice(width);
      }
      if (!line) line = w;
      else if (line.length + 1 + w.length <= width) line += ` ${w}`;
      else {
        out.push(line);
        line = w;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * Column widths that fit `width`: the natural widths when they fit, else the
 * widest columns narrowed in turn until the table fits or nothing more can
 * give. Columns of words (`wrappable`) give first, down to 12 characters, so
 * that ids, which would break mid-word, keep their width as long as they can;
 * then columns of words down to `min` (or their header), then any column. Pure.
 */
export function fitWidths(natural: number[], headers: string[], width: number, wrappable: boolean[] = [], gap = 2, min = 6): number[] {
  const w = [...natural];
  const total = () => w.reduce((a, b) => a + b, 0) + gap * Math.max(0, w.length - 1);
  const narrow = (floor: (i: number) => number) => {
    while (total() > width) {
      let widest = -1;
      for (let i = 0; i < w.length; i++) if (w[i]! > floor(i) && (widest < 0 || w[i]! > w[widest]!)) widest = i;
      if (widest < 0) return;
      w[widest]! -= 1;
    }
  };
  narrow((i) => (wrappable[i] ? Math.min(natural[i]!, Math.max(12, headers[i]!.length)) : natural[i]!));
  narrow((i) => (wrappable[i] ? Math.min(natural[i]!, Math.max(min, headers[i]!.length)) : natural[i]!));
  // Last, any column, down to the longest word of its header (headers wrap too).
  narrow((i) => Math.min(natural[i]!, Math.max(min, ...headers[i]!.split(' ').map((x) => x.length))));
  return w;
}

/**
 * Left-aligned text columns separated by two spaces, with a rule under the
 * header, fitted to `width` (default: the terminal's); a cell with line breaks,
 * or too long for its column, spreads its row over several lines. Pure.
 */
export function renderTable(headers: string[], rows: string[][], width: number = tableWidth()): string {
  const natural = headers.map((h, i) => Math.max(h.length, ...rows.flatMap((r) => (r[i] ?? '').split('\n').map((l) => l.length))));
  const wrappable = headers.map((_, i) => rows.some((r) => /\s/.test((r[i] ?? '').trim())));
  const widths = fitWidths(natural, headers, width, wrappable);
  const cellLines = (text: string, i: number) => (natural[i]! > widths[i]! ? wrap(text, widths[i]!) : text.split('\n'));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const block = (cells: string[]) => {
    const split = cells.map((c, i) => cellLines(c, i));
    const height = Math.max(...split.map((c) => c.length));
    return Array.from({ length: height }, (_, k) => line(split.map((c) => c[k] ?? '')));
  };
  return [...block(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.flatMap((r) => block(headers.map((_, i) => r[i] ?? '')))].join('\n');
}

/**
 * One CSV field, through domain/words/csv's csvCell: quoted as RFC 4180 says, and a
 * text a spreadsheet would run as a formula (=, +, -, @ first) made inert.
 * A plain number such as "-3" or "12.5", and a lone "-" (none), stay as they are. Pure.
 */
function csvField(text: string): string {
  return /^(-?\d+(\.\d+)?|-)$/.test(text) ? text : csvCell(text);
}

/** The table as CSV with a header row, lines ending CRLF as RFC 4180 says. Pure. */
export function renderCsv(headers: string[], rows: string[][]): string {
  return [headers, ...rows].map((r) => headers.map((_, i) => csvField(r[i] ?? '')).join(',')).join('\r\n');
}

/** A table's headers and rows, to print as text or CSV. */
export interface Table {
  headers: string[];
  rows: string[][];
}
