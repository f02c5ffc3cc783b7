/**
 * Copies of submitted application forms (table application_forms, migration
 * 013), keyed by school and programme. Not pure (database I/O).
 */
import type { Db } from '../db.js';

export interface StoredForm {
  urn: string;
  programmeId: string;
  kind: string;
  form: unknown;
  submittedOn: string;
  recordedAt: string;
  recordedBy: string;
}

interface FormRow {
  urn: string;
  programme_id: string;
  kind: string;
  form: unknown;
  submitted_on: string;
  recorded_at: string;
  recorded_by: string;
}

/** Keeps the form of an application (a later form for the same programme replaces it). Not pure. */
export async function saveForm(db: Db, f: Omit<StoredForm, 'recordedAt'>): Promise<void> {
  await db.query(
    `INSERT INTO application_forms (urn, programme_id, kind, form, submitted_on, recorded_by) VALUES ($1, $2, $3, $4::jsonb, $5, $6)
     ON CONFLICT (urn, programme_id) DO UPDATE SET kind = EXCLUDED.kind, form = EXCLUDED.form, submitted_on = EXCLUDED.submitted_on, recorded_by = EXCLUDED.recorded_by, recorded_at = now()`,
    [f.urn, f.programmeId, f.kind, JSON.stringify(f.form), f.submittedOn, f.recordedBy],
  );
}

/** The form a school sent for a programme, or null. Not pure. */
export async function formFor(db: Db, urn: string, programmeId: string): Promise<StoredForm | null> {
  const r = await db.query<FormRow>('SELECT urn, programme_id, kind, form, submitted_on, recorded_at, recorded_by FROM application_forms WHERE urn = $1 AND programme_id = $2', [urn, programmeId]);
  const row = r.rows[0];
  return row ? { urn: row.urn, programmeId: row.programme_id, kind: row.kind, form: row.form, submittedOn: row.submitted_on, recordedAt: row.recorded_at, recordedBy: row.recorded_by } : null;
}
