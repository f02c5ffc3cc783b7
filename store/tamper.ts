/**
 * A tampered history stops its school. When a check of a school's hash
 * chain finds an event changed, deleted or moved, the finding is recorded in
 * `tamper_findings`; from then on the database refuses every new event of
 * that school (trigger events_refuse_when_tampered, migration 017), so the
 * API, the CLI, the pages, the timers and the Temporal worker all obey, until
 * an admin records a sign-off in `tamper_sign_offs` (name, reason, time).
 * The signed-off break is then passed over by later checks, so a new change
 * is still found. Not pure (database I/O).
 */
import type { Db } from './db.js';
import { verifyStream, type TamperFinding, type VerifyOptions } from './event-log.js';

/** SQLSTATE the trigger raises for an event of a stopped school. */
export const TAMPERED_SQLSTATE = 'PT423';

/** A write to a school whose history was found tampered, with no admin sign-off yet. HTTP 423, CLI exit 1. Nothing was written. */
export class TamperedSchoolError extends Error {
  override readonly name = 'TamperedSchoolError';
  constructor(readonly urn: string, readonly atVersion: number, readonly reason: string) {
    super(`school ${urn} is stopped: its history was tampered with at version ${atVersion} (${reason}); nothing more is recorded until an admin signs off a correction (pathway audit sign-off ${urn} --reason ...)`);
  }
}

/** The trigger's refusal (SQLSTATE PT423), as a TamperedSchoolError; anything else unchanged. Pure. */
export function asTamperedError(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || e.code !== TAMPERED_SQLSTATE || typeof e.message !== 'string') return err;
  const m = /school (\S+) is stopped: its history was tampered with at version (\d+) \((.*)\); nothing more/.exec(e.message);
  return m ? new TamperedSchoolError(m[1]!, Number(m[2]), m[3]!) : err;
}

export interface SignOff {
  findingId: number;
  urn: string;
  /** The version the signed-off finding named, and the finding in the store's words. */
  atVersion: number;
  finding: string;
  foundAt: string;
  /** The admin's user id ("cli:ann" at the command line) and name. */
  signedBy: string;
  signedByName: string;
  reason: string;
  signedAt: string;
}

/** The school's tamper state: the open finding (null when none), and every signed-off one. */
export interface TamperState {
  tampered: { atVersion: number; reason: string; foundAt: string | null } | null;
  signedOff: SignOff[];
}

const iso = (v: string | Date) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

/** The school's signed-off findings, oldest first. Not pure. */
export async function signOffsOf(db: Db, urn: string): Promise<SignOff[]> {
  const r = await db.query<{ finding_id: number; urn: string; at_version: number; finding: string; found_at: string | Date; signed_by: string; signed_by_name: string; reason: string; signed_at: string | Date }>(
    `SELECT s.finding_id, s.urn, f.at_version, f.reason AS finding, f.found_at, s.signed_by, s.signed_by_name, s.reason, s.signed_at
       FROM tamper_sign_offs s JOIN tamper_findings f ON f.id = s.finding_id
      WHERE s.urn = $1
      ORDER BY s.id`,
    [urn],
  );
  return r.rows.map((x) => ({
    findingId: Number(x.finding_id),
    urn: x.urn,
    atVersion: x.at_version,
    finding: x.finding,
    foundAt: iso(x.found_at),
    signedBy: x.signed_by,
    signedByName: x.signed_by_name,
    reason: x.reason,
    signedAt: iso(x.signed_at),
  }));
}

/** Findings recorded for these schools with no sign-off yet, the first per school. Not pure. */
export async function openFindings(db: Db, urns: readonly string[]): Promise<Map<string, { id: number; atVersion: number; reason: string; foundAt: string }>> {
  if (urns.length === 0) return new Map();
  const r = await db.query<OpenFindingRow>(OPEN_FINDINGS_SQL('$1'), [[...urns]]);
  return openFindingsOf(r.rows);
}

