/**
 * Rules by reference: each programme's rules (one catalogue entry, one
 * academic year) are kept once, immutable, in the `rules` table (migration
 * 022), keyed by programme id and the sha256 of their canonical JSON (the
 * rules version). An event row refers to them instead of carrying a copy.
 *
 * Where the log used to copy them: the payload of APPLY, ADVANCED and
 * RESUMED (`programme`) and every stored state (`context.programme`). A
 * row written now holds there a reference `{ id, academicYear, rulesHash }`
 * (id and year kept so that SQL over `->'programme'->>'id'` reads both
 * shapes); a row written before holds the copy, and is never rewritten.
 *
 * Reading upcasts both shapes to the one the machines fold: the whole
 * programme, fetched by reference for a new row, the row's own copy for an
 * old one. The hash chain covers the row as stored (the reference, whose
 * rulesHash covers the rules); verifyStream checks that every reference
 * resolves to rules whose content still hashes to it. Not pure (database
 * I/O) apart from the functions marked pure.
 */
import type { Programme } from '../domain/catalogue/schema.js';
import { prepared, type Db } from './db.js';
import { canonicalJson } from './hash.js';
import { createHash } from 'node:crypto';

/** What a compact row holds where an old row held the programme. */
export interface RulesRef {
  id: string;
  academicYear: string;
  /** sha256 (hex) of the programme's canonical JSON: the version of its rules. */
  rulesHash: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The rules version of a programme: sha256 (hex) of its canonical JSON. Pure. */
export function rulesHash(programme: unknown): string {
  return createHash('sha256').update(canonicalJson(programme), 'utf8').digest('hex');
}

/** True for a reference, false for a whole programme (an old row's copy) or anything else. Pure. */
export function isRulesRef(v: unknown): v is RulesRef {
  return isObject(v) && typeof v.rulesHash === 'string' && typeof v.id === 'string' && !('phase' in v);
}

/** A whole programme as the machines carry it (not a reference). Pure. */
function isProgrammeCopy(v: unknown): v is Programme {
  return isObject(v) && typeof v.id === 'string' && typeof v.academicYear === 'string' && !('rulesHash' in v);
}

export interface CompactRow {
  payload: unknown;
  state: unknown;
  /** The rules the row refers to, by rules hash, to be kept in the rules table. */
  rules: Map<string, { id: string; hash: string; body: Programme }>;
}

/** Rules hashes of programme objects already hashed (the machines never change a programme object; a snapshot shares its phase's). */
const hashed = new WeakMap<object, string>();

/**
 * The payload and state as a new row stores them: each programme copy (the
 * payload's `programme`, the state's `context.programme`) replaced by its
 * reference. Everything else is the same object. Pure.
 */
export function compactRow(payload: unknown, state: unknown): CompactRow {
  const rules: CompactRow['rules'] = new Map();
  const ref = (p: Programme): RulesRef => {
    let hash = hashed.get(p);
    if (hash === undefined) hashed.set(p, (hash = rulesHash(p)));
    if (!rules.has(hash)) rules.set(hash, { id: p.id, hash, body: p });
    return { id: p.id, academicYear: p.academicYear, rulesHash: hash };
  };
  let outPayload = payload;
  if (isObject(payload) && isProgrammeCopy(payload.programme)) outPayload = { ...payload, programme: ref(payload.programme) };
  let outState = state;
  if (isObject(state) && isObject(state.context) && isProgrammeCopy(state.context.programme)) {
    outState = { ...state, context: { ...state.context, programme: ref(state.context.programme) } };
  }
  return { payload: outPayload, state: outState, rules };
}

/** Rules versions not stored yet (an existing row is left as it is). */
const KEEP_RULES_SQL = prepared(`INSERT INTO rules (id, hash, body)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
     ON CONFLICT DO NOTHING`);

/**
 * Keeps rules that rows refer to (once: the table is keyed by id and hash,
 * and an existing row is left as it is), in the caller's transaction so they
 * commit with the events. One statement for any number. Not pure.
 */
export async function keepRules(tx: Db, rules: Iterable<{ id: string; hash: string; body: Programme }>): Promise<void> {
  const list = [...new Map([...rules].map((r) => [r.hash, r])).values()];
  if (list.length === 0) return;
  await tx.query(
    KEEP_RULES_SQL,
    [list.map((r) => r.id), list.map((r) => r.hash), list.map((r) => JSON.stringify(r.body))],
  );
}

/**
 * Rules already read, by hash. A rules version is immutable and named by the
 * hash of its content, so a body read once stands for every database; the
 * check that a stored body still matches its hash is verifyStream's, which
 * reads the table itself.
 */
const known = new Map<string, Programme>();

/** The refs in a row's payload and state. Pure. */
function refsOf(payload: unknown, state: unknown): RulesRef[] {
  const out: RulesRef[] = [];
  if (isObject(payload) && isRulesRef(payload.programme)) out.push(payload.programme);
  if (isObject(state) && isObject(state.context) && isRulesRef(state.context.programme)) out.push(state.context.programme);
  return out;
}

/** Reads into the cache the rules of these references not read yet; throws naming the ones the table does not have. Not pure. */
async function load(db: Db, refs: readonly RulesRef[]): Promise<void> {
  const missing = [...new Map(refs.filter((r) => !known.has(r.rulesHash)).map((r) => [r.rulesHash, r])).values()];
  if (missing.length === 0) return;
  const r = await db.query<{ hash: string; body: Programme }>('SELECT hash, body FROM rules WHERE hash = ANY($1::text[])', [missing.map((m) => m.rulesHash)]);
  for (const row of r.rows) known.set(row.hash, row.body);
  const lost = missing.filter((m) => !known.has(m.rulesHash));
  if (lost.length > 0) {
    throw new Error(`the rules table has no rules ${lost.map((m) => `${m.id}@${m.rulesHash.slice(0, 12)}`).join(', ')}, which recorded events refer to (rulesHash): the history cannot be replayed; run pathway verify`);
  }
}

/**
 * Upcasts rows as read from the log to the shape the machines fold: a
 * reference becomes the programme it names (fetched from the rules table),
 * an old row's copy stays as it is. Rows are changed in place. Not pure.
 */
export async function upcastRows<R extends { payload: unknown; state: unknown }>(db: Db, rows: R[]): Promise<R[]> {
  const refs = rows.flatMap((r) => refsOf(r.payload, r.state));
  if (refs.length === 0) return rows;
  await load(db, refs);
  for (const row of rows) {
    const p = row.payload;
    if (isObject(p) && isRulesRef(p.programme)) row.payload = { ...p, programme: known.get(p.programme.rulesHash) };
    const s = row.state;
    if (isObject(s) && isObject(s.context) && isRulesRef(s.context.programme)) row.state = { ...s, context: { ...s.context, programme: known.get(s.context.programme.rulesHash) } };
  }
  return rows;
}

/** States as read from `streams` or `snapshots`, each with its programme upcast as upcastRows does; the same array, changed in place. Not pure. */
export async function upcastStates(db: Db, states: unknown[]): Promise<unknown[]> {
  const rows = states.map((state) => ({ payload: undefined as unknown, state }));
  await upcastRows(db, rows);
  rows.forEach((r, i) => (states[i] = r.state));
  return states;
}

/**
 * The first row of a stream whose references do not resolve to intact
 * rules, and why: the rules table has no such rules, or their body no longer
 * hashes to the reference (changed after it was recorded). Reads the table,
 * never the cache; one query for the whole stream. Not pure.
 */
export async function brokenRefs(db: Db, rows: readonly { version: number; payload: unknown; state: unknown }[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const refs = rows.map((r) => ({ version: r.version, refs: refsOf(r.payload, r.state) })).filter((r) => r.refs.length > 0);
  if (refs.length === 0) return out;
  const hashes = [...new Set(refs.flatMap((r) => r.refs.map((x) => x.rulesHash)))];
  const found = new Map((await db.query<{ id: string; hash: string; body: unknown }>('SELECT id, hash, body FROM rules WHERE hash = ANY($1::text[])', [hashes])).rows.map((r) => [r.hash, r]));
  const why = (ref: RulesRef): string | null => {
    const row = found.get(ref.rulesHash);
    const name = `${ref.id}@${ref.rulesHash.slice(0, 12)}...`;
    if (!row || row.id !== ref.id) return `it refers to rules ${name} that are missing from the rules table`;
    if (rulesHash(row.body) !== ref.rulesHash) return `the rules it refers to (${name}) were changed after they were recorded: their content no longer matches their hash`;
    return null;
  };
  for (const r of refs) {
    const reason = r.refs.map(why).find((x) => x !== null);
    if (reason) out.set(r.version, reason);
  }
  return out;
}
