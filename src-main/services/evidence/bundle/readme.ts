import { scopeText, scopeTitle } from '../../../../src-shared/domain/evidence/bundle-scope';
import type { Manifest } from './bundle';


/**
 * README.txt: what the bundle is, what it proves and what it does not, and the exact commands an
 * auditor runs with standard tools (sha256sum, ssh-keygen, openssl) and no network.
 */
export function bundleReadme(m: Manifest): string {
  return `UmamiEdge Mission Control evidence bundle
==========================================

Bundle:    ${m.bundle_id}
Org:       ${m.org.name} (${m.org.id})${m.org.simulated ? '\n           A DEMO ORG: its sites, nodes, telemetry and every record drawn from them are simulated.' : ''}
Scope:     ${scopeTitle(m.scope)}
           ${scopeText(m.scope)}
Exported:  ${m.exported_at} by Mission Control ${m.app_version}
Audit log: ${m.audit.events} events of this scope, in a log of ${m.audit.tree_size} events (Merkle root ${m.audit.root})
Signed by: ${m.key.name}
Key fingerprint: ${m.key.fingerprint}${retiredKeys(m)}

Compare that fingerprint with the one you were given out of band (Mission Control shows it under
Audit -> Verify chain). Everything below rests on it.

What is here
------------
manifest.json            what the bundle holds: scope, counts per records file, file count, audit tree
records/*.jsonl          the records, one RFC 8785 canonical JSON object per line; audit-events.jsonl
                         lines carry "canonical" (the hashed text) and the chain fields prev_hash, hash
log/checkpoint           the signed checkpoint of the org's audit log (C2SP signed note, Ed25519)
log/proofs/              inclusion.jsonl: a Merkle inclusion proof (RFC 9162) per exported audit event;
                         consistency.json (when there is one): how this log extends the checkpoint
                         this workstation signed before
keys/                    the signing key: allowed_signers (ssh-keygen), signing-key.pub.pem (openssl),
                         signing-key.pub (OpenSSH); keys.json lists every key of this workstation for
                         the org, current first; retired/*.pub.pem are keys it rotated out, which may
                         have signed the older checkpoint in consistency.json (allowed_signers marks
                         them valid-before their retirement, so they never pass for a new SHA256SUMS)
report.html              this bundle as a report to read or print (works offline, from file://)
SHA256SUMS               sha256 of every file above
SHA256SUMS.sig           SSHSIG signature of SHA256SUMS, namespace ${'umamiedge-evidence-v1'}
SHA256SUMS.ed25519       raw Ed25519 signature of SHA256SUMS

Check it (in a shell; no network needed)
----------------------------------------
The tools are GNU coreutils' sha256sum, OpenSSH 8.2 or later and OpenSSL 3, as on Debian or
Ubuntu. On macOS: step 1 is 'shasum -a 256 -c SHA256SUMS'; its openssl may be LibreSSL, which may
not verify a raw Ed25519 signature (step 2's ssh-keygen line is enough alone, or use OpenSSL 3).

0. Unzip into a folder of its own (the zip has no top folder: unzipped beside other files, the
   count in step 4 would count them too), and run every command below inside it:
     unzip -q <this zip> -d bundle && cd bundle
1. Every file is what was signed:
     sha256sum -c --strict SHA256SUMS
2. SHA256SUMS was signed by this key (either tool):
     ssh-keygen -Y verify -f keys/allowed_signers -I ${m.key.identity} -n umamiedge-evidence-v1 -s SHA256SUMS.sig < SHA256SUMS
     openssl pkeyutl -verify -pubin -inkey keys/signing-key.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.ed25519
3. The key is the one you pinned:
     ssh-keygen -lf keys/signing-key.pub
4. No file was added: the number of files other than SHA256SUMS, SHA256SUMS.sig and
   SHA256SUMS.ed25519 is ${m.files}, and each is listed in SHA256SUMS:
     find . -type f ! -name 'SHA256SUMS*' | wc -l
5. Or all of it, including each audit event's inclusion proof against the checkpoint:
     npm run evidence -- verify <this zip>       (in a Mission Control checkout; no database needed)

What it proves
--------------
- The files are exactly those the holder of the key above signed, none edited, removed or added.
- Each audit event here is in the org's audit log at the position its seq says, in the log whose
  size and root the signed checkpoint states; an edited, removed or reordered event fails its proof.
- Each event's hash is sha256(prev_hash + canonical) (docs/formats.md in Mission Control).
- With consistency.json: the log at this checkpoint extends the one this workstation signed before
  (nothing before it was rewritten between the two).

What it does not prove
----------------------
- That events outside this scope are as they should be (only the ones here carry proofs).
- Anything about the log before the first checkpoint this workstation signed, unless you hold an
  older checkpoint of the same log (a witness): check it with the consistency proof between them.
- That a person typed the truth: records say who acted and when; the database enforced who they were.
`;
}

/** The keys the workstation rotated out, each with when: they may have signed older checkpoints only. */
function retiredKeys(m: Manifest): string {
  const retired = (m.keys ?? []).filter((k) => k.retired_at !== null);
  if (retired.length === 0) return '';
  return `\nRetired keys (valid only for checkpoints signed before their retirement, never for SHA256SUMS):\n${retired.map((k) => `  ${k.fingerprint}  retired ${k.retired_at}  ${k.file}`).join('\n')}`;
}
