import { useEffect, useState } from 'react';
import { RUNTIME_KIND_LABELS } from '../../../src-shared/contract/runtimes';
import { call, errorText } from '../../bridge/client';
import { NoOrg } from '../../components/NoOrg';
import { useViewKeys } from '../incidents/useViewKeys';
import { fmt, pct } from '../../components/format';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useGrid } from '../../stores/grid-store';
import { startRuntimesLive, useRuntimes } from '../../stores/runtimes-store';
import '../../styles/ops.css';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { ConnectRuntimeDialog } from './ConnectRuntimeDialog';

const CIRCUIT_LABEL = { closed: 'Closed', open: 'Open', half_open: 'Half-open' } as const;

/** /runtimes: every serving endpoint and what its last probe saw. Keys: c connect, r reload. */
export function RuntimesView() {
  const { runtimes, error } = useRuntimes();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const [connecting, setConnecting] = useState(false);
  const [probing, setProbing] = useState<string | null>(null);
  const session = info?.session;

  useEffect(() => startRuntimesLive(), []);
  useEffect(() => {
    if (!session) return;
    void useRuntimes.getState().load();
    void useGrid.getState().load();
  }, [session?.orgId, epoch]);
  useViewKeys({
    r: () => void useRuntimes.getState().load(),
    c: write.ok ? () => setConnecting(true) : null,
  });

  async function probe(id: string) {
    setProbing(id);
    try {
      const r = await call('runtimes.probe', { runtimeId: id });
      toast(r.runtime.health === 'down' ? 'error' : 'ok', r.runtime.health === 'down' ? `Probe failed: ${r.runtime.lastError ?? 'no answer'}` : `Probed ${r.runtime.name}: ${r.runtime.health}.`);
      await useRuntimes.getState().load();
    } catch (err) {
      toast('error', errorText(err));
    } finally {
      setProbing(null);
    }
  }

  if (!session) return <NoOrg title="Runtimes" />;
  if (error && !runtimes) return <div className="view"><ErrorState title="Could not load runtimes" message={error} /></div>;
  if (!runtimes) return <div className="view dim">Loading…</div>;

  return (
    <div className="view">
      <div className="view-head">
        <h1>Runtimes</h1>
        <span className="sub">
          {runtimes.length} runtime{runtimes.length === 1 ? '' : 's'} · {runtimes.filter((r) => r.health === 'healthy').length} healthy
        </span>
        <div className="actions">
          <button className="btn primary" data-testid="connect-runtime" disabled={!write.ok} title={write.why ?? 'Connect a runtime (c)'} onClick={() => setConnecting(true)}>
            Connect runtime <kbd>c</kbd>
          </button>
        </div>
      </div>
      {runtimes.length === 0 ? (
        <EmptyState title="No runtime connected yet">
          Connect a vLLM, Ollama, TGI or OpenAI-compatible endpoint running on one of your nodes: Mission Control detects its kind, lists its models and starts watching its health.
        </EmptyState>
      ) : (
        <table className="grid runtimes" data-testid="runtimes">
          <thead>
            <tr>
              <th>Runtime</th>
              <th>Kind</th>
              <th>Node</th>
              <th>Health</th>
              <th>Circuit</th>
              <th className="num nowrap">Running</th>
              <th className="num nowrap">Waiting</th>
              <th className="num nowrap">KV cache</th>
              <th className="num nowrap">p95</th>
              <th>Models</th>
              <th>Last probe</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runtimes.map((r) => (
              <tr key={r.id} data-testid={`runtime-${r.name}`}>
                <td>
                  <div>{r.name}</div>
                  <div className="faint mono">{r.baseUrl}</div>
                </td>
                <td>
                  {RUNTIME_KIND_LABELS[r.kind]} <span className="faint">{r.version ?? ''}</span>
                </td>
                <td>
                  <div className="mono nowrap">{r.hostname}</div>
                  <div className="faint">
                    {r.siteName} · {r.corridorName}
                  </div>
                </td>
                <td data-health={r.health} title={r.lastError ?? undefined}>
                  {r.health}
                  {r.lastError && <div className="faint">{r.lastError}</div>}
                </td>
                <td data-circuit={r.circuit}>{CIRCUIT_LABEL[r.circuit]}</td>
                {/* A figure and its unit on one line: "42.0 %" split over two rows read as two values. */}
                <td className="num nowrap">{fmt(r.load.runningRequests, '', 0)}</td>
                <td className="num nowrap">{fmt(r.load.waitingRequests, '', 0)}</td>
                <td className="num nowrap">{pct(r.load.kvCacheUsage)}</td>
                <td className="num nowrap">{fmt(r.load.p95LatencyMs, ' ms', 0)}</td>
                <td>{r.models.length ? r.models.map((m) => <ModelId key={m.id} id={m.id} />) : <span className="faint">none</span>}</td>
                <td className="dim">{r.lastProbeAt ? <Time iso={r.lastProbeAt} /> : 'never'}</td>
                <td>
                  <button className="btn small" disabled={!write.ok || probing === r.id} title={write.why ?? 'Probe now'} onClick={() => void probe(r.id)}>
                    {probing === r.id ? 'Probing…' : 'Probe'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="faint">Load figures are what each runtime’s own endpoints say (vLLM and TGI /metrics; Ollama /api/ps); “—” means the runtime does not expose it.</p>
      {connecting && <ConnectRuntimeDialog onClose={() => setConnecting(false)} onDone={() => void useRuntimes.getState().load()} />}
    </div>
  );
}

/** A model id on one line, or two at its "/" (the publisher, then the name): never split mid-word at a hyphen. */
function ModelId({ id }: { id: string }) {
  const slash = id.indexOf('/');
  if (slash < 0) return <div className="nowrap">{id}</div>;
  return (
    <div>
      <span className="nowrap">{id.slice(0, slash + 1)}</span>
      <wbr />
      <span className="nowrap">{id.slice(slash + 1)}</span>
    </div>
  );
}
