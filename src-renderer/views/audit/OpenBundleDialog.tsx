import { useRef, useState } from 'react';
import type { OpenedBundle } from '../../../src-shared/contract/bundles';
import { standardCommands } from '../../../src-shared/domain/evidence/commands';
import { recordName } from '../../../src-shared/domain/evidence/record-names';
import { call } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { Field, FormDialog, FormMessage, useSubmit } from '../incidents/parts';
import { bundleChunks, OPEN_LIMIT_BYTES } from './bundle-chunks';

const CHECK_NAMES: Record<string, string> = {
  zip: 'The zip reads',
  entries: 'Entries',
  SHA256SUMS: 'SHA256SUMS',
  files: 'Every file matches SHA256SUMS',
  manifest: 'File count against the manifest',
  key: 'Signing key',
  ed25519: 'Ed25519 signature (openssl)',
  sshsig: 'SSH signature (ssh-keygen)',
  'manifest key': 'Key named in the manifest',
  'pinned key': 'Key against the pinned fingerprint',
  checkpoint: 'Signed checkpoint',
  consistency: 'Consistency with the previous bundle',
  'previous checkpoint': 'Previous checkpoint’s key',
  'key list': 'Keys listed in keys.json',
  'audit events': 'Every audit event against the checkpoint',
};

const mib = (n: number) => (n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0);

/**
 * Open evidence bundle (issue 15, "opening a bundle needs no database"): the auditor picks the
 * .zip, the file goes to the main process in chunks (progress, cancel), and the main process
 * verifies it exactly as `npm run evidence -- verify` does, with no database and no network. The
 * answer is the bundle's report: what it says of itself, each check, and the standard-tool commands.
 * What the bundle says of itself is only as good as the checks: a failing bundle says so first.
 */
