import { SCORE_POOR_BELOW } from '../../../src-shared/domain/scores';
import { useEffect, useMemo, useState } from 'react';
import type { CorridorFigures, ScoreName } from '../../../src-shared/contract/observability';
import { SCORE_NAMES } from '../../../src-shared/contract/observability';
import { viewKey } from '../../app/shortcuts';
import { call } from '../../bridge/client';
import { fmt, pct } from '../../components/format';
import { ReasonDialog } from '../../components/ReasonDialog';
import { DeadLettersPanel } from './DeadLettersPanel';
import { GatewayPanel } from './GatewayPanel';
import { NoOrg } from '../../components/NoOrg';
import { ErrorState } from '../../components/States';
import { startObservabilityLive, useObservability } from '../../stores/observability-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import '../../styles/ops.css';
import { LinesChart, type Line } from '../../components/LinesChart';

const SCORE_LABELS: Record<ScoreName, string> = { health: 'Health', routing: 'Routing', energy: 'Energy', security: 'Security' };
const SCORE_HINTS: Record<ScoreName, string> = {
  health: 'Running nodes weighted by health: healthy 1, warning ½, critical or silent 0.',
  routing: 'Share of running capacity a router could send new work to now.',
  energy: 'The energy target over the energy spent per 1,000 tokens (100 at or under target).',
  security: 'Mean of: nodes with a valid key, keys in use, nodes not presenting refused keys.',
};

/** A score as shown: rounded down, so 99.5 with two critical nodes never reads as a perfect 100. */
export function scoreText(v: number | null): string {
  return v === null ? '—' : String(Math.floor(v));
}

export function scoreClass(v: number | null): string {
  if (v === null) return '';
  return v >= 90 ? 'good' : v >= SCORE_POOR_BELOW ? 'fair' : 'poor';
}

