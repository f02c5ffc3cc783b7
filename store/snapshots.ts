/**
 * Periodic snapshots of a stream's state (migration 023). An event row holds
 * no state of its own any more; a fold that wants the state at some version
 * starts from the nearest snapshot at or before it instead of version 1.
 * Kept every SNAPSHOT_EVERY events of a stream and where a school's year
 * ends (its evaluation, or YEAR_ENDED for a school the year passed by),
 * written in the same transaction as the event. Derived data: the hash
 * chain does not cover them; the audit's replay check compares each one
 * with the fold of the events (host/history.ts). Not pure (database I/O)
 * apart from snapshotDue.
 */
import type { Db } from './db.js';
import { compactRow, keepRules, upcastRows } from './rules.js';

/** A snapshot every this many events of a stream. */
export const SNAPSHOT_EVERY = 50;

/** The events that end a school's year: its evaluation (the year completed), or the year's end passing it by (overdue). */
const YEAR_ENDS = new Set(['EVALUATION_SUBMITTED', 'YEAR_ENDED']);

/** Whether the event at `version` of type `type` gets a snapshot: every SNAPSHOT_EVERY events, and where a school's year ends. Pure. */
export function snapshotDue(version: number, type: string): boolean {
  return version % SNAPSHOT_EVERY === 0 || YEAR_ENDS.has(type);
}

export interface Snapshot {
  urn: string;
  version: number;
  machineVersion: string;
  state: unknown;
}

/**
 * Stores snapshots (the programme by reference, as event rows keep it) in the
 * caller's transaction, one statement for any number; a snapshot already
 * there is left as it is. Not pure.
 */
export async function keepSnapshots(tx: Db, snapshots: readonly Snapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  const compact = snapshots.map((s) => compactRow(undefined, s.state));
  await keepRules(tx, compact.flatMap((c) => [...c.rules.values()]));
  await tx.query(
    `INSERT INTO snapshots (urn, version, machine_version, state)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::jsonb[])
     ON CONFLICT DO NOTHING`,
    [snapshots.map((s) => s.urn), snapshots.map((s) => s.version), snapshots.map((s) => s.machineVersion), compact.map((c) => JSON.stringify(c.state))],
  );
}

interface SnapshotRow {
  version: number;
  machine_version: string;
  state: unknown;
}

/** Rows as read, with the programme upcast (store/rules.ts). Not pure. */
async function toSnapshots(db: Db, urn: string, rows: SnapshotRow[]): Promise<Snapshot[]> {
  const out = rows.map((x) => ({ urn, version: x.version, machineVersion: x.machine_version, state: x.state, payload: undefined as unknown }));
  await upcastRows(db, out);
  return out.map(({ payload: _payload, ...snapshot }) => snapshot);
}

/** A stream's snapshots in version order, up to `toVersion` when given. Not pure. */
export async function readSnapshots(db: Db, urn: string, toVersion?: number): Promise<Snapshot[]> {
  const r = await db.query<SnapshotRow>(
    'SELECT version, machine_version, state FROM snapshots WHERE urn = $1 AND ($2::int IS NULL OR version <= $2::int) ORDER BY version',
    [urn, toVersion ?? null],
  );
  return toSnapshots(db, urn, r.rows);
}

/** The latest snapshot at or before `version`, or null. Not pure. */
export async function nearestSnapshot(db: Db, urn: string, version: number): Promise<Snapshot | null> {
  const r = await db.query<SnapshotRow>('SELECT version, machine_version, state FROM snapshots WHERE urn = $1 AND version <= $2 ORDER BY version DESC LIMIT 1', [urn, version]);
  return (await toSnapshots(db, urn, r.rows))[0] ?? null;
}
