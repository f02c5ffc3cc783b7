/**
 * Signed checkpoints, after the transparency-log design of RFC 9162 and
 * Trillian, in a small form. A checkpoint is every school's head (urn,
 * version, hash of its latest event) and the funding ledger's head (its
 * last row and that row's hash), as the leaves of an RFC 9162 Merkle tree
 * (store/merkle.ts); the root, the tree size, the checkpoint's number and
 * time are signed with Ed25519. The private key is kept outside the
 * database, so a writer who can change every table still cannot sign a
 * rewritten history: each head hash commits to the school's whole chain, and
 * a later check (service/verify.ts) asks whether today's log extends the
 * signed heads. Not pure (database and key file I/O).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Db } from './db.js';
import { canonicalJson } from './hash.js';
import { merkleRoot } from './merkle.js';

/** One school's head as a checkpoint signs it. */
export interface StreamHead {
  urn: string;
  version: number;
  hash: string;
}

/** The funding ledger's head: how many rows, the last row's id and hash (null for an empty ledger). */
export interface LedgerHead {
  rows: number;
  lastId: number | null;
  hash: string | null;
}

/** What a checkpoint signs, leaf by leaf. */
export interface CheckpointHeads {
  streams: StreamHead[];
  ledger: LedgerHead;
}

export interface Checkpoint {
  id: number;
  treeSize: number;
  /** The Merkle root, hex. */
  root: string;
  /** Ed25519 signature over signedText(), base64. */
  signature: string;
  /** sha256 (hex) of the public key (SPKI DER): which key signed. */
  keyId: string;
  /** The public key (SPKI PEM), for convenience only: a check trusts the key it is given, not this copy. */
  publicKey: string;
  heads: CheckpointHeads;
  /** ISO UTC, database clock. */
  createdAt: string;
}

/** The signing key and what an auditor needs of it. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM. */
  publicPem: string;
  keyId: string;
  /** Where it came from: a file path, or "PATHWAY_SIGNING_KEY". */
  source: string;
}

/** A key that cannot be used: named with where it came from and why (never the key itself). CLI exit 2. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** The format the signature covers; a new format gets a new name. */
export const CHECKPOINT_FORMAT = 'pathway-checkpoint/1';

/**
 * Where the key lives when no setting names it: beside a PGlite folder
 * (./.pglite -> ./.pglite.signing-key.pem, outside the folder so a copy of
 * the database is not a copy of the key), else ~/.config/pathway. Pure.
 */
export function defaultKeyFile(dbTarget: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dbTarget)) return join(homedir(), '.config', 'pathway', 'signing-key.pem');
  const folder = resolve(dbTarget);
  return join(dirname(folder), `${basename(folder)}.signing-key.pem`);
}

/** sha256 hex of a public key's SPKI DER. Pure. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

function fromPrivate(privateKey: KeyObject, source: string): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`the signing key from ${source} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key: it must be Ed25519`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(publicKey), source };
}

function parsePrivate(pem: string, source: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new SigningKeyError(`the signing key from ${source} is not a private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----); the text is not shown`);
  }
}

/**
 * The signing key: PATHWAY_SIGNING_KEY's PEM when given, else the key file,
 * created (Ed25519, mode 0600, its folder 0700) when `create` and it does not
 * exist. A key file others may read is refused. Null when there is no key
 * and create is false. Not pure.
 */
export function loadSigningKey(options: { file: string; pem?: string | undefined; create: boolean }): SigningKey | null {
  if (options.pem !== undefined && options.pem.trim() !== '') return fromPrivate(parsePrivate(options.pem.trim(), 'PATHWAY_SIGNING_KEY'), 'PATHWAY_SIGNING_KEY');
  const file = resolve(options.file);
  if (!existsSync(file)) {
    if (!options.create) return null;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    // 'wx': two processes starting at once cannot both write a key; the loser reads the winner's.
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SigningKeyError(`cannot create the signing key file ${file}: ${(err as Error).message}`);
    }
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new SigningKeyError(`the signing key file ${file} may be read by others (mode ${mode.toString(8)}): run chmod 600 ${file}`);
  return fromPrivate(parsePrivate(readFileSync(file, 'utf8'), file), file);
}

