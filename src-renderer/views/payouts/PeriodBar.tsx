import { useState } from 'react';
import type { PeriodInput } from '../../../src-shared/contract/payouts';
import { usePayouts } from '../../stores/payouts-store';

const day = (iso: string) => iso.slice(0, 10);
const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString();

/**
 * The period: a calendar month (UTC), or custom whole UTC days, the last one included. The card
 * version (the newest unless one is picked) and whether simulated traffic is priced.
 */
export function PeriodBar() {
  const { period, rateCardVersion, includeSimulated, cards, setPeriod, setVersion, setIncludeSimulated } = usePayouts();
  const [from, setFrom] = useState(period.kind === 'range' ? day(period.from) : '');
  const [to, setTo] = useState(period.kind === 'range' ? day(new Date(Date.parse(period.to) - 1).toISOString()) : '');
  const applyRange = () => {
    if (!from || !to) return;
    setPeriod({ kind: 'range', from: `${from}T00:00:00Z`, to: nextDay(to) });
  };
  const kind: PeriodInput['kind'] = period.kind;
  return (
    // Flex, or the gap is ignored and the month, the card and the checkbox touch ("December 2026Rate card").
    <div className="row" style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'center', marginBottom: 8 }} data-testid="payouts-period">
      <label className="inline">
        Period{' '}
        <select
          name="periodKind"
          value={kind}
          onChange={(e) => {
            if (e.target.value === 'month') return setPeriod({ kind: 'month', month: new Date().toISOString().slice(0, 7) });
            // Custom days start as this month so far; the operator narrows them and presses Show.
            const today = new Date().toISOString().slice(0, 10);
            const f = from || `${today.slice(0, 7)}-01`;
            const t = to || today;
            setFrom(f);
            setTo(t);
            setPeriod({ kind: 'range', from: `${f}T00:00:00Z`, to: nextDay(t) });
          }}
        >
          <option value="month">Month (UTC)</option>
          <option value="range">Custom days (UTC)</option>
        </select>
      </label>
      {period.kind === 'month' ? (
        <input type="month" name="month" value={period.month} onChange={(e) => e.target.value && setPeriod({ kind: 'month', month: e.target.value })} aria-label="Month" />
      ) : (
        <>
          <input type="date" name="from" value={from} onChange={(e) => setFrom(e.target.value)} aria-label="First day" />
          <span className="dim">to</span>
          <input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} aria-label="Last day (included)" />
          <button className="btn small" onClick={applyRange} disabled={!from || !to} data-testid="payouts-apply-range">
            Show
          </button>
        </>
      )}
      <label className="inline">
        Rate card{' '}
        <select name="rateCardVersion" value={rateCardVersion ?? ''} onChange={(e) => setVersion(e.target.value ? Number(e.target.value) : null)}>
          <option value="">{cards?.versions[0] ? `Newest (v${cards.versions[0].version})` : 'Newest'}</option>
          {cards?.versions.map((v) => (
            <option key={v.version} value={v.version}>
              v{v.version} · {v.currency} · {v.createdAt.slice(0, 10)}
            </option>
          ))}
        </select>
      </label>
      <label className="inline-check" title="Simulated (demo) traffic is shown apart and left out of the estimate unless this is on.">
        <input type="checkbox" name="includeSimulated" checked={includeSimulated} onChange={(e) => setIncludeSimulated(e.target.checked)} />
        Price simulated traffic
      </label>
    </div>
  );
}