/** /observability: the four scores per corridor and overall, their figures, and the nodes behind them. */
export function ObservabilityView() {
  const { overview, series, drill, corridorId, score, window, error, select, setWindow } = useObservability();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const theme = useUi((s) => s.theme);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [targetOpen, setTargetOpen] = useState(false);
  const [target, setTarget] = useState('');
  const session = info?.session;

  useEffect(() => (session ? startObservabilityLive() : undefined), [session?.orgId, epoch]);

  const rows: CorridorFigures[] = overview ? [overview.overall, ...overview.corridors] : [];
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e) || rows.length === 0) return;
      const i = Math.max(0, rows.findIndex((r) => r.corridorId === corridorId));
      if (e.key === 'j' || e.key === 'k') {
        e.preventDefault();
        select(rows[Math.max(0, Math.min(rows.length - 1, i + (e.key === 'j' ? 1 : -1)))]!.corridorId, score);
      } else if (['1', '2', '3', '4'].includes(e.key)) {
        e.preventDefault();
        const s = SCORE_NAMES[Number(e.key) - 1]!;
        select(corridorId, score === s ? null : s);
      } else if (e.key === 'w') {
        e.preventDefault();
        setWindow(window === '1h' ? '24h' : '1h');
      } else if (e.key === 'r') {
        e.preventDefault();
        void useObservability.getState().load();
        void useObservability.getState().loadSeries();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [rows, corridorId, score, window]);

  const charts = useMemo(() => {
    if (!series) return null;
    const t = series.points.map((p) => new Date(p.t).getTime() / 1000);
    const col = (k: keyof (typeof series.points)[number], scale = 1): (number | null)[] =>
      series.points.map((p) => (typeof p[k] === 'number' ? (p[k] as number) * scale : null));
    const latency: Line[] = [
      { label: 'P50', color: '--ok', values: col('latencyP50') },
      { label: 'P95', color: '--warn', values: col('latencyP95') },
      { label: 'P99', color: '--bad', values: col('latencyP99') },
    ];
    return {
      t,
      latency,
      errors: [{ label: 'mean error rate', color: '--bad', values: col('errorRate', 100) }],
      queue: [
        { label: 'total', color: '--accent', values: col('queueSum') },
        { label: 'P95 per node', color: '--warn', values: col('queueP95'), dash: true },
      ],
      energy: [{ label: 'Wh per 1,000 tokens', color: '--maint', values: col('whPer1kTokens') }],
      tokens: [{ label: 'tokens/s', color: '--accent', values: col('tokensPerS') }],
    };
  }, [series]);

  if (!session) return <NoOrg title="Observability" what="Scores and figures" />;
  if (error && !overview) return <div className="view"><ErrorState title="Could not load observability" message={error} action={<button className="btn" onClick={() => void useObservability.getState().load()}>Try again</button>} /></div>;
  if (!overview) return <div className="view dim">Loading…</div>;

  const selected = rows.find((r) => r.corridorId === corridorId) ?? overview.overall;
  const isAdmin = session.role === 'admin';

  return (
    <div className="view">
      <div className="view-head">
        <h1>Observability</h1>
        <span className="sub">
          Scores from the latest telemetry; figures over the last 5 complete minutes{selected.figuresUntil ? '' : ' (none reported yet)'}.
        </span>
        <div className="actions">
          <span className="dim">
            Energy target {overview.energyTargetWhPer1k} Wh / 1,000 tokens
          </span>
          <button
            className="btn small"
            disabled={!isAdmin || info.readOnly}
            title={isAdmin ? 'Change the energy target' : 'Only admins change the energy target.'}
            onClick={() => {
              setTarget(String(overview.energyTargetWhPer1k));
              setTargetOpen(true);
            }}
          >
            Set…
          </button>
        </div>
      </div>

      <div className="scores" role="grid" aria-label="Scores" data-testid="scores">
        <div className="head">Corridor</div>
        {SCORE_NAMES.map((s, i) => (
          <div className="head" key={s} title={SCORE_HINTS[s]}>
            {SCORE_LABELS[s]} <span className="faint">({i + 1})</span>
          </div>
        ))}
        <div className="head">P50 / P95 / P99 · errors · queue · energy</div>
        {rows.map((r) => (
          <ScoreRow key={r.corridorId ?? 'grid'} r={r} selected={r.corridorId === corridorId} score={r.corridorId === corridorId ? score : null} onPick={(s) => select(r.corridorId, s)} />
        ))}
      </div>

      {score && (
        <section className="panel" data-testid="drilldown">
          <header>
            {SCORE_LABELS[score]} of {selected.name}: {fmt(selected.scores[score].value)} <span className="faint">= {selected.scores[score].explain}</span>
            <div className="actions">
              <button className="btn small ghost" onClick={() => select(corridorId, null)}>
                Close
              </button>
            </div>
          </header>
          {!drill ? (
            <div className="body dim">Loading…</div>
          ) : drill.rows.length === 0 ? (
            <div className="body dim">No node lowers this score.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Site</th>
                  <th>Corridor</th>
                  <th>Why it lowers the score</th>
                </tr>
              </thead>
              <tbody>
                {drill.rows.map((d) => (
                  <tr key={d.nodeId} className="row" onDoubleClick={() => navigate('nodes', d.nodeId)}>
                    <td>
                      <button className="btn small ghost mono" onClick={() => navigate('nodes', d.nodeId)}>
                        {d.hostname}
                      </button>
                    </td>
                    <td>{d.site}</td>
                    <td>{d.corridor}</td>
                    <td>{d.finding}</td>
                  </tr>
                ))}
              </tbody>
              {drill.total > drill.rows.length && (
                <tfoot>
                  <tr>
                    <td colSpan={4} className="dim">
                      {drill.rows.length} of {drill.total} shown.
                    </td>
                  </tr>
                </tfoot>
              )}
            </table>
          )}
        </section>
      )}

      <div className="view-head sub-head">
        <h2>{selected.name}</h2>
        <span className="tabs" role="group" aria-label="Window">
          {(['1h', '24h'] as const).map((w) => (
            <button key={w} aria-pressed={window === w} onClick={() => setWindow(w)}>
              {w === '1h' ? 'Last hour' : 'Last day'}
            </button>
          ))}
        </span>
        <span className="faint">w switches · j/k corridor · 1–4 drill into a score</span>
      </div>
      {charts && (
        <div className="charts">
          <LinesChart title="Latency across nodes (each node’s P95)" unit="ms" t={charts.t} lines={charts.latency} theme={theme} testId="chart-latency" />
          <LinesChart title="Error rate" unit="%" t={charts.t} lines={charts.errors} theme={theme} testId="chart-errors" />
          <LinesChart title="Queue depth" unit="requests" t={charts.t} lines={charts.queue} theme={theme} testId="chart-queue" />
          <LinesChart title="Energy per token" unit="Wh per 1,000 tokens" t={charts.t} lines={charts.energy} theme={theme} testId="chart-energy" />
          <LinesChart title="Tokens served" unit="tokens/s" t={charts.t} lines={charts.tokens} theme={theme} testId="chart-tokens" />
        </div>
      )}
      {series && series.stepSeconds === 300 && <p className="faint">Five-minute points are the mean of their minutes’ percentiles, and the sum of their tokens and energy.</p>}

      <GatewayPanel />
      <DeadLettersPanel />

      {targetOpen && (
        <ReasonDialog
          title="Energy target"
          confirmLabel="Set target"
          onClose={() => setTargetOpen(false)}
          onSubmit={async (reason) => {
            const whPer1k = Number(target);
            await call('observability.setEnergyTarget', { whPer1k, reason });
            toast('ok', `Energy target set to ${whPer1k} Wh per 1,000 tokens.`);
            void useObservability.getState().load();
          }}
        >
          <label className="field">
            <span>Wh per 1,000 tokens (the energy score is 100 at or under it, 50 at twice it)</span>
            <input name="target" inputMode="decimal" value={target} onChange={(e) => setTarget(e.target.value)} />
          </label>
        </ReasonDialog>
      )}
    </div>
  );
}

