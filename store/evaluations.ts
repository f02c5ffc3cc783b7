/**
 * Evaluation requests: one row per evaluation effect key, asking a school for
 * its end-of-phase evaluation by a date. Not pure.
 */
import type { Db } from './db.js';
import { Checks } from './input.js';

export interface EvaluationRequestInput {
  /** The evaluation effect's idempotency key. */
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  /** ISO instant with offset. */
  dueBy: string;
  /** ISO instant with offset; default: now (database clock). */
  requestedAt?: string;
}

export interface EvaluationRequest {
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  dueBy: string;
  requestedAt: string;
}

interface RequestRow {
  key: string;
  urn: string;
  programme_id: string;
  academic_year: string;
  due_by: string;
  requested_at: string;
}

const COLUMNS = 'key, urn, programme_id, academic_year, due_by, requested_at';

const toRequest = (r: RequestRow): EvaluationRequest => ({
  key: r.key,
  urn: r.urn,
  programmeId: r.programme_id,
  academicYear: r.academic_year,
  dueBy: r.due_by,
  requestedAt: r.requested_at,
});

/** Records an evaluation request unless its key is there already. True if it was new. Not pure. */
export async function recordEvaluationRequest(db: Db, input: EvaluationRequestInput): Promise<boolean> {
  const c = new Checks('evaluation request');
  c.text('key', input.key);
  c.text('urn', input.urn);
  c.text('programmeId', input.programmeId);
  c.text('academicYear', input.academicYear);
  const dueBy = c.instant('dueBy', input.dueBy);
  const requestedAt = input.requestedAt === undefined ? null : c.instant('requestedAt', input.requestedAt);
  c.done();
  const r = await db.query(
    `INSERT INTO evaluation_requests (key, urn, programme_id, academic_year, due_by, requested_at)
     VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()))
     ON CONFLICT (key) DO NOTHING`,
    [input.key, input.urn, input.programmeId, input.academicYear, dueBy, requestedAt],
  );
  return r.rowCount > 0;
}

/** Evaluation requests, for one school or all, oldest first. Not pure. */
export async function evaluationRequests(db: Db, filter: { urn?: string } = {}): Promise<EvaluationRequest[]> {
  const r = await db.query<RequestRow>(
    `SELECT ${COLUMNS} FROM evaluation_requests WHERE ($1::text IS NULL OR urn = $1) ORDER BY requested_at, key`,
    [filter.urn ?? null],
  );
  return r.rows.map(toRequest);
}