/** A public key from SPKI PEM text; throws SigningKeyError naming where it came from. Pure. */
export function parsePublicKey(pem: string, source: string): KeyObject {
  try {
    const k = createPublicKey({ key: pem, format: 'pem' });
    if (k.asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    return k;
  } catch {
    throw new SigningKeyError(`${source} does not hold an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----)`);
  }
}

/**
 * The leaves in tree order: schools by URN (code-unit order, not the
 * database's collation), then the ledger. Each leaf is canonical JSON. Pure.
 */
export function checkpointLeaves(heads: CheckpointHeads): Buffer[] {
  const streams = [...heads.streams].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return [
    ...streams.map((s) => Buffer.from(canonicalJson({ kind: 'stream', urn: s.urn, version: s.version, hash: s.hash }), 'utf8')),
    Buffer.from(canonicalJson({ kind: 'ledger', rows: heads.ledger.rows, last_id: heads.ledger.lastId, hash: heads.ledger.hash }), 'utf8'),
  ];
}

/** The Merkle root (hex) of the heads, and the tree size. Pure. */
export function checkpointRoot(heads: CheckpointHeads): { root: string; treeSize: number } {
  const leaves = checkpointLeaves(heads);
  return { root: merkleRoot(leaves).toString('hex'), treeSize: leaves.length };
}

/** The exact text a checkpoint's signature covers. Pure. */
export function signedText(c: Pick<Checkpoint, 'id' | 'treeSize' | 'root' | 'createdAt' | 'keyId'>): string {
  return canonicalJson({ format: CHECKPOINT_FORMAT, id: c.id, tree_size: c.treeSize, root: c.root, created_at: c.createdAt, key_id: c.keyId });
}

/** What is wrong with a checkpoint under a public key: null when its root is its heads' and the key signed it. Pure. */
export function checkpointProblem(c: Checkpoint, publicKey: KeyObject): string | null {
  const { root, treeSize } = checkpointRoot(c.heads);
  if (root !== c.root || treeSize !== c.treeSize) return `its heads do not give its root (they give ${root.slice(0, 12)}... over ${treeSize} leaves; it says ${c.root.slice(0, 12)}... over ${c.treeSize}): the heads were changed after signing`;
  if (keyIdOf(publicKey) !== c.keyId) return `it was signed with key ${c.keyId.slice(0, 12)}..., not the trusted key ${keyIdOf(publicKey).slice(0, 12)}...`;
  let ok = false;
  try {
    ok = verify(null, Buffer.from(signedText(c), 'utf8'), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? null : 'its signature does not verify under the trusted key: the checkpoint was forged or changed';
}

/** Every school's head and the ledger's head, read from the events and the ledger themselves (not the streams projection). Not pure. */
export async function currentHeads(db: Db): Promise<CheckpointHeads> {
  const streams = await db.query<StreamHead>(
    `SELECT e.urn, e.version, e.hash
       FROM (SELECT urn, max(version) AS version FROM events GROUP BY urn) m
       JOIN events e ON e.urn = m.urn AND e.version = m.version`,
  );
  const ledger = await db.query<{ rows: number | string; last_id: number | string | null; hash: string | null }>(
    `SELECT (SELECT count(*) FROM funding_ledger) AS rows, f.id AS last_id, f.hash
       FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT id, hash FROM funding_ledger ORDER BY id DESC LIMIT 1) f ON true`,
  );
  const l = ledger.rows[0]!;
  return {
    streams: streams.rows.map((r) => ({ urn: r.urn, version: r.version, hash: r.hash })).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)),
    ledger: { rows: Number(l.rows), lastId: l.last_id === null ? null : Number(l.last_id), hash: l.hash },
  };
}

interface CheckpointRow {
  id: number | string;
  tree_size: number;
  root: string;
  signature: string;
  key_id: string;
  public_key: string;
  heads: CheckpointHeads;
  created_at: string;
}

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  id: Number(r.id),
  treeSize: r.tree_size,
  root: r.root,
  signature: r.signature,
  keyId: r.key_id,
  publicKey: r.public_key,
  heads: r.heads,
  createdAt: r.created_at,
});