function ScoreRow({ r, selected, score, onPick }: { r: CorridorFigures; selected: boolean; score: ScoreName | null; onPick: (s: ScoreName | null) => void }) {
  const testId = r.corridorId ? `scores-${r.name}` : 'scores-grid';
  return (
    <>
      <button className={`score name ${selected ? 'selected' : ''}`} onClick={() => onPick(null)} data-testid={testId}>
        {r.name}
        <div className="figures" title="Running: active or draining (a draining node still serves). Silent: no telemetry for 5 minutes, or never.">
          {r.nodes.running} running · {r.nodes.byHealth.critical} critical · {r.nodes.byHealth.stale + r.nodes.byHealth.unknown} silent
        </div>
      </button>
      {SCORE_NAMES.map((s) => {
        const v = r.scores[s].value;
        return (
          <button
            key={s}
            className={`score ${scoreClass(v)}`}
            aria-pressed={score === s}
            title={`${r.scores[s].explain}\n\nClick for the nodes behind it.`}
            onClick={() => onPick(score === s ? null : s)}
            data-testid={`${testId}-${s}`}
          >
            <div className={`value ${v === null ? 'none' : ''}`}>{scoreText(v)}</div>
          </button>
        );
      })}
      <div className="figures">
        {r.latency ? `${fmt(r.latency.p50, '', 0)} / ${fmt(r.latency.p95, '', 0)} / ${fmt(r.latency.p99, 'ms', 0)}` : 'no latency reported'}
        <br />
        errors {pct(r.errorRate)} · queue {fmt(r.queueSum, '', 0)} (P95 {fmt(r.queueP95, '', 0)}) · {fmt(r.tokensPerS, 'tok/s', 0)} · {r.whPer1kTokens === null ? '—' : `${r.whPer1kTokens.toFixed(3)} Wh/1k tok`}
      </div>
    </>
  );
}
