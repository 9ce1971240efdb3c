import type { IncidentDetail } from '../../../src-shared/contract/incidents';
import { isOpen } from '../../../src-shared/domain/incident-lifecycle';
import { call } from '../../bridge/client';
import { Time } from '../../components/Time';
import { useIncidents } from '../../stores/incidents-store';
import { useUi } from '../../stores/ui-store';
import { useSubmit } from './parts';
import { POLICIES } from './Tabs';

/** Why a chain is not running, in words. */
function stoppedBecause(d: IncidentDetail): string {
  if (!d.escalation.policy) return 'no policy is set';
  if (!isOpen(d.incident.state)) return `the incident is ${d.incident.state}`;
  if (d.incident.acknowledged) return `${d.incident.acknowledged.by.name} acknowledged it`;
  return 'nothing is left to notify';
}

/** Who is told, and when, while nobody owns the incident; and who was told already. */
export function EscalationPanel({ detail, write }: { detail: IncidentDetail; write: boolean }) {
  const policies = useIncidents((s) => s.policies);
  const toast = useUi((s) => s.toast);
  const { problem, busy, run } = useSubmit();
  const error = problem ? (problem.fields.policyId ?? problem.message) : null;
  const e = detail.escalation;

  const choose = (policyId: string | null) =>
    void run(
      async () => {
        await call('incidents.setPolicy', { incidentId: detail.incident.id, policyId });
        toast('ok', policyId ? 'Escalation policy changed.' : 'Escalation stopped: no policy.');
      },
      () => void useIncidents.getState().loadDetail(),
    );

  return (
    <section className="panel" data-testid="escalation">
      <header>
        Escalation
        <span className={`pill ${e.running ? 'warn' : ''}`} data-testid="escalation-state" data-running={e.running}>
          {e.running ? 'running' : 'stopped'}
        </span>
      </header>
      <div className="body">
        <dl className="kv">
          <dt>Policy</dt>
          <dd>
            {write ? (
              <select
                value={e.policy?.id ?? ''}
                aria-busy={busy}
                aria-label="Escalation policy"
                onChange={(ev) => choose(ev.target.value || null)}
                data-testid="escalation-policy"
              >
                <option value="">None: nobody is paged</option>
                {e.policy && !policies?.some((p) => p.id === e.policy?.id) && <option value={e.policy.id}>{e.policy.name}</option>}
                {policies?.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            ) : (
              (e.policy?.name ?? <span className="faint">none</span>)
            )}{' '}
            <a href={`#/incidents/${POLICIES}`} className="small">
              policies
            </a>
            {error && <div className="err">{error}</div>}
          </dd>
          <dt>Next</dt>
          <dd data-testid="escalation-next">
            {e.next ? (
              <>
                notify {e.next.target} <Time iso={e.next.dueAt} />{' '}
                <span className="faint">
                  (step {e.next.step + 1}
                  {e.next.round > 0 ? `, round ${e.next.round + 1}` : ''})
                </span>
              </>
            ) : (
              <span className="faint">nothing: {e.running ? 'every step has been notified' : stoppedBecause(detail)}</span>
            )}
          </dd>
          {e.ackExpiresAt && (
            <>
              <dt>Ack holds until</dt>
              <dd>
                <Time iso={e.ackExpiresAt} mode="local" /> <span className="faint">(then escalation starts again if still open)</span>
              </dd>
            </>
          )}
          <dt>Escalated</dt>
          <dd>
            {e.notified.length === 0 ? (
              <span className="faint">nobody yet</span>
            ) : (
              <ul className="timeline" data-testid="escalation-notified">
                {[...e.notified].reverse().map((n) => (
                  <li key={`${n.arm}-${n.round}-${n.step}`}>
                    {n.target}{' '}
                    <span className="faint">
                      · step {n.step + 1}
                      {n.round > 0 ? `, round ${n.round + 1}` : ''}
                      {n.arm > 1 ? ` (re-armed ×${n.arm - 1})` : ''} · <Time iso={n.at} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
      </div>
    </section>
  );
}
