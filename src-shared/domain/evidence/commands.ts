import { EVIDENCE_NAMESPACE } from './sshsig';

/**
 * The commands an auditor runs on a bundle with standard tools, in order, as README.txt numbers
 * them: report.html and the app's Open evidence bundle list the same lines, so the three never
 * disagree (a list that left out the unzip or the file count left those checks out too).
 */
export function standardCommands(identity: string, files: number): string[] {
  return [
    'unzip -q <this zip> -d bundle && cd bundle',
    'sha256sum -c --strict SHA256SUMS',
    `ssh-keygen -Y verify -f keys/allowed_signers -I ${identity} -n ${EVIDENCE_NAMESPACE} -s SHA256SUMS.sig < SHA256SUMS`,
    'openssl pkeyutl -verify -pubin -inkey keys/signing-key.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.ed25519',
    'ssh-keygen -lf keys/signing-key.pub',
    `find . -type f ! -name 'SHA256SUMS*' | wc -l    # prints ${files}: no file added`,
  ];
}
