/**
 * Tests added from the mutation run on store/merkle.ts: an audit path proves a
 * leaf's place only in the tree it was made for. The reference-vector tests
 * (merkle.test.ts) check that honest proofs verify; these check that a proof
 * offered with the wrong index or size, one step too short or too long, or
 * against the root of a smaller tree, is refused, and that asking for the
 * proof of a leaf the tree does not have is an error naming the range.
 */
import { describe, expect, it } from 'vitest';
import { inclusionProof, leafHash, merkleRoot, nodeHash, verifyInclusion } from '../store/merkle.js';

const leaves = Array.from({ length: 8 }, (_, i) => Buffer.from(`leaf ${i}`));
const root8 = merkleRoot(leaves);

describe('an inclusion proof is refused outside the tree it was made for', () => {
  it('refuses an index or size that is not a whole number, negative, or an index past the end', () => {
    const proof = inclusionProof(leaves, 3);
    expect(verifyInclusion(leaves[3]!, 3, 8, proof, root8)).toBe(true);
    expect(verifyInclusion(leaves[3]!, 3.5, 8, proof, root8)).toBe(false);
    expect(verifyInclusion(leaves[3]!, 3, 8.5, proof, root8)).toBe(false);
    expect(verifyInclusion(leaves[3]!, -1, 8, proof, root8)).toBe(false);
    expect(verifyInclusion(leaves[3]!, 8, 8, proof, root8)).toBe(false);
    expect(verifyInclusion(leaves[3]!, 11, 8, proof, root8)).toBe(false);
  });

  it('refuses the leaf of a one-leaf tree claimed at index 1, -1 or 0.5, and a two-leaf proof claimed for size 2.5', () => {
    // With a size of 1 the walk has nothing to do, so only the checks of index and size stand in the way.
    const root1 = merkleRoot([leaves[0]!]);
    expect(verifyInclusion(leaves[0]!, 0, 1, [], root1)).toBe(true);
    expect(verifyInclusion(leaves[0]!, 1, 1, [], root1)).toBe(false);
    expect(verifyInclusion(leaves[0]!, -1, 1, [], root1)).toBe(false);
    expect(verifyInclusion(leaves[0]!, 0.5, 1, [], root1)).toBe(false);
    const two = leaves.slice(0, 2);
    const proof = inclusionProof(two, 0);
    expect(verifyInclusion(two[0]!, 0, 2, proof, merkleRoot(two))).toBe(true);
    expect(verifyInclusion(two[0]!, 0, 2.5, proof, merkleRoot(two))).toBe(false);
  });

  it('refuses the last leaf claimed one place further, in a tree of that size', () => {
    // Leaf 4 of a tree of 5 has the same proof shape as a leaf "5 of 5" would;
    // the index must stay below the size.
    const five = leaves.slice(0, 5);
    const root5 = merkleRoot(five);
    const proof = inclusionProof(five, 4);
    expect(verifyInclusion(five[4]!, 4, 5, proof, root5)).toBe(true);
    expect(verifyInclusion(five[4]!, 5, 5, proof, root5)).toBe(false);
    expect(verifyInclusion(five[4]!, 6, 6, proof, root5)).toBe(false);
  });

  it('refuses a proof cut short against the root of the smaller tree it then reaches', () => {
    // Leaf 0 of 8 with the first two steps of its path reaches the root of leaves 0..3:
    // that must not pass as membership of the tree of 8.
    const proof = inclusionProof(leaves, 0);
    const root4 = merkleRoot(leaves.slice(0, 4));
    expect(nodeHash(nodeHash(leafHash(leaves[0]!), proof[0]!), proof[1]!)).toEqual(root4);
    expect(verifyInclusion(leaves[0]!, 0, 8, proof.slice(0, 2), root4)).toBe(false);
    expect(verifyInclusion(leaves[0]!, 0, 4, proof.slice(0, 2), root4)).toBe(true);
  });

  it('refuses a one-leaf tree offered with a made-up extra step', () => {
    const one = [leaves[0]!];
    const extra = Buffer.alloc(32, 7);
    expect(verifyInclusion(leaves[0]!, 0, 1, [], merkleRoot(one))).toBe(true);
    // The root an attacker would compute for "leaf + one step": still not a tree of 1.
    expect(verifyInclusion(leaves[0]!, 0, 1, [extra], nodeHash(extra, leafHash(leaves[0]!)))).toBe(false);
    expect(verifyInclusion(leaves[0]!, 0, 1, [extra], nodeHash(leafHash(leaves[0]!), extra))).toBe(false);
  });
});

describe('the proof of a leaf the tree does not have', () => {
  it('is a RangeError naming the leaves there are and the index asked for', () => {
    expect(() => inclusionProof(leaves, 8)).toThrow(new RangeError('index must be a leaf of the tree, 0 to 7 (got 8)'));
    expect(() => inclusionProof(leaves, -1)).toThrow(new RangeError('index must be a leaf of the tree, 0 to 7 (got -1)'));
    expect(() => inclusionProof(leaves, 1.5)).toThrow(new RangeError('index must be a leaf of the tree, 0 to 7 (got 1.5)'));
    expect(() => inclusionProof([], 0)).toThrow(new RangeError('index must be a leaf of the tree, 0 to -1 (got 0)'));
    expect(inclusionProof(leaves, 7)).toHaveLength(3);
  });
});