/** A row of OPEN_FINDINGS_SQL (found_at a Date, or a string when read through JSON). */
export interface OpenFindingRow {
  id: number;
  urn: string;
  at_version: number;
  reason: string;
  found_at: string | Date;
}

/** The first open finding per school, of the URNs in the text[] parameter `urns` ("$1"): for a query that reads it beside others. */
export const OPEN_FINDINGS_SQL = (urns: string): string =>
  `SELECT DISTINCT ON (t.urn) t.id, t.urn, t.at_version, t.reason, t.found_at
     FROM tamper_findings t
    WHERE t.urn = ANY(${urns}::text[])
      AND NOT EXISTS (SELECT 1 FROM tamper_sign_offs s WHERE s.finding_id = t.id)
    ORDER BY t.urn, t.id`;

/** openFindings' map from rows of OPEN_FINDINGS_SQL. Pure. */
export function openFindingsOf(rows: readonly OpenFindingRow[]): Map<string, { id: number; atVersion: number; reason: string; foundAt: string }> {
  const out = new Map<string, { id: number; atVersion: number; reason: string; foundAt: string }>();
  for (const x of rows) out.set(x.urn, { id: Number(x.id), atVersion: x.at_version, reason: x.reason, foundAt: iso(x.found_at) });
  return out;
}

/**
 * Streams this process has verified in full, by database: the database's
 * fingerprint of the stream's rows (streamDigest) and the version then. The
 * next check of an unchanged stream compares the fingerprint instead of
 * recomputing every event's hash in JavaScript; any change to any row, or a
 * row added or removed, changes it and the stream is verified in full
 * again. Kept in memory, where a database writer cannot reach it.
 */
const verifiedStreams = new WeakMap<Db, Map<string, Fingerprint>>();

/** What this process saw of a stream when it last found it intact. */
export interface Fingerprint {
  /** Each event row's version and physical version ("version@xmin(ctid)"), in order, space-separated (ROWS_OF_EVENTS_T). */
  rows: string;
  /** streams.version then. */
  streamVersion: number;
  /** The ids of the findings signed off then, comma-separated (SIGNED_OFF_IDS_OF). */
  signed: string;
  /** The last event's version then. */
  version: number;
}

/**
 * The database's fingerprint of a stream: each row's physical version (the
 * transaction that wrote it, xmin, and where it lies, ctid) in order, then
 * the stream's recorded version. Any UPDATE, DELETE or INSERT of a row,
 * even with the triggers off, writes a new row version and so changes it;
 * reading it touches no payload or state. Over the rows `events t` of
 * stream $1; rememberOwnWrite extends it in this same form.
 */
const ROWS_OF_EVENTS_T = `coalesce(string_agg(t.version || '@' || t.xmin::text || t.ctid::text, ' ' ORDER BY t.version, t.position), '')`;
const STREAM_VERSION_OF = (urn: string): string => `coalesce((SELECT version FROM streams WHERE urn = ${urn}), 0)`;
const SIGNED_OFF_IDS_OF = (urn: string): string => `(SELECT coalesce(string_agg(s.finding_id::text, ',' ORDER BY s.id), '')
               FROM tamper_sign_offs s JOIN tamper_findings f ON f.id = s.finding_id WHERE s.urn = ${urn})`;
const STREAM_VERSION = STREAM_VERSION_OF('$1');

/**
 * The fingerprint (rows, stream_version, signed) of each URN in the text[]
 * parameter `urns`: for a write's transaction that compares it with the one
 * this process remembers (knownFingerprint) in the statement that reads the
 * stream's head, and for asVerified.
 */
export const FINGERPRINTS_SQL = (urns: string): string =>
  `SELECT u.urn, (SELECT ${ROWS_OF_EVENTS_T} FROM events t WHERE t.urn = u.urn) AS rows,
          ${STREAM_VERSION_OF('u.urn')} AS stream_version, ${SIGNED_OFF_IDS_OF('u.urn')} AS signed
     FROM unnest(${urns}::text[]) AS u(urn)`;

