import type { Reconciliation as ReconRecord } from '../../../src-shared/contract/usage';
import { FINDING_KINDS } from '../../../src-shared/domain/usage';
import { CSV_TYPE, saveFile } from '../../components/save-file';
import { Time } from '../../components/Time';
import { useUsage } from '../../stores/usage-store';
import { useUi } from '../../stores/ui-store';
import { WINDOW_COLUMNS } from './columns';
import { tableCsv, UsageTable } from './UsageTable';

const OUTCOME: Record<ReconRecord['outcome'], { label: string; tone: string }> = {
  clean: { label: 'Matches', tone: 'ok' },
  explained: { label: 'Explained findings only', tone: 'warn' },
  discrepancy: { label: 'Discrepancy', tone: 'bad' },
  no_traffic: { label: 'No traffic', tone: 'accent' },
};

const KIND_LABELS: { [K in (typeof FINDING_KINDS)[number]]: string } = {
  request_without_usage: 'Request without usage event',
  usage_without_request: 'Usage event without request',
  token_mismatch: 'Tokens disagree',
  runtime_above_metered: 'Runtime counted more',
  runtime_below_metered: 'Runtime counted less',
  counter_reset: 'Counter reset',
  estimated_usage: 'Estimated usage',
};

export function OutcomePill({ outcome }: { outcome: ReconRecord['outcome'] }) {
  const o = OUTCOME[outcome];
  return <span className={`pill ${o.tone}`}>{o.label}</span>;
}

/** The reconciliation records (newest first) and the open one: its hours, and each finding with its likely cause. */
export function ReconciliationPanel({ selectedId }: { selectedId: string | null }) {
  const { records, detail, detailError } = useUsage();
  const navigate = useUi((s) => s.navigate);
  const shown = detail && detail.reconciliation.id === selectedId ? detail : null;
  const flagged = shown ? shown.windows.filter((w) => w.findings.length > 0) : [];
  return (
    <section className="panel" data-testid="reconciliation">
      <header>
        Reconciliation records <span className="faint">({records?.length ?? '…'})</span>
      </header>
      {records && records.length === 0 && (
        <div className="body dim" data-testid="reconciliation-empty">
          No reconciliation yet. Reconcile today (r) compares today’s usage events with the API request log and the runtimes’ own token counters, hour by hour, and keeps
          the result as a record: daily checklist item 5 reads it.
        </div>
      )}
      {records && records.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>Run</th>
              <th>Period</th>
              <th>Outcome</th>
              <th className="num">Unexplained</th>
              <th className="num">Explained</th>
              <th className="num">Served</th>
              <th className="num">Usage events</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {records.slice(0, 10).map((r) => (
              <tr key={r.id} aria-selected={r.id === selectedId} onClick={() => navigate('usage', r.id)} data-testid={`recon-${r.id}`}>
                <td>
                  <a href={`#/usage/${r.id}`}>
                    <Time iso={r.createdAt} />
                  </a>
                </td>
                <td className="dim">
                  <Time iso={r.from} mode="local" /> – <Time iso={r.to} mode="local" />
                </td>
                <td>
                  <OutcomePill outcome={r.outcome} />
                </td>
                <td className={`num ${r.unexplained > 0 ? 'err' : ''}`}>{r.unexplained}</td>
                <td className="num">{r.explained}</td>
                <td className="num">{r.totals.servedRequests}</td>
                <td className="num">{r.totals.usageEvents}</td>
                <td className="dim">{r.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detailError && <div className="body err">Could not load the reconciliation: {detailError}</div>}
      {shown && (
        <div className="body" data-testid="reconciliation-detail">
          <div className="view-head sub-head">
            <h2>
              Reconciliation of <Time iso={shown.reconciliation.from} mode="local" /> – <Time iso={shown.reconciliation.to} mode="local" />
            </h2>
            <OutcomePill outcome={shown.reconciliation.outcome} />
            <span className="actions">
              <button
                className="btn small"
                onClick={() => saveFile([tableCsv(WINDOW_COLUMNS, shown.windows)], `reconciliation-${shown.reconciliation.from.slice(0, 10)}-${shown.reconciliation.id.slice(0, 8)}.csv`, CSV_TYPE)}
              >
                Export CSV
              </button>
            </span>
          </div>
          <p className="figures">
            {shown.reconciliation.totals.servedRequests} served requests in the log · {shown.reconciliation.totals.usageEvents} usage events · {shown.reconciliation.totals.meteredTokens}{' '}
            tokens metered · {shown.reconciliation.totals.runtimesWithCounters > 0 ? `${shown.reconciliation.totals.counterTokens} tokens on ${shown.reconciliation.totals.runtimesWithCounters} runtime counter(s)` : 'no runtime exposes token counters'}
            {shown.reconciliation.totals.unprobedTokens > 0 && ` · ${shown.reconciliation.totals.unprobedTokens} tokens after the last probe (compared next time)`} · sha256{' '}
            <span className="hash">{shown.reconciliation.sha256.slice(0, 16)}…</span>
          </p>
          {flagged.length === 0 ? (
            <p className="dim" data-testid="reconciliation-clean">
              {shown.reconciliation.outcome === 'no_traffic' ? 'Nothing was served or counted in this period: nothing to reconcile.' : 'Every hour matches: each served request has exactly one usage event, tokens agree, and the runtime counters agree with what was metered.'}
            </p>
          ) : (
            <ul className="findings" data-testid="findings">
              {flagged.flatMap((w) =>
                w.findings.map((f, i) => (
                  <li key={`${w.from}-${i}`} className={f.explained ? 'warn-text' : 'err'} data-testid={`finding-${f.kind}`}>
                    <strong>
                      <Time iso={w.from} mode="local" />: {KIND_LABELS[f.kind]}
                    </strong>{' '}
                    ({f.count} {f.runtimeName ? `probe interval(s) on ${f.runtimeName}` : 'request(s)'}, {f.tokens} tokens){f.explained ? ' — explained' : ''}. <span className="dim">{f.cause}</span>
                    {f.requestIds.length > 0 && <span className="hash"> {f.requestIds.join(', ')}</span>}
                  </li>
                )),
              )}
            </ul>
          )}
          <UsageTable label="Reconciliation windows" columns={WINDOW_COLUMNS} rows={shown.windows} rowKey={(w) => w.from} testId="recon-windows" height="min(50vh, 420px)" />
        </div>
      )}
    </section>
  );
}
