import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import yauzl from 'yauzl';
import { z } from 'zod';
import { fromBase64, toBase64 } from '../../../../src-shared/domain/anchor/base64';
import { parseCheckpoint } from '../../../../src-shared/domain/anchor/checkpoint';
import { leafHash, verifyConsistency, verifyInclusion } from '../../../../src-shared/domain/anchor/merkle';
import { verifyNote } from '../../../../src-shared/domain/anchor/signed-note';
import { sshFingerprint, sshKeyBlob } from '../../../../src-shared/domain/anchor/ssh-key';
import { EVIDENCE_NAMESPACE, sshsigSignedData } from '../../../../src-shared/domain/evidence/sshsig';
import { isBundlePath, parseSums } from '../../../../src-shared/domain/evidence/sums';
import { ed25519Verify, sha256Bytes } from '../../audit/anchor/node-crypto';
import { BUNDLE_FORMAT, type Manifest } from './bundle';
import { KEYS_LIST } from './bundle-keys';

export interface BundleCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BundleVerdict {
  ok: boolean;
  checks: BundleCheck[];
  manifest: Manifest | null;
  fingerprint: string | null;
}

/**
 * The manifest fields the checks and the opened bundle read: a bundle is untrusted input, and a
 * manifest edited into another shape (no audit, an unknown scope) is "not a bundle manifest", a
 * failed check, not a crash. Other fields may be there (a later version may add some).
 */
const str = z.string().max(1000);
const named = { name: str.optional() };
const manifestShape = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(1),
  bundle_id: str,
  org: z.object({ id: str, name: str, simulated: z.boolean().optional() }),
  scope: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('period'), from: str, to: str, ...named }),
    z.object({ kind: z.literal('incident'), incidentId: str, ...named }),
    z.object({ kind: z.literal('pilot'), pilotId: str, ...named }),
    z.object({ kind: z.literal('drill'), drillId: str, ...named }),
    z.object({ kind: z.literal('corridor'), corridorId: str, ...named }),
  ]),
  exported_at: str,
  app_version: str,
  counts: z.record(z.string(), z.number()),
  files: z.number().int(),
  audit: z.object({ tree_size: z.number().int(), root: str, events: z.number().int(), first_seq: z.number().int().nullable(), last_seq: z.number().int().nullable() }),
  key: z.object({ name: str, fingerprint: str, identity: str }),
  keys: z.array(z.object({ fingerprint: str, file: str, created_at: str.nullable(), retired_at: str.nullable() })).optional(),
});

/** Files read whole (the small ones the checks need); everything else is only hashed, streaming. */
const KEEP = new Set(['SHA256SUMS', 'SHA256SUMS.sig', 'SHA256SUMS.ed25519', 'manifest.json', 'keys/signing-key.pub.pem', KEYS_LIST, 'log/checkpoint', 'log/proofs/consistency.json']);
const KEEP_MAX = 16 * 1024 * 1024;
const MAX_ENTRIES = 100_000;

interface Read {
  hashes: Map<string, string>;
  kept: Map<string, Buffer>;
  problems: string[];
}

