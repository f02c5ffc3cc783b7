/**
 * The funding ledger: grant payments, at most one per school, programme and
 * academic year, and at most one per effect key. Not pure.
 */
import type { Db } from './db.js';
import { Checks } from './input.js';

export interface PaymentInput {
  /** The funding effect's idempotency key. */
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  amountPence: number;
  reason: string;
  /** ISO instant with offset; default: now (database clock). */
  paidAt?: string;
}

export interface Payment {
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  amountPence: number;
  reason: string;
  paidAt: string;
}

export interface PaymentFilter {
  urn?: string;
  programmeId?: string;
  academicYear?: string;
}

interface PaymentRow {
  key: string;
  urn: string;
  programme_id: string;
  academic_year: string;
  amount_pence: number;
  reason: string;
  paid_at: string;
}

const COLUMNS = 'key, urn, programme_id, academic_year, amount_pence, reason, paid_at';

const toPayment = (r: PaymentRow): Payment => ({
  key: r.key,
  urn: r.urn,
  programmeId: r.programme_id,
  academicYear: r.academic_year,
  amountPence: r.amount_pence,
  reason: r.reason,
  paidAt: r.paid_at,
});

/**
 * Records a payment unless this key, or this school's grant for the same
 * programme and year, is already in the ledger. `recorded` says whether this
 * call added it; `payment` is the ledger's row either way (the earlier one
 * when it was not new). Not pure.
 */
export async function recordPayment(db: Db, input: PaymentInput): Promise<{ recorded: boolean; payment: Payment }> {
  const c = new Checks('payment');
  c.text('key', input.key);
  c.text('urn', input.urn);
  c.text('programmeId', input.programmeId);
  c.text('academicYear', input.academicYear);
  c.wholeNumber('amountPence', input.amountPence, 1);
  if (typeof input.amountPence === 'number' && input.amountPence > 2_147_483_647) c.add('amountPence', 'must be at most 2147483647 pence', input.amountPence);
  c.text('reason', input.reason);
  const paidAt = input.paidAt === undefined ? null : c.instant('paidAt', input.paidAt);
  c.done();
  const inserted = await db.query<PaymentRow>(
    `INSERT INTO funding_ledger (key, urn, programme_id, academic_year, amount_pence, reason, paid_at)
     VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()))
     ON CONFLICT DO NOTHING
     RETURNING ${COLUMNS}`,
    [input.key, input.urn, input.programmeId, input.academicYear, input.amountPence, input.reason, paidAt],
  );
  const row = inserted.rows[0];
  if (row) return { recorded: true, payment: toPayment(row) };
  const existing = await db.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM funding_ledger
      WHERE key = $1 OR (urn = $2 AND programme_id = $3 AND academic_year = $4)
      ORDER BY (key = $1) DESC
      LIMIT 1`,
    [input.key, input.urn, input.programmeId, input.academicYear],
  );
  const earlier = existing.rows[0];
  // ON CONFLICT DO NOTHING skipped the row, so a conflicting one is committed and visible.
  if (!earlier) throw new Error(`funding ledger refused payment ${input.key} but holds no conflicting row`);
  return { recorded: false, payment: toPayment(earlier) };
}

/** Payments matching every given filter field, oldest first. Not pure. */
export async function payments(db: Db, filter: PaymentFilter = {}): Promise<Payment[]> {
  const r = await db.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM funding_ledger
      WHERE ($1::text IS NULL OR urn = $1)
        AND ($2::text IS NULL OR programme_id = $2)
        AND ($3::text IS NULL OR academic_year = $3)
      ORDER BY paid_at, key`,
    [filter.urn ?? null, filter.programmeId ?? null, filter.academicYear ?? null],
  );
  return r.rows.map(toPayment);
}
