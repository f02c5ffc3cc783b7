/**
 * A school's audit history read from the Postgres event log: the entries up
 * to a date, the state then as the fold of those entries through the
 * machines, the hash-chain check and the replay check. Both hosts read the
 * history this way (the log is the audit record on both). Not pure (reads
 * the database).
 */
import { initialState, summaryOf, type PersistedPathway } from '../machines/decide.js';
import { Instant, type PathwayEvent } from '../machines/events.js';
import { londonEndOfDay } from '../machines/time.js';
import { parseOrThrow, UnknownSchoolError } from '../domain/errors.js';
import type { Db } from '../store/db.js';
import { readStream } from '../store/event-log.js';
import { readSnapshots } from '../store/snapshots.js';
import { checkStream, type SignOff } from '../store/tamper.js';
import { canonicalJson } from '../store/hash.js';
import type { History, HistoryEntry } from './engine.js';
import { foldFor } from '../machines/versions.js';

/** A history with the check that replaying the stored events, each by the machine version and rules it recorded, gives the stored states. */
export type CheckedHistory = History & {
  /** Every stored state (an old row's, or a snapshot) equals the fold of the events before it. */
  replayMatches: boolean;
  /** The first event that no longer replays, or null. */
  replayError: string | null;
  /** Breaks of the chain an admin has signed off (writes resumed after each); `tampered` is an open one. */
  signedOff: SignOff[];
};

/**
 * A school's audit history from the Postgres event log, up to `at` when given
 * (school time): the entries, the state then as the fold of those entries,
 * the hash-chain check and the replay check. The same reading as the
 * embedded host's. Not pure (reads the database).
 */
export async function historyFromLog(db: Db, urn: string, at?: string): Promise<CheckedHistory> {
  // A date means the end of that London day; otherwise an ISO instant.
  const until = at === undefined ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(at) ? londonEndOfDay(at) : parseOrThrow(Instant, at, 'at');
  const [events, tamper, first, snapshots] = await Promise.all([
    readStream(db, urn, until === undefined ? {} : { until }),
    // Also records a new finding, which stops the school's writes (store/tamper.ts).
    checkStream(db, urn),
    readStream(db, urn, { toVersion: 1 }),
    // Compact rows store no state (migration 023): the replay is checked against the periodic snapshots instead.
    readSnapshots(db, urn).then((list) => new Map(list.map((s) => [s.version, s.state]))),
  ]);
  const tampered = tamper.tampered ? { version: tamper.tampered.atVersion, reason: tamper.tampered.reason } : null;
  if (first.length === 0) throw new UnknownSchoolError(urn);
  let state: PersistedPathway = initialState(urn);
  let replayMatches = true;
  let replayError: string | null = null;
  const entries: HistoryEntry[] = [];
  // A date cut leaves out an event dated after it even when it was recorded before an event kept (a late
  // timer, an event back-dated within its phase): stored states written after it cannot be compared.
  let lastVersion = 0;
  let prefix = true;
  for (const e of events) {
    if (e.version !== ++lastVersion) prefix = false;
    lastVersion = e.version;
    if (replayError === null) {
      try {
        // The machine that decided it, and the rules it recorded (store/rules.ts: fetched by reference, or an old row's copy).
        state = foldFor(e.machineVersion)(urn, [e.payload as PathwayEvent], state);
      } catch (err) {
        // A changed event may no longer replay: show the stored states from there on, and say so.
        replayError = `version ${e.version} (${e.type}) does not replay: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    const stored = e.state ?? snapshots.get(e.version) ?? null;
    if (replayError !== null && stored !== null) state = stored as PersistedPathway;
    if (prefix && (replayError !== null || (stored !== null && canonicalJson(state) !== canonicalJson(stored)))) replayMatches = false;
    const { phase, status } = summaryOf(state);
    entries.push({
      urn,
      version: e.version,
      position: e.position,
      type: e.type,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      actor: e.actor,
      machineVersion: e.machineVersion,
      payload: e.payload,
      phase,
      status,
    });
  }
  return { urn, entries, stateAt: entries.length > 0 ? summaryOf(state) : null, tampered, replayMatches, replayError, signedOff: tamper.signedOff };
}

