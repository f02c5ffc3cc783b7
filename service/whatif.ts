/**
 * What-if: a proposed catalogue change (programme ids and the fields changed)
 * replayed over every school's recorded events without writing anything, and
 * the schools whose phase, status, payments or reminders would differ.
 *
 * Why it works by substitution: the host copies the programme into the event
 * that starts a phase (APPLY, ADVANCED, RESUMED), and the machines read only
 * that copy; so putting the proposed programme into those events and folding
 * them again gives the decisions the proposal would have made. Events are
 * replayed as recorded: one the proposal would refuse is reported as a
 * difference, skipped, and the replay goes on.
 *
 * The "from" side: phase and status are the stored state of the last event;
 * payments and reminders are the effects of folding the recorded events as
 * they are (effects are not stored per event), which the history's replay
 * check proves equal to what the engine decided. Interface-neutral: the CLI
 * and the API call it. Not pure (reads the database).
 */
import { z } from 'zod';
import { AcademicYear, Programme } from '../domain/catalogue/schema.js';
import { catalogue } from '../domain/catalogue/programmes.js';
import { ValidationError, parseOrThrow, problemsFromZod, type Problem } from '../domain/errors.js';
import { fold, initialState, summaryOf, type PersistedPathway } from '../machines/decide.js';
import { fastTransition } from '../machines/fast.js';
import type { Effect } from '../machines/effects.js';
import type { PathwayEvent } from '../machines/events.js';
import { readStream, type StoredEvent } from '../store/event-log.js';
import type { Principal, Service } from './context.js';
import { csvCell } from './ledger.js';
import { listSchools } from './schools.js';

// ---------------------------------------------------------------- the proposal

/** The file's shape: `{ "description"?: "...", "changes": [{ "programme": id, "set": { field: value } }] }`. */
export const WhatIfRules = z
  .object({
    description: z.string().optional(),
    changes: z
      .array(z.object({ programme: z.string().min(1), set: z.record(z.string(), z.unknown()) }).strict())
      .min(1, 'must name at least one programme change'),
  })
  .strict();
export type WhatIfRules = z.infer<typeof WhatIfRules>;

