import { useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import type { DeploymentRun } from '../../../src-shared/contract/deployments';
import { call, errorText } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { Time } from '../../components/Time';

type Events = Response<'deployments.list'>['events'];
type MigrationRuns = Response<'migrations.overview'>['runs'];

/**
 * Choose the migration runs and feature-flag changes that belong to a deployment run. The choice
 * replaces the run's links; the run's row then lists them.
 */
export function LinkChangesDialog({ run, events, onClose, onSaved }: { run: DeploymentRun; events: Events; onClose: () => void; onSaved: () => void }) {
  const [migrations, setMigrations] = useState<MigrationRuns | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [picked, setPicked] = useState(() => new Set<string>(run.links.migrations.map((m) => m.id)));
  const [flags, setFlags] = useState(() => new Set<number>(run.links.flagChanges.map((f) => f.id)));
  const flagChanges = events.filter((e) => e.kind === 'flag.changed');

  useEffect(() => {
    call('migrations.overview', {})
      .then((r) => setMigrations(r.runs.filter((m) => m.status !== 'checked')))
      .catch((err: unknown) => setLoadError(`Migration runs could not be read: ${errorText(err)}`));
  }, []);

  const toggle = <T,>(set: Set<T>, v: T) => {
    const next = new Set(set);
    if (next.has(v)) next.delete(v);
    else next.add(v);
    return next;
  };
  const save = async () => {
    setBusy(true);
    setSaveError(null);
    try {
      await call('deployments.link', { id: run.id, migrationRunIds: [...picked], flagChangeIds: [...flags] });
      onSaved();
    } catch (err) {
      setSaveError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={`Changes of “${run.releaseName}”`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn primary" disabled={busy} onClick={() => void save()}>
            Save links
          </button>
        </>
      }
    >
      <div data-testid="link-changes">
        {saveError && <p className="bad" role="alert">{saveError}</p>}
        <h4>Migration runs</h4>
        {loadError ? (
          <p className="bad">{loadError}</p>
        ) : migrations === null ? (
          <p className="dim">Reading migration runs…</p>
        ) : migrations.length === 0 ? (
          <p className="dim">No SQL file has been applied through Migrations (g q) yet.</p>
        ) : (
          migrations.slice(0, 50).map((m) => (
            <label key={m.id} className="row">
              <input type="checkbox" checked={picked.has(m.id)} onChange={() => setPicked((s) => toggle(s, m.id))} /> {m.fileName} ({m.status})
              {m.appliedAt && <Time iso={m.appliedAt} />}
            </label>
          ))
        )}
        <h4>Feature-flag changes</h4>
        {flagChanges.length === 0 ? (
          <p className="dim">No feature-flag change is recorded. Flags (g f) records one with every flip.</p>
        ) : (
          flagChanges.slice(0, 50).map((f) => (
            <label key={f.id} className="row">
              <input type="checkbox" checked={flags.has(f.id)} onChange={() => setFlags((s) => toggle(s, f.id))} /> {f.message} <Time iso={f.at} />
            </label>
          ))
        )}
      </div>
    </Dialog>
  );
}
