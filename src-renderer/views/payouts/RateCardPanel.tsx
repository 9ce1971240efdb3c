import type { RateCard } from '../../../src-shared/contract/payouts';

/** The card an estimate is priced with: every rate, its version, who saved it and when. */
export function RateCardPanel({ card, newest, onEdit, editWhy }: { card: RateCard | null; newest: number | null; onEdit: () => void; editWhy: string | null }) {
  const edit = (
    <button className="btn small" onClick={onEdit} disabled={editWhy !== null} title={editWhy ?? 'New rate card version (e)'} data-testid="edit-rate-card">
      {card ? 'New version…' : 'Set the rate card…'}
    </button>
  );
  return (
    <section className="panel" data-testid="rate-card">
      <header className="row">
        Rate card
        {card && (
          <span className="dim" data-testid="rate-card-version">
            {' '}
            · version {card.version}
            {newest !== null && newest !== card.version ? ` (newest is v${newest})` : ''} · saved {card.createdAt.slice(0, 10)}
            {card.createdBy ? ` by ${card.createdBy}` : ''}
          </span>
        )}
        <span style={{ flex: 1 }} />
        {edit}
      </header>
      {!card ? (
        <div className="body dim">
          No rate card yet: the figures below are computed, but nothing is priced. An admin sets the rates per GPU-hour, per million tokens, the energy
          pass-through and the availability credit. {editWhy ?? ''}
        </div>
      ) : (
        <div className="body small">
          {card.gpuHourRates.map((r) => (
            <span key={r.gpuClass} className="pill">
              {r.gpuClass}: {r.rate} {card.currency}/GPU-h
            </span>
          ))}{' '}
          <span className="pill">
            other GPUs: {card.defaultGpuHourRate} {card.currency}/GPU-h
          </span>{' '}
          <span className="pill" data-testid="rate-per-million">
            {card.perMillionTokens} {card.currency}/M tokens
          </span>{' '}
          <span className="pill">
            energy {card.energyPerKwh} {card.currency}/kWh
          </span>{' '}
          <span className="pill">
            target {card.uptimeTargetPct} % ({card.slaPolicyName}); credit {card.creditPctPerPoint} %/point, cap {card.maxCreditPct} %
          </span>
          {card.note && <div className="faint">{card.note}</div>}
        </div>
      )}
    </section>
  );
}
