import { useEffect, useRef, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import type { BundleScopeInput } from '../../../src-shared/contract/bundles';
import { call, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { isCallTimeout } from '../../bridge/call-timeout';
import { Field, FormDialog, FormMessage, fieldError, useSubmit } from '../incidents/parts';

type Done = Response<'bundles.export'>;
type Progress = Response<'bundles.progress'>;

const day = (d: Date) => d.toISOString().slice(0, 10);
const PHASES: Record<string, string> = {
  anchoring: 'Checking the audit chain and its checkpoint…',
  records: 'Writing the records…',
  signing: 'Signing SHA256SUMS…',
  zipping: 'Writing the zip…',
  done: 'Done.',
};

/**
 * Export evidence bundle: a period of the org (dates, "to" inclusive), one incident or one corridor, written by
 * the main process with progress and cancel; the result names the file, its size, the events it
 * proves and the key fingerprint an auditor pins. On the browser host the file downloads from the
 * host; on the desktop it is in the data folder's evidence folder.
 */
export function BundleDialog({ onClose, preset }: { onClose: () => void; preset?: { scope: BundleScopeInput; label: string } }) {
  const [kind, setKind] = useState<'period' | 'incident' | 'corridor'>('period');
  const [from, setFrom] = useState(day(new Date(Date.now() - 30 * 86_400_000)));
  const [to, setTo] = useState(day(new Date()));
  const [incidentId, setIncidentId] = useState('');
  const [incidents, setIncidents] = useState<Response<'incidents.list'>['incidents'] | null>(null);
  const [corridorId, setCorridorId] = useState('');
  const [corridors, setCorridors] = useState<Response<'grid.overview'>['corridors'] | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const exportId = useRef<string | null>(null);
  const { busy, problem, run } = useSubmit();
  const f = (k: string) => fieldError(problem?.fields ?? {}, k);

  useEffect(() => {
    if (kind === 'incident' && incidents === null) void call('incidents.list', { filter: 'all', limit: 500 }).then((r) => setIncidents(r.incidents), () => setIncidents([]));
    if (kind === 'corridor' && corridors === null) void call('grid.overview', {}).then((r) => setCorridors(r.corridors), () => setCorridors([]));
  }, [kind, incidents, corridors]);

  // Poll the main process for progress while the export runs.
  useEffect(() => {
    if (!busy) return;
    const t = setInterval(() => {
      if (exportId.current) void call('bundles.progress', { exportId: exportId.current }).then(setProgress, () => undefined);
    }, 400);
    return () => clearInterval(t);
  }, [busy]);

  const scope = (): BundleScopeInput =>
    preset
      ? preset.scope
      : kind === 'period'
      ? { kind, from: `${from}T00:00:00.000Z`, to: new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000).toISOString() }
        : kind === 'corridor'
          ? { kind, corridorId }
          : { kind, incidentId };

  const submit = () =>
    run(async () => {
      const id = crypto.randomUUID();
      exportId.current = id;
      setProgress(null);
      try {
        setDone(await call('bundles.export', { exportId: id, scope: scope() }));
      } catch (err) {
        // The browser host's calls give up after 30 s; a large export runs on: ask how it ended.
        if (!isCallTimeout(err)) throw err;
        for (;;) {
          await new Promise((r) => setTimeout(r, 1000));
          const p = await call('bundles.progress', { exportId: id });
          setProgress(p);
          if (p.result) return setDone(p.result);
          if (p.error) throw new McClientError({ code: p.error.code as never, message: p.error.message });
          if (!p.running) throw err;
        }
      }
    });

  // A preset scope (a pilot's page) is one action: the export starts as the dialog opens.
  const started = useRef(false);
  useEffect(() => {
    if (!preset || started.current) return;
    started.current = true;
    void submit();
  }, []);

  const cancel = () => {
    if (busy && exportId.current) void call('bundles.cancel', { exportId: exportId.current });
    else onClose();
  };

  if (done) {
    const inBrowser = !window.mc;
    return (
      <Dialog
        title="Evidence bundle exported"
        onClose={onClose}
        footer={
          <button className="btn primary" onClick={onClose} data-testid="bundle-close">
            Close
          </button>
        }
      >
        <div data-testid="bundle-done">
          <p>
            <strong>{done.fileName}</strong> · {(done.bytes / 1024).toFixed(1)} KiB · {done.events} audit event{done.events === 1 ? '' : 's'} proven in a log of {done.treeSize} · {done.files} files
          </p>
          <p>
            Signing key fingerprint: <code data-testid="bundle-fingerprint">{done.fingerprint}</code>. An auditor compares it with the one you give them out of band; README.txt in the bundle has the commands.
          </p>
          {inBrowser ? (
            <a className="btn primary" href={done.downloadPath} download={done.fileName} data-testid="bundle-download">
              Download
            </a>
          ) : (
            <p>
              Saved in <code>{done.path}</code>
            </p>
          )}
        </div>
      </Dialog>
    );
  }

  return (
    <FormDialog
      title={preset ? `Export evidence bundle: ${preset.label}` : 'Export evidence bundle'}
      onClose={cancel}
      onSubmit={() => void submit()}
      submitLabel={busy ? 'Exporting…' : preset ? 'Export again' : 'Export'}
      hint="exports"
      busy={busy}
      disabled={busy || (!preset && ((kind === 'incident' && !incidentId) || (kind === 'corridor' && !corridorId)))}
      cancelLabel={busy ? 'Cancel export' : 'Cancel'}
      testId="bundle-export"
    >
      {preset ? (
        <p data-testid="bundle-preset">Scope: {preset.label}</p>
      ) : (
        <>
          <Field label="Scope">
            <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} disabled={busy} aria-label="Scope" name="scope">
              <option value="period">A period of the whole org</option>
              <option value="incident">One incident or drill</option>
              <option value="corridor">One corridor</option>
            </select>
          </Field>
          {kind === 'corridor' ? (
            <Field label="Corridor" error={f('scope.corridorId')}>
              <select value={corridorId} onChange={(e) => setCorridorId(e.target.value)} disabled={busy || corridors === null} aria-label="Corridor" name="corridor">
                <option value="">{corridors === null ? 'Loading corridors…' : corridors.length === 0 ? 'No corridor yet' : 'Pick a corridor'}</option>
                {(corridors ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </Field>
          ) : kind === 'period' ? (
            <>
              <Field label="From (UTC)" error={f('scope.from')}>
                <input type="date" name="from" value={from} onChange={(e) => setFrom(e.target.value)} disabled={busy} />
              </Field>
              <Field label="To (UTC, inclusive)" error={f('scope.to')}>
                <input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} disabled={busy} />
              </Field>
            </>
          ) : (
            <Field label="Incident" error={f('scope.incidentId')}>
              <select value={incidentId} onChange={(e) => setIncidentId(e.target.value)} disabled={busy || incidents === null} aria-label="Incident" name="incident">
                <option value="">{incidents === null ? 'Loading incidents…' : incidents.length === 0 ? 'No incident yet' : 'Pick an incident'}</option>
                {(incidents ?? []).map((i) => (
                  <option key={i.id} value={i.id}>
                    {i.ref} {i.title}
                    {i.drill ? ' (drill)' : ''}
                  </option>
                ))}
              </select>
            </Field>
          )}
        </>
      )}
      <p className="dim">
        The bundle holds the scope’s records and audit events with proofs against a signed checkpoint, SHA256SUMS signed for ssh-keygen and openssl, a README with the commands, and a report to open offline.
      </p>
      {busy && (
        <p role="status" data-testid="bundle-progress">
          {progress?.phase ? PHASES[progress.phase] : 'Starting…'}
          {progress?.phase === 'zipping' && progress.total ? ` ${progress.done}/${progress.total} files` : ''}
        </p>
      )}
      <FormMessage problem={problem} shownFields={['scope.from', 'scope.to', 'scope.incidentId', 'scope.corridorId']} />
    </FormDialog>
  );
}
