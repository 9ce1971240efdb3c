import { describe, expect, it } from 'vitest';
import { fromBase64 } from './base64';
import { checkpointOrigin, formatCheckpoint, parseCheckpoint } from './checkpoint';
import { noteKeyId, parseNote, signNote, verifyNote } from './signed-note';
import { sshFingerprint, openSshPublicKey } from './ssh-key';
import { ed25519Verify, hex, sha256, testSigner } from './test-crypto';

const ORG = '11111111-1111-4111-8111-111111111111';

describe('signed note (C2SP, Ed25519)', () => {
  // The example key and note from Go's golang.org/x/mod/sumdb/note documentation.
  const goKey = { name: 'PeterNeumann', publicKey: (fromBase64('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW') as Uint8Array).slice(1) };
  const goNote =
    'If you think cryptography is the answer to your problem,\n' +
    "then you don't know what your problem is.\n" +
    '\n' +
    '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

  it('computes the key ID and verifies the reference note', () => {
    expect(hex(noteKeyId(sha256, goKey))).toBe('c74f20a3');
    expect(verifyNote(sha256, ed25519Verify, goNote, goKey).text).toContain('cryptography');
  });

  it('refuses the reference note with one changed letter', () => {
    expect(() => verifyNote(sha256, ed25519Verify, goNote.replace('problem,', 'problem;'), goKey)).toThrow(/does not verify/);
  });

  it('signs a checkpoint and reads it back', () => {
    const signer = testSigner('mc-workstation');
    const body = formatCheckpoint({ origin: checkpointOrigin(ORG), size: 8, root: sha256(new Uint8Array([1])) });
    const note = signNote(sha256, body, signer);
    const verified = verifyNote(sha256, ed25519Verify, note, signer);
    expect(verified.otherSigners).toEqual([]);
    const cp = parseCheckpoint(verified.text);
    expect(cp).toMatchObject({ origin: `umamiedge.mission-control/${ORG}`, size: 8 });
    expect(hex(cp.root)).toBe(hex(sha256(new Uint8Array([1]))));
  });

  it('ignores but reports a co-signature by another key, and refuses a note without ours', () => {
    const a = testSigner('mc-a');
    const b = testSigner('witness.example');
    const body = formatCheckpoint({ origin: checkpointOrigin(ORG), size: 1, root: sha256(new Uint8Array(0)) });
    const both = signNote(sha256, body, a) + signNote(sha256, body, b).slice(body.length + 1);
    expect(verifyNote(sha256, ed25519Verify, both, a).otherSigners).toEqual(['witness.example']);
    expect(() => verifyNote(sha256, ed25519Verify, signNote(sha256, body, b), a)).toThrow(/not signed by key mc-a/);
  });

  it('refuses malformed, duplicated and unknown lines with a clear error', () => {
    const s = testSigner('mc-a');
    const body = formatCheckpoint({ origin: checkpointOrigin(ORG), size: 3, root: sha256(new Uint8Array(0)) });
    const note = signNote(sha256, body, s);
    const sigLine = note.slice(body.length + 1);
    expect(() => parseNote(body)).toThrow(/no blank line/);
    expect(() => parseNote(note + sigLine)).toThrow(/repeats a signature/);
    expect(() => parseNote(`${note}-- mc-a abc=\n`)).toThrow(/em dash/);
    expect(() => parseNote(note.replace(/ ([A-Za-z0-9+/=]+)\n$/, ' $1 extra\n'))).toThrow(/must be "— <key name>/);
    expect(() => parseNote(note.replace(/=\n$/, '\n'))).toThrow(/malformed base64/);
    expect(() => parseNote(note.slice(0, -1))).toThrow(/end with a newline/);
    expect(() => parseNote(note.replace('\n3\n', '\n3\r\n'))).toThrow(/control characters/);
    expect(() => parseCheckpoint(`${body}extension line\n`)).toThrow(/unexpected extension/);
    expect(() => parseCheckpoint(body.replace('\n3\n', '\n03\n'))).toThrow(/not a decimal/);
    expect(() => parseCheckpoint(body.replace(/\n[^\n]+\n$/, '\nAAAA\n'))).toThrow(/32-byte hash/);
    expect(() => parseCheckpoint(body.slice(0, -1))).toThrow(/end with a newline/);
    expect(() => parseCheckpoint('\n3\nAAAA\n')).toThrow(/origin/);
  });

  it('prints the OpenSSH key and its fingerprint as ssh-keygen does', () => {
    // Key from RFC 8032 test 1; `ssh-keygen -lf` on "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea".
    const pub = new Uint8Array(Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex'));
    expect(openSshPublicKey(pub)).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea');
    expect(sshFingerprint(sha256, pub)).toBe('SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8');
  });
});
