import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { isTyping, modalOpen, viewKey } from '../../app/shortcuts';
import { EmptyState, ErrorState } from '../../components/States';
import { call, errorText } from '../../bridge/client';
import { saveFile } from '../../components/save-file';
import { isFiltered, startAuditLive, useAudit } from '../../stores/audit-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { AnchorKeys } from './AnchorKeys';
import { AnchorStatus } from './AnchorStatus';
import { BundleDialog } from './BundleDialog';
import { OpenBundleDialog } from './OpenBundleDialog';
import { AuditDetail } from './AuditDetail';
import { AuditFilters } from './AuditFilters';
import { AuditTable } from './AuditTable';
import { type ExportFormat, exportAudit } from './audit-export';

function highlightedSeq(): number | null {
  const m = /[?&]seq=(\d+)/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

const focusResults = () => document.querySelector<HTMLElement>('[data-testid="audit-scroller"]')?.focus();

export function AuditView() {
  const { events, headSeq, loaded, error, verdict, verifying, filter, nextBeforeSeq, selectedSeq, filterError } = useAudit();
  const session = useSystem((s) => s.info?.session);
  const epoch = useSystem((s) => s.epoch);
  const [detailSeq, setDetailSeq] = useState<number | null>(null);
  const [bundling, setBundling] = useState(false);
  // Open evidence bundle needs no session: an auditor with no database opens bundles here too.
  const [opening, setOpening] = useState(false);
  const pending = useUi((s) => s.pendingAction);
  useEffect(() => {
    if (useUi.getState().takeAction('open-bundle')) setOpening(true);
    if (useUi.getState().takeAction('export-bundle')) setBundling(true);
  }, [pending]);
  const [exporting, setExporting] = useState<{ format: ExportFormat; rows: number; abort: AbortController } | null>(null);
  const exportingRef = useRef(exporting);
  exportingRef.current = exporting;

  useEffect(() => startAuditLive(), []);
  useEffect(() => {
    if (session) void useAudit.getState().load();
  }, [session?.orgId, epoch]);
  useEffect(() => {
    const seq = highlightedSeq();
    if (seq !== null) useAudit.getState().select(seq);
  }, []);
  useEffect(() => () => exportingRef.current?.abort.abort(), []);

  const runExport = useCallback(
    async (format: ExportFormat) => {
      if (!session || exportingRef.current) return;
      const abort = new AbortController();
      setExporting({ format, rows: 0, abort });
      try {
        const r = await exportAudit(format, useAudit.getState().filter, session.orgName, (rows) => setExporting((x) => (x ? { ...x, rows } : x)), abort.signal);
        if (r) useUi.getState().toast('ok', `Exported ${r.rows.toLocaleString()} event${r.rows === 1 ? '' : 's'} (up to #${r.untilSeq}) to ${r.fileName}.`);
        else useUi.getState().toast('info', 'Export cancelled; nothing was saved.');
      } catch (err) {
        useUi.getState().toast('error', `Export failed: ${errorText(err)}`);
      } finally {
        setExporting(null);
      }
    },
    [session],
  );

  // The signed checkpoints this workstation stored, for a witness to keep (docs/formats.md).
  const exportCheckpoints = useCallback(async () => {
    try {
      const r = await call('audit.exportCheckpoints', {});
      if (r.count === 0) {
        useUi.getState().toast('info', 'No checkpoint stored yet: press Verify chain to sign the first one.');
        return;
      }
      saveFile([r.text], r.fileName, 'application/json');
      useUi.getState().toast('ok', `Exported ${r.count} signed checkpoint${r.count === 1 ? '' : 's'} to ${r.fileName}.`);
    } catch (err) {
      useUi.getState().toast('error', `Export of checkpoints failed: ${errorText(err)}`);
    }
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && !isTyping(e.target) && !modalOpen()) {
        e.preventDefault();
        document.getElementById('audit-filter-text')?.focus();
        return;
      }
      if (!viewKey(e)) return;
      const { events: list, selectedSeq: sel, select } = useAudit.getState();
      const i = list.findIndex((x) => x.seq === sel);
      if (e.key === 'v') {
        e.preventDefault();
        void useAudit.getState().verify();
      } else if (e.key === 'b') {
        e.preventDefault();
        setBundling(true);
      } else if (e.key === 'o') {
        e.preventDefault();
        setOpening(true);
      } else if (e.key === 'j' || e.key === 'ArrowDown') {
        e.preventDefault();
        const next = list[Math.min(i + 1, list.length - 1)];
        if (next) select(next.seq);
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        e.preventDefault();
        const prev = list[Math.max(i - 1, 0)];
        if (prev) select(prev.seq);
      } else if (e.key === 'Enter') {
        const seq = sel ?? list[0]?.seq;
        if (seq !== undefined) {
          e.preventDefault();
          select(seq);
          setDetailSeq(seq);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const actions = useMemo(() => {
    const names = new Set<string>();
    for (const e of events) {
      names.add(e.action);
      names.add(e.action.split('.')[0]!);
    }
    return [...names].sort();
  }, [events]);
  const detail = detailSeq === null ? null : (events.find((e) => e.seq === detailSeq) ?? null);
  const onEnd = useCallback(() => void useAudit.getState().loadMore(), []);

  if (!session) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Audit log</h1>
        </div>
        <EmptyState title="No org to show">
          The audit log appears once Mission Control is connected and signed in to an org. An evidence bundle opens without one:{' '}
          <button className="btn" onClick={() => setOpening(true)} data-testid="audit-open-bundle">
            Open evidence bundle…
          </button>
        </EmptyState>
        {opening && <OpenBundleDialog onClose={() => setOpening(false)} />}
      </div>
    );
  }
  const filtered = isFiltered(filter);

  return (
    <div className="view">
      <div className="view-head">
        <h1>Audit log</h1>
        <span className="sub" data-testid="audit-count">
          {filtered
            ? `${events.length}${nextBeforeSeq !== null ? '+' : ''} matching of ${headSeq} event${headSeq === 1 ? '' : 's'} in ${session.orgName}’s chain`
            : `${headSeq} event${headSeq === 1 ? '' : 's'} in ${session.orgName}’s chain`}
        </span>
        <div className="actions">
          {exporting ? (
            <>
              <span className="dim" role="status" data-testid="audit-export-progress">
                Exporting {exporting.format.toUpperCase()}… {exporting.rows.toLocaleString()} events
              </span>
              <button className="btn" onClick={() => exporting.abort.abort()}>
                Cancel export
              </button>
            </>
          ) : (
            <>
              <button className="btn" onClick={() => void runExport('csv')} disabled={!loaded || events.length === 0} data-testid="audit-export-csv" title="Every event this filter matches, with the chain fields (docs/formats.md)">
                Export CSV
              </button>
              <button className="btn" onClick={() => void runExport('jsonl')} disabled={!loaded || events.length === 0} data-testid="audit-export-jsonl" title="Every event this filter matches, one JSON object a line, with the chain fields">
                Export JSONL
              </button>
            </>
          )}
          <button className="btn" onClick={() => setBundling(true)} data-testid="audit-export-bundle" title="A signed zip an auditor verifies offline with sha256sum, ssh-keygen or openssl (b)">
            Evidence bundle…
          </button>
          <button className="btn" onClick={() => setOpening(true)} data-testid="audit-open-bundle" title="Verify a bundle someone exported, with no database and no network (o)">
            Open bundle…
          </button>
          <button className="btn" onClick={() => void exportCheckpoints()} data-testid="audit-export-checkpoints" title="Save the signed checkpoints this workstation keeps, for a witness">
            Export checkpoints
          </button>
          <button className="btn" onClick={() => void useAudit.getState().verify()} disabled={verifying} data-testid="verify-chain" title="Recompute every hash (v)">
            {verifying ? 'Verifying…' : 'Verify chain'}
          </button>
        </div>
      </div>

      {bundling && <BundleDialog onClose={() => setBundling(false)} />}
      {opening && <OpenBundleDialog onClose={() => setOpening(false)} />}
      {verdict && (
        <div className={`banner ${verdict.ok ? 'info' : 'bad'}`} role="status" data-testid="verdict" data-ok={verdict.ok}>
          {verdict.ok ? (
            <span>
              Chain intact: {verdict.checked} event{verdict.checked === 1 ? '' : 's'} recomputed, head #{verdict.headSeq} <span className="hash">{verdict.headHash}</span>
            </span>
          ) : (
            <span>Chain broken: {verdict.breaks.map((b) => b.description).join('; ')}. Export nothing from this database until it is explained.</span>
          )}
        </div>
      )}
      {verdict && <AnchorStatus anchor={verdict.anchor} />}
      {verdict && <AnchorKeys anchor={verdict.anchor} />}

      <AuditFilters
        actions={actions}
        onApplied={() => {
          const first = useAudit.getState().events[0];
          if (first) {
            useAudit.getState().select(first.seq);
            focusResults();
          }
        }}
      />

      {error && <ErrorState title="Could not load the audit log" message={error} />}
      {loaded && !error && !filterError && events.length === 0 && !filtered && (
        <EmptyState title="No audit events yet">
          Every change made in Mission Control (a component state, an acknowledgement, a gate) is recorded here with who, when and why. Make a change (for example set a component’s state in Status) and it appears here.
        </EmptyState>
      )}
      {loaded && !error && !filterError && events.length === 0 && filtered && (
        <EmptyState
          title="No event matches this filter"
          action={
            <button className="btn" onClick={() => void useAudit.getState().applyFilter({})} data-testid="audit-empty-clear">
              Clear filter
            </button>
          }
        >
          The chain holds {headSeq} event{headSeq === 1 ? '' : 's'}, none with all of these. Widen the time range, empty a field (press / to edit the filter), or clear the filter. Text is matched in the reason and the data; a subject takes INC-12, a host name or an id.
        </EmptyState>
      )}
      {events.length > 0 && (
        <AuditTable
          events={events}
          selectedSeq={selectedSeq}
          hasMore={nextBeforeSeq !== null}
          onSelect={(seq) => useAudit.getState().select(seq)}
          onOpen={(seq) => {
            useAudit.getState().select(seq);
            setDetailSeq(seq);
          }}
          onEnd={onEnd}
        />
      )}
      {detail && (
        <AuditDetail
          event={detail}
          onClose={() => {
            setDetailSeq(null);
            focusResults();
          }}
        />
      )}
    </div>
  );
}
