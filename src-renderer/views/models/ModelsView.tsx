import { useEffect, useState } from 'react';
import { catalogAsOpenAi } from '../../../src-shared/domain/catalog';
import { TIER_LABELS } from '../../../src-shared/contract/sla';
import { NoOrg } from '../../components/NoOrg';
import { useViewKeys } from '../incidents/useViewKeys';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { startModelsLive, useModels } from '../../stores/models-store';
import { canWrite, useSystem } from '../../stores/system-store';
import type { CatalogEntry } from '../../../src-shared/contract/models';
import { DescribeModelDialog } from './DescribeModelDialog';
import { useUi } from '../../stores/ui-store';

/** /models: one catalog across runtimes, computed from their last probes. Keys: j toggles the OpenAI JSON, r reloads. */
export function ModelsView() {
  const { models, error } = useModels();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const [json, setJson] = useState(false);
  const [describing, setDescribing] = useState<CatalogEntry | null>(null);
  const write = canWrite(info);
  const session = info?.session;

  useEffect(() => startModelsLive(), []);
  useEffect(() => {
    if (session) void useModels.getState().load();
  }, [session?.orgId, epoch]);
  useViewKeys({
    r: () => void useModels.getState().load(),
    j: () => setJson((v) => !v),
  });

  if (!session) return <NoOrg title="Models" what="The catalog and its models" />;
  if (error && !models) return <div className="view"><ErrorState title="Could not load the model catalog" message={error} /></div>;
  if (!models) return <div className="view dim">Loading…</div>;

  return (
    <div className="view">
      <div className="view-head">
        <h1>Models</h1>
        <span className="sub">
          {models.length} model{models.length === 1 ? '' : 's'} · {models.filter((m) => m.availability !== 'unavailable').length} available
        </span>
        <div className="actions">
          <button className="btn" data-testid="toggle-json" onClick={() => setJson((v) => !v)} title="Show the catalog as /api/v1/models answers it (j)">
            {json ? 'Table' : 'OpenAI JSON'} <kbd>j</kbd>
          </button>
        </div>
      </div>
      {models.length === 0 ? (
        <EmptyState title="No model in the catalog yet" action={<button className="btn primary" onClick={() => navigate('runtimes')}>Connect a runtime</button>}>
          The catalog lists what connected runtimes serve. Connect a runtime in the Runtimes view and its models appear here.
        </EmptyState>
      ) : json ? (
        <pre className="panel body mono" data-testid="models-json">
          {JSON.stringify(catalogAsOpenAi(models), null, 2)}
        </pre>
      ) : (
        <table className="grid" data-testid="models">
          <thead>
            <tr>
              <th>Model</th>
              <th>Family</th>
              <th>Size</th>
              <th>Quantization</th>
              <th className="num">Context</th>
              <th>Tiers</th>
              <th>Regulated</th>
              <th className="num">Runtimes</th>
              <th>Corridors</th>
              <th>Availability</th>
              <th>Last seen</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id} data-testid={`model-${m.id}`}>
                <td>
                  <div className="mono">{m.id}</div>
                  {m.displayName && <div className="faint">{m.displayName}</div>}
                </td>
                <td>{m.family ?? '—'}</td>
                <td>{m.parameterSize ?? '—'}</td>
                <td>{m.quantizations.join(', ') || '—'}</td>
                <td className="num">{m.contextLength?.toLocaleString() ?? '—'}</td>
                <td>{m.allowedTiers.map((t) => TIER_LABELS[t]).join(', ')}</td>
                <td>{!m.described ? <span className="faint">Open (not described)</span> : m.regulatedOk ? 'Suitable' : 'Not suitable'}</td>
                <td className="num">
                  {m.healthyRuntimes}/{m.runtimes}
                </td>
                <td>{m.corridors.join(', ') || '—'}</td>
                <td data-availability={m.availability}>{m.availability}</td>
                <td className="dim">{m.lastSeenAt ? <Time iso={m.lastSeenAt} /> : 'never'}</td>
                <td>
                  <button className="btn small" disabled={!write.ok} title={write.why ?? 'Display name, tiers, regulated suitability'} onClick={() => setDescribing(m)}>
                    Describe
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {describing && <DescribeModelDialog model={describing} onClose={() => setDescribing(null)} />}
      <p className="faint">Availability is computed from the runtimes’ last probes: available = every runtime serving it is healthy on an active node; degraded = some are.</p>
    </div>
  );
}
