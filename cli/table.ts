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

/** Where to break a word too long for `width`: after its last `.` or `/` that fits (an id breaks between its parts), else its last `-` or `_`, else at `width`. Pure. */
function breakPoint(word: string, width: number): number {
  for (const marks of ['./', '-_']) for (let i = width; i > 1; i--) if (marks.includes(word[i - 1]!)) return i;
  return width;
}

/** Splits text into lines of at most `width` characters, at spaces where it can, else inside a word (after a `-`, `.`, `/` or `_` where one fits). Pure. */
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
        const at = breakPoint(w, width);
        out.push(w.slice(0, at));
        w = w.slice(at);
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

/** What fitWidths knows of each column beyond its natural width. */
export interface ColumnShape {
  /** Columns of words, which wrap at spaces. */
  wrappable?: boolean[];
  /** The longest word of each column. */
  longestWord?: number[];
  /** The longest part of each column's ids when they are broken after a `.` or `/` ("secondary-development-2026-27." of a session id). */
  longestPart?: number[];
  /** The widest cell of each column, header left out: a header wider than its cells wraps at its spaces before any cell does. */
  cellWidth?: number[];
  gap?: number;
  min?: number;
}

/**
 * Column widths that fit `width`: the natural widths when they fit, else the
 * widest columns narrowed in turn until the table fits or nothing more can
 * give. Headers wider than their column's cells give first, down to their
 * longest word ("open or overdue" over a column of numbers); then columns of
 * words (`wrappable`), down to 12 characters;
 * then ids of 12 characters or more, down to their longest part (they
 * break after a `.` or `/`, see `wrap`); then columns of words down to their longest word, so no word is
 * broken while anything else can give; then ids, then words, down to `min`
 * (or the longest word of its header). Pure.
 */
export function fitWidths(natural: number[], headers: string[], width: number, shape: ColumnShape = {}): number[] {
  const { wrappable = [], longestWord = [], longestPart = [], cellWidth = [], gap = 2, min = 6 } = shape;
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
  const headerWord = (i: number) => Math.max(...headers[i]!.split(' ').map((x) => x.length));
  const keep = (i: number, floor: number) => Math.min(natural[i]!, Math.max(floor, headerWord(i)));
  narrow((i) => keep(i, cellWidth[i] ?? natural[i]!));
  narrow((i) => (wrappable[i] ? keep(i, Math.max(12, headers[i]!.length)) : natural[i]!));
  narrow((i) => (wrappable[i] ? w[i]! : keep(i, Math.max(12, longestPart[i] ?? natural[i]!))));
  narrow((i) => (wrappable[i] ? keep(i, Math.max(min, longestWord[i] ?? 0)) : w[i]!));
  // Last, ids down to `min`, and only then words broken (headers wrap too).
  narrow((i) => (wrappable[i] ? w[i]! : keep(i, min)));
  narrow((i) => keep(i, min));
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
  const longest = (i: number, split: RegExp) => Math.max(0, ...rows.flatMap((r) => (r[i] ?? '').split(split).map((x) => x.length)));
  const widths = fitWidths(natural, headers, width, {
    cellWidth: headers.map((_, i) => Math.max(0, ...rows.flatMap((r) => (r[i] ?? '').split('\n').map((l) => l.length)))),
    wrappable,
    longestWord: headers.map((_, i) => longest(i, /\s+/)),
    longestPart: headers.map((_, i) => longest(i, /(?<=[./])/)),
  });
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
