import { useEffect, useRef, useState } from 'react';
import { NO_RATE_CARD_NOTE } from '../../../src-shared/domain/payouts';
import { payoutsCsv, payoutsFileName, payoutsReportHtml } from '../../../src-shared/domain/payouts-export';
import { NoOrg } from '../../components/NoOrg';
import { CSV_TYPE, saveFile } from '../../components/save-file';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { usePayouts } from '../../stores/payouts-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';
import { money } from './format';
import { OwnerReport } from './OwnerReport';
import { PeriodBar } from './PeriodBar';
import { RateCardDialog } from './RateCardDialog';
import { RateCardPanel } from './RateCardPanel';

const HTML_TYPE = 'text/html;charset=utf-8';

/**
 * /payouts: per site owner and period, the GPU-hours, tokens, energy and availability their sites
 * gave, and the payout estimate from the rate card; exported as CSV or a print-ready report.
 */
export function PayoutsView() {
  const session = useSystem((s) => s.info?.session ?? null);
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const { estimate, cards, error, loading } = usePayouts();
  const toast = useUi((s) => s.toast);
  const pending = useUi((s) => s.pendingAction);
  const [editing, setEditing] = useState(false);
  const shownOrg = useRef<string | null>(null);

  const write = canWrite(info);
  const editWhy = !write.ok ? write.why : session?.role !== 'admin' ? 'Only admins change the rate card.' : null;

  useEffect(() => {
    if (!session) return;
    // Another org's figures must never show, not even for the moment a reload takes.
    if (shownOrg.current !== session.orgId) usePayouts.getState().clear();
    shownOrg.current = session.orgId;
    void usePayouts.getState().loadCards();
    void usePayouts.getState().load();
  }, [session?.orgId, session?.role, epoch]);

  // The dialog offers the SLA policies and GPU classes as they are now, not as they were when the view opened.
  const openEditor = () => {
    void usePayouts
      .getState()
      .loadCards()
      .then(() => setEditing(true));
  };

  const exportAs = (kind: 'csv' | 'html', owner?: string) => {
    if (!estimate) return;
    const fileName = payoutsFileName(estimate, kind, owner);
    if (kind === 'csv') saveFile([payoutsCsv(estimate, owner)], fileName, CSV_TYPE);
    else saveFile([payoutsReportHtml(estimate, owner)], fileName, HTML_TYPE);
    toast('ok', `Saved ${fileName}${estimate.rateCard ? ` (rate card v${estimate.rateCard.version})` : ' (no rate card: figures only)'}.`);
  };

  useEffect(() => {
    const ui = useUi.getState();
    if (ui.takeAction('edit-rate-card')) {
      if (editWhy) toast('info', editWhy);
      else openEditor();
    }
    if (ui.takeAction('export-csv')) exportAs('csv');
  }, [pending, estimate]);

  useViewKeys({
    r: () => void usePayouts.getState().load(),
    e: editWhy ? null : openEditor,
    c: estimate ? () => exportAs('csv') : null,
    h: estimate ? () => exportAs('html') : null,
  });

  if (!session) return <NoOrg title="Site-owner payouts" what="Payout estimates" />;

  const sites = estimate?.owners.reduce((n, o) => n + o.sites.length, 0) ?? 0;
  // The rate card panel already says when there is none.
  const notes = estimate?.notes.filter((n) => n !== NO_RATE_CARD_NOTE) ?? [];
  return (
    <div className="view" data-testid="payouts-view">
      <div className="view-head">
        <h1>Payouts</h1>
        <span className="sub">
          Site-owner reports and payout <strong>estimates</strong> from telemetry and usage records
          {estimate && (
            <>
              {' '}
              · {estimate.period.label}
              {estimate.period.partial ? ' (not over: figures so far)' : ''} · computed <Time iso={estimate.generatedAt} />
            </>
          )}
          {loading ? ' · loading…' : ''}
        </span>
        <span className="actions">
          <button className="btn" onClick={() => exportAs('csv')} disabled={!estimate || sites === 0} title="Export CSV, one row per owner × site (c)" data-testid="export-payouts-csv">
            Export CSV
          </button>
          <button className="btn" onClick={() => exportAs('html')} disabled={!estimate || sites === 0} title="Export the print-ready report, every owner (h)" data-testid="export-payouts-html">
            Export report
          </button>
        </span>
      </div>
      <PeriodBar />
      <RateCardPanel card={estimate?.rateCard ?? null} newest={cards?.versions[0]?.version ?? null} onEdit={openEditor} editWhy={editWhy} />
      {session.orgSimulated && <div className="banner warn">The demo org’s figures come from simulated nodes: these are not real payouts.</div>}
      {error && !estimate ? (
        <ErrorState title="Could not compute the estimate" message={error} action={<button className="btn" onClick={() => void usePayouts.getState().load()}>Try again</button>} />
      ) : !estimate ? (
        <div className="dim">Loading…</div>
      ) : sites === 0 ? (
        <EmptyState title="No sites yet">Payouts are per site owner: add a site (Corridors view) with its owner, register its nodes, and their figures appear here.</EmptyState>
      ) : (
        <>
          {error && <div className="err" role="alert">{error}</div>}
          {notes.length > 0 && (
            <ul className="faint small" data-testid="payouts-notes">
              {notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          <div className="dim small" data-testid="payouts-summary">
            {estimate.owners.length} owner(s), {sites} site(s) · estimate total{' '}
            {money(
              estimate.owners.reduce<number | null>((s, o) => (o.totalCents === null ? s : (s ?? 0) + o.totalCents), null),
              estimate.rateCard?.currency,
            )}{' '}
            · simulated traffic {estimate.includeSimulated ? 'priced' : 'shown apart, not priced'} · hover a figure to see what it is computed from
          </div>
          {estimate.owners.map((o) => (
            <OwnerReport key={o.ownerName} owner={o} estimate={estimate} onExport={(kind, owner) => exportAs(kind, owner)} />
          ))}
        </>
      )}
      {editing && <RateCardDialog onClose={() => setEditing(false)} />}
    </div>
  );
}
