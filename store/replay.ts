/**
 * The log-wide replay check: every school's events folded through the
 * machines again, each by the machine version it was recorded under and the
 * rules it recorded (store/rules.ts), and the result compared with every
 * state the database keeps for the school: an old row's own state, each
 * periodic snapshot (store/snapshots.ts) and the current state in `streams`.
 * The hash chain proves the events are as recorded; this proves the states
 * the service shows and decides from are the rules' reading of them.
 *
 * Streams are read one after another in (urn, version) order, in keyset
 * batches, the next batch read while this one is folded: memory holds two
 * batches and one school's state, however many schools there are. A
 * school's run of events recorded under one machine version is folded in one
 * call (machines/decide.ts fold keeps its own copy of the state between
 * them). Not pure (reads the database); the folding is the machines'.
 */
import { createHash } from 'node:crypto';
import { initialState, summaryOf, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent } from '../machines/events.js';
import { foldFor } from '../machines/versions.js';
import { stateWords } from '../domain/words/school-state.js';
import { jsonbText } from './jsonb-text.js';
import type { Db } from './db.js';
import { compactRow, upcastRows } from './rules.js';

/** What the replay found of one school. */
export interface StreamReplay {
  urn: string;
  /** Events folded. */
  events: number;
  /** The state after the last event; null when an event did not replay. */
  state: PersistedPathway | null;
  /** The first thing found wrong, or null. */
  problem: { version: number; what: string } | null;
  /** The kept states compared: by digest alone (equal), or read whole (the digest differed, or an old row's own state). */
  compared: { byDigest: number; whole: number };
}

export interface ReplayOptions {
  /** Only these schools; default every school with events. */
  urns?: readonly string[];
  /** Events per query; default 2,000. */
  batch?: number;
  /** Called after each batch: events folded so far. */
  onProgress?: (events: number) => void;
}

interface Row {
  urn: string;
  version: number;
  type: string;
  machine_version: string;
  payload: unknown;
  state: unknown;
}

/**
 * A state kept for a school at one version: a periodic snapshot or the
 * current state in `streams`, as the sha256 of the text Postgres gives of
 * its jsonb. The state itself is read only when the digest of the fold's
 * state in that text form differs: a kept state is as large as a school's
 * events, and reading them all doubled the check's time.
 */
interface Kept {
  version: number;
  digest: string;
  table: 'snapshots' | 'streams';
  where: string;
}

/** A kept state whose digest the fold's state did not match: read whole and compared exactly before it is called different. */
interface Suspect {
  kept: Kept;
  state: PersistedPathway;
}

/** The same state in the words a person reads, and where two states first differ. Pure. */
function difference(replayed: PersistedPathway, stored: unknown): string {
  const s = stored as PersistedPathway;
  const say = (p: PersistedPathway) => stateWords(summaryOf(p));
  const a = say(replayed);
  let b: string;
  try {
    b = say(s);
  } catch {
    b = 'a state the machines cannot read';
  }
  if (a !== b) return `the rules give ${a}, the database keeps ${b}`;
  return `both read ${a}, but they differ in ${firstDifference(replayed, stored).replace(/^state\./, '')}`;
}

/** The first path (dotted) at which two JSON values differ. Pure. */
function firstDifference(a: unknown, b: unknown, path = 'state'): string {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return path;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (!sameJson(x, y)) return firstDifference(x, y, Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
  }
  return path;
}

/**
 * Whether two JSON values are equal as JSON (key order aside, a key holding
 * undefined the same as no key). Pure. A structural walk, not canonicalJson
 * of both: the check compares several states of every school.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    n++;
    if (!sameJson(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

/** The digest the database gives of a kept state (`sha256` of its jsonb text), computed from a state here. Pure. */
function digestOf(state: unknown): string {
  return createHash('sha256').update(jsonbText(state)).digest('hex');
}

