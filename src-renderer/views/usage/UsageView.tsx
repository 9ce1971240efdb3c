import { useEffect, useRef, useState } from 'react';
import { NoOrg } from '../../components/NoOrg';
import { CSV_TYPE, saveFile } from '../../components/save-file';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useUsage } from '../../stores/usage-store';
import { useViewKeys } from '../incidents/useViewKeys';
import { CORRIDOR_COLUMNS, CUSTOMER_COLUMNS, DAY_COLUMNS, MODEL_COLUMNS } from './columns';
import { ReconciliationPanel } from './Reconciliation';
import { type Column, tableCsv, UsageTable } from './UsageTable';
import { errorText } from '../../bridge/client';
import '../../styles/ops.css';

const TABS = [
  { id: 'customers', label: 'Customers' },
  { id: 'corridors', label: 'Corridors' },
  { id: 'models', label: 'Models' },
  { id: 'days', label: 'Days' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/**
 * /usage: what the gateway metered in a period (default: this month so far), per customer with
 * committed against used, per corridor, model and UTC day; the top consumers; and the
 * reconciliation of metering against the request log and the runtimes' counters, kept as records
 * ("#/usage/<record id>" opens one).
 */
export function UsageView() {
  const session = useSystem((s) => s.info?.session ?? null);
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const param = useUi((s) => s.param);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const { summary, summaryError, period, includeSimulated, reconciling, records } = useUsage();
  const [tab, setTab] = useState<Tab>('customers');
  const [draft, setDraft] = useState(period);
  const shownOrg = useRef<string | null>(null);
  const write = canWrite(info);

  useEffect(() => {
    if (!session) return;
    // Another org's usage must never show, not even while this one loads.
    if (shownOrg.current !== session.orgId) useUsage.getState().clear();
    shownOrg.current = session.orgId;
    void useUsage.getState().loadSummary();
    void useUsage.getState().loadRecords();
  }, [session?.orgId, session?.role, epoch]);

  // The record to open: the one in the address, else the newest.
  const selectedId = param ?? records?.[0]?.id ?? null;
  useEffect(() => {
    if (session && selectedId) void useUsage.getState().loadDetail(selectedId);
  }, [selectedId, session?.orgId]);

  const reconcile = async () => {
    try {
      const r = await useUsage.getState().reconcileToday();
      const o = r.reconciliation;
      toast(o.unexplained > 0 ? 'error' : 'ok', o.outcome === 'discrepancy' ? `Reconciled today: ${o.unexplained} unexplained discrepancy(ies) — see the findings.` : o.outcome === 'no_traffic' ? 'Reconciled today: no gateway traffic yet.' : 'Reconciled today: metering matches the API logs.');
      navigate('usage', o.id);
    } catch (err) {
      toast('error', `Could not reconcile: ${errorText(err)}`);
    }
  };
  // "Reconcile today" from the palette.
  const pending = useUi((s) => s.pendingAction);
  useEffect(() => {
    if (!session || !useUi.getState().takeAction('reconcile')) return;
    if (write.ok) void reconcile();
    else toast('info', write.why ?? 'You cannot run reconciliations.');
  }, [pending, session?.orgId]);
  useViewKeys({
    r: write.ok && !reconciling ? () => void reconcile() : null,
    s: () => useUsage.getState().setIncludeSimulated(!useUsage.getState().includeSimulated),
    '1': () => setTab('customers'),
    '2': () => setTab('corridors'),
    '3': () => setTab('models'),
    '4': () => setTab('days'),
  });

  if (!session) return <NoOrg title="Usage" />;

  const tables = summary
    ? {
        customers: { columns: CUSTOMER_COLUMNS, rows: summary.customers, key: (r: (typeof summary.customers)[number]) => r.customerId },
        corridors: { columns: CORRIDOR_COLUMNS, rows: summary.corridors, key: (r: (typeof summary.corridors)[number]) => r.corridorId ?? 'none' },
        models: { columns: MODEL_COLUMNS, rows: summary.models, key: (r: (typeof summary.models)[number]) => r.model },
        days: { columns: DAY_COLUMNS, rows: summary.days, key: (r: (typeof summary.days)[number]) => r.day },
      }
    : null;
  const current = tables?.[tab] as { columns: Column<unknown>[]; rows: unknown[]; key(r: unknown): string } | undefined;
  const exportCsv = () => {
    if (!summary || !current) return;
    saveFile([tableCsv(current.columns, current.rows)], `usage-${tab}-${summary.from.slice(0, 10)}-to-${summary.to.slice(0, 10)}${summary.includeSimulated ? '' : '-real-only'}.csv`, CSV_TYPE);
  };
  const top = summary ? summary.customers.filter((c) => c.totalTokens > 0).slice(0, 5) : [];
  const empty = summary && summary.totals.requests === 0 && summary.totals.answered === 0;
  const reconcileButton = (
    <button className="btn primary" disabled={!write.ok || reconciling} title={write.why ?? 'Reconcile today so far, hour by hour (r)'} onClick={() => void reconcile()} data-testid="usage-reconcile">
      {reconciling ? 'Reconciling…' : 'Reconcile today'}
    </button>
  );

  return (
    <div className="view" data-testid="usage-view">
      <div className="view-head">
        <h1>Usage</h1>
        <span className="sub">
          {summary && (
            <>
              <Time iso={summary.from} mode="local" /> – <Time iso={summary.to} mode="local" />
            </>
          )}
        </span>
        <span className="actions">{reconcileButton}</span>
      </div>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          useUsage.getState().setPeriod(draft);
        }}
      >
        <label>
          From (UTC day) <input type="date" value={draft.fromDay} onChange={(e) => setDraft({ ...draft, fromDay: e.target.value })} aria-label="From (UTC day)" />
        </label>
        <label>
          To (UTC day, included) <input type="date" value={draft.toDay} onChange={(e) => setDraft({ ...draft, toDay: e.target.value })} aria-label="To (UTC day)" />
        </label>
        <button className="btn small" type="submit" data-testid="usage-apply">
          Show
        </button>
        <button
          className="btn small ghost"
          type="button"
          onClick={() => {
            setDraft({ fromDay: '', toDay: '' });
            useUsage.getState().setPeriod({ fromDay: '', toDay: '' });
          }}
        >
          This month
        </button>
        <label title="Demo traffic from the simulated clients (s)" style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
          <input type="checkbox" checked={includeSimulated} onChange={(e) => useUsage.getState().setIncludeSimulated(e.target.checked)} data-testid="usage-simulated" /> Include simulated traffic
        </label>
        <span className="count faint">r reconcile · s simulated · 1–4 tables</span>
      </form>
      {summaryError && <ErrorState title="No usage to show for this period" message={summaryError} />}
      {!summary && !summaryError && <div className="dim">Loading…</div>}
      {summary && (
        <>
          <p className="figures" data-testid="usage-totals">
            {summary.totals.requests} metered requests · {summary.totals.totalTokens} tokens ({summary.totals.promptTokens} prompt, {summary.totals.completionTokens} completion) ·{' '}
            {summary.totals.refused} refused of {summary.totals.answered} answered · {summary.totals.estimated} estimated
            {summary.totals.simulated > 0 && (
              <>
                {' '}
                · <span className="pill accent" title="Demo traffic from the simulated clients">{summary.totals.simulated} simulated</span>
              </>
            )}
            {!summary.includeSimulated && <span className="faint"> · simulated traffic left out</span>}
          </p>
          {empty ? (
            <div className="empty" role="status" data-testid="usage-empty">
              <h2>No metered usage in this period</h2>
              <p>
                Usage comes from the gateway (npm run gateway): every request a customer sends with its API key is logged, and every one that reaches a runtime is metered.
                Nothing arrived in this period: choose an earlier one, or check that the gateway runs and customers hold live keys (Keys, g k).
              </p>
            </div>
          ) : (
            <>
              {top.length > 0 && (
                <section className="panel" data-testid="top-consumers">
                  <header>Top consumers</header>
                  <div className="body">
                    {top.map((c, i) => (
                      <div key={c.customerId} className="figures">
                        {i + 1}. <strong>{c.name}</strong> {c.totalTokens} tokens ({Math.round((c.totalTokens / Math.max(1, summary.totals.totalTokens)) * 1000) / 10} %) · {c.requests} requests
                        {c.simulated > 0 && <span className="pill accent">{c.simulated} simulated</span>}
                      </div>
                    ))}
                  </div>
                </section>
              )}
              <div className="view-head sub-head">
                <span className="tabs" role="group" aria-label="Totals by">
                  {TABS.map((t) => (
                    <button key={t.id} aria-pressed={tab === t.id} onClick={() => setTab(t.id)} data-testid={`usage-tab-${t.id}`}>
                      {t.label}
                    </button>
                  ))}
                </span>
                <span className="actions">
                  <button className="btn small" onClick={exportCsv} data-testid="usage-export">
                    Export CSV
                  </button>
                </span>
              </div>
              {current && <UsageTable label={`Usage by ${tab}`} columns={current.columns} rows={current.rows} rowKey={current.key} testId={`usage-${tab}`} />}
            </>
          )}
        </>
      )}
      <ReconciliationPanel selectedId={selectedId} />
    </div>
  );
}
