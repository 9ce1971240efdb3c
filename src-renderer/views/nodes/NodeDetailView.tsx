import { useCallback, useEffect, useRef, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { RUNTIME_LABELS } from '../../../src-shared/contract/grid';
import { ROLE_LABELS, type Role } from '../../../src-shared/contract/roles';
import { LIFECYCLE_LABELS, type Lifecycle } from '../../../src-shared/domain/node-lifecycle';
import { call, errorText, subscribe } from '../../bridge/client';
import { HealthBadge, LifecycleBadge } from '../../components/GridBadges';
import { fmt, pct } from '../../components/format';
import { ReasonDialog } from '../../components/ReasonDialog';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { TimeChart } from '../../components/TimeChart';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useKeyActions } from './KeyActions';
import { KeysTable } from './KeysTable';

type Detail = Response<'nodes.get'>;
type Telemetry = Response<'nodes.telemetry'>;
type Evidence = Response<'evidence.list'>['records'][number];

const CHARTED = ['gpu_util_pct', 'p95_latency_ms', 'error_rate', 'tokens_per_s', 'queue_depth', 'gpu_temp_c', 'power_w', 'gpu_mem_used_mb'];

export function NodeDetailView({ nodeId }: { nodeId: string }) {
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const theme = useUi((s) => s.theme);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [telemetry, setTelemetry] = useState<Telemetry | null>(null);
  const [evidence, setEvidence] = useState<Evidence[]>([]);
  const [span, setSpan] = useState<'1h' | '24h'>('1h');
  const [error, setError] = useState<string | null>(null);
  const [moving, setMoving] = useState<Lifecycle | null>(null);
  const [validating, setValidating] = useState(false);
  // "Run telemetry validation" from the palette, once this node is loaded.
  const validateRef = useRef<(() => void) | null>(null);
  const pending = useUi((s) => s.pendingAction);
  const loaded = detail !== null;
  useEffect(() => {
    if (!loaded || !useUi.getState().takeAction('validate-telemetry')) return;
    if (canWrite(useSystem.getState().info).ok) validateRef.current?.();
    else toast('info', canWrite(useSystem.getState().info).why ?? 'You cannot run telemetry validation.');
  }, [pending, loaded]);
  const write = canWrite(info);

  const load = useCallback(async () => {
    try {
      const [d, ev] = await Promise.all([call('nodes.get', { nodeId }), call('evidence.list', { subjectId: nodeId, limit: 10 })]);
      setDetail(d);
      setEvidence(ev.records);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [nodeId]);
  const loadTelemetry = useCallback(async () => {
    try {
      setTelemetry(await call('nodes.telemetry', { nodeId, window: span }));
    } catch {
      setTelemetry(null);
    }
  }, [nodeId, span]);
  const keys = useKeyActions(() => void load());

  useEffect(() => {
    void load();
  }, [load, epoch]);
  useEffect(() => {
    void loadTelemetry();
    const t = setInterval(() => void loadTelemetry(), 30_000);
    return () => clearInterval(t);
  }, [loadTelemetry]);
  useEffect(() => {
    const offs = [subscribe('nodes.changed', () => void load()), subscribe('keys.changed', () => void load()), subscribe('evidence.changed', () => void load())];
    return () => offs.forEach((off) => off());
  }, [load]);

  if (error) return <div className="view"><ErrorState title="Could not load this node" message={error} action={<button className="btn" onClick={() => navigate('nodes')}>Back to nodes</button>} /></div>;
  if (!detail) return <div className="view dim">Loading…</div>;
  const n = detail.node;

  validateRef.current = () => void validate();
  const validate = async () => {
    setValidating(true);
    try {
      const r = await call('telemetry.validate', { nodeId });
      toast(r.evidence.outcome === 'passed' ? 'ok' : 'error', `Telemetry validation ${r.evidence.outcome}: valid key ${String((r.evidence.data.validKey as { status: string }).status)}, invalid key ${String((r.evidence.data.invalidKey as { status: string }).status)}.`);
      void load();
    } catch (err) {
      toast('error', errorText(err));
    } finally {
      setValidating(false);
    }
  };

  return (
    <div className="view" data-testid="node-detail">
      <div className="view-head">
        <button className="btn small ghost" onClick={() => navigate('nodes')} title="Back to all nodes">
          ← Nodes
        </button>
        <h1 className="mono">{n.hostname}</h1>
        <LifecycleBadge lifecycle={n.lifecycle} />
        <HealthBadge health={n.health} />
        <div className="actions">
          {detail.allowedTransitions.map((to) => (
            <button key={to} className="btn" disabled={!write.ok} title={write.why ?? `Move to ${LIFECYCLE_LABELS[to].toLowerCase()}`} onClick={() => setMoving(to)} data-testid={`move-${to}`}>
              {to === 'active' ? 'Activate' : to === 'draining' ? 'Drain' : to === 'offline' ? 'Take offline' : to === 'retired' ? 'Retire' : LIFECYCLE_LABELS[to]}
            </button>
          ))}
          <button className="btn" disabled={!write.ok || validating || n.lifecycle === 'retired'} onClick={() => void validate()} title={write.why ?? 'Send a valid and an invalid key through the ingest path and keep the outcome as evidence'} data-testid="validate">
            {validating ? 'Validating…' : 'Run telemetry validation'}
          </button>
        </div>
      </div>

      <div className="cards" style={{ marginBottom: 12 }}>
        <section className="panel">
          <header>Node</header>
          <div className="body">
            <dl className="kv">
              <dt>Site</dt>
              <dd>
                {n.siteName} <span className="faint">({n.country})</span>
              </dd>
              <dt>Corridor</dt>
              <dd>{n.corridorName}</dd>
              <dt>Node group</dt>
              <dd>{n.nodeGroupName}</dd>
              <dt>Runtime</dt>
              <dd>{RUNTIME_LABELS[n.runtimeGroup]}</dd>
              <dt>GPUs</dt>
              <dd>
                {n.gpuCount} × {n.gpuModel} ({n.gpuMemoryGb} GB)
              </dd>
              <dt>Capacity</dt>
              <dd>{fmt(n.capacityTokensPerS, 'tokens/s', 0)}</dd>
              <dt>Lifecycle</dt>
              <dd>
                {LIFECYCLE_LABELS[n.lifecycle]} since <Time iso={n.lifecycleChangedAt} mode="local" />
              </dd>
            </dl>
          </div>
        </section>
        <section className="panel">
          <header>Latest telemetry</header>
          <div className="body">
            {n.seenAt ? (
              <dl className="kv">
                <dt>Seen</dt>
                <dd>
                  <Time iso={n.seenAt} />
                </dd>
                <dt>GPU utilisation</dt>
                <dd>{fmt(n.latest.gpuUtilPct, '%')}</dd>
                <dt>P95 latency</dt>
                <dd>{fmt(n.latest.p95LatencyMs, 'ms', 0)}</dd>
                <dt>Error rate</dt>
                <dd>{pct(n.latest.errorRate)}</dd>
                <dt>Tokens/s</dt>
                <dd>{fmt(n.latest.tokensPerS, '', 0)}</dd>
                <dt>Queue</dt>
                <dd>{fmt(n.latest.queueDepth, '', 0)}</dd>
                <dt>GPU temperature</dt>
                <dd>{fmt(n.latest.gpuTempC, '°C')}</dd>
              </dl>
            ) : (
              <p className="dim">This node has never sent telemetry. It needs a valid key{n.validKeys === 0 ? ' (it has none: issue one below)' : ''} and an agent sending to the ingest function.</p>
            )}
          </div>
        </section>
      </div>

      <section className="panel" style={{ marginBottom: 12 }}>
        <header>
          Telemetry
          <div className="actions">
            <span className="tabs" role="group" aria-label="Window">
              {(['1h', '24h'] as const).map((w) => (
                <button key={w} aria-pressed={span === w} onClick={() => setSpan(w)}>
                  {w === '1h' ? 'Last hour' : 'Last day'}
                </button>
              ))}
            </span>
          </div>
        </header>
        <div className="body">
          {telemetry ? (
            <div className="charts">
              {CHARTED.map((m) => telemetry.series.find((s) => s.metric === m)).map((s) => s && <TimeChart key={`${s.metric}-${span}`} series={s} theme={theme} />)}
            </div>
          ) : (
            <span className="dim">Loading…</span>
          )}
        </div>
      </section>

      <section className="panel" style={{ marginBottom: 12 }} data-testid="node-keys">
        <header>
          Keys
          <div className="actions">
            <button className="btn small" disabled={!write.ok || n.lifecycle === 'retired'} title={write.why ?? 'Issue a new key (shown once)'} onClick={() => keys.issue({ nodeId, hostname: n.hostname })}>
              Issue key
            </button>
          </div>
        </header>
        {detail.keys.length === 0 ? (
          <div className="body dim">No keys. Without a valid key this node cannot send telemetry.</div>
        ) : (
          <KeysTable keys={detail.keys} actions={keys} write={write.ok} />
        )}
      </section>

      <div className="cards">
        <section className="panel" data-testid="node-evidence">
          <header>Telemetry validation records</header>
          <div className="body">
            {evidence.length === 0 && <span className="dim">None yet. Run a validation to record that valid keys are accepted and invalid ones refused.</span>}
            <ul className="timeline">
              {evidence.map((e) => (
                <li key={e.id}>
                  <span className={`pill ${e.outcome === 'passed' ? 'ok' : 'bad'}`}>{e.outcome}</span> <Time iso={e.createdAt} /> · {e.createdBy ?? 'unknown'} ·{' '}
                  <a href={`#/audit?seq=${e.auditSeq}`}>audit #{e.auditSeq}</a>
                </li>
              ))}
            </ul>
          </div>
        </section>
        <section className="panel">
          <header>History</header>
          <div className="body">
            <ul className="timeline">
              {detail.audit.map((e) => (
                <li key={e.seq}>
                  <code>{e.action}</code> <span className="dim">· <Time iso={e.at} /> · {e.actor.name}{e.actor.role ? ` (${ROLE_LABELS[e.actor.role as Role] ?? e.actor.role})` : ''}</span>
                  {e.reason && <div>“{e.reason}”</div>}
                </li>
              ))}
              {detail.audit.length === 0 && <li className="dim">No recorded changes yet.</li>}
            </ul>
          </div>
        </section>
      </div>

      {moving && (
        <ReasonDialog
          title={`${n.hostname}: ${LIFECYCLE_LABELS[n.lifecycle]} → ${LIFECYCLE_LABELS[moving]}`}
          confirmLabel={`Move to ${LIFECYCLE_LABELS[moving].toLowerCase()}`}
          danger={moving === 'retired'}
          onClose={() => setMoving(null)}
          onSubmit={async (reason) => {
            await call('nodes.transition', { nodeId, to: moving, reason });
            toast('ok', `${n.hostname} is now ${LIFECYCLE_LABELS[moving].toLowerCase()}.`);
            void load();
          }}
        >
          {moving === 'retired' && <p className="err">Retiring is final: a retired node cannot come back, and its keys are refused.</p>}
          {moving === 'draining' && <p>Routing sends no new work to a draining node; running requests finish.</p>}
        </ReasonDialog>
      )}
      {keys.dialogs}
    </div>
  );
}
