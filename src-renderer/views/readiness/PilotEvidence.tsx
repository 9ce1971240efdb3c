import { useCallback, useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { pilotScopeName, scopeTitle } from '../../../src-shared/domain/evidence/bundle-scope';
import { call, errorText, subscribe } from '../../bridge/client';
import { viewKey } from '../../app/shortcuts';
import { useSystem } from '../../stores/system-store';
import { BundleDialog } from '../audit/BundleDialog';
import { RecordLink } from '../checklists/RecordLink';

type Page = Response<'evidence.pilot'>;

/**
 * A pilot's evidence: the seven records of the operating principle, each present with the record
 * it rests on or missing with what would produce it, computed by the main process from what the
 * database holds now (never ticked by hand). The gate "Compliance evidence artifacts are visible"
 * is answered from the same seven. Exporting the pilot's signed bundle is one action (key b, as in the Audit view).
 */
export function PilotEvidence({ pilotId, name, tier }: { pilotId: string; name: string; tier: string | null }) {
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  // Exports sign with this workstation's key and write a file: not from a wall display.
  const why = info?.readOnly ? 'This display is read-only: export from a workstation.' : null;

  const load = useCallback(
    () =>
      call('evidence.pilot', { pilotId }).then(
        (p) => {
          setPage(p);
          setError(null);
        },
        (err) => setError(errorText(err)),
      ),
    [pilotId],
  );
  useEffect(() => void load(), [load, epoch]);
  // New evidence, gate or readiness changes can turn a record present: recompute, coalesced.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const soon = () => {
      timer ??= setTimeout(() => {
        timer = null;
        void load();
      }, 150);
    };
    const offs = [subscribe('evidence.changed', soon), subscribe('checklists.changed', soon), subscribe('readiness.changed', soon)];
    return () => {
      for (const off of offs) off();
      if (timer) clearTimeout(timer);
    };
  }, [load]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'b' || !viewKey(e) || why) return;
      e.preventDefault();
      setExporting(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [why]);

  const present = page?.records.filter((r) => r.present).length ?? 0;
  return (
    <section className="pilot-evidence" data-testid="pilot-evidence" aria-label="Pilot evidence">
      <div className="pe-head">
        <h2>Evidence records</h2>
        {page && (
          <span className={`pill ${page.complete ? 'ok' : 'warn'}`} data-testid="pilot-evidence-count">
            {present} of {page.records.length} present
          </span>
        )}
        <button className="btn small" onClick={() => setExporting(true)} disabled={why !== null} title={why ?? 'Export this pilot’s signed evidence bundle (b)'} data-testid="pilot-export">
          Export evidence bundle
        </button>
      </div>
      {error && !page && (
        <p className="error" role="alert">
          Could not compute the pilot’s evidence: {error}
        </p>
      )}
      {!page && !error && <p className="dim">Computing the seven records…</p>}
      {page && (
        <ul className="pe-list">
          {page.records.map((r) => (
            <li key={r.key} data-testid={`pilot-record-${r.key}`} data-present={r.present}>
              <span className={`pill ${r.present ? 'ok' : 'bad'}`}>{r.present ? 'present' : 'missing'}</span>
              <strong>{r.label}</strong>
              <span className="dim">
                {r.summary} {r.record && <RecordLink record={r.record} testId={`pilot-record-link-${r.key}`} />}
              </span>
            </li>
          ))}
        </ul>
      )}
      {exporting && <BundleDialog preset={{ scope: { kind: 'pilot', pilotId }, label: scopeTitle({ kind: 'pilot', pilotId, name: tier ? pilotScopeName(name, tier) : name }) }} onClose={() => setExporting(false)} />}
    </section>
  );
}
