import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { McError } from '../../../../src-shared/contract/errors';
import { fromBase64, toBase64 } from '../../../../src-shared/domain/anchor/base64';
import { type Checkpoint, checkpointOrigin, clip, parseCheckpoint } from '../../../../src-shared/domain/anchor/checkpoint';
import { hashesEqual } from '../../../../src-shared/domain/anchor/merkle';
import { type NoteKey, noteKeyId, parseNote, verifyNote } from '../../../../src-shared/domain/anchor/signed-note';
import { sshFingerprint, sshKeyBlob } from '../../../../src-shared/domain/anchor/ssh-key';
import { ed25519Verify, sha256Bytes } from './node-crypto';
import { MAX_WITNESS_CHECKPOINTS, type StoredWitness, type WitnessStore } from './witness-store';

/** A checkpoints export of 100,000 notes is about 30 MB; more than this is not one. */
export const MAX_WITNESS_IMPORT_CHARS = 32 * 1024 * 1024;
export const MAX_WITNESS_KEY_CHARS = 4096;

export interface WitnessImportInput {
  /** The JSON an export of checkpoints writes, or one signed checkpoint note (a bundle's log/checkpoint). */
  checkpoints: string;
  /** The witness's public key: PEM (keys/signing-key.pub.pem) or OpenSSH (keys/signing-key.pub, allowed_signers). */
  publicKey: string;
  /** The fingerprint the operator got from the witness out of band (SHA256:…). */
  pin: string;
}

export interface WitnessImport {
  fingerprint: string;
  added: number;
  duplicates: number;
  total: number;
  latest: { size: number; root: string };
}

const invalid = (message: string) => new McError('VALIDATION', message);

