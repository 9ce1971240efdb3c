import { bodyOf, type ChainedAuditEvent } from '../audit-chain';
import { canonicalJson } from '../canonical-json';
import { leafHash, MerkleTree, type Sha256Bytes } from './merkle';

/**
 * The Merkle tree over an org's audit events: leaf i is event seq i+1, its entry the same
 * RFC 8785 canonical JSON body the hash chain covers (UTF-8), so an auditor needs one encoding.
 */
export function auditLeaf(sha256: Sha256Bytes, e: ChainedAuditEvent): Uint8Array {
  return leafHash(sha256, new TextEncoder().encode(canonicalJson(bodyOf(e))));
}

export function auditTree(sha256: Sha256Bytes, events: readonly ChainedAuditEvent[]): MerkleTree {
  return new MerkleTree(sha256, events.map((e) => auditLeaf(sha256, e)));
}
