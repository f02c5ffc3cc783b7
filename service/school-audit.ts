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
import { catalogue } from '../domain/catalogue/programmes.js';
import { checkStream, type SignOff } from '../store/tamper.js';
import { endOfDayOrInstant } from './time.js';
import { contactChanges } from '../store/messages.js';
import { contactChangeWords } from './school-words.js';

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
export function verdictInWords(h: Pick<AuditHistory, 'tampered' | 'replayMatches' | 'replayError'> & { signedOff?: readonly SignOff[] }, events: number): Verdict {
  const n = `${events} ${events === 1 ? 'event' : 'events'}`;
  if (h.tampered) {
    return {
      intact: false,
      headline: `The history has been altered: ${breakInWords(h.tampered)}.`,
      detail: [
        'Each event is sealed with a code made from its contents and the code of the event before it. The codes no longer match.',
        'Do not rely on this school’s history or its payments until the hub has found out what happened. Keep this report.',
        'Nothing more is recorded for this school until an admin signs off a correction.',
      ],
    };
  }
  if (h.signedOff && h.signedOff.length > 0) {
    return {
      intact: false,
      headline: `The history was altered, and an admin signed it off: ${h.signedOff.map((s) => `${breakInWords({ version: s.atVersion, reason: s.finding })}; ${s.signedByName} signed it off on ${s.signedAt.slice(0, 10)}`).join('. ')}.`,
      detail: [
        ...h.signedOff.map((s) => `Reason given by ${s.signedByName}: ${s.reason}`),
        'The altered event is still shown as it now reads. Every other event was checked and is as it was recorded; events after the sign-off were recorded as usual.',
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
      ...(h.replayMatches === true ? ['Running the rules over the events again gives the same states that were kept along the way.'] : []),
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

/**
 * An entry of the audit timeline: an event in words, a payment, an admin's
 * sign-off of an altered history, or a change of the headteacher's contact
 * (kept beside the school's record, not in its hash-chained log).
 */
export type AuditEntry = EntryInWords & { kind?: 'funding' | 'sign-off' | 'contact' };

export interface SchoolAudit {
  urn: string;
  /** The school as it is now (name, hub, phase), for headings. */
  now: SchoolSummary;
  hubId: string | null;
  /** The date asked for (YYYY-MM-DD), or null for "today". */
  at: string | null;
  /** The state at the end of that day, or null when the school had no events by then. */
  stateAt: SchoolSummary | null;
  /** The events up to that date, in words, with each payment after the event that released it and any sign-off at the end. */
  entries: AuditEntry[];
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
  const contacts = await contactChanges(svc.db, urn);
  const shown = cut ?? full;
  // Words from the whole walk, so a session keeps its number; then only the events up to the date.
  const upTo = new Set(shown.entries.map((e) => e.version));
  const words: AuditEntry[] = entriesInWords(full.entries, names, { urn, mail }).filter((e) => upTo.has(e.number));
  const programmeNames = new Map<string, string>();
  for (const e of full.entries) {
    const prog = (e.payload as { programme?: { id?: string; name?: string } } | null)?.programme;
    if (prog?.id && prog.name) programmeNames.set(prog.id, prog.name);
  }
  const released = await releasedBy(svc, paid.map((x) => x.key));
  const until = date === undefined ? Infinity : Date.parse(endOfDayOrInstant(date));
  // Each payment is a dated entry of the history, after the event that released it.
  for (const x of [...paid].reverse()) {
    if (Date.parse(x.paidAt) > until) continue;
    const at = x.releasedByVersion === null ? -1 : words.findIndex((w) => w.number === x.releasedByVersion);
    const entry: AuditEntry = {
      kind: 'funding',
      number: x.releasedByVersion ?? 0,
      what: `Grant of ${money(x.amountPence)} paid for ${programmeNames.get(x.programmeId) ?? catalogueNames.get(x.programmeId) ?? x.programmeId} (${x.academicYear})`,
      // When it was carried out is the entry's "when recorded"; the event that released it and the ledger's reference are the rest.
      detail: `${x.releasedByVersion === null ? 'The releasing event is not known' : `Released by event ${x.releasedByVersion}`}; payment reference ${x.key}`,
      occurredAt: x.paidAt,
      recordedAt: x.recordedAt,
      who: 'Funding ledger',
      rulesVersion: '',
      automatic: true,
    };
    if (at >= 0) words.splice(at + 1, 0, entry);
    else words.push(entry);
  }
  // Each contact change after the last event that happened before it.
  for (const change of contacts) {
    if (Date.parse(change.at) > until) continue;
    const said = contactChangeWords(change);
    const entry: AuditEntry = { kind: 'contact', number: 0, what: said.title, detail: `${said.detail}. Kept beside the school’s record, not in its event log`, occurredAt: change.at, recordedAt: change.recordedAt, who: names.get(change.by) ?? change.by, rulesVersion: '', automatic: false };
    let after = -1;
    words.forEach((w, i) => {
      if (Date.parse(w.occurredAt) <= Date.parse(change.at)) after = i;
    });
    words.splice(after + 1, 0, entry);
  }
  for (const so of (full as AuditHistory & { signedOff?: SignOff[] }).signedOff ?? []) {
    words.push({ kind: 'sign-off', number: so.atVersion, what: `Altered history signed off by ${so.signedByName}`, detail: so.reason, occurredAt: so.signedAt, recordedAt: so.signedAt, who: so.signedByName, rulesVersion: '', automatic: false });
  }
  return {
    urn,
    now: current.summary,
    hubId: hubIdOf(current.summary.hub),
    at: date ?? null,
    stateAt: shown.stateAt,
    entries: words,
    totalEvents: full.entries.length,
    verdict: verdictInWords(full as AuditHistory & { signedOff?: SignOff[] }, full.entries.length),
    payments: paid
      .map((x) => ({ ...x, programmeName: programmeNames.get(x.programmeId) ?? x.programmeId, releasedBy: released.get(x.key) ?? null }))
      .filter((x) => Date.parse(x.releasedBy?.occurredAt ?? x.paidAt) <= until),
    allPayments: paid,
    firstEventAt: full.entries[0]?.occurredAt ?? null,
  };
}

/** A dated funding entry of a school's history: a grant paid, from the ledger. */
export interface FundingEntry {
  kind: 'FUNDING_RELEASED';
  /** When it was paid: the school time of the event that released it. */
  at: string;
  amountPence: number;
  programmeId: string;
  programme: string;
  academicYear: string;
  /** The event that released it (its version in the history), when known. */
  releasedBy: { version: number; type: string } | null;
  /** The payment reference (the ledger key). */
  reference: string;
  /** When the payment was carried out (wall clock). */
  recordedAt: string;
}

const catalogueNames = new Map(catalogue.map((p) => [p.id, p.name]));

/** The school's payments as dated history entries, paid up to `until` (an instant; none: all). Not pure. */
export async function fundingEntries(svc: Service, urn: string, until?: string): Promise<FundingEntry[]> {
  const paid = await payments(svc.db, { urn });
  const types = paid.length
    ? new Map(
        (await svc.db.query<{ version: number; type: string }>('SELECT version, type FROM events WHERE urn = $1 AND version = ANY($2::int[])', [urn, paid.map((p) => p.releasedByVersion ?? 0)])).rows.map((r) => [r.version, r.type]),
      )
    : new Map<number, string>();
  const limit = until === undefined ? Infinity : Date.parse(until);
  return paid
    .filter((p) => Date.parse(p.paidAt) <= limit)
    .map((p) => ({
      kind: 'FUNDING_RELEASED' as const,
      at: p.paidAt,
      amountPence: p.amountPence,
      programmeId: p.programmeId,
      programme: catalogueNames.get(p.programmeId) ?? p.programmeId,
      academicYear: p.academicYear,
      releasedBy: p.releasedByVersion !== null ? { version: p.releasedByVersion, type: types.get(p.releasedByVersion) ?? 'unknown' } : null,
      reference: p.key,
      recordedAt: p.recordedAt,
    }));
}

/** A history as auditors read it: the events, a dated entry for each payment, and the admin sign-offs of tampered breaks. */
export type AuditedHistory = AuditHistory & { funding: FundingEntry[]; signedOff: SignOff[] };

/**
 * The school's history (as schoolHistory) with its funding entries paid by
 * then and the sign-offs of its tampered breaks. Not pure.
 */
export async function auditedHistory(svc: Service, p: Principal, urn: string, at?: string): Promise<AuditedHistory> {
  const h = (await schoolHistory(svc, p, urn, at)) as AuditHistory & { signedOff?: SignOff[] };
  const funding = await fundingEntries(svc, urn, at === undefined ? undefined : endOfDayOrInstant(at));
  const signedOff = h.signedOff ?? (await checkStream(svc.db, urn)).signedOff;
  return { ...h, funding, signedOff };
}

/** "£2,000". Pure. */
function money(pence: number): string {
  return `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: pence % 100 === 0 ? 0 : 2, maximumFractionDigits: 2 })}`;
}

/** A funding entry in words: "£2,000 for Secondary Development 2020/21 (2020/21), released by event 14 (ATTENDANCE_RECORDED); payment reference k". Pure. */
export function fundingEntryWords(f: FundingEntry): string {
  return `${money(f.amountPence)} for ${f.programme} (${f.academicYear})${f.releasedBy ? `, released by event ${f.releasedBy.version} (${f.releasedBy.type})` : ''}; payment reference ${f.reference}`;
}

/** A sign-off in words. Pure. */
export function signOffWords(s: SignOff): string {
  return `the break at version ${s.atVersion} (${s.finding}) signed off by ${s.signedByName} (${s.signedBy}) on ${s.signedAt.slice(0, 10)}: ${s.reason}`;
}

/**
 * The CLI's history table with a row for each funding entry (after the event
 * that released it) and each sign-off (at the end); the columns are those of
 * the events table: version, when (London), what, by, recorded (UTC),
 * machine, state after. Pure.
 */
export function historyRowsWithAudit(rows: readonly string[][], h: Pick<AuditedHistory, 'funding' | 'signedOff'>, when: (instant: string) => string): string[][] {
  const out = rows.map((r) => [...r]);
  for (const f of [...h.funding].reverse()) {
    const row = ['', when(f.at), 'FUNDING_RELEASED', 'ledger', f.recordedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''), '', fundingEntryWords(f)];
    const after = f.releasedBy ? out.findIndex((r) => r[0] === String(f.releasedBy!.version)) : -1;
    if (after >= 0) out.splice(after + 1, 0, row);
    else out.push(row);
  }
  for (const s of h.signedOff) out.push(['', when(s.signedAt), 'TAMPER_SIGNED_OFF', s.signedByName, s.signedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''), '', signOffWords(s)]);
  return out;
}
