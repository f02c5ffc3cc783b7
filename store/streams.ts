/**
 * The current state of each school's stream: latest snapshot plus a summary
 * record whose known fields are columns that listings filter on. A projection
 * of the event log, saved in the same transaction as the append. Not pure.
 */
import { VersionConflictError } from '../domain/errors.js';
import type { Db } from './db.js';
import { Checks } from './input.js';
import { compactRow, keepRules, upcastStates } from './rules.js';

/**
 * The summary fields the store indexes. A caller's summary may carry any other
 * fields too; the whole record is stored and given back as it was saved.
 */
export interface StreamSummary {
  route?: string | null;
  hub?: string | null;
  phase?: string | null;
  status?: string | null;
  programmeId?: string | null;
  academicYear?: string | null;
  groupId?: string | null;
  overdue?: boolean | null;
}

export interface SaveStreamInput<S extends StreamSummary = StreamSummary> {
  urn: string;
  version: number;
  snapshot: unknown;
  summary: S;
}

export interface StoredStream<S = StreamSummary> {
  urn: string;
  version: number;
  snapshot: unknown;
  summary: S;
  /** When it was last saved (database clock), ISO UTC. */
  updatedAt: string;
}

export type ListedStream<S = StreamSummary> = Omit<StoredStream<S>, 'snapshot'>;

/** Filters for listStreams; every field given must match. Same shape as host/engine.ts SchoolFilter. */
export interface StreamFilter {
  hub?: string;
  phase?: string;
  programmeId?: string;
  academicYear?: string;
  groupId?: string;
  status?: string;
  overdue?: boolean;
  /** Only streams whose urn sorts after this one (paging). */
  afterUrn?: string;
  /** At most this many, in urn order. */
  limit?: number;
}

/**
 * Writes a stream's snapshot and summary at `version`. Overwriting with the
 * same version is allowed (rebuilding a projection); an older version than the
 * one saved throws VersionConflictError and changes nothing. The snapshot's
 * programme is kept by reference, as the periodic snapshots keep it (its
 * rules into the rules table in the same transaction); loadStream gives it
 * back whole. Not pure.
 */
export async function saveStream<S extends StreamSummary>(db: Db, input: SaveStreamInput<S>): Promise<void> {
  const c = new Checks('stream');
  c.text('urn', input.urn);
  c.wholeNumber('version', input.version, 1);
  const compact = compactRow(undefined, input.snapshot);
  const snapshotJson = c.json('snapshot', compact.state);
  const summaryJson = c.json('summary', input.summary);
  if (input.summary === null || typeof input.summary !== 'object' || Array.isArray(input.summary)) c.add('summary', 'must be an object', undefined);
  else {
    for (const field of ['route', 'hub', 'phase', 'status', 'programmeId', 'academicYear', 'groupId'] as const) {
      const v = input.summary[field];
      if (v !== undefined && v !== null && typeof v !== 'string') c.add(`summary.${field}`, 'must be a string or null', v);
    }
    const o = input.summary.overdue;
    if (o !== undefined && o !== null && typeof o !== 'boolean') c.add('summary.overdue', 'must be true or false', o);
  }
  c.done();
  await keepRules(db, compact.rules.values());
  const s = input.summary;
  const r = await db.query(
    `INSERT INTO streams (urn, version, snapshot, summary, route, hub, phase, status, programme_id, academic_year, group_id, overdue, updated_at)
     VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, now())
     ON CONFLICT (urn) DO UPDATE SET
       version = EXCLUDED.version, snapshot = EXCLUDED.snapshot, summary = EXCLUDED.summary,
       route = EXCLUDED.route, hub = EXCLUDED.hub, phase = EXCLUDED.phase, status = EXCLUDED.status,
       programme_id = EXCLUDED.programme_id, academic_year = EXCLUDED.academic_year, group_id = EXCLUDED.group_id,
       overdue = EXCLUDED.overdue, updated_at = EXCLUDED.updated_at
     WHERE streams.version <= EXCLUDED.version`,
    [
      input.urn, input.version, snapshotJson, summaryJson,
      s.route ?? null, s.hub ?? null, s.phase ?? null, s.status ?? null,
      s.programmeId ?? null, s.academicYear ?? null, s.groupId ?? null, s.overdue ?? false,
    ],
  );
  if (r.rowCount === 0) {
    const current = (await db.query<{ version: number }>('SELECT version FROM streams WHERE urn = $1', [input.urn])).rows[0]?.version ?? 0;
    throw new VersionConflictError(input.urn, input.version, current);
  }
}

interface StreamRow {
  urn: string;
  version: number;
  snapshot?: unknown;
  summary: unknown;
  updated_at: string;
}

/**
 * A stream's saved state, or null when the urn has none, its programme whole
 * (a row saved before 2026-12-04 holds a copy, a later one a reference). With
 * forUpdate (inside a transaction) the row stays locked against other writers
 * until it ends. Not pure.
 */
export async function loadStream<S = StreamSummary>(db: Db, urn: string, options: { forUpdate?: boolean } = {}): Promise<StoredStream<S> | null> {
  const r = await db.query<StreamRow>(
    `SELECT urn, version, snapshot, summary, updated_at FROM streams WHERE urn = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [urn],
  );
  const row = r.rows[0];
  if (!row) return null;
  const [snapshot] = await upcastStates(db, [row.snapshot]);
  return { urn: row.urn, version: row.version, snapshot, summary: row.summary as S, updatedAt: row.updated_at };
}

/** Streams matching every given filter field, in urn order, without their snapshots. Not pure. */
export async function listStreams<S = StreamSummary>(db: Db, filter: StreamFilter = {}): Promise<ListedStream<S>[]> {
  const c = new Checks('filter');
  if (filter.limit !== undefined) c.wholeNumber('limit', filter.limit, 1);
  if (filter.overdue !== undefined && typeof filter.overdue !== 'boolean') c.add('overdue', 'must be true or false', filter.overdue);
  c.done();
  const where: string[] = [];
  const params: unknown[] = [];
  const eq = (column: string, value: unknown): void => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  eq('hub', filter.hub);
  eq('phase', filter.phase);
  eq('programme_id', filter.programmeId);
  eq('academic_year', filter.academicYear);
  eq('group_id', filter.groupId);
  eq('status', filter.status);
  eq('overdue', filter.overdue);
  if (filter.afterUrn !== undefined) {
    params.push(filter.afterUrn);
    where.push(`urn > $${params.length}`);
  }
  let sql = `SELECT urn, version, summary, updated_at FROM streams${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY urn`;
  if (filter.limit !== undefined) {
    params.push(filter.limit);
    sql += ` LIMIT $${params.length}`;
  }
  const r = await db.query<StreamRow>(sql, params);
  return r.rows.map((row) => ({ urn: row.urn, version: row.version, summary: row.summary as S, updatedAt: row.updated_at }));
}
