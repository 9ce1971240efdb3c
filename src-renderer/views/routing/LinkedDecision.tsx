import { useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { REJECT_LABELS, type RejectReason } from '../../../src-shared/domain/routing/types';
import { call, errorText } from '../../bridge/client';
import { Id } from '../../components/Id';
import { Time } from '../../components/Time';
import { useUi } from '../../stores/ui-store';

type Decision = Response<'routing.decisions'>['decisions'][number];

const label = (reason: string) => (reason in REJECT_LABELS ? REJECT_LABELS[reason as RejectReason] : reason);

/** "#/routing/<decision id>": the one decision a link named (from a customer's page), with what each rule removed. */
export function LinkedDecision({ decisionId }: { decisionId: string }) {
  const navigate = useUi((s) => s.navigate);
  const [d, setD] = useState<Decision | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('routing.decisions', { limit: 1, decisionId }).then(
      (r) => setD(r.decisions[0] ?? null),
      (err) => setError(errorText(err)),
    );
  }, [decisionId]);

  return (
    <section className="panel" data-testid="linked-decision">
      <header>
        Decision <span className="mono">{decisionId.slice(0, 8)}</span>
        <span className="actions">
          <button className="btn small" onClick={() => navigate('routing')}>
            Close
          </button>
        </span>
      </header>
      <div className="body">
        {error ? (
          <span className="err">Could not load the decision: {error}</span>
        ) : d === undefined ? (
          <span className="dim">Loading the decision…</span>
        ) : d === null ? (
          <span className="err">No such decision in this org: it may be past retention (decisions are kept as long as telemetry).</span>
        ) : (
          <dl className="kv">
            <dt>When</dt>
            <dd>
              <Time iso={d.decidedAt} mode="local" /> ({d.source})
            </dd>
            <dt>Customer</dt>
            <dd>{d.customerName ?? '—'}</dd>
            <dt>Request</dt>
            <dd>
              <span className="mono">
                <Id value={d.model} testId="linked-decision-model" />
              </span>{' '}
              from {d.originCountry}, {d.workloadClass}
            </dd>
            <dt>Served</dt>
            <dd data-testid="linked-decision-node">{d.selectedHostname ? `${d.selectedHostname} (${d.corridorName ?? d.region ?? '—'}), fallback ${d.fallbackHostname ?? 'none'}` : 'no node'}</dd>
            <dt>Why</dt>
            <dd>{d.explanation ?? d.policyReason}</dd>
            <dt>Refused</dt>
            <dd data-testid="linked-decision-rejected">
              {Object.keys(d.rejected).length === 0
                ? 'none'
                : Object.entries(d.rejected)
                    .map(([r, n]) => `${n} ${label(r)}`)
                    .join(' · ')}{' '}
              <span className="faint">
                ({d.eligible} of {d.considered} eligible)
              </span>
            </dd>
            <dt>Inputs digest</dt>
            <dd className="mono">{d.inputsDigest.slice(0, 16)}…</dd>
          </dl>
        )}
      </div>
    </section>
  );
}
