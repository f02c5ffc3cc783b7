/**
 * The generated histories, cached on disk: generating them folds every event
 * through the machines (slow), so a set is made once per size, seed and
 * version of the rules and kept in bench-results/histories/ (gitignored).
 * Format: JSON lines, one school per line, `{"urn":..,"route":..,"events":[{"actor":..,"event":..}]}`,
 * split into part files (one per generating thread) and a manifest.
 * Not pure (files, threads).
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MACHINE_VERSION } from '../machines/pathway.js';
import { GENERATOR_VERSION, schoolHistory, type HistoryOptions } from './histories.js';
import { progress } from './progress.js';
import { runSharded } from './threads.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(ROOT, 'bench-results');
const CACHE_DIR = join(RESULTS_DIR, 'histories');

export interface HistoryPart {
  file: string;
  schools: number;
  events: number;
  bytes: number;
}

export interface HistoryManifest {
  key: string;
  options: HistoryOptions;
  generator: string;
  machineVersion: string;
  schools: number;
  events: number;
  bytes: number;
  parts: HistoryPart[];
  /** How long generating (and so validating) took, ms, and with how many threads. */
  generatedMs: number;
  threads: number;
}

/**
 * The cache key: sizes, seed, the generator's version and a hash of the
 * sources whose change could change a history (machines, catalogue,
 * calendar, this generator), so another engineer's rule change makes a new set.
 */
export function historyKey(options: HistoryOptions): string {
  const h = createHash('sha256');
  h.update(`${GENERATOR_VERSION}\n${MACHINE_VERSION}\n`);
  for (const dir of ['machines', 'domain/catalogue', 'domain/calendar']) {
    const abs = join(ROOT, dir);
    for (const f of readdirSync(abs).filter((x) => x.endsWith('.ts')).sort()) h.update(`${dir}/${f}\n`).update(readFileSync(join(abs, f)));
  }
  h.update(readFileSync(join(ROOT, 'bench', 'histories.ts')));
  return `s${options.schools}-y${options.years}-seed${options.seed}-${h.digest('hex').slice(0, 12)}`;
}

/** Writes the histories of schools index ≡ shard (mod shards) to `file`; returns counts. Used by the worker and inline. */
export function writeShard(options: HistoryOptions, shard: number, shards: number, file: string, onProgress?: (schools: number) => void): HistoryPart {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  let schools = 0;
  let events = 0;
  let bytes = 0;
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length === 0) return;
    const text = buffer.join('');
    writeSync(fd, text);
    bytes += Buffer.byteLength(text);
    buffer = [];
  };
  try {
    for (let i = shard; i < options.schools; i += shards) {
      const { final: _final, ...h } = schoolHistory(i, options);
      buffer.push(`${JSON.stringify(h)}\n`);
      schools++;
      events += h.events.length;
      if (buffer.length >= 200) flush();
      if (schools % 20 === 0) onProgress?.(schools);
    }
    flush();
    onProgress?.(schools);
  } finally {
    closeSync(fd);
  }
  return { file, schools, events, bytes };
}

/**
 * The manifest of the histories for `options`, generating them first (in
 * `threads` worker threads when there are many) unless a complete set is cached.
 */
export async function ensureHistories(options: HistoryOptions, settings: { threads: number; progress: boolean }): Promise<HistoryManifest> {
  const key = historyKey(options);
  const dir = join(CACHE_DIR, key);
  const manifestFile = join(dir, 'manifest.json');
  if (existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as HistoryManifest;
    if (m.parts.every((p) => existsSync(p.file) && statSync(p.file).size === p.bytes)) return m;
  }
  const tmp = `${dir}.${process.pid}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  const threads = options.schools >= 400 ? Math.max(1, settings.threads) : 1;
  const bar = progress(`generating and validating ${options.schools.toLocaleString('en-GB')} school histories x ${options.years} years (${threads} thread${threads > 1 ? 's' : ''}, cached for later runs)`, options.schools, 'schools', settings.progress);
  const started = performance.now();
  let parts: HistoryPart[];
  if (threads === 1) {
    parts = [writeShard(options, 0, 1, join(tmp, 'part-0.jsonl'), (n) => bar.update(n))];
  } else {
    parts = await runSharded<HistoryPart>(threads, (shard) => ({ task: 'generate', options, shard, shards: threads, file: join(tmp, `part-${shard}.jsonl`) }), (n) => bar.update(n));
  }
  const generatedMs = performance.now() - started;
  bar.finish();
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const manifest: HistoryManifest = {
    key,
    options,
    generator: GENERATOR_VERSION,
    machineVersion: MACHINE_VERSION,
    schools: parts.reduce((a, p) => a + p.schools, 0),
    events: parts.reduce((a, p) => a + p.events, 0),
    bytes: parts.reduce((a, p) => a + p.bytes, 0),
    parts: parts.map((p) => ({ ...p, file: p.file.replace(tmp, dir) })),
    generatedMs,
    threads,
  };
  const fd = openSync(manifestFile, 'w');
  writeSync(fd, JSON.stringify(manifest, null, 2));
  closeSync(fd);
  return manifest;
}

/**
 * The manifest's history lines (one school each), in chunks of up to `chunk`
 * lines; with `shards` > 1 only every shards-th line, starting at `shard`,
 * so that threads share the schools evenly.
 */
export async function* historyLines(manifest: HistoryManifest, options: { shard?: number; shards?: number; chunk?: number } = {}): AsyncGenerator<string[]> {
  const shard = options.shard ?? 0;
  const shards = options.shards ?? 1;
  const size = options.chunk ?? 250;
  let chunk: string[] = [];
  let n = 0;
  for (const part of manifest.parts) {
    const lines = createInterface({ input: createReadStream(part.file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      if (n++ % shards !== shard) continue;
      chunk.push(line);
      if (chunk.length >= size) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}
