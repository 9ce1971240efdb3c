import { describe, expect, it } from 'vitest';
import { LeafHashes, leafHash, MerkleTree, verifyConsistency, verifyInclusion } from './merkle';
import { hex, sha256, unhex } from './test-crypto';

// The RFC 6962 test leaves and roots used by the Certificate Transparency implementations.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const tree = new MerkleTree(sha256, LEAVES.map((l) => leafHash(sha256, unhex(l))));

function randomTree(n: number, salt = ''): MerkleTree {
  return new MerkleTree(sha256, Array.from({ length: n }, (_, i) => leafHash(sha256, new TextEncoder().encode(`event ${i}${salt}`))));
}

describe('Merkle tree (RFC 6962/9162)', () => {
  it('hashes the empty tree to SHA-256 of nothing', () => {
    expect(hex(tree.root(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches the known roots for sizes 1..8', () => {
    for (let n = 1; n <= 8; n++) expect(hex(tree.root(n))).toBe(ROOTS[n - 1]);
  });

  it('matches the known inclusion path of leaf 0 in the tree of 8', () => {
    expect(tree.inclusionProof(0, 8).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
  });

  it('matches the known consistency proofs 1→8, 6→8 and 2→5', () => {
    expect(tree.consistencyProof(1, 8)).toEqual(tree.inclusionProof(0, 8));
    expect(tree.consistencyProof(6, 8).map(hex)).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(tree.consistencyProof(2, 5).map(hex)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
  });

  it('verifies every inclusion proof in trees of size 1..33, and refuses a wrong leaf, index or root', () => {
    const big = randomTree(33);
    for (let n = 1; n <= 33; n++) {
      const root = big.root(n);
      for (let m = 0; m < n; m++) {
        const leaf = leafHash(sha256, new TextEncoder().encode(`event ${m}`));
        const proof = big.inclusionProof(m, n);
        expect(verifyInclusion(sha256, m, n, leaf, proof, root)).toBe(true);
        expect(verifyInclusion(sha256, m, n, leafHash(sha256, new TextEncoder().encode('forged')), proof, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(sha256, (m + 1) % n, n, leaf, proof, root)).toBe(false);
        expect(verifyInclusion(sha256, m, n, leaf, proof, big.root(n === 33 ? 32 : n + 1))).toBe(false);
      }
    }
  });

  it('verifies every consistency proof between sizes 0..33', () => {
    const big = randomTree(33);
    for (let n = 0; n <= 33; n++) {
      for (let m = 0; m <= n; m++) {
        expect(verifyConsistency(sha256, m, n, big.root(m), big.root(n), big.consistencyProof(m, n))).toBe(true);
      }
    }
  });

  it('refuses consistency against a tree whose history was rewritten or truncated', () => {
    const honest = randomTree(20);
    const rewritten = new MerkleTree(sha256, [
      ...Array.from({ length: 7 }, (_, i) => leafHash(sha256, new TextEncoder().encode(`event ${i}`))),
      leafHash(sha256, new TextEncoder().encode('event 7, edited')),
      ...Array.from({ length: 12 }, (_, i) => leafHash(sha256, new TextEncoder().encode(`event ${i + 8}`))),
    ]);
    for (let m = 1; m <= 20; m++) {
      const expected = m <= 7; // the edit is leaf 7: trees of up to 7 leaves are untouched
      expect(verifyConsistency(sha256, m, 20, honest.root(m), rewritten.root(20), rewritten.consistencyProof(m, 20))).toBe(expected);
    }
    // A truncated log cannot prove it extends a bigger checkpoint.
    expect(verifyConsistency(sha256, 20, 15, honest.root(20), honest.root(15), [])).toBe(false);
    // A tampered proof fails.
    const proof = honest.consistencyProof(6, 20);
    proof[0] = sha256(new Uint8Array([1]));
    expect(verifyConsistency(sha256, 6, 20, honest.root(6), honest.root(20), proof)).toBe(false);
    // Same size, different root.
    expect(verifyConsistency(sha256, 20, 20, honest.root(20), rewritten.root(20), [])).toBe(false);
  });

  it('refuses sizes outside the tree', () => {
    expect(() => tree.root(9)).toThrow(/between 0 and 8/);
    expect(() => tree.inclusionProof(8, 8)).toThrow(/outside/);
    expect(() => tree.consistencyProof(9, 8)).toThrow(/between 0 and 8/);
  });

  it('packed leaves and a prefix size give the same tree, roots and proofs as the leaves given one by one', () => {
    const hashes = Array.from({ length: 37 }, (_, i) => leafHash(sha256, new TextEncoder().encode(`packed ${i}`)));
    const packed = new LeafHashes();
    for (const h of hashes) packed.push(h);
    for (const n of [0, 1, 2, 5, 16, 31, 37]) {
      const a = new MerkleTree(sha256, hashes.slice(0, n));
      const b = new MerkleTree(sha256, packed, n);
      expect(b.size).toBe(n);
      expect(hex(b.root())).toBe(hex(a.root()));
      for (let m = 0; m < n; m++) expect(b.inclusionProof(m).map(hex)).toEqual(a.inclusionProof(m).map(hex));
      for (let m = 0; m <= n; m++) expect(b.consistencyProof(m).map(hex)).toEqual(a.consistencyProof(m).map(hex));
    }
    expect(() => new MerkleTree(sha256, packed, 38)).toThrow(/larger than the 37 leaves/);
    expect(() => packed.push(new Uint8Array(31))).toThrow(/32 bytes, not 31/);
    expect(packed.length).toBe(37);
  });
});
