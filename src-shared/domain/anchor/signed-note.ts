import { fromBase64, toBase64 } from './base64';
import { hashesEqual, type Sha256Bytes } from './merkle';

/**
 * C2SP signed-note with Ed25519 signatures: text ending in a newline, a blank line, then lines
 * "— <key name> <base64(key ID ‖ signature)>". The signature covers the text including its final
 * newline. Key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. Pure: the caller injects
 * SHA-256 and Ed25519 (node:crypto on the main side).
 */
export interface NoteKey {
  name: string;
  /** 32-byte raw Ed25519 public key. */
  publicKey: Uint8Array;
}

export interface NoteSigner extends NoteKey {
  sign: (message: Uint8Array) => Uint8Array;
}

export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

export class NoteError extends Error {
  override name = 'NoteError';
}

const ED25519_TYPE = 0x01;
const SIG_PREFIX = '\u2014 ';
/** Go's note.Open caps a note at 100 signatures; so do we, and at 16 KiB (a checkpoint is ~200 bytes). */
const MAX_SIGNATURES = 100;
const MAX_NOTE_CHARS = 16 * 1024;
const encoder = new TextEncoder();

export function isValidKeyName(name: string): boolean {
  return name.length > 0 && name.length <= 256 && !/[\s+]/u.test(name) && !hasControl(name);
}

function hasControl(text: string): boolean {
  return /[\u0000-\u0009\u000b-\u001f\u007f]/.test(text);
}

export function noteKeyId(sha256: Sha256Bytes, key: NoteKey): Uint8Array {
  if (!isValidKeyName(key.name)) throw new NoteError('key name must be non-empty, without spaces or "+"');
  if (key.publicKey.length !== 32) throw new NoteError('an Ed25519 public key is 32 bytes');
  const name = encoder.encode(key.name);
  const input = new Uint8Array(name.length + 2 + 32);
  input.set(name, 0);
  input[name.length] = 0x0a;
  input[name.length + 1] = ED25519_TYPE;
  input.set(key.publicKey, name.length + 2);
  return sha256(input).slice(0, 4);
}

export function signNote(sha256: Sha256Bytes, text: string, signer: NoteSigner): string {
  checkText(text);
  const signature = signer.sign(encoder.encode(text));
  if (signature.length !== 64) throw new NoteError('an Ed25519 signature is 64 bytes');
  const keyId = noteKeyId(sha256, signer);
  const blob = new Uint8Array(68);
  blob.set(keyId, 0);
  blob.set(signature, 4);
  return `${text}\n${SIG_PREFIX}${signer.name} ${toBase64(blob)}\n`;
}

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) throw new NoteError('note text must be non-empty and end with a newline');
  if (text.includes('\n\n')) throw new NoteError('note text must not contain a blank line');
  if (hasControl(text)) throw new NoteError('note text must not contain control characters other than newline');
}

/** Syntax only: splits text and signature lines and refuses anything malformed or duplicated. */
export function parseNote(note: string): ParsedNote {
  if (note.length > MAX_NOTE_CHARS) throw new NoteError(`note is longer than ${MAX_NOTE_CHARS} characters`);
  if (hasControl(note)) throw new NoteError('note contains control characters other than newline');
  if (/[\ud800-\udfff]/u.test(note.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    throw new NoteError('note is not valid UTF-8 text');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  checkText(text);
  const tail = note.slice(split + 2);
  if (!tail.endsWith('\n')) throw new NoteError('note must end with a newline after its last signature');
  const lines = tail.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`note has more than ${MAX_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    const where = `signature line ${i + 1}`;
    if (!line.startsWith(SIG_PREFIX)) throw new NoteError(`${where} does not start with "— " (em dash, space)`);
    const parts = line.slice(SIG_PREFIX.length).split(' ');
    if (parts.length !== 2) throw new NoteError(`${where} must be "— <key name> <base64 signature>"`);
    const [name, b64] = parts as [string, string];
    if (!isValidKeyName(name)) throw new NoteError(`${where} has a malformed key name`);
    const blob = fromBase64(b64);
    if (!blob || blob.length < 5) throw new NoteError(`${where} has a malformed base64 signature`);
    const keyId = blob.slice(0, 4);
    const id = `${name} ${toBase64(keyId)}`;
    if (seen.has(id)) throw new NoteError(`${where} repeats a signature by key ${name}`);
    seen.add(id);
    signatures.push({ name, keyId, signature: blob.slice(4) });
  });
  return { text, signatures };
}

export interface VerifiedNote {
  text: string;
  /** Names of signers this verifier does not know; the spec says to ignore them, we report them. */
  otherSigners: string[];
}

/** Verifies the note is signed by `key`; a bad signature by that key rejects the whole note. */
export function verifyNote(sha256: Sha256Bytes, verify: Ed25519Verify, note: string, key: NoteKey): VerifiedNote {
  const parsed = parseNote(note);
  const keyId = noteKeyId(sha256, key);
  const mine = parsed.signatures.filter((s) => s.name === key.name && hashesEqual(s.keyId, keyId));
  if (mine.length === 0) throw new NoteError(`note is not signed by key ${key.name}`);
  const sig = mine[0] as NoteSignature;
  if (sig.signature.length !== 64 || !verify(key.publicKey, encoder.encode(parsed.text), sig.signature)) {
    throw new NoteError(`signature by key ${key.name} does not verify`);
  }
  return { text: parsed.text, otherSigners: parsed.signatures.filter((s) => !mine.includes(s)).map((s) => s.name) };
}