/** One school's replay, fed its events in version order, batch by batch. */
class StreamFold {
  events = 0;
  state: PersistedPathway | null;
  problem: StreamReplay['problem'] = null;
  /** Kept states whose digest differed, to be read whole (replayStreams does, between batches). */
  suspects: Suspect[] = [];
  /** Kept states found equal by digest, and read whole. */
  compared = { byDigest: 0, whole: 0 };
  private version = 0;
  private readonly keptAt: Set<number>;

  constructor(
    readonly urn: string,
    /** The states kept for it, in version order. */
    private readonly kept: Kept[],
  ) {
    this.state = initialState(urn);
    this.keptAt = new Set(kept.map((k) => k.version));
  }

  /** Folds this school's next rows (version order), checking each kept state on the way. */
  take(rows: readonly Row[]): void {
    let i = 0;
    while (i < rows.length && this.state !== null) {
      const first = rows[i]!;
      if (first.version !== this.version + 1) return this.stop(first.version, `the log has no version ${this.version + 1}: its versions go from ${this.version} to ${first.version}`);
      // A run: consecutive rows of one machine version, ending at a row whose state is kept (compared after it).
      let j = i + 1;
      while (j < rows.length && rows[j]!.machine_version === first.machine_version && rows[j]!.version === rows[j - 1]!.version + 1 && !this.checked(rows[j - 1]!)) j++;
      const run = rows.slice(i, j);
      const fold = foldFor(first.machine_version);
      try {
        this.state = fold(this.urn, run.map((r) => r.payload as PathwayEvent), this.state);
      } catch {
        // The fold left the state before the run as it was: fold again one event at a time to name the one refused.
        return this.refused(fold, run);
      }
      const last = run[run.length - 1]!;
      this.version = last.version;
      this.events += run.length;
      if (last.state != null) this.compare(last.version, last.state, 'the state stored with the event');
      while (this.kept.length > 0 && this.kept[0]!.version <= this.version) this.check(this.kept.shift()!);
      i = j;
    }
  }

  /** After the school's last event (its suspects read): a state kept for a later version means the log lost events. */
  finish(): StreamReplay {
    const beyond = this.kept.find((k) => k.version > this.version);
    if (beyond && this.state !== null) this.fail(beyond.version, `${beyond.where} is for version ${beyond.version}, but the log ends at version ${this.version}`);
    return { urn: this.urn, events: this.events, state: this.state, problem: this.problem, compared: { ...this.compared } };
  }

  private checked(row: Row): boolean {
    return row.state != null || this.keptAt.has(row.version);
  }

  /** Compares a kept state, read whole, with `state` (the fold's at its version). */
  compare(version: number, stored: unknown, where: string, state: PersistedPathway | null = this.state): void {
    this.compared.whole++;
    if (state !== null && !sameJson(state, stored)) this.fail(version, `${where} at version ${version} is not what the events give: ${difference(state, stored)}`);
  }

  private check(k: Kept): void {
    if (this.state === null) return;
    // Kept states hold the programme by reference (store/rules.ts), as they were written; a current state
    // saved before 2026-12-04 holds a copy of it, and is tried in that form before it is read whole.
    const equal = digestOf(compactRow(undefined, this.state).state) === k.digest || (k.table === 'streams' && digestOf(this.state) === k.digest);
    if (equal) this.compared.byDigest++;
    else this.suspects.push({ kept: k, state: this.state });
  }

