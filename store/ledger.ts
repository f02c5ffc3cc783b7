/**
 * The funding ledger: grant payments, at most one per school, programme and
 * academic year, and at most one per effect key. Each payment is dated at the
 * school time of the event that released it (`paidAt`) and carries the
 * wall-clock time it was carried out (`recordedAt`) and that event's version
 * in the school's history. Not pure.
 */
import { createHash } from 'node:crypto';
import type { Db } from './db.js';
import type { PersistedPathway } from '../machines/decide.js';
import { statesOf } from './states.js';
import { Checks } from './input.js';

export interface PaymentInput {
  /** The funding effect's idempotency key. */
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  amountPence: number;
  reason: string;
  /**
   * ISO instant with offset: when the grant was released in school time.
   * Default: the time of the event that released it, found in the school's
   * history (the first event whose stored state shows this programme's grant
   * paid); when the log holds no such event, now (database clock).
   */
  paidAt?: string;
  /** The version of the releasing event in the school's history; default: found with paidAt. */
  releasedByVersion?: number;
}

export interface Payment {
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  amountPence: number;
  reason: string;
  /** School time of the releasing event. */
  paidAt: string;
  /** Wall-clock time the payment was carried out (database clock). */
  recordedAt: string;
  /** The releasing event's version in the school's history, when known. */
  releasedByVersion: number | null;
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
  paid_at: string | Date;
  recorded_at: string | Date;
  released_by_version: number | null;
}

const COLUMNS = 'key, urn, programme_id, academic_year, amount_pence, reason, paid_at, recorded_at, released_by_version';

const iso = (v: string | Date) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

const toPayment = (r: PaymentRow): Payment => ({
  key: r.key,
  urn: r.urn,
  programmeId: r.programme_id,
  academicYear: r.academic_year,
  amountPence: r.amount_pence,
  reason: r.reason,
  paidAt: iso(r.paid_at),
  recordedAt: iso(r.recorded_at),
  releasedByVersion: r.released_by_version,
});

/**
 * The event that released a school's grant for a programme and year: the
 * first after which the school's state shows the grant paid (an old row's
 * stored state, else the fold of the events: store/states.ts). Both hosts
 * record the event before they carry out its effects, so it is there when
 * the payment is made. Null when the log holds none. Not pure.
 */
export async function releasingEventOf(db: Db, urn: string, programmeId: string, academicYear: string): Promise<{ version: number; occurredAt: string } | null> {
  const { events, states } = await statesOf(db, urn);
  for (const e of events) {
    const st = states.get(e.version);
    if (st && showsGrantPaid(st, programmeId, academicYear)) return { version: e.version, occurredAt: iso(e.occurredAt) };
  }
  return null;
}

/** Whether a state shows the grant of this programme and year paid. Pure. */
export function showsGrantPaid(state: PersistedPathway, programmeId: string, academicYear: string): boolean {
  const ctx = state.context as { programme?: { id?: string; academicYear?: string }; fundingPaidPence?: number } | undefined;
  return ctx?.programme?.id === programmeId && ctx.programme.academicYear === academicYear && (ctx.fundingPaidPence ?? 0) > 0;
}

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
  let paidAt = input.paidAt === undefined ? null : c.instant('paidAt', input.paidAt);
  let version = input.releasedByVersion === undefined ? null : c.wholeNumber('releasedByVersion', input.releasedByVersion, 1);
  c.done();
  if (paidAt === null) {
    const released = await releasingEventOf(db, input.urn, input.programmeId, input.academicYear);
    if (released) {
      paidAt = released.occurredAt;
      version ??= released.version;
    }
  }
  const inserted = await db.query<PaymentRow>(
    `INSERT INTO funding_ledger (key, urn, programme_id, academic_year, amount_pence, reason, paid_at, released_by_version)
     VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()), $8)
     ON CONFLICT DO NOTHING
     RETURNING ${COLUMNS}`,
    [input.key, input.urn, input.programmeId, input.academicYear, input.amountPence, input.reason, paidAt, version],
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
export async function payments(db: Db, filter: PaymentFilter & { urns?: readonly string[] } = {}): Promise<Payment[]> {
  const r = await db.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM funding_ledger
      WHERE ($1::text IS NULL OR urn = $1)
        AND ($2::text IS NULL OR programme_id = $2)
        AND ($3::text IS NULL OR academic_year = $3)
        AND ($4::text[] IS NULL OR urn = ANY($4::text[]))
      ORDER BY paid_at, key`,
    [filter.urn ?? null, filter.programmeId ?? null, filter.academicYear ?? null, filter.urns ? [...filter.urns] : null],
  );
  return r.rows.map(toPayment);
}

/** A ledger row's columns as its chain hash covers them; instants as whole microseconds since 1970 UTC (text). */
export interface LedgerHashFields {
  id: number;
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  amountPence: number;
  reason: string;
  paidAtMicros: string;
  recordedAtMicros: string;
  releasedByVersion: number | null;
  prevHash: string | null;
}

/**
 * The text a ledger row's hash is taken over: "pathway-ledger/1", then each
 * column as text prefixed by its length in UTF-8 bytes and a colon. The
 * database computes the same text when it chains a row (migration 020,
 * funding_ledger_row_text); this is the independent check. Pure.
 */
export function ledgerRowText(f: LedgerHashFields): string {
  const parts = [String(f.id), f.key, f.urn, f.programmeId, f.academicYear, String(f.amountPence), f.reason, f.paidAtMicros, f.recordedAtMicros, f.releasedByVersion === null ? '' : String(f.releasedByVersion), f.prevHash ?? ''];
  return `pathway-ledger/1${parts.map((p) => `${Buffer.byteLength(p, 'utf8')}:${p}`).join('')}`;
}

/** sha256 (hex) of ledgerRowText. Pure. */
export function ledgerRowHash(f: LedgerHashFields): string {
  return createHash('sha256').update(ledgerRowText(f), 'utf8').digest('hex');
}
