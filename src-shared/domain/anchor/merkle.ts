/**
 * RFC 9162 (Certificate Transparency v2, same hashing as RFC 6962) Merkle tree over an org's audit
 * events in seq order: leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right), the empty
 * tree's root = SHA-256(""). Inclusion and consistency proofs are generated (§2.1.1–2.1.2 of
 * RFC 6962) and verified (RFC 9162 §2.1.3.2 and §2.1.4.2) here, so that any standard transparency
 * log verifier agrees with the app. Pure: the caller injects SHA-256 (node:crypto on the main side).
 */
export type Sha256Bytes = (data: Uint8Array) => Uint8Array;
export type Hash = Uint8Array;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** The bytes of every part, one after the other. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function leafHash(sha256: Sha256Bytes, entry: Uint8Array): Hash {
  return sha256(concat(Uint8Array.of(LEAF_PREFIX), entry));
}

export function nodeHash(sha256: Sha256Bytes, left: Hash, right: Hash): Hash {
  return sha256(concat(Uint8Array.of(NODE_PREFIX), left, right));
}

export function hashesEqual(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const HASH_BYTES = 32;

/**
 * Leaf hashes packed end to end (32 bytes each) in one growing buffer: a million events are 32 MB
 * of bytes, not a million small arrays with their headers, and the tree reads them in place.
 */
export class LeafHashes {
  private buf = new Uint8Array(HASH_BYTES * 1024);
  length = 0;

  push(h: Hash): void {
    if (h.length !== HASH_BYTES) throw new RangeError(`a leaf hash is ${HASH_BYTES} bytes, not ${h.length}`);
    if ((this.length + 1) * HASH_BYTES > this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf.set(h, this.length * HASH_BYTES);
    this.length++;
  }

  /** The first n hashes (a view, not a copy). */
  bytes(n: number = this.length): Uint8Array {
    return this.buf.subarray(0, n * HASH_BYTES);
  }
}

/**
 * The tree kept as its levels of perfect subtrees, each packed (levels[h] holds the roots of the
 * aligned subtrees of 2^h leaves, left to right): built once in N−1 node hashes, about 64 bytes
 * per leaf, and every inclusion proof is then O(log N) lookups with no hashing. RFC 6962's
 * recursion only ever asks for aligned perfect subtrees plus the few ragged ones along a tree's
 * right edge; those are memoised (O(log² N) of them), so proofs for every size 1..N stay cheap.
 */
export class MerkleTree {
  private readonly n: number;
  private readonly levels: Uint8Array[];
  private readonly ragged = new Map<string, Hash>();

  constructor(
    private readonly sha256: Sha256Bytes,
    /** Leaf hashes (already leafHash-ed), in seq order. */
    leaves: readonly Hash[] | LeafHashes,
    /** Only the first `size` leaves (a prefix of a longer log). */
    size?: number,
  ) {
    let level0: Uint8Array;
    if (leaves instanceof LeafHashes) {
      this.n = size ?? leaves.length;
      if (this.n > leaves.length) throw new RangeError(`tree size ${this.n} is larger than the ${leaves.length} leaves given`);
      level0 = leaves.bytes(this.n);
    } else {
      this.n = size ?? leaves.length;
      if (this.n > leaves.length) throw new RangeError(`tree size ${this.n} is larger than the ${leaves.length} leaves given`);
      level0 = new Uint8Array(this.n * HASH_BYTES);
      for (let i = 0; i < this.n; i++) {
        const h = leaves[i] as Hash;
        if (h.length !== HASH_BYTES) throw new RangeError(`a leaf hash is ${HASH_BYTES} bytes, not ${h.length}`);
        level0.set(h, i * HASH_BYTES);
      }
    }
    this.levels = [level0];
    const node = new Uint8Array(1 + 2 * HASH_BYTES);
    node[0] = NODE_PREFIX;
    for (let below = level0, count = this.n; count >= 2; ) {
      const pairs = Math.floor(count / 2);
      const up = new Uint8Array(pairs * HASH_BYTES);
      for (let i = 0; i < pairs; i++) {
        node.set(below.subarray(2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES), 1);
        up.set(this.sha256(node), i * HASH_BYTES);
      }
      this.levels.push(up);
      below = up;
      count = pairs;
    }
  }

  get size(): number {
    return this.n;
  }

  /** MTH(D[0:n]). */
  root(n: number = this.n): Hash {
    this.checkSize(n);
    return this.subtree(0, n);
  }

  /** PATH(m, D[0:n]): the audit path of leaf m in the tree of size n. */
  inclusionProof(m: number, n: number = this.n): Hash[] {
    this.checkSize(n);
    if (!Number.isInteger(m) || m < 0 || m >= n) throw new RangeError(`leaf index ${m} is outside a tree of size ${n}`);
    // PATH(m, D[start:start+size]) unrolled: siblings are collected top-down and given bottom-up.
    const top: Hash[] = [];
    let start = 0;
    let size = n;
    let at = m;
    while (size > 1) {
      const k = split(size);
      if (at < k) {
        top.push(this.subtree(start + k, size - k));
        size = k;
      } else {
        top.push(this.subtree(start, k));
        start += k;
        at -= k;
        size -= k;
      }
    }
    return top.reverse();
  }

  /** PROOF(m, D[0:n]): proves the tree of size m is a prefix of the tree of size n. */
  consistencyProof(m: number, n: number = this.n): Hash[] {
    this.checkSize(n);
    if (!Number.isInteger(m) || m < 0 || m > n) throw new RangeError(`old size ${m} is not between 0 and ${n}`);
    if (m === 0 || m === n) return [];
    return this.subproof(m, 0, n, true);
  }

  private checkSize(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.n) {
      throw new RangeError(`tree size ${n} is not between 0 and ${this.n}`);
    }
  }

  /** MTH(D[start:start+n]). */
  private subtree(start: number, n: number): Hash {
    if (n === 0) return this.sha256(new Uint8Array(0));
    // An aligned perfect subtree: read from its level.
    if ((n & (n - 1)) === 0 && start % n === 0) {
      const level = this.levels[Math.log2(n)] as Uint8Array;
      const i = start / n;
      return level.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
    }
    const key = `${start}:${n}`;
    const hit = this.ragged.get(key);
    if (hit) return hit;
    const k = split(n);
    const h = nodeHash(this.sha256, this.subtree(start, k), this.subtree(start + k, n - k));
    this.ragged.set(key, h);
    return h;
  }

  private subproof(m: number, start: number, n: number, complete: boolean): Hash[] {
    if (m === n) return complete ? [] : [this.subtree(start, n)];
    const k = split(n);
    if (m <= k) return [...this.subproof(m, start, k, complete), this.subtree(start + k, n - k)];
    return [...this.subproof(m - k, start + k, n - k, false), this.subtree(start, k)];
  }
}

const isOdd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(
  sha256: Sha256Bytes,
  leafIndex: number,
  treeSize: number,
  leaf: Hash,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!Number.isInteger(leafIndex) || !Number.isInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(sha256, p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(sha256, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2, plus the two edge cases the RFC leaves to the caller: every tree extends the
 * empty tree (empty proof), and a tree is consistent with itself only when the roots are equal.
 */
export function verifyConsistency(
  sha256: Sha256Bytes,
  firstSize: number,
  secondSize: number,
  firstRoot: Hash,
  secondRoot: Hash,
  proof: readonly Hash[],
): boolean {
  if (!Number.isInteger(firstSize) || !Number.isInteger(secondSize)) return false;
  if (firstSize < 0 || firstSize > secondSize) return false;
  if (firstSize === 0) return proof.length === 0 && hashesEqual(firstRoot, sha256(new Uint8Array(0)));
  if (firstSize === secondSize) return proof.length === 0 && hashesEqual(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(firstSize) ? [firstRoot, ...proof] : [...proof];
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(sha256, c, fr);
      sr = nodeHash(sha256, c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sha256, sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(fr, firstRoot) && hashesEqual(sr, secondRoot);
}

function isPowerOfTwo(x: number): boolean {
  let v = x;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}
