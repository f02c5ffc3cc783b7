/**
 * Reads for the applications pages, a page of schools at a time: when each
 * school applied (its latest APPLY event) and the stored forms of their
 * applications (table application_forms). One query each, whatever the page
 * size. Not pure (database I/O).
 */
import type { Db } from '../db.js';

/** When each school's latest application was recorded as made (the APPLY event's `at`), by URN. Not pure. */
export async function appliedDates(db: Db, urns: readonly string[]): Promise<Map<string, string>> {
  if (urns.length === 0) return new Map();
  const r = await db.query<{ urn: string; at: string }>(
    `SELECT DISTINCT ON (urn) urn, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
       FROM events WHERE type = 'APPLY' AND urn = ANY($1::text[]) ORDER BY urn, version DESC`,
    [urns],
  );
  return new Map(r.rows.map((x) => [x.urn, x.at]));
}

export interface FormCopy {
  urn: string;
  programmeId: string;
  kind: string;
  form: unknown;
  /** "2026-06-10". */
  submittedOn: string;
}

/** The stored forms of these (school, programme) pairs, keyed "urn programmeId". Not pure. */
export async function formsOf(db: Db, pairs: readonly { urn: string; programmeId: string }[]): Promise<Map<string, FormCopy>> {
  if (pairs.length === 0) return new Map();
  const r = await db.query<{ urn: string; programme_id: string; kind: string; form: unknown; submitted_on: string }>(
    `SELECT f.urn, f.programme_id, f.kind, f.form, f.submitted_on::text AS submitted_on
       FROM application_forms f JOIN unnest($1::text[], $2::text[]) AS want(urn, programme_id) USING (urn, programme_id)`,
    [pairs.map((p) => p.urn), pairs.map((p) => p.programmeId)],
  );
  return new Map(r.rows.map((x) => [`${x.urn} ${x.programme_id}`, { urn: x.urn, programmeId: x.programme_id, kind: x.kind, form: x.form, submittedOn: x.submitted_on }]));
}