/** The raw 32-byte Ed25519 key of a PEM (SPKI) or OpenSSH public key text. */
export function parseWitnessKey(text: string): Uint8Array {
  if (text.length > MAX_WITNESS_KEY_CHARS) throw invalid(`The key file is longer than ${MAX_WITNESS_KEY_CHARS} characters: it is not a public key. Use the witness's keys/signing-key.pub.pem or keys/signing-key.pub.`);
  if (text.includes('PRIVATE KEY')) throw invalid('That is a private key. Never move a private key: use the witness’s public key (keys/signing-key.pub.pem or keys/signing-key.pub).');
  if (text.includes('-----BEGIN PUBLIC KEY-----')) {
    try {
      const jwk = createPublicKey(text).export({ format: 'jwk' });
      if (jwk.crv === 'Ed25519' && jwk.x) return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
    } catch {
      // Reported below, with the forms we take.
    }
    throw invalid('The key file is a PEM public key but not an Ed25519 one.');
  }
  const m = /(?:^|\s)ssh-ed25519 ([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(text);
  const blob = m ? fromBase64(m[1] as string) : null;
  if (blob && blob.length === 51) {
    const key = blob.slice(19);
    if (hashesEqual(sshKeyBlob(key), blob)) return key;
  }
  throw invalid('The key file is not an Ed25519 public key: give the witness’s keys/signing-key.pub.pem (PEM) or keys/signing-key.pub (OpenSSH line).');
}

const EXPORT = z.object({ version: z.literal(1), checkpoints: z.array(z.object({ note: z.string().min(1).max(16_384), seenAt: z.string().max(40) }).strict()).min(1).max(MAX_WITNESS_CHECKPOINTS) }).strict();

/** The notes of an export of checkpoints, or the one note given. */
function notesOf(text: string): string[] {
  if (text.length > MAX_WITNESS_IMPORT_CHARS) throw invalid(`The checkpoints file is larger than ${MAX_WITNESS_IMPORT_CHARS / 1024 / 1024} MiB: it is not an export of checkpoints.`);
  if (!text.trimStart().startsWith('{')) return [text];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw invalid(`The checkpoints file is not valid JSON (${(e as Error).message}): give the file Export checkpoints wrote, or a bundle's log/checkpoint.`);
  }
  const ok = EXPORT.safeParse(parsed);
  if (!ok.success) throw invalid(`The checkpoints file is not an export of checkpoints (${ok.error.issues[0]?.path.join('.') || 'file'}: ${ok.error.issues[0]?.message ?? 'invalid'}).`);
  return ok.data.checkpoints.map((c) => c.note);
}

/** Opens one witness note: signed by the witness key under whatever key name it carries, over this org's log. */
export function openWitnessNote(note: string, publicKey: Uint8Array, orgId: string, where: string): { checkpoint: Checkpoint; keyName: string } {
  let keyName: string | null = null;
  let text: string;
  try {
    const parsed = parseNote(note);
    for (const s of parsed.signatures) {
      const key: NoteKey = { name: s.name, publicKey };
      if (hashesEqual(s.keyId, noteKeyId(sha256Bytes, key))) keyName = s.name;
    }
    if (keyName === null) throw new Error(`it carries no signature by the witness key ${sshFingerprint(sha256Bytes, publicKey)}`);
    text = verifyNote(sha256Bytes, ed25519Verify, note, { name: keyName, publicKey }).text;
  } catch (e) {
    throw invalid(`${where} does not verify: ${(e as Error).message}.`);
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(text);
  } catch (e) {
    throw invalid(`${where} is not a checkpoint: ${(e as Error).message}.`);
  }
  if (checkpoint.origin !== checkpointOrigin(orgId)) throw invalid(`${where} is a checkpoint of another log (${clip(checkpoint.origin)}), not this org's: import the witness's checkpoints of this org.`);
  return { checkpoint, keyName };
}

/**
 * Checks everything before storing anything: the key is the pinned one and not this workstation's
 * own, every note is signed by it over this org's log. Then adds the notes not already kept.
 */
export function importWitness(orgId: string, store: WitnessStore, ownFingerprints: readonly string[], input: WitnessImportInput, now: Date): WitnessImport {
  const publicKey = parseWitnessKey(input.publicKey);
  const fingerprint = sshFingerprint(sha256Bytes, publicKey);
  const pin = input.pin.trim();
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(pin)) throw invalid('The pinned fingerprint is SHA256: and 43 characters, as ssh-keygen -lf prints it (ask the witness for it out of band).');
  if (pin !== fingerprint) throw invalid(`The key file's fingerprint is ${fingerprint}, not the pinned ${pin}: this is not the witness's key. Nothing was imported.`);
  if (ownFingerprints.includes(fingerprint)) throw invalid('That is this workstation’s own checkpoint key: a witness is another workstation. Import the checkpoints another workstation exported, with its key.');
  const notes = notesOf(input.checkpoints);
  const opened = notes.map((note, i) => ({ note, ...openWitnessNote(note, publicKey, orgId, notes.length === 1 ? 'The checkpoint' : `Checkpoint ${i + 1} of the file`) }));
  const witnesses = store.read(orgId);
  const at = now.toISOString();
  const existing = witnesses.find((w) => w.fingerprint === fingerprint);
  const entry: StoredWitness = existing ?? { fingerprint, public_key: toBase64(publicKey), key_name: opened[0]?.keyName as string, imported_at: at, checkpoints: [] };
  const kept = new Set(entry.checkpoints.map((c) => c.note));
  const fresh = opened.filter((o) => !kept.has(o.note) && kept.add(o.note));
  if (entry.checkpoints.length + fresh.length > MAX_WITNESS_CHECKPOINTS) throw invalid(`A witness keeps at most ${MAX_WITNESS_CHECKPOINTS} checkpoints; import only its newer ones.`);
  const updated: StoredWitness = { ...entry, checkpoints: [...entry.checkpoints, ...fresh.map((o) => ({ note: o.note, imported_at: at }))] };
  if (fresh.length > 0) store.write(orgId, existing ? witnesses.map((w) => (w === existing ? updated : w)) : [...witnesses, updated]);
  const latest = opened.reduce((a, b) => (b.checkpoint.size > a.checkpoint.size ? b : a));
  return { fingerprint, added: fresh.length, duplicates: opened.length - fresh.length, total: updated.checkpoints.length, latest: { size: latest.checkpoint.size, root: toBase64(latest.checkpoint.root) } };
}
