/**
 * The shape of a benchmark result and how the results are printed: one row
 * per figure, with the baseline measured in the same run, the ratio between
 * them, the target the project is heading for and whether it is met. Pure
 * except `writeResults` (writes a file) and `log` (writes to stderr).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A measured quantity. */
export interface Figure {
  label: string;
  value: number;
  unit: string;
}

export interface BenchRow {
  /** Which bench produced it: fold, durable, replay, api. */
  bench: string;
  /** What the row measures, in words. */
  name: string;
  figure: Figure;
  /** The baseline measured in the same run, if the row has one. */
  baseline?: Figure;
  /**
   * figure / baseline (for times: figure time / baseline time). The table prints
   * `${value}x ${meaning}`, so `meaning` reads on from the number: "of COPY rate" -> "0.08x of COPY rate".
   */
  ratio?: { value: number; meaning: string };
  /** The target in words, e.g. ">= 0.25x COPY rate". */
  target?: string;
  /** Whether the target is met; null when the row has no target or it cannot be judged at this size. */
  met?: boolean | null;
  /** Anything a reader needs to read the figure right (sizes, projections, which mode). */
  note?: string;
}

export interface BenchOptions {
  schools: number;
  /** Schools the fold bench folds; default `schools`. A full run folds enough for 6M events (FOLD_FULL_SCHOOLS). */
  foldSchools?: number;
  years: number;
  seed: number;
  /** Worker threads for the parallel fold (default: os.availableParallelism()). */
  workers: number;
  /** Postgres server URL whose maintenance database the bench creates its databases from. */
  postgresUrl: string;
  /** Print progress to stderr. */
  progress: boolean;
  /** The run is a smoke run at tiny sizes: figures are printed, targets are not judged. */
  quick: boolean;
}

/** The figure the project's targets are stated for: 6 million events. */
export const TARGET_EVENTS = 6_000_000;

/** Schools whose synthetic histories over 5 years hold a little over 6M events (50,000 hold 5,995,523): a full run's fold. */
export const FOLD_FULL_SCHOOLS = 50_100;

/** "12,345.6" style numbers with a sensible number of digits. Pure. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 5;
  return n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A figure as "12,345 events/s". Pure. */
export function showFigure(f: Figure | undefined): string {
  return f ? `${fmt(f.value)} ${f.unit}` : '-';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The final table: figure / baseline / ratio / target / met?, one row per figure. Pure. */
export function table(rows: BenchRow[]): string {
  const head = ['bench', 'figure', 'value', 'baseline', 'ratio', 'target', 'met?'];
  const body = rows.map((r) => [
    r.bench,
    r.name,
    showFigure(r.figure),
    r.baseline ? `${showFigure(r.baseline)} (${r.baseline.label})` : '-',
    r.ratio ? `${fmt(r.ratio.value)}x ${r.ratio.meaning}` : '-',
    r.target ?? '-',
    r.met === undefined || r.met === null ? (r.target ? 'n/a' : '-') : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.min(70, Math.max(h.length, ...body.map((b) => b[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!)).join(' | ');
  const notes = rows.filter((r) => r.note).map((r) => `  - ${r.bench} / ${r.name}: ${r.note}`);
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line), ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}

/** Writes the results as JSON (creating the folder). Not pure. */
export function writeResults(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}

/** A line on stderr, for progress and explanations that are not results. Not pure. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
