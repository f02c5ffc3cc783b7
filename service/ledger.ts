/**
 * The funding ledger as an auditor reads it: every grant paid to a school of
 * the hubs the reader may see, with the school, programme, year, amount, the
 * event that released it and when it was paid; and the same as CSV. A
 * payment of a school outside the reader's hubs is never read into the
 * result. Not pure (database and engine I/O) but for the functions marked
 * pure.
 */
import { payments } from '../store/ledger.js';
import { releasingEvents } from '../store/ledger-events.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { catalogue } from '../domain/catalogue/programmes.js';
import { AcademicYear } from '../domain/catalogue/schema.js';
import { ValidationError } from '../domain/errors.js';
import { csvCell } from '../domain/words/csv.js';
import { hubIdOf, hubLabel } from './access.js';
import type { Principal, Service } from './context.js';
import { describeEvent, type KnownSession } from './event-words.js';
import { listSchools } from './schools.js';

export interface LedgerRow {
  key: string;
  urn: string;
  school: string;
  /** The hub's id and its name ("East Midlands East"). */
  hubId: string | null;
  hub: string;
  programmeId: string;
  programme: string;
  academicYear: string;
  amountPence: number;
  /** When it was paid: the school time of the event that released it. */
  paidAt: string;
  /** When the payment was carried out (wall clock), beside paidAt; null when not known. */
  recordedAt: string | null;
  /** The event that released the payment: its number in the school's history, in words, and when it happened. */
  releasedBy: { number: number; what: string; occurredAt: string } | null;
}

export interface LedgerFilter {
  /** An academic year, e.g. "2026/27". */
  year?: string;
  /** A hub id or name; default every hub the reader may see. */
  hub?: string;
  /** One school's URN. */
  urn?: string;
}

export interface Ledger {
  rows: LedgerRow[];
  totalPence: number;
  /** Academic years with payments among the reader's schools (newest first), for the filter. */
  years: string[];
  /** How many schools of the reader's hubs the ledger covers. */
  schools: number;
}

const programmeNames = new Map(catalogue.map((p) => [p.id, p.name]));

/** The event that released each payment (by key), in words. Not pure (reads the event log). */
export async function releasedBy(svc: Service, keys: readonly string[]): Promise<Map<string, NonNullable<LedgerRow['releasedBy']>>> {
  const events = await releasingEvents(svc.db, keys);
  const out = new Map<string, NonNullable<LedgerRow['releasedBy']>>();
  for (const [key, e] of events) {
    const sessions: KnownSession[] = e.sessions.map((k) => ({ id: k.id, kind: k.kind, at: k.at, cancelled: k.status === 'cancelled' }));
    out.set(key, { number: e.version, what: describeEvent(e.type, (e.payload ?? {}) as Record<string, unknown>, sessions), occurredAt: e.occurredAt });
  }
  return out;
}

/** The year filter checked: "2026/27", or a ValidationError naming the field. Pure. */
export function ledgerYear(value: string): string {
  const r = AcademicYear.safeParse(value);
  if (!r.success) throw new ValidationError([{ path: 'year', message: 'must be an academic year like 2026/27', value, severity: 'error' }], 'ledger filter');
  return r.data;
}

/** Every payment to a school of the hubs `p` may read, oldest first. Not pure. */
export async function fundingLedger(svc: Service, p: Principal, filter: LedgerFilter = {}): Promise<Ledger> {
  const year = filter.year === undefined ? undefined : ledgerYear(filter.year);
  // The reader's schools first: a payment to any other school is dropped before anything else is read about it.
  const schools = (await listSchools(svc, p, filter.hub === undefined ? {} : { hub: filter.hub })).filter((s) => filter.urn === undefined || s.urn === filter.urn);
  const byUrn = new Map(schools.map((s) => [s.urn, s]));
  const all = (await payments(svc.db, filter.urn === undefined ? {} : { urn: filter.urn })).filter((x) => byUrn.has(x.urn));
  const years = [...new Set(all.map((x) => x.academicYear))].sort().reverse();
  const paid = year === undefined ? all : all.filter((x) => x.academicYear === year);
  const released = await releasedBy(svc, paid.map((x) => x.key));
  const rows = paid.map((x): LedgerRow => {
    const s = byUrn.get(x.urn)!;
    const hubId = hubIdOf(s.hub);
    const hub = hubId ? findHub(hubId) : undefined;
    return {
      key: x.key,
      urn: x.urn,
      school: s.name ?? x.urn,
      hubId,
      hub: hub ? hubLabel(hub) : (s.hub ?? ''),
      programmeId: x.programmeId,
      programme: programmeNames.get(x.programmeId) ?? (s.programmeId === x.programmeId ? (s.programmeName ?? x.programmeId) : x.programmeId),
      academicYear: x.academicYear,
      amountPence: x.amountPence,
      paidAt: x.paidAt,
      recordedAt: x.recordedAt,
      releasedBy: released.get(x.key) ?? null,
    };
  });
  return { rows, totalPence: rows.reduce((n, r) => n + r.amountPence, 0), years, schools: schools.length };
}

export { csvCell };

/** The ledger as CSV with a header row, CRLF line ends (RFC 4180). Pure. */
export function ledgerCsv(rows: readonly LedgerRow[], dateOf: (instant: string) => string): string {
  const header = ['URN', 'School', 'Maths Hub', 'Programme', 'Academic year', 'Amount (GBP)', 'Amount (pence)', 'Paid on', 'Released by event', 'What released it', 'Event happened', 'Payment reference', 'Carried out (UTC)'];
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.urn,
        r.school,
        r.hub,
        r.programme,
        r.academicYear,
        (r.amountPence / 100).toFixed(2),
        r.amountPence,
        dateOf(r.paidAt),
        r.releasedBy ? String(r.releasedBy.number) : '',
        r.releasedBy?.what ?? '',
        r.releasedBy ? dateOf(r.releasedBy.occurredAt) : '',
        r.key,
        r.recordedAt ?? '',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
