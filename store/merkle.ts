/**
 * The Merkle tree hash of RFC 9162 (Certificate Transparency 2.0, section
 * 2.1.1), as Trillian computes it: a leaf is hashed as SHA-256(0x00 || leaf),
 * an inner node as SHA-256(0x01 || left || right), so a leaf can never be
 * passed off as a node; a tree of n > 1 leaves splits at the largest power of
 * two below n. The tree of no leaves hashes to SHA-256 of nothing. Pure.
 */
import { createHash } from 'node:crypto';

/** SHA-256(0x00 || leaf). Pure. */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0x00])).update(leaf).digest();
}

/** SHA-256(0x01 || left || right). Pure. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0x01])).update(left).update(right).digest();
}

/** The largest power of two strictly below n (n >= 2). Pure. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) of RFC 9162 over the leaf hashes already computed. Pure. */
function rootOfHashes(hashes: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return hashes[from]!;
  const k = splitPoint(n);
  return nodeHash(rootOfHashes(hashes, from, from + k), rootOfHashes(hashes, from + k, to));
}

/** The Merkle tree hash of the leaves, in order. Pure. */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  return rootOfHashes(leaves.map(leafHash), 0, leaves.length);
}

/**
 * The audit path of leaf `index` (RFC 9162 section 2.1.3.1), for proving
 * to someone who holds only the root that a leaf is in the tree. Pure.
 */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`index must be a leaf of the tree, 0 to ${leaves.length - 1} (got ${index})`);
  const hashes = leaves.map(leafHash);
  const path = (m: number, from: number, to: number): Buffer[] => {
    const n = to - from;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k ? [...path(m, from, from + k), rootOfHashes(hashes, from + k, to)] : [...path(m - k, from + k, to), rootOfHashes(hashes, from, from + k)];
  };
  return path(index, 0, leaves.length);
}

/** Checks an audit path (RFC 9162 section 2.1.3.2): does `leaf` sit at `index` of the tree of `size` leaves with this root? Pure. */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && Buffer.compare(r, Buffer.from(root)) === 0;
}
