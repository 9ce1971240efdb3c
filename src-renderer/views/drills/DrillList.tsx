import { useState } from 'react';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useDrills } from '../../stores/drills-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';
import { CreateDrillDialog } from './CreateDrillDialog';
import { canRunDrills, SCOPE_LABELS, STATE_LABELS } from './labels';
import { OutcomePill } from './parts';

export function DrillList() {
  const { list, error } = useDrills();
  const info = useSystem((s) => s.info);
  const navigate = useUi((s) => s.navigate);
  const run = canRunDrills(info);
  const [creating, setCreating] = useState(false);
  useViewKeys({ n: run.ok ? () => setCreating(true) : null, r: () => void useDrills.getState().loadList() });

  const newButton = (
    <button className="btn primary" onClick={() => setCreating(true)} disabled={!run.ok} title={run.why ?? 'New drill (n)'} data-testid="new-drill">
      Plan a drill
    </button>
  );
  return (
    <div className="view">
      <div className="view-head">
        <h1>Failover drills</h1>
        <span className="sub">{list ? `${list.length} drill(s)` : ''}</span>
        <span className="actions">{newButton}</span>
      </div>
      {error && !list ? (
        <ErrorState title="Could not load drills" message={error} />
      ) : !list ? (
        <div className="dim">Loading…</div>
      ) : list.length === 0 ? (
        <EmptyState title="No failover drill yet" action={run.ok ? newButton : undefined}>
          Plan one: say what should hold (e.g. “EU traffic stays in the EU when FRA-01 is drained”), pick the corridor, site or runtime group, the SLA
          policy to measure against and the alert rules that stop it. {run.ok ? '' : run.why}
        </EmptyState>
      ) : (
        <section className="panel" data-testid="drills">
          <table className="grid">
            <thead>
              <tr>
                <th>Hypothesis</th>
                <th>Scope</th>
                <th>State</th>
                <th>Outcome</th>
                <th>Incident</th>
                <th>Planned</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.id} onClick={() => navigate('drills', d.id)} data-testid={`drill-${d.id}`}>
                  <td>
                    <a href={`#/drills/${d.id}`}>{d.hypothesis}</a>
                  </td>
                  <td>
                    {SCOPE_LABELS[d.scopeKind]}: {d.scopeName.replace(/^(Corridor|Site|Runtime group) /, '')}
                  </td>
                  <td data-state={d.state}>{STATE_LABELS[d.state]}</td>
                  <td>
                    <OutcomePill outcome={d.outcome} />
                  </td>
                  <td>{d.incidentRef ?? '—'}</td>
                  <td>
                    <Time iso={d.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {creating && <CreateDrillDialog onClose={() => setCreating(false)} onDone={(id) => navigate('drills', id)} />}
    </div>
  );
}
