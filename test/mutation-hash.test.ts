/**
 * Tests added from the mutation run on store/hash.ts (npm run mutate:smoke):
 * each kills a mutant that the known-answer tests let live. Expected texts and
 * hex are written out, not computed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, type HashedEventFields } from '../store/hash.js';

describe('canonical JSON, the cases the known answers did not reach', () => {
  it('refuses a value with no JSON form, naming its type', () => {
    expect(() => canonicalJson(undefined)).toThrow(new TypeError('cannot hash undefined: it has no JSON form'));
    expect(() => canonicalJson(() => 1)).toThrow(new TypeError('cannot hash function: it has no JSON form'));
  });

  it('writes arrays in their own order, comma-separated, with objects inside sorted', () => {
    expect(canonicalJson([{ b: 1, a: 2 }, 3, 'x', [null, true]])).toBe('[{"a":2,"b":1},3,"x",[null,true]]');
    expect(canonicalJson([])).toBe('[]');
  });

  it('hashes an event whose payload holds an array to the fixed sha256 of its written text', () => {
    const e: HashedEventFields = {
      urn: '100001', version: 1, type: 'T', payload: { list: [2, 1] }, occurredAt: '2021-01-04T09:30:00.000Z',
      actor: 'a', machineVersion: 'm@1', state: null, prevHash: null,
    };
    const text =
      '{"actor":"a","machine_version":"m@1","occurred_at":"2021-01-04T09:30:00.000Z","payload":{"list":[2,1]},' +
      '"prev_hash":null,"state":null,"type":"T","urn":"100001","version":1}';
    expect(canonicalJson({ actor: 'a', machine_version: 'm@1', occurred_at: e.occurredAt, payload: e.payload, prev_hash: null, state: null, type: 'T', urn: '100001', version: 1 })).toBe(text);
    // printf '%s' "$text" | sha256sum
    expect(eventHash(e)).toBe('1e9e71a42658292ddbd3c39b47b8d42224a84d300408959e4954f24b17485fd7');
  });
});
