import { useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { call, errorText } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { ReasonDialog } from '../../components/ReasonDialog';
import { useIncidents } from '../../stores/incidents-store';
import { useUi } from '../../stores/ui-store';

type Plan = Response<'incidents.drainPlan'>;
type PlanNode = Plan['drainable'][number];

/** Nodes listed in the dialog before "and N more". */
const LISTED = 12;

function NodeList({ nodes }: { nodes: readonly PlanNode[] }) {
  return (
    <ul className="net-list" data-testid="drain-nodes">
      {nodes.slice(0, LISTED).map((n) => (
        <li key={n.id}>
          <span className="mono">{n.hostname}</span> <span className="dim">at {n.siteName}</span>
        </li>
      ))}
      {nodes.length > LISTED && <li className="dim">and {nodes.length - LISTED} more</li>}
    </ul>
  );
}

/**
 * Drain what an open incident names (its nodes, and the nodes of the sites it names), or put back
 * what it drained: the dialog first reads what would move (incidents.drainPlan), lists it, and asks
 * why. Nothing moves until the operator confirms; the server decides again on confirm.
 */
export function DrainDialog({ incident, mode, onClose }: { incident: IncidentSummary; mode: 'drain' | 'restore'; onClose: () => void }) {
  const toast = useUi((s) => s.toast);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('incidents.drainPlan', { incidentId: incident.id }).then(setPlan, (e) => setError(errorText(e)));
  }, [incident.id]);

  if (error || !plan) {
    return (
      <Dialog title={`${incident.ref}: ${mode === 'drain' ? 'drain what it names' : 'put back what it drained'}`} onClose={onClose} footer={<button className="btn" onClick={onClose}>Close</button>}>
        {error ? <div className="err" role="alert">Could not read what it names: {error}</div> : <div className="dim">Reading what it names…</div>}
      </Dialog>
    );
  }
  const nodes = mode === 'drain' ? plan.drainable : plan.drained;
  const notes = [
    plan.notActive > 0 && mode === 'drain' ? `${plan.notActive} node(s) it names are not active (draining already, offline or not in service yet) and are left as they are.` : null,
    plan.corridors > 0 && mode === 'drain'
      ? plan.corridors === 1
        ? 'The corridor it names is not drained whole from an incident: add its sites, or run a failover drill.'
        : `The ${plan.corridors} corridors it names are not drained whole from an incident: add their sites, or run a failover drill.`
      : null,
  ].filter((x): x is string => !!x);
  const blocked =
    nodes.length === 0
      ? mode === 'drain'
        ? 'It names no active node to drain: add the sites or nodes to drain (Affected → Add…).'
        : 'No node it drained is still draining because of it: nothing to put back.'
      : mode === 'drain' && plan.tooMany
        ? `It names more than ${plan.limit} active nodes, more than one drain takes: name the sites or nodes that matter, or run a failover drill.`
        : null;
  if (blocked) {
    return (
      <Dialog title={`${incident.ref}: ${mode === 'drain' ? 'drain what it names' : 'put back what it drained'}`} onClose={onClose} footer={<button className="btn" onClick={onClose}>Close</button>}>
        <p data-testid="drain-blocked">{blocked}</p>
        {notes.map((n) => (
          <p key={n} className="dim small">
            {n}
          </p>
        ))}
      </Dialog>
    );
  }
  const count = `${nodes.length} node${nodes.length === 1 ? '' : 's'}`;
  return (
    <ReasonDialog
      title={mode === 'drain' ? `${incident.ref}: drain ${count}` : `${incident.ref}: put ${count} back into service`}
      confirmLabel={mode === 'drain' ? `Drain ${count}` : `Put ${count} back`}
      danger={mode === 'drain'}
      placeholder={mode === 'drain' ? 'e.g. GPU errors at FRA-01; move its traffic while we investigate' : 'e.g. the firmware fix is in; the nodes pass their checks again'}
      onClose={onClose}
      onSubmit={async (reason) => {
        if (mode === 'drain') {
          const r = await call('incidents.drain', { incidentId: incident.id, reason });
          toast('ok', `Drained ${r.drained.length === 1 ? '1 node' : `${r.drained.length} nodes`} for ${incident.ref}: routing sends ${r.drained.length === 1 ? 'it' : 'them'} no new work. Put back… on the incident returns ${r.drained.length === 1 ? 'it' : 'them'}.`);
        } else {
          const r = await call('incidents.restore', { incidentId: incident.id, reason });
          const left = r.left === 0 ? '' : r.left === 1 ? '; 1 node it drained was moved since (under Nodes or by a drill) and is left as it is' : `; ${r.left} nodes it drained were moved since (under Nodes or by a drill) and are left as they are`;
          toast('ok', `${r.restored.length === 1 ? '1 node is' : `${r.restored.length} nodes are`} back in service for ${incident.ref}${left}.`);
        }
        void useIncidents.getState().refresh();
      }}
    >
      <p>
        {mode === 'drain'
          ? 'These active nodes go to draining: routing sends them no new work, and they finish what they hold. Each change is audited with this incident.'
          : 'These nodes this incident drained go back to active: routing sends them work again. A node someone moved since is left as they set it.'}
      </p>
      <NodeList nodes={nodes} />
      {notes.map((n) => (
        <p key={n} className="dim small">
          {n}
        </p>
      ))}
    </ReasonDialog>
  );
}