/** A row of FINGERPRINTS_SQL. */
export interface FingerprintRow {
  urn: string;
  rows: string;
  stream_version: number | string;
  signed: string;
}

/**
 * The stream changed since this process last found it intact (or it never
 * did): a write that compared fingerprints in its transaction is rolled
 * back, and is tried again after the stream is verified in full
 * (assertNotTampered).
 */
export class StreamChangedError extends Error {
  override readonly name = 'StreamChangedError';
  constructor(readonly urn: string) {
    super(`the history of school ${urn} changed since this process verified it: it is verified in full before the write is tried again`);
  }
}

/** What this process remembers of the stream from when it last found it intact, or undefined. Not pure (the cache). */
export function knownFingerprint(db: Db, urn: string): Fingerprint | undefined {
  return verifiedOf(db).get(urn);
}

/** Whether a row of FINGERPRINTS_SQL reads as `known` did. Pure. */
export function fingerprintUnchanged(known: Fingerprint, row: FingerprintRow): boolean {
  return sameFingerprint(known, { rows: row.rows, streamVersion: Number(row.stream_version), signed: row.signed });
}

async function streamDigest(db: Db, urn: string): Promise<{ rows: string; streamVersion: number; version: number }> {
  const r = await db.query<{ rows: string | null; stream_version: number | null; version: number | null }>(
    `SELECT ${ROWS_OF_EVENTS_T} AS rows, ${STREAM_VERSION} AS stream_version, max(t.version) AS version
       FROM events t WHERE t.urn = $1`,
    [urn],
  );
  return { rows: r.rows[0]?.rows ?? '', streamVersion: Number(r.rows[0]?.stream_version ?? 0), version: r.rows[0]?.version ?? 0 };
}

function verifiedOf(db: Db): Map<string, Fingerprint> {
  let m = verifiedStreams.get(db);
  if (!m) verifiedStreams.set(db, (m = new Map()));
  return m;
}

/**
 * After this process appended the event at `version` (its row's physical
 * version `rowMark`, AppendedEvent.rowMark) to a stream it had just found
 * intact at version - 1, the stream with that event is intact too: its
 * fingerprint is the one remembered with the new row added, built here
 * without reading the stream again. A row changed by anyone else meanwhile
 * is not in it, so the next check finds the difference and verifies the
 * stream in full. Not pure (the cache).
 */
export function rememberOwnWrite(db: Db, urn: string, version: number, rowMark: string): void {
  const known = verifiedOf(db).get(urn);
  if (!known || known.version !== version - 1 || known.streamVersion !== version - 1) return;
  const mark = `${version}@${rowMark}`;
  verifiedOf(db).set(urn, { rows: known.rows === '' ? mark : `${known.rows} ${mark}`, streamVersion: version, signed: known.signed, version });
}

/** Whether a stream reads as it did when this process found it intact. Pure. */
function sameFingerprint(a: Omit<Fingerprint, 'version'>, b: Omit<Fingerprint, 'version'>): boolean {
  return a.rows === b.rows && a.streamVersion === b.streamVersion && a.signed === b.signed;
}

/**
 * Checks the school's whole hash chain (passing over signed-off findings),
 * records a new finding so that the school stops, and says whether it is
 * stopped: by this check's finding, or by one recorded earlier and not yet
 * signed off (a change put back since still needs an admin's word). A
 * whole stream found intact before and unchanged since (the same digest)
 * is not recomputed. Not pure.
 */
