import type { OwnerEstimate, PayoutEstimate, SiteEstimate } from '../../../src-shared/contract/payouts';
import { fmt, money } from './format';

/** A figure cell: the value, or "no data" (never 0) with what it would be computed from. */
function Figure({ value, digits = 0, unit = '', basis, testId }: { value: number | null; digits?: number; unit?: string; basis: string; testId?: string }) {
  return (
    <td className={`num ${value === null ? 'faint' : ''}`} title={basis} data-testid={testId}>
      {fmt(value, digits)}
      {value === null ? '' : unit}
    </td>
  );
}

function SiteRows({ s, currency, includeSimulated }: { s: SiteEstimate; currency: string | undefined; includeSimulated: boolean }) {
  const a = s.availability;
  const below = a.value !== null && a.targetPct !== null && a.value < a.targetPct;
  return (
    <>
      <tr data-testid={`payout-site-${s.siteKey}`}>
        <td>
          {s.siteName} <span className="faint">{s.siteKey} · {s.country}</span>
        </td>
        <td className="num">
          {s.nodes} / {s.gpus}
        </td>
        <Figure value={s.gpuHours.value} digits={2} basis={s.gpuHours.basis} testId={`gpu-hours-${s.siteKey}`} />
        <Figure value={s.tokens.value} basis={s.tokens.basis} testId={`tokens-${s.siteKey}`} />
        <td className="num faint" title={s.simulatedTokens.basis} data-testid={`simulated-${s.siteKey}`}>
          {s.simulatedTokens.value === null ? '—' : `${fmt(s.simulatedTokens.value)}${includeSimulated ? ' (priced)' : ''}`}
        </td>
        <Figure value={s.energyKwh.value} digits={2} basis={s.energyKwh.basis} testId={`energy-${s.siteKey}`} />
        <td className={`num ${a.value === null ? 'faint' : below ? 'warn-text' : ''}`} title={a.basis} data-testid={`availability-${s.siteKey}`}>
          {a.value === null ? 'no data' : `${fmt(a.value, 3)} %`}
          {a.targetPct !== null && <span className="faint"> / {a.targetPct} %</span>}
        </td>
        <td className="num">{money(s.amounts.gpu, currency)}</td>
        <td className="num">{money(s.amounts.tokens, currency)}</td>
        <td className="num">{money(s.amounts.energy, currency)}</td>
        <td className="num" title={s.amounts.creditPct === null ? undefined : `${s.amounts.creditPct} % of the GPU and token amounts`}>
          {s.amounts.credit ? `−${money(s.amounts.credit, currency)}` : money(s.amounts.credit, currency)}
        </td>
        <td className="num" data-testid={`site-total-${s.siteKey}`}>
          <strong>{money(s.amounts.total, currency)}</strong>
        </td>
      </tr>
      {s.notes.length > 0 && (
        <tr className="notes">
          <td colSpan={12} className="faint small">
            {s.notes.join(' ')}
          </td>
        </tr>
      )}
    </>
  );
}

/** One owner's sites: each figure, what it is computed from (hover), the amounts and the estimate. */
export function OwnerReport({ owner, estimate, onExport }: { owner: OwnerEstimate; estimate: PayoutEstimate; onExport: (kind: 'csv' | 'html', owner: string) => void }) {
  const currency = estimate.rateCard?.currency;
  return (
    <section className="panel" data-testid={`payout-owner-${owner.ownerName}`}>
      <header className="row">
        <strong>{owner.ownerName}</strong>
        <span className="dim">
          · {owner.sites.length} site(s) · estimate{' '}
          <strong data-testid="owner-total">{owner.totalCents === null ? 'no amount' : money(owner.totalCents, currency)}</strong>
          {!owner.complete && <span className="pill warn" title="A site has a figure with no records: its amount is left out, not guessed."> incomplete</span>}
        </span>
        <span style={{ flex: 1 }} />
        <button className="btn small" onClick={() => onExport('csv', owner.ownerName)}>
          CSV
        </button>
        <button className="btn small" onClick={() => onExport('html', owner.ownerName)}>
          Report
        </button>
      </header>
      <table className="grid">
        <thead>
          <tr>
            <th>Site</th>
            <th className="num" title="Nodes / GPUs">Nodes / GPUs</th>
            <th className="num">GPU-hours</th>
            <th className="num">Tokens</th>
            <th className="num" title="Simulated traffic: shown apart, not in the estimate unless priced">Simulated</th>
            <th className="num">Energy kWh</th>
            <th className="num">Availability / target</th>
            <th className="num">GPU</th>
            <th className="num">Tokens</th>
            <th className="num">Energy</th>
            <th className="num">Credit</th>
            <th className="num">Site estimate</th>
          </tr>
        </thead>
        <tbody>
          {owner.sites.map((s) => (
            <SiteRows key={s.siteId} s={s} currency={currency} includeSimulated={estimate.includeSimulated} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
