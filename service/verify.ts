/**
 * `pathway verify` and `GET /verify`: is the log what was recorded, and does
 * it extend what was signed? Three checks, each finding named (school,
 * version or ledger row, what is wrong):
 *
 *   1. every school's hash chain (store/event-log.ts verifyStream, through
 *      store/tamper.ts checkStream, so a broken school is stopped until an
 *      admin signs off, as `pathway audit sign-off` expects);
 *   2. the funding ledger's chain (migration 020): each row's hash over its
 *      columns and its link to the row before;
 *   3. consistency with a signed checkpoint (store/checkpoints.ts): the
 *      latest in the database (or --since N), or an exported one kept by an
 *      auditor (--checkpoint FILE): every school it signed is still there,
 *      its signed head is still in the log (an ancestor of, or equal to,
 *      today's head: the chain check covers the rest), and the ledger row
 *      it signed is still the same row;
 *   4. with `replay`, every school's events folded through the machines
 *      again (store/replay.ts) give every state the database keeps for it:
 *      its periodic snapshots and its current state, which the pages and
 *      the next decision read.
 *
 * A chain re-computed after a forgery passes check 1 and is found by check
 * 3; a truncated tail with `streams` rolled back, or a deleted school, is
 * found by 3 only. Nothing can be found about history written after the
 * last checkpoint that a writer rewrote consistently: hence checkpoints at
 * an interval, and exports kept elsewhere. Not pure (database I/O).
 */
import type { KeyObject } from 'node:crypto';
import type { Db } from '../store/db.js';
import { verifyStream } from '../store/event-log.js';
import { checkStream } from '../store/tamper.js';
import { replayStreams } from '../store/replay.js';
import { ledgerRowHash } from '../store/ledger.js';
import {
  checkpointById,
  checkpointProblem,
  currentHeads,
  latestCheckpoint,
  missingCheckpointIds,
  writeCheckpoint,
  type Checkpoint,
  type ExportedCheckpoint,
  type SigningKey,
} from '../store/checkpoints.js';
import { ValidationError } from '../domain/errors.js';
import { ForbiddenError } from './errors.js';
import { canRead, hubIdOf } from './access.js';
import type { Principal, Service } from './context.js';

/** One thing found wrong. */
export interface VerifyFinding {
  /** 'chain': a school's hash chain; 'checkpoint': the log does not extend a signed checkpoint; 'ledger': the ledger's chain; 'signature': a checkpoint itself; 'replay': a state kept for a school is not what its events give. */
  check: 'chain' | 'checkpoint' | 'ledger' | 'signature' | 'replay';
  /** The school's URN; null for a checkpoint finding about no one school. */
  school: string | null;
  /** The event version (chain, checkpoint) or null. */
  version: number | null;
  /** The ledger row id (ledger findings), else null. */
  ledgerRow: number | null;
  what: string;
}

export interface VerifyReport {
  clean: boolean;
  /** What was asked: every school or some, and the checkpoint compared with. */
  scope: { schools: string[] | 'all'; since: number | null; checkpointFile: string | null };
  /** `replayed`: the events folded again by the replay check; null when it was not asked for. */
  checked: { schools: number; ledgerRows: number; replayed: number | null };
  /** The checkpoint compared with, and whether its signature was checked; null when there is none. */
  checkpoint: { id: number; createdAt: string; treeSize: number; root: string; source: 'database' | 'file'; signature: 'valid' | 'invalid' | 'not checked' } | null;
  findings: VerifyFinding[];
  /** What the check could not cover, in words. */
  notes: string[];
  elapsedMs: number;
}

export interface VerifyLogOptions {
  /** Only these schools (the ledger and checkpoint checks still run, limited to them); default every school. */
  urns?: readonly string[];
  /** Compare with checkpoint number `since`, and check each school's chain only after the version it signed. */
  since?: number;
  /** An exported checkpoint to compare with instead, and the public key it is checked with. */
  exported?: { file: string; content: ExportedCheckpoint; publicKey: KeyObject };
  /** The signing key (its public half checks database checkpoints); null: signatures are not checked. */
  key?: SigningKey | null;
  /** Where the key was looked for, for the note when there is none. */
  keyFile?: string;
  /** Also fold every school's events again and compare the states kept for it (check 4; default false: it reads the whole log once more). */
  replay?: boolean;
  /** Called as the replay check goes: events folded so far, of how many. */
  onReplayProgress?: (events: number, total: number) => void;
  /** Record chain findings in tamper_findings, stopping the school (default true). */
  record?: boolean;
  /** Schools checked at once (Postgres runs them on separate connections). */
  concurrency?: number;
  /** Called after each batch of schools' chains is checked: how many so far, of how many (the audit's integrity page shows it). */
  onProgress?: (checked: number, total: number) => void;
}

