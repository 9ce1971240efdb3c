import { useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import type { RunSummary } from '../../../src-shared/contract/checklists';
import { call, errorText, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { Time } from '../../components/Time';

type Overview = Response<'grid.overview'>;

const SAFETY: Record<string, string> = { not_started: 'not started', in_progress: 'in progress', passed: 'passed', failed: 'failed' };

/**
 * Start a site safety checklist: pick the site (grouped by corridor, with its safety state). A site
 * that already has one in progress says so, so nobody starts a second by mistake.
 */
export function SiteSafetyDialog({ runs, onClose, onStart, onOpen }: { runs: RunSummary[]; onClose: () => void; onStart: (siteId: string) => Promise<void>; onOpen: (runId: string) => void }) {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [siteId, setSiteId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call('grid.overview', {})
      .then(setOverview)
      .catch((err: unknown) => setError(`Could not load the sites: ${errorText(err)}`));
  }, []);

  const site = overview?.sites.find((s) => s.id === siteId);
  const running = runs.find((r) => r.templateKey === 'site_safety' && r.subjectId === siteId && !r.completedAt);
  const submit = async () => {
    // The button stays enabled while busy (a disabled button drops the focus, and Esc with it).
    if (busy) return;
    if (!siteId) return setError('Choose the site this checklist is for.');
    setBusy(true);
    try {
      await onStart(siteId);
    } catch (err) {
      setError(err instanceof McClientError ? (err.fields.subjectId ?? err.message) : errorText(err));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Start a site safety checklist"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" aria-disabled={busy} onClick={() => void submit()} data-testid="start-site-safety">
            {busy ? 'Starting…' : 'Start checklist'}
          </button>
        </>
      }
    >
      <p className="dim">Every regional expansion has a site safety checklist: power, cooling at load, fire, access, network, emergency power-off, owner contact.</p>
      <label className={`field ${error ? 'invalid' : ''}`}>
        <span>Site</span>
        <select
          name="siteId"
          value={siteId}
          disabled={!overview}
          onChange={(e) => {
            setSiteId(e.target.value);
            setError(null);
          }}
        >
          <option value="">{overview ? 'Choose a site…' : 'Loading sites…'}</option>
          {overview?.corridors.map((c) => (
            <optgroup key={c.id} label={c.name}>
              {overview.sites
                .filter((s) => s.corridorId === c.id)
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.country}) · safety {SAFETY[s.safetyChecklist] ?? s.safetyChecklist}
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
        {error && <span className="err">{error}</span>}
      </label>
      {overview && overview.sites.length === 0 && <p className="dim">There are no sites yet: add one on the Nodes or Corridors page first.</p>}
      {site && running && (
        <p className="cl-refusal warn" role="status">
          {site.name} has a safety checklist in progress, started by {running.startedBy?.name ?? 'someone'} <Time iso={running.startedAt} />.{' '}
          <button className="btn small" onClick={() => onOpen(running.id)}>
            Open it instead
          </button>
        </p>
      )}
    </Dialog>
  );
}
