/**
 * What an auditor reads about one school: its state on a date replayed from
 * its events, whether its history is intact (the hash chain, and whether the
 * stored states are what the rules give when run again), every event up to
 * that date in words, and the payments. Readers: auditors, hub staff and
 * admins of the school's hub; anyone else gets ForbiddenError before any of
 * the school's data is read. Not pure (engine and database I/O) but for the
 * functions marked pure.
 */
import type { History } from '../host/engine.js';
import type { SchoolSummary } from '../machines/summary.js';
import { ValidationError } from '../domain/errors.js';
import { payments, type Payment } from '../store/ledger.js';
import { listUsers } from '../store/ops/users.js';
import { schoolMail } from '../store/school-mail.js';
import { hubIdOf } from './access.js';
import type { Principal, Service } from './context.js';
import { entriesInWords, type EntryInWords } from './event-words.js';
import { releasedBy } from './ledger.js';
import { schoolHistory, schoolState } from './schools.js';
import { endOfDayOrInstant } from './time.js';

/** A history as the engines return it: the embedded and Temporal engines add the replay check. */
export type AuditHistory = History & { replayMatches?: boolean; replayError?: string | null };

export interface Verdict {
  intact: boolean;
  /** "The history is intact: 42 events, each linked to the one before." */
  headline: string;
  /** Further sentences (what was checked, what to do). */
  detail: string[];
}

/** Why the hash chain broke, in words, from the store's finding. Pure. */
function breakInWords(t: { version: number; reason: string }): string {
  const v = t.version;
  const range = /versions (\d+) to (\d+)/.exec(t.reason);
  if (/appears more than once/.test(t.reason)) return `event ${v} appears twice`;
  if (/deleted/.test(t.reason) && /missing|log ends/.test(t.reason)) return range ? `events ${range[1]} to ${range[2]} have been deleted` : `event ${v} has been deleted`;
  if (/does not follow|claims a predecessor/.test(t.reason)) return `event ${v} is no longer linked to the one before it, so events before it were deleted, replaced or put in a different order`;
  if (/reordered/.test(t.reason)) return `the events were put in a different order from event ${v}`;
  return `event ${v} does not match what was recorded: it was changed after it was written`;
}

/**
 * The verification verdict in words, from the full history's checks. `events`
 * is how many events the school's history holds. Pure.
 */
export function verdictInWords(h: Pick<AuditHistory, 'tampered' | 'replayMatches' | 'replayError'>, events: number): Verdict {
  const n = `${events} ${events === 1 ? 'event' : 'events'}`;
  if (h.tampered) {
    return {
      intact: false,
      headline: `The history has been altered: ${breakInWords(h.tampered)}.`,
      detail: [
        'Each event is sealed with a code made from its contents and the code of the event before it. The codes no longer match.',
        'Do not rely on this school’s history or its payments until the hub has found out what happened. Keep this report.',
      ],
    };
  }
  if (h.replayMatches === false) {
    const at = /version (\d+)/.exec(h.replayError ?? '')?.[1];
    return {
      intact: false,
      headline: `The events are intact, but running the rules over them again does not give the states that were stored${at ? ` (from event ${at})` : ''}.`,
      detail: ['The record of each event is unchanged. The stored state of the school differs from what the rules now give: check which rules version each event was recorded under.'],
    };
  }
  return {
    intact: true,
    headline: `The history is intact: ${n}, each linked to the one before.`,
    detail: [
      'Each event is sealed with a code made from its contents and the code of the event before it; every code was checked.',
      ...(h.replayMatches === true ? ['Running the rules over the events again gives the same state that was stored after each one.'] : []),
    ],
  };
}

/** A YYYY-MM-DD date that exists, or a ValidationError naming the field. Pure. */
export function auditDate(value: string, field = 'at'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
    throw new ValidationError([{ path: field, message: 'must be a real date, for example 2026-03-27', value, severity: 'error' }], 'date');
  }
  return value;
}

export interface SchoolAudit {
  urn: string;
  /** The school as it is now (name, hub, phase), for headings. */
  now: SchoolSummary;
  hubId: string | null;
  /** The date asked for (YYYY-MM-DD), or null for "today". */
  at: string | null;
  /** The state at the end of that day, or null when the school had no events by then. */
  stateAt: SchoolSummary | null;
  /** The events up to that date, in words. */
  entries: EntryInWords[];
  /** How many events the whole history holds. */
  totalEvents: number;
  verdict: Verdict;
  /** Payments to the school released by that date (by the releasing event's time; the ledger's date otherwise), oldest first. */
  payments: (Payment & { programmeName: string; releasedBy: { number: number; what: string; occurredAt: string } | null })[];
  /** Every payment to the school, whatever the date. */
  allPayments: Payment[];
  /** When the school's first event happened (the earliest date worth asking about). */
  firstEventAt: string | null;
}

/** The names of the people the service knows, by id, for "who". Not pure. */
export async function peopleNames(svc: Service): Promise<Map<string, string>> {
  const users = await listUsers(svc.db, { includeRevoked: true });
  return new Map(users.map((u) => [u.id, u.name]));
}

/**
 * One school's audit: state on `at` (a YYYY-MM-DD London date; none: now),
 * the verdict over its whole history, its events to that date and its
 * payments. Throws ForbiddenError (another hub), UnknownSchoolError,
 * ValidationError (a bad date). Not pure.
 */
export async function schoolAudit(svc: Service, p: Principal, urn: string, at?: string): Promise<SchoolAudit> {
  const date = at === undefined ? undefined : auditDate(at);
  // schoolState checks the reader's hub before anything else is read.
  const current = await schoolState(svc, p, urn);
  const [full, cut, names, paid, mail] = await Promise.all([
    schoolHistory(svc, p, urn) as Promise<AuditHistory>,
    date === undefined ? Promise.resolve(null) : (schoolHistory(svc, p, urn, date) as Promise<AuditHistory>),
    peopleNames(svc),
    payments(svc.db, { urn }),
    // One read of the school's mail, so a reminder says whether an email went out.
    schoolMail(svc.db, urn),
  ]);
  const shown = cut ?? full;
  // Words from the whole walk, so a session keeps its number; then only the events up to the date.
  const upTo = new Set(shown.entries.map((e) => e.version));
  const words = entriesInWords(full.entries, names, { urn, mail }).filter((e) => upTo.has(e.number));
  const programmeNames = new Map<string, string>();
  for (const e of full.entries) {
    const prog = (e.payload as { programme?: { id?: string; name?: string } } | null)?.programme;
    if (prog?.id && prog.name) programmeNames.set(prog.id, prog.name);
  }
  const released = await releasedBy(svc, paid.map((x) => x.key));
  const until = date === undefined ? Infinity : Date.parse(endOfDayOrInstant(date));
  return {
    urn,
    now: current.summary,
    hubId: hubIdOf(current.summary.hub),
    at: date ?? null,
    stateAt: shown.stateAt,
    entries: words,
    totalEvents: full.entries.length,
    verdict: verdictInWords(full, full.entries.length),
    payments: paid
      .map((x) => ({ ...x, programmeName: programmeNames.get(x.programmeId) ?? x.programmeId, releasedBy: released.get(x.key) ?? null }))
      .filter((x) => Date.parse(x.releasedBy?.occurredAt ?? x.paidAt) <= until),
    allPayments: paid,
    firstEventAt: full.entries[0]?.occurredAt ?? null,
  };
}
