/**
 * Known-answer tests for the event hash (store/hash.ts). The expected values
 * are fixed hex, not computed by the code under test: each is sha256 of the
 * canonical JSON text written out below, which anyone can check with
 *   printf '%s' '<canonical text>' | sha256sum
 * One case per field the hash covers, each changing only that field, so a
 * hash that leaves a field out (prev_hash, type, ...) fails the base case and
 * that field's case.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, type HashedEventFields } from '../store/hash.js';
import { appendEvent, readStream } from '../store/event-log.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const BASE: HashedEventFields = {
  urn: '100001',
  version: 1,
  type: 'GAP_TASK_COMPLETED',
  payload: { type: 'GAP_TASK_COMPLETED', at: '2021-01-04T09:30:00Z', task: 'audit' },
  occurredAt: '2021-01-04T09:30:00.000Z',
  actor: 'ops@hub.example',
  machineVersion: 'pathway@1',
  state: { value: 'active', context: { tasks: 1 } },
  prevHash: null,
};

/** The canonical text of BASE: keys sorted at every depth, no whitespace. */
const BASE_CANONICAL =
  '{"actor":"ops@hub.example","machine_version":"pathway@1","occurred_at":"2021-01-04T09:30:00.000Z",' +
  '"payload":{"at":"2021-01-04T09:30:00Z","task":"audit","type":"GAP_TASK_COMPLETED"},"prev_hash":null,' +
  '"state":{"context":{"tasks":1},"value":"active"},"type":"GAP_TASK_COMPLETED","urn":"100001","version":1}';

const BASE_HEX = 'd6fd87d2a1d14f9078f4e54bf92348e46f496a9e400afc2706235325082240ae';

/** Each hashed field changed on its own, with the sha256 of the canonical text so changed. */
const PER_FIELD: { field: string; change: Partial<HashedEventFields>; hex: string }[] = [
  { field: 'urn', change: { urn: '100002' }, hex: '64de516b29b2202f09e1d0f7b5b10eff5e45141dfc03bc98174125f740b2acc7' },
  { field: 'version', change: { version: 2 }, hex: '83bddf10477acde025299f00de8bd2c1e62cf5cf5d88f440d091b632d45d319f' },
  { field: 'type', change: { type: 'TASK_COMPLETED' }, hex: '85c31a00fc083b1e7896009d2c82cd2194936fe56699da8f9cff9f384d9d36b1' },
  { field: 'payload', change: { payload: { type: 'GAP_TASK_COMPLETED', at: '2021-01-04T09:30:00Z', task: 'audits' } }, hex: '5321ac64ec49d0bd20f797b1b22615eca32d953b3a8219f0535baf4b68cb6176' },
  { field: 'occurred_at', change: { occurredAt: '2021-01-04T09:30:00.001Z' }, hex: 'acfe279d022eaf54df6c2f318fc3acc596fbfed1ab09011f693471dbfc07432d' },
  { field: 'actor', change: { actor: 'timer' }, hex: '5735254ccb6846f21387ba56ce779a0baac1da34325d579e4a95797a7e276451' },
  { field: 'machine_version', change: { machineVersion: 'pathway@2' }, hex: '3f71f4a7d95fa3ebeafe06f217530a5c1ef7af6bdba036b8d4f6f766902043ff' },
  { field: 'state', change: { state: { value: 'active', context: { tasks: 2 } } }, hex: 'feb9e14be63eaf4622c3ce3a32fce05c075449f512536639d28d6f8df23a1507' },
  { field: 'prev_hash', change: { prevHash: '0'.repeat(64) }, hex: '701f43ec4b81bcd027d11ab41939cffb3bf1bf2a426f5a5a3f84b142739ff48e' },
];

describe('event hash, known answers', () => {
  it('writes the documented canonical text', () => {
    const { occurredAt, machineVersion, prevHash, ...rest } = BASE;
    expect(canonicalJson({ ...rest, occurred_at: occurredAt, machine_version: machineVersion, prev_hash: prevHash })).toBe(BASE_CANONICAL);
  });

  it('hashes the base event to its fixed hex', () => {
    expect(eventHash(BASE)).toBe(BASE_HEX);
  });

  it('does not depend on the order of keys inside payload and state', () => {
    expect(eventHash({ ...BASE, payload: { task: 'audit', at: '2021-01-04T09:30:00Z', type: 'GAP_TASK_COMPLETED' }, state: { context: { tasks: 1 }, value: 'active' } })).toBe(BASE_HEX);
  });

  it.each(PER_FIELD)('covers $field: changing it alone gives its own fixed hex', ({ change, hex }) => {
    const h = eventHash({ ...BASE, ...change });
    expect(h).toBe(hex);
    expect(h).not.toBe(BASE_HEX);
  });

  it('has a case for every field the hash covers', () => {
    expect(PER_FIELD.map((c) => c.field).sort()).toEqual(Object.keys(JSON.parse(BASE_CANONICAL) as object).sort());
  });
});

describe.each(dbTargets())('stored event hash on $name', (target) => {
  const t = useTestDb(target);

  it('an event appended with the base fields is stored under the v2 hash of its fields (its state null), position and recording time, and its successor chains to it', async () => {
    // New events are written under hash version 2 (test/verify-hash-v2.test.ts pins its known answers); v1 rows keep verifying under v1.
    const first = await appendEvent(t.db, { ...BASE, expectedVersion: 0, occurredAt: '2021-01-04T09:30:00Z', state: BASE.state });
    const second = await appendEvent(t.db, { ...BASE, expectedVersion: 1, occurredAt: '2021-01-04T09:30:00Z' });
    const { createHash } = await import('node:crypto');
    const v2Text = (version: number, prev: string | null, position: number, recordedAt: string) =>
      BASE_CANONICAL.replace('"machine_version"', '"hash_version":2,"machine_version"')
        .replace('"prev_hash":null', `"position":${position},"prev_hash":${prev === null ? 'null' : `"${prev}"`},"recorded_at":"${recordedAt}"`)
        .replace('"version":1', `"version":${version}`)
        // A row written since migration 023 stores no state; the hash covers that null.
        .replace('"state":{"context":{"tasks":1},"value":"active"}', '"state":null');
    expect(first.hash).toBe(createHash('sha256').update(v2Text(1, null, first.position, first.recordedAt), 'utf8').digest('hex'));
    expect(second.hash).toBe(createHash('sha256').update(v2Text(2, first.hash, second.position, second.recordedAt), 'utf8').digest('hex'));
    expect(first.hash).not.toBe(BASE_HEX);
    const stored = await readStream(t.db, BASE.urn);
    expect(stored.map((e) => [e.hash, e.hashVersion])).toEqual([[first.hash, 2], [second.hash, 2]]);
  });
});