/** Bad input to verify (an unknown checkpoint number): CLI exit 2, HTTP 400. */
function badInput(path: string, message: string, value: unknown): ValidationError {
  return new ValidationError([{ path, message, value, severity: 'error' }], 'verify');
}

const finding = (f: Omit<VerifyFinding, 'ledgerRow' | 'version'> & Partial<Pick<VerifyFinding, 'ledgerRow' | 'version'>>): VerifyFinding => ({ version: null, ledgerRow: null, ...f });

/** Runs every check. Throws ValidationError for a checkpoint number that does not exist. Not pure. */
export async function verifyLog(db: Db, options: VerifyLogOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const findings: VerifyFinding[] = [];
  const notes: string[] = [];
  const only = options.urns ? new Set(options.urns) : null;

  // 0. The checkpoint to compare with, and its signature.
  let cp: Checkpoint | null = null;
  let source: 'database' | 'file' = 'database';
  let signature: 'valid' | 'invalid' | 'not checked' = 'not checked';
  if (options.exported) {
    cp = options.exported.content.checkpoint;
    source = 'file';
    const problem = checkpointProblem(cp, options.exported.publicKey);
    signature = problem ? 'invalid' : 'valid';
    if (problem) findings.push(finding({ check: 'signature', school: null, what: `the exported checkpoint ${cp.id} in ${options.exported.file} cannot be trusted: ${problem}` }));
    const stored = await checkpointById(db, cp.id);
    if (!stored) notes.push(`checkpoint ${cp.id} is not in the database (deleted, or the database was restored from before it); the log is compared with the exported copy`);
    else if (stored.root !== cp.root) findings.push(finding({ check: 'signature', school: null, what: `checkpoint ${cp.id} in the database has root ${stored.root.slice(0, 12)}..., the exported one ${cp.root.slice(0, 12)}...: the database's checkpoints were replaced` }));
  } else {
    if (options.since !== undefined) {
      cp = await checkpointById(db, options.since);
      if (!cp) throw badInput('since', `must be the number of a checkpoint in the database (pathway checkpoint --list shows them); there is no checkpoint ${options.since}`, options.since);
    } else {
      cp = await latestCheckpoint(db);
    }
    for (const id of await missingCheckpointIds(db)) findings.push(finding({ check: 'signature', school: null, what: `checkpoint ${id} is missing from the database: checkpoints are append-only, so it was deleted with the table's trigger switched off` }));
    if (cp) {
      if (options.key) {
        const problem = checkpointProblem(cp, options.key.publicKey);
        signature = problem ? 'invalid' : 'valid';
        if (problem) findings.push(finding({ check: 'signature', school: null, what: `checkpoint ${cp.id} cannot be trusted: ${problem}` }));
      } else {
        notes.push(`checkpoint ${cp.id}'s signature was not checked: no signing key at ${options.keyFile ?? 'the configured path'}; give an exported checkpoint (--checkpoint FILE) to check against a key kept elsewhere`);
      }
    } else {
      notes.push('no checkpoint has been written yet: only the hash chains were checked, so a deleted school, a truncated tail or a history re-chained after a forgery cannot be found (pathway checkpoint writes one)');
    }
  }
  // A checkpoint that fails its signature proves nothing: the log is not compared with it.
  const reference = cp && signature !== 'invalid' ? cp : null;
  const signedHeads = new Map((reference?.heads.streams ?? []).map((h) => [h.urn, h]));

  // 1. Every school's chain (from the signed version on, with --since).
  const urns = only ? [...only] : await allSchools(db, [...signedHeads.keys()]);
  const record = options.record ?? true;
  const incremental = options.since !== undefined && !options.exported;
  const width = Math.max(1, options.concurrency ?? (db.kind === 'postgres' ? 4 : 1));
  for (let i = 0; i < urns.length; i += width) {
    const batch = urns.slice(i, i + width);
    const results = await Promise.all(
      batch.map(async (urn) => {
        const from = incremental && signedHeads.has(urn) ? signedHeads.get(urn)!.version + 1 : 1;
        if (record) {
          const state = await checkStream(db, urn, { fromVersion: from });
          return state.tampered ? { version: state.tampered.atVersion, reason: state.tampered.reason } : null;
        }
        return verifyStream(db, urn, { fromVersion: from });
      }),
    );
    results.forEach((r, k) => {
      if (r) findings.push(finding({ check: 'chain', school: batch[k]!, version: r.version, what: r.reason }));
    });
    options.onProgress?.(Math.min(i + width, urns.length), urns.length);
  }

  // 3a. The schools the checkpoint signed: each still there, its signed head still in the log.
  if (reference) {
    const heads = reference.heads.streams.filter((h) => !only || only.has(h.urn));
    const now = await db.query<{ urn: string; version: number; hash: string | null; latest: number | null }>(
      `SELECT c.urn, c.version, e.hash, (SELECT max(x.version) FROM events x WHERE x.urn = c.urn) AS latest
         FROM unnest($1::text[], $2::int[]) AS c(urn, version)
         LEFT JOIN events e ON e.urn = c.urn AND e.version = c.version`,
      [heads.map((h) => h.urn), heads.map((h) => h.version)],
    );
    const byUrn = new Map(now.rows.map((r) => [r.urn, r]));
    for (const h of heads) {
      const r = byUrn.get(h.urn);
      const cpName = `checkpoint ${reference.id} (${reference.createdAt})`;
      if (!r || r.latest === null) findings.push(finding({ check: 'checkpoint', school: h.urn, version: h.version, what: `the school is missing from the log: ${cpName} signed it at version ${h.version}, so all its events were deleted` }));
      else if (r.hash === null) findings.push(finding({ check: 'checkpoint', school: h.urn, version: h.version, what: `the log ends at version ${r.latest}, but ${cpName} signed version ${h.version}: ${h.version - r.latest === 1 ? `version ${h.version} was` : `versions ${r.latest + 1} to ${h.version} were`} deleted (and the stream rolled back)` }));
      else if (r.hash !== h.hash) findings.push(finding({ check: 'checkpoint', school: h.urn, version: h.version, what: `version ${h.version} has hash ${r.hash.slice(0, 12)}..., but ${cpName} signed ${h.hash.slice(0, 12)}...: the history up to version ${h.version} was rewritten and its chain recomputed after the checkpoint` }));
    }
  }

  // 2 and 3b. The ledger's chain, and the row the checkpoint signed.
  const ledgerRows = await checkLedger(db, reference, findings, only);

  // 4. The states kept for each school, against its events folded again.
  let replayed: number | null = null;
  if (options.replay) {
    replayed = 0;
    const total = only ? null : Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0]!.n);
    for await (const r of replayStreams(db, { ...(only ? { urns: [...only] } : {}), onProgress: (n) => options.onReplayProgress?.(n, total ?? n) })) {
      replayed += r.events;
      if (r.problem) findings.push(finding({ check: 'replay', school: r.urn, version: r.problem.version, what: r.problem.what }));
    }
  }

  return {
    clean: findings.length === 0,
    scope: { schools: only ? [...only] : 'all', since: options.since ?? null, checkpointFile: options.exported?.file ?? null },
    checked: { schools: urns.length, ledgerRows, replayed },
    checkpoint: cp ? { id: cp.id, createdAt: cp.createdAt, treeSize: cp.treeSize, root: cp.root, source, signature } : null,
    findings,
    notes,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/** Every school the log, the streams projection or the checkpoint knows, in URN order. Not pure. */
async function allSchools(db: Db, signed: string[]): Promise<string[]> {
  const r = await db.query<{ urn: string }>('SELECT urn FROM streams UNION SELECT DISTINCT urn FROM events');
  return [...new Set([...r.rows.map((x) => x.urn), ...signed])].sort();
}

interface LedgerRow {
  id: number | string;
  key: string;
  urn: string;
  programme_id: string;
  academic_year: string;
  amount_pence: number;
  reason: string;
  paid_at_us: string;
  recorded_at_us: string;
  released_by_version: number | null;
  prev_hash: string | null;
  hash: string | null;
}

/** Checks the ledger's chain and the row the checkpoint signed; pushes findings; returns the rows read. Not pure. */
async function checkLedger(db: Db, cp: Checkpoint | null, findings: VerifyFinding[], only: Set<string> | null): Promise<number> {
  // Instants as whole microseconds (exact), as the database hashed them.
  const rows = (
    await db.query<LedgerRow>(
      `SELECT id, key, urn, programme_id, academic_year, amount_pence, reason,
              (extract(epoch FROM paid_at) * 1000000)::bigint::text AS paid_at_us,
              (extract(epoch FROM recorded_at) * 1000000)::bigint::text AS recorded_at_us,
              released_by_version, prev_hash, hash
         FROM funding_ledger ORDER BY id`,
    )
  ).rows;
  const report = (r: LedgerRow, what: string) => {
    if (!only || only.has(r.urn)) findings.push(finding({ check: 'ledger', school: r.urn, ledgerRow: Number(r.id), what: `ledger row ${r.id} (payment ${r.key}, £${(r.amount_pence / 100).toFixed(2)}): ${what}` }));
  };
  let prev: LedgerRow | null = null;
  for (const r of rows) {
    if (r.prev_hash !== (prev?.hash ?? null)) {
      report(r, prev ? `does not follow row ${prev.id}: it was chained to ${r.prev_hash?.slice(0, 12) ?? 'nothing'}..., so rows before it were deleted or replaced` : `is the first row but was chained to ${r.prev_hash?.slice(0, 12)}...: earlier rows were deleted`);
    }
    const recomputed = ledgerRowHash({
      id: Number(r.id),
      key: r.key,
      urn: r.urn,
      programmeId: r.programme_id,
      academicYear: r.academic_year,
      amountPence: r.amount_pence,
      reason: r.reason,
      paidAtMicros: r.paid_at_us,
      recordedAtMicros: r.recorded_at_us,
      releasedByVersion: r.released_by_version,
      prevHash: r.prev_hash,
    });
    if (r.hash === null) report(r, 'has no hash: it was written with the chain trigger switched off');
    else if (recomputed !== r.hash) report(r, `was changed after it was recorded: its columns no longer give its hash ${r.hash.slice(0, 12)}...`);
    prev = r;
  }
  if (cp && cp.heads.ledger.lastId !== null) {
    const signed = cp.heads.ledger;
    const at = rows.find((r) => Number(r.id) === signed.lastId);
    const upTo = rows.filter((r) => Number(r.id) <= signed.lastId!).length;
    const where = `checkpoint ${cp.id} (${cp.createdAt}) signed ledger row ${signed.lastId} as the last of ${signed.rows}`;
    if (!at) findings.push(finding({ check: 'checkpoint', school: null, ledgerRow: signed.lastId, what: `${where}, and that row is gone: the ledger was cut back` }));
    else if (at.hash !== signed.hash) findings.push(finding({ check: 'checkpoint', school: at.urn, ledgerRow: signed.lastId, what: `${where}, with hash ${signed.hash?.slice(0, 12)}...; it now has ${at.hash?.slice(0, 12)}...: the ledger up to it was rewritten and re-chained` }));
    else if (upTo !== signed.rows) findings.push(finding({ check: 'checkpoint', school: null, ledgerRow: signed.lastId, what: `${where}, but ${upTo} rows now lead up to it: rows were ${upTo < signed.rows ? 'deleted' : 'inserted'}` }));
  }
  return rows.length;
}

/**
 * Writes a signed checkpoint of today's heads, after checking everything
 * added since the last one (a checkpoint must never sign a forgery).
 * Returns the report and the checkpoint; when the check finds anything,
 * nothing is signed (checkpoint: null). `written` is false when nothing
 * changed since the last checkpoint (unless force). Not pure.
 */
export async function checkpointNow(db: Db, key: SigningKey, options: { force?: boolean } = {}): Promise<{ report: VerifyReport; checkpoint: Checkpoint | null; written: boolean }> {
  const heads = await currentHeads(db);
  const last = await latestCheckpoint(db);
  const report = await verifyLog(db, { ...(last ? { since: last.id } : {}), key });
  if (!report.clean) return { report, checkpoint: null, written: false };
  const { written, checkpoint } = await writeCheckpoint(db, key, heads, options);
  return { report, checkpoint, written };
}

/**
 * verifyLog for a person: admins and auditors (auditors read the whole log's
 * integrity, but a finding about a school outside their hubs does not name
 * it); hub staff may not. Not pure.
 */
export async function verifyFor(svc: Service, p: Principal, options: VerifyLogOptions): Promise<VerifyReport> {
  if (p.role !== 'admin' && p.role !== 'auditor') throw new ForbiddenError(`only an admin or an auditor may verify the log; ${p.name} is hub staff`);
  // An auditor's check records nothing: auditors never change anything.
  const report = await verifyLog(svc.db, { ...options, record: p.role === 'admin' && options.record !== false });
  if (p.role === 'admin') return report;
  const urns = [...new Set(report.findings.map((f) => f.school).filter((u): u is string => u !== null))];
  const hubs = new Map((await svc.db.query<{ urn: string; hub: string | null }>('SELECT urn, hub FROM streams WHERE urn = ANY($1::text[])', [urns])).rows.map((r) => [r.urn, r.hub]));
  const visible = (urn: string) => canRead(p, hubIdOf(hubs.get(urn)));
  // A payment's key carries its school's URN: masked with the school.
  return { ...report, findings: report.findings.map((f) => (f.school === null || visible(f.school) ? f : { ...f, school: null, what: `a school outside your hubs: ${f.what.split(f.school).join('******')}` })) };
}

/**
 * The signing key the configuration names (PATHWAY_SIGNING_KEY, else
 * PATHWAY_SIGNING_KEY_FILE, else beside the PGlite folder or in
 * ~/.config/pathway), created when `create` and missing; with the path
 * looked at and whether it was made now. Not pure (reads the configuration and files).
 */
export async function configuredSigningKey(dbTarget: string, create: boolean): Promise<{ key: SigningKey | null; file: string; created: boolean }> {
  const { settings } = await import('../config/load.js');
  const { defaultKeyFile, loadSigningKey } = await import('../store/checkpoints.js');
  const { existsSync } = await import('node:fs');
  const c = settings();
  const file = c.signingKeyFile ?? defaultKeyFile(dbTarget);
  const existed = c.signingKey !== undefined || existsSync(file);
  const key = loadSigningKey({ file, pem: c.signingKey, create });
  return { key, file: c.signingKey !== undefined ? 'PATHWAY_SIGNING_KEY' : file, created: !existed && key !== null };
}

/**
 * The signing key of the database this service opened (Service.dbTarget;
 * the configured database when it opened none by name), as
 * configuredSigningKey finds it, never created. For the pages and the API,
 * which check the checkpoints their own server signed. Not pure.
 */
export async function serviceSigningKey(svc: Service): Promise<{ key: SigningKey | null; file: string; created: boolean }> {
  const { settings } = await import('../config/load.js');
  return configuredSigningKey(svc.dbTarget ?? settings().db, false);
}

/**
 * Writes a checkpoint now and then every `seconds` (when the log changed),
 * for `serve`. A check that finds something signs nothing and says so
 * through `warn`; the timer never keeps the process alive. Not pure.
 */
export function startCheckpointer(db: Db, key: SigningKey, seconds: number, warn: (message: string) => void): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const once = () => {
    running = running
      .then(() => checkpointNow(db, key))
      .then((r) => {
        if (!r.report.clean) warn(`checkpoint not signed: the log has ${r.report.findings.length} finding(s) since the last checkpoint; run pathway verify --all. First: ${r.report.findings[0]!.school ?? 'ledger'} ${r.report.findings[0]!.what}`);
      })
      .catch((err: unknown) => warn(`checkpoint failed: ${err instanceof Error ? err.message : String(err)}`));
  };
  once();
  const timer = setInterval(once, seconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * `serve`'s checkpoints: every PATHWAY_CHECKPOINT_INTERVAL seconds (default
 * 300; 0: none) when the log changed, signed with the configured key, which
 * is created (0600) on the first start and announced through `say`. Null when
 * turned off. Not pure.
 */
export async function startConfiguredCheckpoints(db: Db, dbTarget: string, warn: (message: string) => void, say: (line: string) => void): Promise<{ stop(): Promise<void> } | null> {
  const { settings } = await import('../config/load.js');
  const seconds = settings().checkpointInterval;
  if (seconds === 0) return null;
  const { key, file, created } = await configuredSigningKey(dbTarget, true);
  if (created) say(`  Checkpoint signing key created: ${file} (mode 0600). Keep its public key outside this system: npx pathway checkpoint --export FILE`);
  return startCheckpointer(db, key!, seconds, warn);
}