export function OpenBundleDialog({ onClose }: { onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [pin, setPin] = useState('');
  const [sent, setSent] = useState(0);
  const [opened, setOpened] = useState<OpenedBundle | null>(null);
  const upload = useRef<{ id: string; abort: AbortController } | null>(null);
  const { busy, problem, run, setProblem } = useSubmit();

  const open = () =>
    run(async () => {
      if (!file) return;
      if (file.size > OPEN_LIMIT_BYTES) {
        setProblem({ code: 'VALIDATION', message: `${file.name} is ${mib(file.size)} MiB, larger than the ${mib(OPEN_LIMIT_BYTES)} MiB the app opens: verify it with \`npm run evidence -- verify FILE\`, which has no limit.`, fields: {} });
        return;
      }
      const id = crypto.randomUUID();
      const abort = new AbortController();
      upload.current = { id, abort };
      setSent(0);
      try {
        for await (const chunk of bundleChunks(file, abort.signal)) {
          await call('bundles.openChunk', { uploadId: id, offset: chunk.offset, data: chunk.base64 });
          setSent(chunk.offset + chunk.length);
        }
        // Cancelled between chunks: the upload is gone already (openCancel); nothing to verify.
        if (abort.signal.aborted) return;
        setOpened(await call('bundles.open', { uploadId: id, ...(pin.trim() ? { pin: pin.trim() } : {}) }));
      } catch (err) {
        if (abort.signal.aborted) return;
        void call('bundles.openCancel', { uploadId: id }).catch(() => undefined);
        throw err;
      } finally {
        upload.current = null;
      }
    });

  const cancel = () => {
    const u = upload.current;
    if (!busy || !u) return onClose();
    u.abort.abort();
    void call('bundles.openCancel', { uploadId: u.id }).catch(() => undefined);
  };

  if (opened) return <OpenedReport opened={opened} pinned={pin.trim() !== ''} onClose={onClose} onAnother={() => (setOpened(null), setFile(null), setSent(0))} />;

  return (
    <FormDialog
      title="Open evidence bundle"
      onClose={cancel}
      onSubmit={() => void open()}
      submitLabel={busy ? 'Checking…' : 'Open and verify'}
      hint="opens"
      busy={busy}
      disabled={busy || !file}
      cancelLabel={busy ? 'Cancel' : 'Close'}
      testId="bundle-open-submit"
    >
      <p className="dim">
        Checks a bundle someone exported (yours or another org’s) on this workstation, with no database and no network: every file against SHA256SUMS, both signatures, the file count, and every audit event against the signed checkpoint.
      </p>
      <Field label="Bundle (.zip)">
        <input type="file" accept=".zip,application/zip" name="bundle" onChange={(e) => setFile(e.target.files?.[0] ?? null)} disabled={busy} data-testid="bundle-open-file" />
      </Field>
      <Field label="Pinned key fingerprint (optional)">
        <input
          name="pin"
          value={pin}
          onChange={(e) => setPin(e.target.value)}
          disabled={busy}
          placeholder="SHA256:… as given to you out of band"
          spellCheck={false}
          autoComplete="off"
          data-testid="bundle-open-pin"
        />
      </Field>
      {busy && file && (
        <p role="status" data-testid="bundle-open-progress">
          {sent < file.size ? `Reading the bundle… ${mib(sent)} of ${mib(file.size)} MiB` : 'Verifying…'}
          <progress max={file.size} value={sent} aria-label="Bundle read" />
        </p>
      )}
      <FormMessage problem={problem} shownFields={[]} />
    </FormDialog>
  );
}

function OpenedReport({ opened, pinned, onClose, onAnother }: { opened: OpenedBundle; pinned: boolean; onClose: () => void; onAnother: () => void }) {
  const m = opened.manifest;
  const failed = opened.checks.filter((c) => !c.ok);
  return (
    <Dialog
      title="Evidence bundle"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onAnother} data-testid="bundle-open-another">
            Open another
          </button>
          <button className="btn primary" onClick={onClose}>
            Close
          </button>
        </>
      }
    >
      <div data-testid="bundle-opened" data-ok={opened.ok}>
        <div className={`banner ${opened.ok ? 'info' : 'bad'}`} role="status" data-testid="bundle-open-verdict">
          {opened.ok
            ? `Verified: every file, both signatures and every audit event check out${pinned ? ', signed by the pinned key' : ''}.`
            : `Not verified: ${failed.length} check${failed.length === 1 ? '' : 's'} failed. Do not rely on what this bundle says of itself.`}
        </div>
        {opened.ok && !pinned && <p className="dim">Compare the key fingerprint below with the one the exporting org gave you out of band: a bundle re-signed with another key verifies too.</p>}
        <ul className="bundle-checks">
          {opened.checks.map((c, i) => (
            <li key={i} data-ok={c.ok}>
              <span className={c.ok ? 'ok' : 'bad'}>{c.ok ? '✓' : '✗'}</span> <strong>{CHECK_NAMES[c.name] ?? c.name}</strong>: {c.detail}
            </li>
          ))}
        </ul>
        {m && (
          <>
            <h3>{opened.ok ? 'What the bundle holds' : 'What the bundle says of itself (not verified)'}</h3>
            <table className="bundle-kv">
              <tbody>
                <tr>
                  <th>Org</th>
                  <td>
                    {m.orgName}
                    {m.simulated && <strong> · a demo org: its records are simulated</strong>}
                  </td>
                </tr>
                <tr>
                  <th>Scope</th>
                  <td data-testid="bundle-open-scope">{m.scope}</td>
                </tr>
                <tr>
                  <th>Exported</th>
                  <td>
                    {m.exportedAt} by Mission Control {m.appVersion}
                  </td>
                </tr>
                <tr>
                  <th>Audit log</th>
                  <td>
                    {m.events} event{m.events === 1 ? '' : 's'} of the scope, proven in a log of {m.treeSize}
                  </td>
                </tr>
                <tr>
                  <th>Signing key</th>
                  <td>
                    <code data-testid="bundle-open-fingerprint">{opened.fingerprint ?? 'none readable'}</code>
                  </td>
                </tr>
                <tr>
                  <th>Bundle</th>
                  <td>
                    <code>{m.bundleId}</code> · {mib(opened.bytes)} MiB · {m.files} files
                  </td>
                </tr>
              </tbody>
            </table>
            <h3>Records</h3>
            <table className="bundle-kv">
              <tbody>
                {m.counts.map((c) => (
                  <tr key={c.file}>
                    <th>
                      {recordName(c.file)} <code className="faint">{c.file}</code>
                    </th>
                    <td>{c.lines === 0 ? <span className="faint">none</span> : c.lines.toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>With standard tools, in a shell</h3>
            <pre className="commands" data-testid="bundle-open-commands">{standardCommands(m.identity, m.files).join('\n')}</pre>
            <p className="dim">The bundle’s report.html shows the same offline, from the unzipped folder.</p>
          </>
        )}
      </div>
    </Dialog>
  );
}
