import { bodyOf, type ChainedAuditEvent } from '../audit-chain';
import { canonicalJson } from '../canonical-json';
import { leafHash, MerkleTree, type Sha256Bytes } from './merkle';

/**
 * The Merkle tree over an org's audit events: leaf i is event seq i+1, its entry the same
 * RFC 8785 canonical JSON body the hash chain covers (UTF-8), so an auditor needs one encoding.
 */
export function auditLeaf(sha256: Sha256Bytes, e: ChainedAuditEvent): Uint8Array {
  return auditLeafOf(sha256, canonicalJson(bodyOf(e)));
}

const utf8 = new TextEncoder();

/** The same leaf from the event's canonical text, when the caller already computed it (the chain check did). */
export function auditLeafOf(sha256: Sha256Bytes, canonical: string): Uint8Array {
  return leafHash(sha256, utf8.encode(canonical));
}

export function auditTree(sha256: Sha256Bytes, events: readonly ChainedAuditEvent[]): MerkleTree {
  return new MerkleTree(sha256, events.map((e) => auditLeaf(sha256, e)));
}