/** Hash every entry of the zip (streaming), keep the small files the checks read, refuse odd entries. */
async function readZip(file: string, onLines: (path: string, line: string) => Promise<void>): Promise<Read> {
  const zip = await yauzl.openPromise(file, { strictFileNames: true, validateEntrySizes: true });
  const hashes = new Map<string, string>();
  const kept = new Map<string, Buffer>();
  const problems: string[] = [];
  try {
    let count = 0;
    for await (const entry of zip.eachEntry()) {
      if (++count > MAX_ENTRIES) throw new Error(`more than ${MAX_ENTRIES} entries: not a bundle`);
      const path = entry.fileName;
      if (path.endsWith('/')) continue;
      if (!isBundlePath(path)) {
        problems.push(`an entry has a path no bundle has: ${JSON.stringify(path.slice(0, 100))}`);
        continue;
      }
      if (hashes.has(path)) problems.push(`${path} appears twice in the zip`);
      const h = createHash('sha256');
      const keep = KEEP.has(path);
      const parts: Buffer[] = [];
      let size = 0;
      let pending = '';
      const lines = path === 'records/audit-events.jsonl' || path === 'log/proofs/inclusion.jsonl';
      // A character of several bytes may be split between two chunks: decode across them.
      const text = new StringDecoder('utf8');
      for await (const chunk of await zip.openReadStreamPromise(entry)) {
        const b = chunk as Buffer;
        h.update(b);
        if (keep) {
          size += b.length;
          if (size > KEEP_MAX) throw new Error(`${path} is larger than ${KEEP_MAX} bytes: not a bundle`);
          parts.push(b);
        }
        if (lines) {
          pending += text.write(b);
          const all = pending.split('\n');
          pending = all.pop() ?? '';
          for (const l of all) await onLines(path, l);
        }
      }
      pending += text.end();
      if (lines && pending) await onLines(path, pending);
      hashes.set(path, h.digest('hex'));
      if (keep) kept.set(path, Buffer.concat(parts));
    }
  } finally {
    zip.close();
  }
  return { hashes, kept, problems };
}

/** The parts of an SSHSIG armoured signature, or null if it is not one. */
function parseSshsig(armored: string): { publicKey: Buffer; namespace: string; hashAlg: string; signature: Buffer } | null {
  const m = /-----BEGIN SSH SIGNATURE-----([\s\S]+?)-----END SSH SIGNATURE-----/.exec(armored);
  if (!m) return null;
  const blob = Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64');
  let at = 0;
  const str = () => {
    if (at + 4 > blob.length) throw new Error('short');
    const n = blob.readUInt32BE(at);
    const v = blob.subarray(at + 4, at + 4 + n);
    if (v.length !== n) throw new Error('short');
    at += 4 + n;
    return v;
  };
  try {
    if (blob.subarray(0, 6).toString() !== 'SSHSIG' || blob.readUInt32BE(6) !== 1) return null;
    at = 10;
    const publicKey = str();
    const namespace = str().toString();
    str();
    const hashAlg = str().toString();
    const sigBlob = str();
    at = 0;
    const inner = { b: sigBlob };
    const readInner = () => {
      const n = inner.b.readUInt32BE(at);
      const v = inner.b.subarray(at + 4, at + 4 + n);
      at += 4 + n;
      return v;
    };
    if (readInner().toString() !== 'ssh-ed25519') return null;
    return { publicKey, namespace, hashAlg, signature: readInner() };
  } catch {
    return null;
  }
}

/**
 * Verify a bundle with no database and no network: the same checks the README gives an auditor
 * (SHA256SUMS, both signatures, no file added against the manifest), plus every audit event's
 * chain hash and its inclusion proof against the signed checkpoint, and the consistency proof.
 * `pin`: the key fingerprint the auditor holds out of band; without it the check says unpinned.
 * `shownAs`: how a message names the file (the app's upload copy has a path the user never chose).
 */