export async function checkStream(db: Db, urn: string, options: Pick<VerifyOptions, 'fromVersion'> = {}): Promise<TamperState> {
  const whole = options.fromVersion === undefined || options.fromVersion <= 1;
  // The usual read: verified before, unchanged since, nothing ever signed off; one statement.
  if (whole) {
    const quick = await asVerified(db, urn);
    if (quick.intact && !quick.signedOff) return { tampered: null, signedOff: [] };
  }
  const [signedOff, digest] = await Promise.all([signOffsOf(db, urn), whole ? streamDigest(db, urn) : Promise.resolve(null)]);
  const cache = verifiedOf(db);
  const now = digest ? { ...digest, signed: signedOff.map((s) => s.findingId).join(',') } : null;
  const before = cache.get(urn);
  const unchanged = now !== null && before !== undefined && sameFingerprint(before, now);
  const finding = unchanged ? null : await verifyStream(db, urn, { ...options, accepted: (f: TamperFinding) => signedOff.some((s) => s.atVersion === f.version && s.finding === f.reason) });
  if (now) {
    if (finding) cache.delete(urn);
    else cache.set(urn, now);
  }
  if (finding) {
    await db.query('INSERT INTO tamper_findings (urn, at_version, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [urn, finding.version, finding.reason]);
  }
  const recorded = (await openFindings(db, [urn])).get(urn);
  if (finding) {
    const same = recorded && recorded.atVersion === finding.version && recorded.reason === finding.reason;
    return { tampered: { atVersion: finding.version, reason: finding.reason, foundAt: same ? recorded.foundAt : null }, signedOff };
  }
  return { tampered: recorded ? { atVersion: recorded.atVersion, reason: recorded.reason, foundAt: recorded.foundAt } : null, signedOff };
}

/**
 * Whether the stream is as this process last verified it, in one statement:
 * its fingerprint, its signed-off findings (ids) and whether any finding is
 * open, read together and compared with the remembered key. 'unknown' when
 * this process has not verified the stream, or something changed; 'intact'
 * otherwise, with whether any finding was signed off. Not pure.
 */
async function asVerified(db: Db, urn: string): Promise<{ intact: false } | { intact: true; signedOff: boolean }> {
  const known = verifiedOf(db).get(urn);
  if (!known) return { intact: false };
  const r = await db.query<FingerprintRow & { open: boolean }>(
    `SELECT p.*, EXISTS (SELECT 1 FROM tamper_findings f WHERE f.urn = p.urn AND NOT EXISTS (SELECT 1 FROM tamper_sign_offs s WHERE s.finding_id = f.id)) AS open
       FROM (${FINGERPRINTS_SQL('$1')}) p`,
    [[urn]],
  );
  const row = r.rows[0];
  if (!row || row.open || !fingerprintUnchanged(known, row)) return { intact: false };
  return { intact: true, signedOff: row.signed !== '' };
}

/**
 * Throws TamperedSchoolError when the school's history is tampered and not
 * signed off (recording the finding first). A stream this process verified
 * and that has not changed since costs one statement (asVerified); any other
 * goes through checkStream. The embedded host calls it before a write to a
 * stream it has not verified, and when a write finds the stream changed
 * (StreamChangedError); otherwise the write compares the fingerprint itself.
 * Not pure.
 */
export async function assertNotTampered(db: Db, urn: string): Promise<void> {
  if ((await asVerified(db, urn)).intact) return;
  const { tampered } = await checkStream(db, urn);
  if (tampered) throw new TamperedSchoolError(urn, tampered.atVersion, tampered.reason);
}

export interface SignOffInput {
  urn: string;
  /** The admin: user id and name, as recorded. */
  by: string;
  byName: string;
  reason: string;
}

/**
 * Records an admin's sign-off of the school's open finding; writes resume
 * (unless the chain breaks again further on, which the next check finds).
 * Null when the school has no open finding. Not pure.
 */
export async function recordSignOff(db: Db, input: SignOffInput): Promise<SignOff | null> {
  const state = await checkStream(db, input.urn);
  if (!state.tampered) return null;
  return db.tx(async (tx) => {
    const open = (await openFindings(tx, [input.urn])).get(input.urn);
    if (!open) return null;
    await tx.query('INSERT INTO tamper_sign_offs (finding_id, urn, signed_by, signed_by_name, reason) VALUES ($1, $2, $3, $4, $5)', [open.id, input.urn, input.by, input.byName, input.reason.trim()]);
    const all = await signOffsOf(tx, input.urn);
    return all.find((s) => s.findingId === open.id) ?? null;
  });
}