  private refused(fold: ReturnType<typeof foldFor>, run: readonly Row[]): void {
    let state = this.state!;
    for (const r of run) {
      try {
        state = fold(this.urn, [r.payload as PathwayEvent], state);
      } catch (err) {
        return this.stop(r.version, `version ${r.version} (${r.type}) does not replay: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.stop(run[0]!.version, `the events from version ${run[0]!.version} do not replay together though each does alone`);
  }

  /** A problem after which nothing more of the school can be replayed. */
  private stop(version: number, what: string): void {
    this.fail(version, what);
    this.state = null;
  }

  /** Keeps the earliest problem by version (a kept state read whole after later events were folded may be earlier). */
  private fail(version: number, what: string): void {
    if (this.problem === null || version < this.problem.version) this.problem = { version, what };
  }
}

/**
 * Replays every school's events (or `urns`'), one school after another in
 * URN order, and yields each school's result when its last event is folded.
 * Not pure (reads the database).
 */
export async function* replayStreams(db: Db, options: ReplayOptions = {}): AsyncGenerator<StreamReplay> {
  const batch = options.batch ?? 2000;
  const only = options.urns ? [...new Set(options.urns)].sort() : null;
  const read = (urn: string, version: number) => {
    const rows = db
      .query<Row>(
        `SELECT urn, version, type, machine_version, payload, state FROM events
          WHERE (urn, version) > ($1, $2) ${only ? 'AND urn = ANY($4::text[])' : ''}
          ORDER BY urn, version LIMIT $3`,
        only ? [urn, version, batch, only] : [urn, version, batch],
      )
      .then((r) => r.rows);
    rows.catch(() => undefined);
    return rows;
  };
  let current = null as StreamFold | null;
  let events = 0;
  let next = read('', 0);
  try {
    for (;;) {
      const rows = await next;
      const full = rows.length === batch;
      if (full) next = read(rows[rows.length - 1]!.urn, rows[rows.length - 1]!.version);
      await upcastRows(db, rows);
      const kept = await keptStates(db, [...new Set(rows.map((r) => r.urn))].filter((u) => u !== current?.urn));
      for (let i = 0; i < rows.length; ) {
        const urn = rows[i]!.urn;
        let j = i;
        while (j < rows.length && rows[j]!.urn === urn) j++;
        if (current?.urn !== urn) {
          if (current) yield current.finish();
          current = new StreamFold(urn, kept.get(urn) ?? []);
        }
        current.take(rows.slice(i, j));
        await readSuspects(db, current);
        i = j;
      }
      events += rows.length;
      options.onProgress?.(events);
      if (!full) break;
    }
    if (current) yield current.finish();
  } finally {
    // A reader that stopped early leaves the next page being read: its connection comes back before this returns.
    await next.catch(() => undefined);
  }
}

/** The digests of the periodic snapshots and the current state of these schools, by school, in version order. Not pure. */
async function keptStates(db: Db, urns: string[]): Promise<Map<string, Kept[]>> {
  const out = new Map<string, Kept[]>();
  if (urns.length === 0) return out;
  const r = await db.query<{ urn: string; version: number; digest: string; kept: 'snapshots' | 'streams' }>(
    `SELECT urn, version, encode(sha256(convert_to(state::text, 'UTF8')), 'hex') AS digest, 'snapshots' AS kept FROM snapshots WHERE urn = ANY($1::text[])
     UNION ALL
     SELECT urn, version, encode(sha256(convert_to(snapshot::text, 'UTF8')), 'hex'), 'streams' FROM streams WHERE urn = ANY($1::text[])`,
    [urns],
  );
  for (const x of r.rows) push(out, x.urn, { version: x.version, digest: x.digest, table: x.kept, where: x.kept === 'snapshots' ? 'the snapshot kept' : 'the current state kept' });
  // At one version a snapshot comes before the current state: the first difference named is the earlier kept.
  for (const list of out.values()) list.sort((a, b) => a.version - b.version || (a.table === b.table ? 0 : a.table === 'snapshots' ? -1 : 1));
  return out;
}

/** Reads whole the kept states whose digest differed, and compares them exactly. Not pure. */
async function readSuspects(db: Db, fold: StreamFold): Promise<void> {
  for (const { kept, state } of fold.suspects.splice(0)) {
    const sql = kept.table === 'snapshots' ? 'SELECT state, NULL AS payload FROM snapshots WHERE urn = $1 AND version = $2' : 'SELECT snapshot AS state, NULL AS payload FROM streams WHERE urn = $1 AND version = $2';
    const rows = (await db.query<{ state: unknown; payload: unknown }>(sql, [fold.urn, kept.version])).rows;
    await upcastRows(db, rows);
    fold.compare(kept.version, rows[0]?.state ?? null, kept.where, state);
  }
}

function push(map: Map<string, Kept[]>, urn: string, k: Kept): void {
  const list = map.get(urn);
  if (list) list.push(k);
  else map.set(urn, [k]);
}
