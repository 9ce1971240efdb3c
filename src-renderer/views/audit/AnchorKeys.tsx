import { useState } from 'react';
import { type AuditAnchor, WITNESS_IMPORT_MAX_CHARS } from '../../../src-shared/contract/audit';
import { call } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { Time } from '../../components/Time';
import { canWrite, useSystem } from '../../stores/system-store';
import { useAudit } from '../../stores/audit-store';
import { useUi } from '../../stores/ui-store';
import { Field, FormDialog, FormMessage, fieldError, useSubmit } from '../incidents/parts';

const KEY_FILE_MAX = 4096;

/**
 * This workstation's checkpoint keys for the org (current first, retired ones with their dates),
 * the witnesses whose checkpoints it keeps and how the database compares with each, and the two
 * actions on them: rotate the key (admin) and import a witness's checkpoints. All of it comes from
 * the last Verify chain; each action verifies again so what is shown is what is stored.
 */
export function AnchorKeys({ anchor }: { anchor: AuditAnchor }) {
  const info = useSystem((s) => s.info);
  const write = canWrite(info);
  const isAdmin = info?.session?.role === 'admin';
  const [rotating, setRotating] = useState(false);
  const [importing, setImporting] = useState(false);
  if (anchor.keys.length === 0) return null;
  const current = anchor.keys[0];
  const rotateWhy = !write.ok ? write.why : isAdmin ? 'Replace this workstation’s checkpoint key; the old public key stays listed' : 'Only an admin of the org rotates the checkpoint key.';

  return (
    <section className="panel" data-testid="anchor-keys" aria-label="Checkpoint keys and witnesses">
      <header>
        Checkpoint keys and witnesses
        <div className="actions">
        <button className="btn" onClick={() => setRotating(true)} disabled={!write.ok || !isAdmin} title={rotateWhy ?? undefined} data-testid="rotate-key">
          Rotate signing key…
        </button>
        <button className="btn" onClick={() => setImporting(true)} disabled={!write.ok} title={write.ok ? 'Keep another workstation’s signed checkpoints of this org, checked on every verify' : (write.why ?? undefined)} data-testid="import-witness">
          Import witness checkpoints…
        </button>
        </div>
      </header>
      <div className="body">
      <table className="grid" data-testid="anchor-key-list">
        <thead>
          <tr>
            <th>Checkpoint key (this workstation)</th>
            <th>Created</th>
            <th>Retired</th>
          </tr>
        </thead>
        <tbody>
          {anchor.keys.map((k) => (
            <tr key={k.fingerprint} data-testid={k.retiredAt ? 'anchor-key-retired' : 'anchor-key-current'}>
              <td>
                <span className="hash">{k.fingerprint}</span> {k.retiredAt ? <span className="dim">retired: verifies older checkpoints only</span> : <strong>current</strong>}
              </td>
              <td>{k.createdAt ? <Time iso={k.createdAt} mode="local" /> : <span className="dim">before the first rotation (not recorded)</span>}</td>
              <td>{k.retiredAt ? <Time iso={k.retiredAt} mode="local" /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {anchor.witnesses.length === 0 ? (
        <p className="dim" data-testid="witness-empty">
          No witness checkpoints. Ask another workstation for its Export checkpoints file, its public key and (out of band) its key fingerprint, then Import witness checkpoints: every verify then checks the database against them too.
        </p>
      ) : (
        <table className="grid" data-testid="witness-list">
          <thead>
            <tr>
              <th>Witness key</th>
              <th>Checkpoints</th>
              <th>Latest</th>
              <th>Database</th>
            </tr>
          </thead>
          <tbody>
            {anchor.witnesses.map((w) => (
              <tr key={w.fingerprint} data-testid="witness" data-state={w.state}>
                <td className="hash">{w.fingerprint}</td>
                <td>{w.checkpoints}</td>
                <td>
                  {w.latest.size} events, imported <Time iso={w.latest.importedAt} />
                </td>
                <td className={w.state === 'consistent' ? '' : 'err'}>{w.state === 'consistent' ? 'consistent' : w.state === 'truncated' ? 'TRUNCATED: fewer events than the witness saw' : 'REWRITTEN since the witness’s checkpoint'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      </div>
      {rotating && current && (
        <ReasonDialog
          title="Rotate the checkpoint signing key"
          confirmLabel="Rotate key"
          danger
          placeholder="e.g. yearly rotation; key possibly exposed"
          onClose={() => setRotating(false)}
          onSubmit={async (reason) => {
            const r = await call('audit.rotateKey', { reason });
            useUi.getState().toast('ok', `Checkpoint key rotated: ${r.current} signs from now on; ${r.retired} is retired and stays listed.`);
            await useAudit.getState().verify();
          }}
        >
          <p>
            The log is verified against its checkpoints first. Then a new Ed25519 key is made in this workstation’s OS keychain and signs a fresh checkpoint at once; the current key <span className="hash">{current.fingerprint}</span> is retired: its private half is deleted, its public key stays in the key list (Audit view, every evidence bundle) so the checkpoints it signed still verify.
          </p>
          <p>Tell whoever pinned the old fingerprint (auditors, witnesses) the new one, out of band. The rotation and both fingerprints are recorded in the audit log.</p>
        </ReasonDialog>
      )}
      {importing && <WitnessDialog onClose={() => setImporting(false)} />}
    </section>
  );
}

/** A file read in the renderer, refused before it is read when it is larger than the channel takes. */
async function readBounded(file: File | null, max: number, what: string): Promise<string> {
  if (!file) throw new Error(`Choose the ${what}.`);
  if (file.size > max) throw new Error(`The ${what} is ${Math.ceil(file.size / 1024)} KiB; at most ${Math.floor(max / 1024)} KiB is taken here. Import a larger file with npm run evidence -- import-checkpoints.`);
  return file.text();
}

function WitnessDialog({ onClose }: { onClose: () => void }) {
  const [checkpoints, setCheckpoints] = useState<File | null>(null);
  const [key, setKey] = useState<File | null>(null);
  const [pin, setPin] = useState('');
  const { busy, problem, run } = useSubmit();
  const f = (k: string) => fieldError(problem?.fields ?? {}, k);
  const submit = () =>
    run(async () => {
      const r = await call('audit.importWitness', {
        checkpoints: await readBounded(checkpoints, WITNESS_IMPORT_MAX_CHARS, 'checkpoints file'),
        publicKey: await readBounded(key, KEY_FILE_MAX, 'witness’s public key file'),
        pin,
      });
      useUi.getState().toast('ok', r.added > 0 ? `Imported ${r.added} checkpoint${r.added === 1 ? '' : 's'} of witness ${r.fingerprint} (latest: ${r.latest.size} events).` : `Nothing new: the ${r.duplicates} checkpoint${r.duplicates === 1 ? ' was' : 's were'} already kept.`);
      onClose();
      await useAudit.getState().verify();
    });
  return (
    <FormDialog title="Import witness checkpoints" onClose={onClose} onSubmit={() => void submit()} submitLabel={busy ? 'Importing…' : 'Import'} hint="import" busy={busy} testId="witness-submit">
      <p>
        A witness is another workstation that signed checkpoints of this org’s log with its own key. Its checkpoints are kept apart from this workstation’s, and every Verify chain checks the database against the latest one.
      </p>
      <Field label="Checkpoints file (its Export checkpoints JSON, or a bundle’s log/checkpoint)" error={f('checkpoints')}>
        <input type="file" accept=".json,.txt,application/json,text/plain,*" onChange={(e) => setCheckpoints(e.target.files?.[0] ?? null)} data-testid="witness-checkpoints" />
      </Field>
      <Field label="The witness’s public key (keys/signing-key.pub.pem or keys/signing-key.pub)" error={f('publicKey')}>
        <input type="file" accept=".pem,.pub,*" onChange={(e) => setKey(e.target.files?.[0] ?? null)} data-testid="witness-key" />
      </Field>
      <Field label="Its key fingerprint, as the witness told you out of band (SHA256:…)" error={f('pin')}>
        <input value={pin} onChange={(e) => setPin(e.target.value)} placeholder="SHA256:…" spellCheck={false} maxLength={100} data-testid="witness-pin" />
      </Field>
      <FormMessage problem={problem} shownFields={['checkpoints', 'publicKey', 'pin']} />
    </FormDialog>
  );
}
