import { useEffect, useMemo, useRef, useState } from 'react';
import type { Advisory } from '../../../src-shared/contract/advisories';
import { ADVISORY_SEVERITIES, type AdvisorySeverity, type AdvisoryState } from '../../../src-shared/domain/advisories';
import { VIEW_IDS, type ViewId } from '../../../src-shared/navigation';
import { call, errorText } from '../../bridge/client';
import { NoOrg } from '../../components/NoOrg';
import { ReasonDialog } from '../../components/ReasonDialog';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useAdvisories } from '../../stores/advisories-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';
import '../../styles/advisories.css';
import { ScanReport } from './ScanReport';
import { ThresholdsDialog } from './ThresholdsDialog';

const STATE_LABELS: Record<AdvisoryState, string> = { open: 'Open', acknowledged: 'Acknowledged', closed: 'Closed' };
const SEVERITY_CLASS: Record<AdvisorySeverity, string> = { critical: 'bad', high: 'bad', medium: 'warn', low: '' };

/** /advisories: what the scan found, worst first, each with its evidence and its fix. */
export function AdvisoriesView() {
  const session = useSystem((s) => s.info?.session ?? null);
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const { data, error, scanning } = useAdvisories();
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [state, setState] = useState<AdvisoryState>('open');
  const [severity, setSeverity] = useState<AdvisorySeverity | 'all'>('all');
  const [acking, setAcking] = useState<Advisory | null>(null);
  const [editing, setEditing] = useState(false);
  const shownOrg = useRef<string | null>(null);
  const write = canWrite(info);
  const isAdmin = write.ok && session?.role === 'admin';

  useEffect(() => {
    if (!session) return;
    // Another org's advisories must never show, not even for the moment a reload takes.
    if (shownOrg.current !== session.orgId) useAdvisories.getState().clear();
    shownOrg.current = session.orgId;
    void useAdvisories.getState().load();
  }, [session?.orgId, session?.role, epoch]);

  const scanNow = async () => {
    try {
      const s = await useAdvisories.getState().scan();
      const skipped = s.report.filter((l) => l.status === 'not_checked').length;
      toast('ok', `Scan done: ${s.raised} raised, ${s.closed} closed, ${s.refreshed} still found${skipped ? `; ${skipped} check(s) could not run (see the report)` : ''}.`);
    } catch (err) {
      toast('error', `The scan did not run: ${errorText(err)}`);
    }
  };
  const openIncident = async (a: Advisory) => {
    try {
      const r = await call('advisories.openIncident', { advisoryId: a.id });
      useAdvisories.getState().show(r.advisory);
      toast('ok', `Opened ${r.advisory.incidentRef} from “${a.checkLabel}: ${a.subjectLabel}”.`);
    } catch (err) {
      toast('error', `No incident opened: ${errorText(err)}`);
    }
  };
  useViewKeys({ s: write.ok && !scanning ? () => void scanNow() : null, r: () => void useAdvisories.getState().load(), t: isAdmin && data ? () => setEditing(true) : null });

  const counts = useMemo(() => {
    const c: Record<AdvisoryState, number> = { open: 0, acknowledged: 0, closed: 0 };
    for (const a of data?.advisories ?? []) c[a.state] += 1;
    return c;
  }, [data]);
  const shown = (data?.advisories ?? []).filter((a) => a.state === state && (severity === 'all' || a.severity === severity));

  if (!session) return <NoOrg title="Advisories" what="Advisories" />;
  const scanButton = (
    <button className="btn primary" onClick={() => void scanNow()} disabled={!write.ok || scanning} title={write.why ?? 'Scan now (s)'} data-testid="advisories-scan">
      {scanning ? 'Scanning…' : 'Scan now'}
    </button>
  );
  return (
    <div className="view adv-view" data-testid="advisories-view">
      <div className="view-head">
        <h1>Advisories</h1>
        <span className="sub">
          {data ? `${counts.open} open · ${counts.acknowledged} acknowledged` : ''}
          {data?.lastScan ? (
            <>
              {' · last scan '}
              <Time iso={data.lastScan.finishedAt} /> ({data.lastScan.trigger})
            </>
          ) : null}
        </span>
        <span className="actions">
          <button className="btn" onClick={() => setEditing(true)} disabled={!isAdmin || !data} title={isAdmin ? 'Thresholds (t)' : 'Admins set the thresholds.'} data-testid="advisories-thresholds">
            Thresholds
          </button>
          {scanButton}
        </span>
      </div>
      <div className="toolbar">
        <span className="tabs" role="group" aria-label="Show">
          {(['open', 'acknowledged', 'closed'] as const).map((s) => (
            <button key={s} aria-pressed={state === s} onClick={() => setState(s)} data-testid={`advisories-tab-${s}`}>
              {STATE_LABELS[s]} ({counts[s]})
            </button>
          ))}
        </span>
        <label>
          Severity{' '}
          <select value={severity} onChange={(e) => setSeverity(e.target.value as AdvisorySeverity | 'all')} data-testid="advisories-severity">
            <option value="all">All</option>
            {ADVISORY_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && !data ? (
        <ErrorState title="Could not load advisories" message={error} />
      ) : !data ? (
        <div className="dim">Loading…</div>
      ) : !data.lastScan ? (
        <EmptyState title="No scan yet" action={write.ok ? scanButton : undefined}>
          The scan checks keys, silent nodes, row-level security, SECURITY DEFINER functions, pilot evidence, committed capacity, backups and the audit signing key.
          It runs every 15 minutes while an org is open; press Scan now (s) to run it at once. {write.ok ? '' : write.why}
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState title={`No ${STATE_LABELS[state].toLowerCase()} advisory${severity === 'all' ? '' : ` of ${severity} severity`}`}>
          {state === 'open' ? 'The last scan found nothing new to act on. Acknowledged and closed advisories are under their tabs.' : 'Pick another tab or severity.'}
        </EmptyState>
      ) : (
        <section className="panel" data-testid="advisories">
          <table className="grid">
            <thead>
              <tr>
                <th>Severity</th>
                <th>Check</th>
                <th>Subject</th>
                <th>Evidence</th>
                <th>Fix</th>
                <th>Seen</th>
                <th>{state === 'closed' ? 'Closed' : state === 'acknowledged' ? 'Acknowledged' : 'Actions'}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a) => (
                <tr key={a.id} data-testid={`advisory-${a.id}`} data-check={a.check} data-subject={a.subjectLabel}>
                  <td>
                    <span className={`pill ${SEVERITY_CLASS[a.severity]}`}>{a.severity}</span>
                  </td>
                  <td>{a.checkLabel}</td>
                  <td>{a.subjectLabel}</td>
                  <td className="evidence">{a.evidence}</td>
                  <td>
                    {a.fix}{' '}
                    {VIEW_IDS.includes(a.fixView as ViewId) ? (
                      <a href={`#/${a.fixView}`} onClick={(e) => (e.preventDefault(), navigate(a.fixView as ViewId))}>
                        Open {a.fixView}
                      </a>
                    ) : (
                      <span className="dim">({a.fixView} view not in this build)</span>
                    )}
                  </td>
                  <td>
                    <Time iso={a.lastSeenAt} /> <span className="dim">×{a.seenCount}</span>
                  </td>
                  <td>
                    {a.state === 'closed' ? (
                      <>
                        <Time iso={a.closedAt!} /> <span className="dim">{a.closedReason}</span>
                      </>
                    ) : (
                      <>
                        {a.state === 'acknowledged' && (
                          <div className="dim" data-testid="advisory-ack">
                            {a.acknowledgedBy}: “{a.ackReason}”
                          </div>
                        )}
                        {a.state === 'open' && (
                          <button className="btn" disabled={!write.ok} title={write.why ?? 'Acknowledge with a reason'} onClick={() => setAcking(a)} data-testid="advisory-acknowledge">
                            Acknowledge
                          </button>
                        )}
                        {a.incidentId ? (
                          <a href={`#/incidents/${a.incidentId}`} onClick={(e) => (e.preventDefault(), navigate('incidents', a.incidentId))}>
                            {a.incidentRef}
                          </a>
                        ) : (
                          <button className="btn" disabled={!write.ok} title={write.why ?? 'Open an incident from this advisory'} onClick={() => void openIncident(a)} data-testid="advisory-incident">
                            Open incident
                          </button>
                        )}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {data?.lastScan && <ScanReport scan={data.lastScan} />}
      {editing && data && <ThresholdsDialog current={data.thresholds} onClose={() => setEditing(false)} />}
      {acking && (
        <ReasonDialog
          title={`Acknowledge: ${acking.checkLabel}`}
          confirmLabel="Acknowledge"
          placeholder="Why this may stay as it is for now (goes into the audit log)"
          onClose={() => setAcking(null)}
          onSubmit={async (reason) => {
            const r = await call('advisories.acknowledge', { advisoryId: acking.id, reason });
            useAdvisories.getState().show(r.advisory);
          }}
        >
          <p>
            {acking.subjectLabel}: {acking.evidence}
          </p>
          <p className="dim">It stays listed as acknowledged until the scan no longer finds it; then it closes by itself.</p>
        </ReasonDialog>
      )}
    </div>
  );
}