const COLUMNS = 'id, tree_size, root, signature, key_id, public_key, heads, created_at';

/** The newest checkpoint, or null when none was written. Not pure. */
export async function latestCheckpoint(db: Db): Promise<Checkpoint | null> {
  const r = await db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM checkpoints ORDER BY id DESC LIMIT 1`);
  return r.rows[0] ? toCheckpoint(r.rows[0]) : null;
}

/** Checkpoint number `id`, or null. Not pure. */
export async function checkpointById(db: Db, id: number): Promise<Checkpoint | null> {
  const r = await db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM checkpoints WHERE id = $1`, [id]);
  return r.rows[0] ? toCheckpoint(r.rows[0]) : null;
}

/** Checkpoint numbers missing between 1 and the newest (each was deleted: the table refuses DELETE, so its trigger was switched off). Not pure. */
export async function missingCheckpointIds(db: Db): Promise<number[]> {
  const r = await db.query<{ id: number | string }>(
    `SELECT g.id FROM generate_series(1::bigint, (SELECT coalesce(max(id), 0) FROM checkpoints)) AS g(id)
      WHERE NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.id = g.id) ORDER BY g.id LIMIT 100`,
  );
  return r.rows.map((x) => Number(x.id));
}

/**
 * Signs `heads` into a new checkpoint, unless they equal the newest
 * checkpoint's (then that one is returned, written: false) and `force` is
 * not set. One writer at a time (a transaction lock), numbers 1, 2, 3...
 * The caller checks the log before asking for a signature
 * (service/verify.ts): a checkpoint must never sign a forgery. Not pure.
 */
export async function writeCheckpoint(db: Db, key: SigningKey, heads: CheckpointHeads, options: { force?: boolean } = {}): Promise<{ written: boolean; checkpoint: Checkpoint }> {
  return db.tx(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7280021)');
    const { root, treeSize } = checkpointRoot(heads);
    const last = await latestCheckpoint(tx);
    if (last && last.root === root && last.keyId === key.keyId && !options.force) return { written: false, checkpoint: last };
    const slot = (await tx.query<{ id: number | string; created_at: string }>("SELECT nextval('checkpoints_id_seq') AS id, now() AS created_at")).rows[0]!;
    const unsigned = { id: Number(slot.id), treeSize, root, createdAt: slot.created_at, keyId: key.keyId };
    const signature = sign(null, Buffer.from(signedText(unsigned), 'utf8'), key.privateKey).toString('base64');
    await tx.query(
      `INSERT INTO checkpoints (id, tree_size, root, signature, key_id, public_key, heads, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
      [unsigned.id, treeSize, root, signature, key.keyId, key.publicPem, JSON.stringify(heads), unsigned.createdAt],
    );
    return { written: true, checkpoint: { ...unsigned, signature, publicKey: key.publicPem, heads } };
  });
}

/** What `pathway checkpoint --export` writes: a signed checkpoint and the public key, for an auditor to keep outside the system. */
export interface ExportedCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  checkpoint: Checkpoint;
  /** SPKI PEM of the key that signed it. */
  publicKey: string;
  /** How to check it, in words. */
  howToCheck: string;
}

/** The export of a checkpoint. Pure. */
export function exportCheckpoint(c: Checkpoint, key: { publicPem: string }): ExportedCheckpoint {
  return {
    format: CHECKPOINT_FORMAT,
    checkpoint: c,
    publicKey: key.publicPem,
    howToCheck:
      'pathway verify --checkpoint <this file>. By hand: the leaves are canonical JSON (keys sorted, no spaces) of each stream head {"hash","kind":"stream","urn","version"} in URN order, then {"hash","kind":"ledger","last_id","rows"}; the root is the RFC 9162 Merkle tree hash of them; the Ed25519 signature (base64) covers the canonical JSON {"created_at","format","id","key_id","root","tree_size"}.',
  };
}
