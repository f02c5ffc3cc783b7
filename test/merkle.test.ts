/**
 * store/merkle.ts against the reference vectors of RFC 6962 / RFC 9162 (the
 * same eight leaves and roots that Certificate Transparency's and Trillian's
 * tests use): fixed hex, not computed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { inclusionProof, leafHash, merkleRoot, nodeHash, verifyInclusion } from '../store/merkle.js';

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RFC 9162 Merkle tree hash', () => {
  it('gives the reference root for every tree size 0 to 8', () => {
    for (let n = 0; n <= 8; n++) expect(hex(merkleRoot(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
  });

  it('prefixes leaves with 0x00 and nodes with 0x01, so a node cannot pass for a leaf', () => {
    expect(hex(leafHash(Buffer.alloc(0)))).toBe(ROOTS[1]);
    const two = merkleRoot(LEAVES.slice(0, 2));
    expect(hex(nodeHash(leafHash(LEAVES[0]!), leafHash(LEAVES[1]!)))).toBe(hex(two));
    // The two leaf hashes concatenated, offered as one leaf, give another root.
    expect(hex(merkleRoot([Buffer.concat([leafHash(LEAVES[0]!), leafHash(LEAVES[1]!)])]))).not.toBe(hex(two));
  });

  it('gives the reference audit paths, and they verify', () => {
    const root8 = Buffer.from(ROOTS[8]!, 'hex');
    const path0 = ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'];
    const path5 = ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'];
    expect(inclusionProof(LEAVES, 0).map(hex)).toEqual(path0);
    expect(inclusionProof(LEAVES, 5).map(hex)).toEqual(path5);
    expect(verifyInclusion(LEAVES[0]!, 0, 8, path0.map((h) => Buffer.from(h, 'hex')), root8)).toBe(true);
    expect(verifyInclusion(LEAVES[5]!, 5, 8, path5.map((h) => Buffer.from(h, 'hex')), root8)).toBe(true);
  });

  it('every leaf of trees of 1 to 37 leaves proves its place, and no other leaf or place does', () => {
    const many = Array.from({ length: 37 }, (_, i) => Buffer.from([i, (i * 7) & 0xff]));
    for (let n = 1; n <= many.length; n++) {
      const leaves = many.slice(0, n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        expect(verifyInclusion(leaves[i]!, i, n, proof, root), `leaf ${i} of ${n}`).toBe(true);
        expect(verifyInclusion(Buffer.from([0xee]), i, n, proof, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(leaves[i]!, (i + 1) % n, n, proof, root)).toBe(false);
      }
    }
  });
});
