import { useState } from 'react';
import type { EscalationPolicyView } from '../../../src-shared/contract/incidents';
import { call } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { EmptyState } from '../../components/States';
import { Time } from '../../components/Time';
import { useIncidents } from '../../stores/incidents-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { cumulative } from './labels';
import { LoadError, SeverityBadge } from './parts';
import { OnCallPanel } from './OnCallPanel';
import { PolicyEditor } from './PolicyEditor';
import { IncidentsTabs } from './Tabs';
import { useViewKeys } from './useViewKeys';

/** The escalation policies: who is paged, in which order, while an open incident is not acknowledged. */
export function PoliciesPage() {
  const policies = useIncidents((s) => s.policies);
  const error = useIncidents((s) => s.policiesError);
  const info = useSystem((s) => s.info);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const admin = write.ok && info?.session?.role === 'admin';
  const [editing, setEditing] = useState<EscalationPolicyView | 'new' | null>(null);
  const [deleting, setDeleting] = useState<EscalationPolicyView | null>(null);

  useViewKeys({
    Escape: () => navigate('incidents'),
    r: () => void useIncidents.getState().loadPolicies(),
    n: admin ? () => setEditing('new') : null,
  });

  return (
    <div className="view inc-view" data-testid="policies">
      <div className="view-head">
        <h1>Incidents</h1>
        <IncidentsTabs current="policies" />
        <div className="actions">
          <button className="btn" onClick={() => void useIncidents.getState().loadPolicies()} title="Reload (r)">
            Reload
          </button>
          {admin && (
            <button className="btn primary" onClick={() => setEditing('new')} title="A new escalation policy (n)" data-testid="new-policy">
              New policy <kbd>n</kbd>
            </button>
          )}
        </div>
      </div>
      <p className="dim">
        While an open incident is not acknowledged, its policy notifies each step in turn: the waits add up from the moment the incident opened (or was reopened, or its
        acknowledgement ran out). A new incident gets the first policy, by name, that lists its severity.
      </p>
      {!admin && (
        <p className="inc-warn" data-testid="policies-readonly">
          Only admins change who gets paged. {write.ok ? 'Ask an admin to change a policy.' : write.why}
        </p>
      )}
      {error && !policies && (
        <LoadError title="Could not load the escalation policies" message={error} retry={() => void useIncidents.getState().loadPolicies()} />
      )}
      {!policies && !error && <div className="dim">Loading…</div>}
      {policies?.length === 0 && (
        <EmptyState title="No escalation policy">{admin ? 'Nobody is paged for unacknowledged incidents. Press n to add a policy.' : 'Nobody is paged for unacknowledged incidents.'}</EmptyState>
      )}
      {policies && policies.length > 0 && (
        <div className="panel">
          <table className="grid" aria-label="Escalation policies">
            <thead>
              <tr>
                <th>Name</th>
                <th>For new incidents of</th>
                <th>Steps</th>
                <th>Repeat</th>
                <th>Acknowledgement holds</th>
                <th>Changed</th>
                {admin && <th />}
              </tr>
            </thead>
            <tbody>
              {policies.map((p) => (
                <tr key={p.id} data-testid={`policy-${p.name}`}>
                  <td>{p.name}</td>
                  <td>{p.severities.length === 0 ? <span className="faint">none (chosen by hand)</span> : <span className="sev-list">{p.severities.map((s) => <SeverityBadge key={s} severity={s} />)}</span>}</td>
                  <td>
                    <ol className="policy-steps">
                      {cumulative(p.steps).map((s, i) => (
                        <li key={i} data-testid="policy-step">
                          at <strong>{s.at} min</strong>: {s.targetLabel}
                        </li>
                      ))}
                    </ol>
                  </td>
                  <td>{p.repeat === 0 ? 'once' : `${p.repeat} more time${p.repeat === 1 ? '' : 's'}`}</td>
                  <td>{p.ackTimeoutMinutes === null ? 'until resolved' : `${p.ackTimeoutMinutes} min`}</td>
                  <td className="dim">
                    <Time iso={p.updatedAt} />
                  </td>
                  {admin && (
                    <td>
                      <div className="row-actions">
                        <button className="btn small" onClick={() => setEditing(p)} data-testid="edit-policy">
                          Edit
                        </button>
                        <button className="btn small danger" onClick={() => setDeleting(p)}>
                          Delete
                        </button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <OnCallPanel />
      {editing && (
        <PolicyEditor
          policy={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onDone={(saved) => {
            setEditing(null);
            toast('ok', `Policy “${saved.name}” saved.`);
            void useIncidents.getState().loadPolicies();
          }}
        />
      )}
      {deleting && (
        <ReasonDialog
          title={`Delete the policy “${deleting.name}”`}
          confirmLabel="Delete policy"
          danger
          onClose={() => setDeleting(null)}
          onSubmit={async (reason) => {
            await call('escalation.delete', { id: deleting.id, reason });
            toast('ok', `Policy “${deleting.name}” deleted.`);
            void useIncidents.getState().reloadAll();
          }}
        >
          <p>Incidents that use it stop escalating: nobody is paged for them until someone chooses another policy.</p>
        </ReasonDialog>
      )}
    </div>
  );
}