export async function verifyBundle(file: string, pin?: string, shownAs: string = file): Promise<BundleVerdict> {
  const checks: BundleCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  // Audit events and proofs arrive line by line, paired by position: a leaf hash (32 bytes) and a
  // proof per event are kept, not the events' text.
  const events: { seq: number; leaf: Uint8Array; chainOk: boolean; hash: string; prevHash: string }[] = [];
  const proofs: { seq: number; index: number; size: number; proof: Uint8Array[] }[] = [];
  let unreadable = 0;
  let read: Read;
  try {
    read = await readZip(file, async (path, line) => {
      if (!line) return;
      try {
        const v = JSON.parse(line) as Record<string, unknown>;
        if (path === 'records/audit-events.jsonl') {
          const canonical = String(v.canonical);
          const body = JSON.parse(canonical) as { seq: number };
          const chainOk = createHash('sha256').update(String(v.prev_hash) + canonical).digest('hex') === v.hash && body.seq === v.seq;
          events.push({ seq: Number(v.seq), leaf: leafHash(sha256Bytes, new TextEncoder().encode(canonical)), chainOk, hash: String(v.hash), prevHash: String(v.prev_hash) });
        } else {
          proofs.push({ seq: Number(v.seq), index: Number(v.leaf_index), size: Number(v.tree_size), proof: (v.proof as string[]).map((p) => fromBase64(p) ?? new Uint8Array()) });
        }
      } catch {
        unreadable++;
      }
    });
  } catch (err) {
    check('zip', false, `${shownAs} is not a readable zip (${(err as Error).message}): choose the bundle’s .zip as it was exported; one cut short on its way needs copying again.`);
    return { ok: false, checks, manifest: null, fingerprint: null };
  }
  for (const p of read.problems) check('entries', false, p);

  const sumsBytes = read.kept.get('SHA256SUMS');
  if (!sumsBytes) {
    check('SHA256SUMS', false, 'SHA256SUMS is missing: this is not an evidence bundle, or it was cut.');
    return { ok: false, checks, manifest: null, fingerprint: null };
  }
  const sums = parseSums(sumsBytes.toString('utf8'));
  if (!sums.ok) check('SHA256SUMS', false, `SHA256SUMS ${sums.message}`);
  const listed = new Map(sums.ok ? sums.lines.map((l) => [l.path, l.sha256]) : []);
  const mismatched = [...listed].filter(([p, h]) => read.hashes.get(p) !== h).map(([p]) => (read.hashes.has(p) ? `${p} (edited)` : `${p} (missing)`));
  const unlisted = [...read.hashes.keys()].filter((p) => !listed.has(p) && !/^SHA256SUMS(\.sig|\.ed25519)?$/.test(p));
  check('files', mismatched.length === 0 && unlisted.length === 0, mismatched.length + unlisted.length === 0 ? `all ${listed.size} files match SHA256SUMS` : [...mismatched, ...unlisted.map((p) => `${p} (not listed: added)`)].join('; '));

  let manifest: Manifest | null = null;
  try {
    const parsed: unknown = JSON.parse(read.kept.get('manifest.json')?.toString('utf8') ?? 'null');
    manifest = manifestShape.safeParse(parsed).success ? (parsed as Manifest) : null;
  } catch {
    manifest = null;
  }
  check('manifest', manifest !== null && manifest.files === listed.size, manifest === null ? 'manifest.json is missing or not a bundle manifest' : `the manifest counts ${manifest.files} files; SHA256SUMS lists ${listed.size}`);

  let publicKey: Uint8Array | null = null;
  try {
    const jwk = createPublicKey(read.kept.get('keys/signing-key.pub.pem') ?? '').export({ format: 'jwk' });
    if (jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('not Ed25519');
    publicKey = new Uint8Array(Buffer.from(jwk.x, 'base64url'));
  } catch {
    check('key', false, 'keys/signing-key.pub.pem is missing or not an Ed25519 public key');
  }
  const fingerprint = publicKey ? sshFingerprint(sha256Bytes, publicKey) : null;
  if (publicKey && fingerprint) {
    const spki = createPublicKey(read.kept.get('keys/signing-key.pub.pem') as Buffer);
    const raw = read.kept.get('SHA256SUMS.ed25519');
    const rawOk = Boolean(raw) && cryptoVerify(null, sumsBytes, spki, raw as Buffer);
    check('ed25519', rawOk, rawOk ? 'SHA256SUMS.ed25519 is a valid Ed25519 signature of SHA256SUMS by the bundle key' : 'SHA256SUMS.ed25519 is missing or is not a signature of SHA256SUMS by the bundle key (edited, or signed by another key)');
    const sig = parseSshsig(read.kept.get('SHA256SUMS.sig')?.toString('utf8') ?? '');
    const sshOk =
      sig !== null &&
      sig.namespace === EVIDENCE_NAMESPACE &&
      sig.hashAlg === 'sha512' &&
      Buffer.from(sshKeyBlob(publicKey)).equals(sig.publicKey) &&
      cryptoVerify(null, sshsigSignedData(EVIDENCE_NAMESPACE, createHash('sha512').update(sumsBytes).digest()), spki, sig.signature);
    check('sshsig', sshOk, sshOk ? `SHA256SUMS.sig is a valid SSHSIG (namespace ${EVIDENCE_NAMESPACE}) by the bundle key` : `SHA256SUMS.sig is missing or is not an SSHSIG of SHA256SUMS by the bundle key in namespace ${EVIDENCE_NAMESPACE}`);
    const manifestKey = manifest?.key.fingerprint;
    check(
      'manifest key',
      manifestKey === fingerprint,
      manifestKey === fingerprint
        ? `the bundle key is ${fingerprint}`
        : manifestKey
          ? `the manifest names ${manifestKey}, but the bundle's key is ${fingerprint}`
          : `the manifest names no key readable; the bundle's key is ${fingerprint}`,
    );
    if (pin !== undefined) check('pinned key', pin.trim() === fingerprint, pin.trim() === fingerprint ? `the key is the pinned ${pin.trim()}` : `the key is ${fingerprint}, not the pinned ${pin.trim()}: re-signed by someone else`);
  }

  // Every key listed (current first): a checkpoint may be signed by one this workstation retired.
  const listedKeys = publicKey && fingerprint ? bundleKeys(read.kept.get(KEYS_LIST), fingerprint, publicKey, manifest, check) : [];
  /** The checkpoint a note states, and which listed key signed it; throws when no listed key did. */
  const openNote = (note: string) => {
    const errors: string[] = [];
    for (const k of listedKeys) {
      try {
        return { cp: parseCheckpoint(verifyNote(sha256Bytes, ed25519Verify, note, { name: manifest?.key.name ?? '', publicKey: k.publicKey }).text), by: k };
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    throw new Error(errors.at(-1) ?? 'no key is listed');
  };

  // The checkpoint and the audit events' proofs against it.
  let cp: { size: number; root: Uint8Array } | null = null;
  if (listedKeys.length > 0 && manifest) {
    try {
      const opened = openNote(read.kept.get('log/checkpoint')?.toString('utf8') ?? '');
      cp = opened.cp;
      check('checkpoint', cp.size === manifest.audit.tree_size && toBase64(cp.root) === manifest.audit.root, `the signed checkpoint states ${cp.size} events, root ${toBase64(cp.root)} (signed by the ${opened.by.retired ? 'retired' : 'current'} key ${opened.by.fingerprint})`);
    } catch (err) {
      check('checkpoint', false, `log/checkpoint does not verify with any key the bundle lists: ${(err as Error).message}`);
    }
  }
  if (cp) {
    const failed: number[] = [];
    // A period's events are a run of the log with nothing left out: each links to the one before.
    const contiguous = manifest?.scope.kind === 'period';
    let prev: (typeof events)[number] | null = null;
    events.forEach((e, i) => {
      const p = proofs[i];
      const linked = !contiguous || prev === null || (e.seq === prev.seq + 1 && e.prevHash === prev.hash);
      const ok = e.chainOk && linked && p !== undefined && p.seq === e.seq && e.seq > (prev?.seq ?? 0) && p.index === e.seq - 1 && p.size === cp.size && verifyInclusion(sha256Bytes, p.index, cp.size, e.leaf, p.proof, cp.root);
      if (!ok) failed.push(e.seq);
      prev = e;
    });
    if (contiguous && manifest && events.length > 0 && (events[0]?.seq !== manifest.audit.first_seq || events.at(-1)?.seq !== manifest.audit.last_seq)) failed.push(events[0]?.seq ?? 0);
    const countOk = events.length === proofs.length && events.length === manifest?.audit.events && unreadable === 0;
    check(
      'audit events',
      failed.length === 0 && countOk,
      failed.length === 0 && countOk
        ? `${events.length} audit events: each hash matches its text and each is proven in the signed log`
        : `${failed.length ? `${failed.length === 1 ? 'event' : 'events'} ${failed.slice(0, 5).map((s) => `#${s}`).join(', ')}${failed.length > 5 ? ` and ${failed.length - 5} more` : ''} ${failed.length === 1 ? 'fails its' : 'fail their'} hash or inclusion proof (edited, removed or reordered)` : ''}${countOk ? '' : `${failed.length ? '; ' : ''}${events.length} events, ${proofs.length} proofs, the manifest says ${manifest?.audit.events}${unreadable ? `, ${unreadable} unreadable lines` : ''}`}`,
    );
    const consistency = read.kept.get('log/proofs/consistency.json');
    if (consistency) {
      try {
        const c = JSON.parse(consistency.toString('utf8')) as { from: { size: number; root: string; note?: string }; proof: string[] };
        const ok = verifyConsistency(sha256Bytes, c.from.size, cp.size, fromBase64(c.from.root) ?? new Uint8Array(), cp.root, c.proof.map((p) => fromBase64(p) ?? new Uint8Array()));
        check('consistency', ok, `the log extends the previous checkpoint (${c.from.size} events) without rewriting it`);
        // The previous checkpoint's own signature: by the current key or a listed retired one.
        if (c.from.note !== undefined) {
          let detail: string;
          let noteOk = false;
          try {
            const from = openNote(c.from.note);
            noteOk = from.cp.size === c.from.size && toBase64(from.cp.root) === c.from.root;
            detail = noteOk ? `the previous checkpoint is signed by the ${from.by.retired ? 'retired' : 'current'} key ${from.by.fingerprint}` : 'the previous checkpoint note states another tree than consistency.json';
          } catch (err) {
            detail = `the previous checkpoint does not verify with any key the bundle lists: ${(err as Error).message}`;
          }
          check('previous checkpoint', noteOk, detail);
        }
      } catch {
        check('consistency', false, 'log/proofs/consistency.json is not a consistency proof');
      }
    }
  }
  return { ok: checks.every((c) => c.ok), checks, manifest, fingerprint };
}

interface ListedKey {
  fingerprint: string;
  publicKey: Uint8Array;
  retired: boolean;
}

/**
 * keys/keys.json: every key listed, each key's fingerprint recomputed, the current (SHA256SUMS)
 * key first and not retired, and the same fingerprints as the manifest. A bundle from before key
 * rotation has no list: then the current key is the only one.
 */
function bundleKeys(text: Buffer | undefined, fingerprint: string, publicKey: Uint8Array, manifest: Manifest | null, check: (name: string, ok: boolean, detail: string) => void): ListedKey[] {
  const current = [{ fingerprint, publicKey, retired: false }];
  if (!text) {
    if (manifest?.keys) check('key list', false, `${KEYS_LIST} is missing, but the manifest lists ${manifest.keys.length} keys`);
    return current;
  }
  try {
    const list = JSON.parse(text.toString('utf8')) as { version: number; keys: { fingerprint: string; public_key: string; retired_at: string | null }[] };
    if (list.version !== 1 || !Array.isArray(list.keys) || list.keys.length === 0 || list.keys.length > 1001) throw new Error('not a key list');
    const keys = list.keys.map((k) => {
      const raw = fromBase64(String(k.public_key));
      if (!raw || raw.length !== 32 || sshFingerprint(sha256Bytes, raw) !== k.fingerprint) throw new Error(`the key listed as ${String(k.fingerprint).slice(0, 60)} has another fingerprint`);
      return { fingerprint: k.fingerprint, publicKey: raw, retired: k.retired_at !== null };
    });
    const first = keys[0] as ListedKey;
    if (first.fingerprint !== fingerprint || first.retired) throw new Error(`the first key listed is not the current key ${fingerprint}`);
    const same = manifest?.keys !== undefined && manifest.keys.map((k) => k.fingerprint).join(' ') === keys.map((k) => k.fingerprint).join(' ');
    const retired = keys.filter((k) => k.retired).length;
    check('key list', same, same ? `${keys.length} key${keys.length === 1 ? '' : 's'} listed: the current one${retired ? ` and ${retired} retired (accepted for older checkpoints, never for SHA256SUMS)` : ''}` : `${KEYS_LIST} does not list the manifest's keys`);
    return keys;
  } catch (err) {
    check('key list', false, `${KEYS_LIST} is not a list of the bundle's keys: ${(err as Error).message}`);
    return current;
  }
}
