/**
 * Canonical JSON and the event hash chain. Pure.
 *
 * The hash must come out the same when computed from the values a writer had
 * and from the values read back out of jsonb, so values are first put through
 * JSON (as jsonb would keep them: undefined fields dropped, dates as strings)
 * and object keys are then written in sorted order.
 */
import { createHash } from 'node:crypto';

/** JSON text with object keys sorted at every depth and no whitespace. Pure. */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`cannot hash ${typeof value}: it has no JSON form`);
  return write(JSON.parse(text));
}

function write(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k])}`).join(',')}}`;
}

/** The fields of an event that its hash covers. */
export interface HashedEventFields {
  urn: string;
  version: number;
  type: string;
  payload: unknown;
  /** ISO instant as stored (UTC, milliseconds), e.g. 2020-11-05T09:30:00.000Z. */
  occurredAt: string;
  actor: string;
  machineVersion: string;
  state: unknown;
  /** The hash of the stream's previous event; null for version 1. */
  prevHash: string | null;
}

/** sha256 (hex) over the canonical JSON of an event's fields and its predecessor's hash. Pure. */
export function eventHash(e: HashedEventFields): string {
  return sha256Hex(canonicalJson(v1Fields(e)));
}

function v1Fields(e: HashedEventFields): Record<string, unknown> {
  return {
    urn: e.urn,
    version: e.version,
    type: e.type,
    payload: e.payload,
    occurred_at: e.occurredAt,
    actor: e.actor,
    machine_version: e.machineVersion,
    state: e.state,
    prev_hash: e.prevHash,
  };
}

/**
 * Hash versions. v1 (eventHash) left out when the store took the event
 * (recorded_at) and where it sits in the global order (position), so those
 * two could be changed without a trace. v2 covers every stored column but
 * the hash itself. A row keeps the version it was written under (column
 * hash_version, migration 020), so old rows still verify and are never
 * rewritten; every new row is written under CURRENT_HASH_VERSION.
 */
export const CURRENT_HASH_VERSION = 2;

/** The fields a v2 hash covers: v1's and the two columns v1 left out. */
export interface HashedEventFieldsV2 extends HashedEventFields {
  /** The event's global position (events.position). */
  position: number;
  /** When the store took it, ISO UTC with milliseconds, as stored. */
  recordedAt: string;
}

/** sha256 (hex) over the canonical JSON of every stored column of an event (v2). Pure. */
export function eventHashV2(e: HashedEventFieldsV2): string {
  return sha256Hex(canonicalJson(v2Fields(e)));
}

function v2Fields(e: HashedEventFieldsV2): Record<string, unknown> {
  return {
    hash_version: 2,
    position: e.position,
    urn: e.urn,
    version: e.version,
    type: e.type,
    payload: e.payload,
    occurred_at: e.occurredAt,
    recorded_at: e.recordedAt,
    actor: e.actor,
    machine_version: e.machineVersion,
    state: e.state,
    prev_hash: e.prevHash,
  };
}

/**
 * The hash of a stored event under the version it was written with; throws
 * for a version this code does not know. For values read back from the
 * database (jsonb already parsed, so plain JSON): the canonical text is
 * written straight from them, without the JSON round trip a writer's values
 * need, which gives the same text at a third of the cost. Pure.
 */
export function storedEventHash(hashVersion: number, e: HashedEventFieldsV2): string {
  if (hashVersion === 1) return sha256Hex(write(v1Fields(e)));
  if (hashVersion === 2) return sha256Hex(write(v2Fields(e)));
  throw new RangeError(`hash_version ${hashVersion} is not known to this code (known: 1, 2)`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