/** The proposal checked: each changed programme whole, valid against the catalogue's own schema. */
export interface Proposal {
  description: string | null;
  programmes: Map<string, Programme>;
  /** The fields each change sets, in dotted form ("funding.amountPence"), for the report. */
  fields: Record<string, string[]>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `base` with `patch` laid over it: objects field by field; an array of
 * items with a `kind` (the sessions) item by kind, so "meeting min 5" need
 * not restate the other rules; any other value replaced. A field the base
 * does not have and the schema does not know is a problem (zod would drop
 * it silently). Pure.
 */
function overlay(base: unknown, patch: unknown, path: string, problems: Problem[], fields: string[]): unknown {
  if (isObject(base) && isObject(patch)) {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      const here = `${path}.${k}`;
      if (!(k in base) && !(path.split('.').length === 3 && k in Programme.shape)) {
        problems.push({ path: here, message: `is not a field of ${path.split('.').length === 3 ? 'a programme' : path}; known: ${Object.keys(base).join(', ')}`, severity: 'error' });
        continue;
      }
      out[k] = overlay(base[k], v, here, problems, fields);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && base.every((x) => isObject(x) && typeof x.kind === 'string') && patch.every(isObject)) {
    const out = base.map((x) => ({ ...(x as Json) }));
    patch.forEach((p, i) => {
      const at = out.findIndex((x) => x.kind === p.kind);
      if (typeof p.kind !== 'string') problems.push({ path: `${path}.${i}.kind`, message: `must name the ${path.split('.').pop()} item to change; known kinds: ${out.map((x) => x.kind).join(', ')}`, severity: 'error' });
      else if (at < 0) {
        // A kind the programme does not have yet: added whole, for the schema to check.
        out.push({ ...p });
        fields.push(`${path.split('.').slice(3).join('.')}.${p.kind}`);
      }
      else {
        // `kind` picks the item; it is not a change.
        const { kind: _kind, ...rest } = p;
        out[at] = overlay(out[at], rest, `${path}.${p.kind}`, problems, fields) as Json;
      }
    });
    return out;
  }
  fields.push(path.split('.').slice(3).join('.'));
  return patch;
}

/**
 * A rules file's JSON checked: its shape, each programme id known in the
 * catalogue, each field known, and each changed programme valid against the
 * catalogue's Programme schema. Every problem named at once (ValidationError:
 * exit 2, HTTP 400). Pure.
 */
export function parseProposal(input: unknown): Proposal {
  const rules = parseOrThrow(WhatIfRules, input, 'what-if rules');
  const problems: Problem[] = [];
  const programmes = new Map<string, Programme>();
  const fields: Record<string, string[]> = {};
  rules.changes.forEach((c, i) => {
    const base = catalogue.find((p) => p.id === c.programme);
    if (!base) {
      problems.push({ path: `changes.${i}.programme`, message: 'must be a programme id in the catalogue (see `pathway programmes list`)', value: c.programme, severity: 'error' });
      return;
    }
    if (programmes.has(c.programme)) {
      problems.push({ path: `changes.${i}.programme`, message: 'is changed twice; put all its fields in one change', value: c.programme, severity: 'error' });
      return;
    }
    if ('id' in c.set) problems.push({ path: `changes.${i}.set.id`, message: 'cannot be changed (it names the programme)', severity: 'error' });
    const own: string[] = [];
    const merged = overlay(base, c.set, `changes.${i}.set`, problems, own);
    const r = Programme.safeParse(merged);
    if (!r.success) {
      // The catalogue's own schema, its plain-sentence messages, at the path in the rules file.
      for (const q of problemsFromZod(r.error, merged)) problems.push({ ...q, path: `changes.${i}.set.${q.path}` });
      return;
    }
    programmes.set(c.programme, r.data);
    fields[c.programme] = own;
  });
  if (problems.length > 0) throw new ValidationError(problems, 'what-if rules');
  return { description: rules.description ?? null, programmes, fields };
}

// ---------------------------------------------------------------- the replay

/** What one replay decided for a school. */
export interface Outcome {
  phase: string;
  status: string;
  /** "programmeId academicYear" -> pence released. */
  payments: Map<string, number>;
  /** Reminder and escalation keys sent, and reminder timers still pending at the end. */
  reminders: Set<string>;
  /** "event N (TYPE) would be refused: reason", in order. */
  refused: string[];
}

const PROGRAMME_EVENTS = new Set(['APPLY', 'ADVANCED', 'RESUMED']);

/** The event with the proposed programme in place of its recorded copy, or the event itself. Pure. */
function substituted(e: PathwayEvent, programmes: ReadonlyMap<string, Programme>): PathwayEvent {
  if (!PROGRAMME_EVENTS.has(e.type)) return e;
  const p = (e as { programme?: Programme }).programme;
  const next = p ? programmes.get(p.id) : undefined;
  return next ? ({ ...e, programme: next } as PathwayEvent) : e;
}

function isReminder(f: Effect): f is Extract<Effect, { type: 'notify' }> {
  return f.type === 'notify' && (f.kind === 'reminder' || f.kind === 'escalation');
}

/** Folds the events one by one, as recorded, keeping effects; a refused event is noted and passed over. Pure. */
export function replay(urn: string, events: readonly Pick<StoredEvent, 'version' | 'type' | 'payload'>[], swap: (e: PathwayEvent) => PathwayEvent): Outcome & { state: PersistedPathway } {
  let state = initialState(urn);
  const payments = new Map<string, number>();
  const reminders = new Set<string>();
  const refused: string[] = [];
  for (const stored of events) {
    const e = swap(stored.payload as PathwayEvent);
    const next = fastTransition(state.value, state.context, e);
    if (!next) {
      // fold() gives the machine's own reason for the refusal.
      let why = `the rules for ${e.type} do not allow it`;
      try {
        fold(urn, [e], state);
      } catch (err) {
        why = err instanceof Error ? ((err as { why?: string }).why ?? err.message) : String(err);
      }
      refused.push(`event ${stored.version} (${stored.type}) would be refused: ${why}`);
      continue;
    }
    state = { ...state, value: next.value, context: next.context };
    for (const f of next.effects) {
      if (f.type === 'funding.release') payments.set(`${f.programmeId} ${f.academicYear}`, (payments.get(`${f.programmeId} ${f.academicYear}`) ?? 0) + f.amountPence);
      else if (isReminder(f)) reminders.add(f.key);
    }
  }
  for (const key of Object.keys(state.context.timers ?? {})) if (key.startsWith('reminder:') || key.startsWith('evaluation-reminder:')) reminders.add(`pending ${key}`);
  const { phase, status } = summaryOf(state);
  return { phase, status, payments, reminders, refused, state };
}

// ---------------------------------------------------------------- the difference

export type ChangeKind = 'phase' | 'status' | 'payment' | 'reminders' | 'refused';

export interface WhatIfRow {
  urn: string;
  school: string;
  kind: ChangeKind;
  /** What changes, in words: "payment secondary-development-2020-21 2020/21". */
  what: string;
  from: string;
  to: string;
}

export interface WhatIfReport {
  description: string | null;
  /** The programmes changed and the fields each change sets. */
  changes: { programme: string; fields: string[] }[];
  hub: string | null;
  year: string | null;
  /** Schools replayed. */
  schools: number;
  /** Events folded (each twice: as recorded, and under the proposal). */
  events: number;
  /** Schools with at least one difference. */
  schoolsChanged: number;
  counts: Record<ChangeKind, number>;
  rows: WhatIfRow[];
  /** Schools whose recorded events no longer replay to their stored state under today's rules: their "from" is the stored state. */
  replayMismatches: string[];
}

export interface WhatIfFilter {
  hub?: string;
  /** Only schools with a programme of this academic year in their events. */
  year?: string;
}

const pounds = (pence: number): string => `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: pence % 100 === 0 ? 0 : 2 })}`;

/** The rows of one school's difference between two outcomes. Pure. */
export function differences(urn: string, school: string, from: Outcome, to: Outcome): WhatIfRow[] {
  const rows: WhatIfRow[] = [];
  const row = (kind: ChangeKind, what: string, a: string, b: string) => rows.push({ urn, school, kind, what, from: a, to: b });
  if (from.phase !== to.phase) row('phase', 'phase', from.phase, to.phase);
  if (from.status !== to.status) row('status', `status (${to.phase})`, from.status, to.status);
  for (const key of [...new Set([...from.payments.keys(), ...to.payments.keys()])].sort()) {
    const a = from.payments.get(key);
    const b = to.payments.get(key);
    if (a !== b) row('payment', `payment ${key}`, a === undefined ? 'none' : pounds(a), b === undefined ? 'none' : pounds(b));
  }
  const gone = [...from.reminders].filter((k) => !to.reminders.has(k));
  const added = [...to.reminders].filter((k) => !from.reminders.has(k));
  if (gone.length + added.length > 0) {
    const words = [...(gone.length ? [`${gone.length} no longer sent`] : []), ...(added.length ? [`${added.length} new`] : [])];
    row('reminders', `reminders (${words.join('; ')})`, String(from.reminders.size), String(to.reminders.size));
  }
  // The first refusal names the cause; the ones after it usually follow from it, so they are counted, not listed.
  const newlyRefused = to.refused.filter((r) => !from.refused.includes(r));
  if (newlyRefused.length > 0) {
    const more = newlyRefused.length - 1;
    row('refused', `${newlyRefused[0]}${more > 0 ? ` (and ${more} later event${more === 1 ? '' : 's'} refused)` : ''}`, 'accepted', 'refused');
  }
  return rows;
}

/**
 * The proposal replayed over the schools `p` may read (a hub, a year): the
 * schools whose phase, status, payments or reminders would change, with
 * counts per kind. Writes nothing. Not pure (reads the database).
 */
export async function whatIf(svc: Service, p: Principal, proposal: Proposal, filter: WhatIfFilter = {}): Promise<WhatIfReport> {
  const year = filter.year === undefined ? null : AcademicYear.safeParse(filter.year).success ? filter.year : null;
  if (filter.year !== undefined && year === null) throw new ValidationError([{ path: 'year', message: 'must be an academic year like 2020/21', value: filter.year, severity: 'error' }], 'what-if filter');
  const schools = await listSchools(svc, p, filter.hub === undefined ? {} : { hub: filter.hub });
  const swap = (e: PathwayEvent) => substituted(e, proposal.programmes);
  const counts: Record<ChangeKind, number> = { phase: 0, status: 0, payment: 0, reminders: 0, refused: 0 };
  const rows: WhatIfRow[] = [];
  const replayMismatches: string[] = [];
  let replayed = 0;
  let events = 0;
  let changed = 0;
  for (const s of schools) {
    const stored = await readStream(svc.db, s.urn);
    if (stored.length === 0) continue;
    if (year !== null && !stored.some((e) => (e.payload as { programme?: { academicYear?: string } }).programme?.academicYear === year)) continue;
    replayed++;
    events += stored.length;
    const touches = stored.some((e) => proposal.programmes.has((e.payload as { programme?: { id?: string } }).programme?.id ?? ''));
    if (!touches) continue; // No event carries a changed programme: the replay would be the recorded one.
    const asRecorded = replay(s.urn, stored, (e) => e);
    // The stored outcome: phase and status as the engine stored them.
    if (s.phase !== asRecorded.phase || s.status !== asRecorded.status || asRecorded.refused.length > 0) replayMismatches.push(s.urn);
    const from: Outcome = { ...asRecorded, phase: s.phase, status: s.status };
    const proposed = replay(s.urn, stored, swap);
    const d = differences(s.urn, s.name ?? s.urn, from, proposed);
    if (d.length > 0) changed++;
    for (const r of d) counts[r.kind]++;
    rows.push(...d);
  }
  return {
    description: proposal.description,
    changes: [...proposal.programmes.keys()].map((id) => ({ programme: id, fields: proposal.fields[id] ?? [] })),
    hub: filter.hub ?? null,
    year,
    schools: replayed,
    events,
    schoolsChanged: changed,
    counts,
    rows,
    replayMismatches,
  };
}

/** The rows as CSV (RFC 4180; a cell a spreadsheet would run as a formula is prefixed with a quote). Pure. */
export function whatIfCsv(rows: readonly WhatIfRow[]): string {
  const lines = [['urn', 'school', 'kind', 'what changes', 'from', 'to'], ...rows.map((r) => [r.urn, r.school, r.kind, r.what, r.from, r.to])];
  return lines.map((l) => l.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
