import { useCallback, useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { TIER_LABELS } from '../../../src-shared/contract/sla';
import { call, errorText } from '../../bridge/client';
import { EmptyState } from '../../components/States';
import { Id } from '../../components/Id';
import { Time } from '../../components/Time';
import { fmt, pct } from '../../components/format';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { LoadError } from '../incidents/parts';
import { useViewKeys } from '../incidents/useViewKeys';
import { CustomerKeys } from '../keys/CustomerKeys';
import { canSave } from './CustomerList';
import { CustomerDialog } from './CustomerDialog';
import { limitText } from './terms';

type Detail = Response<'customers.get'>;

/** One customer: terms and limits, allowed corridors, contacts, its API keys, usage, recent routing decisions. Keys: e edit, r reload, Esc back. */
export function CustomerPage({ customerId }: { customerId: string }) {
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const write = canSave(info);
  const [data, setData] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [keysEpoch, setKeysEpoch] = useState(0);

  const load = useCallback(() => {
    call('customers.get', { id: customerId }).then(
      (d) => (setData(d), setError(null)),
      (err) => setError(errorText(err)),
    );
  }, [customerId]);
  useEffect(load, [load, epoch]);
  useViewKeys({
    e: write.ok && data ? () => setEditing(true) : null,
    r: () => (load(), setKeysEpoch((n) => n + 1)),
    Escape: () => navigate('customers'),
  });

  const back = (
    <a href="#/customers" className="btn small">
      ← Customers
    </a>
  );
  if (error && !data) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Customer</h1>
          <span className="actions">{back}</span>
        </div>
        <LoadError title="Could not load this customer" message={error} retry={load} />
      </div>
    );
  }
  if (!data) return <div className="view dim">Loading…</div>;
  const c = data.customer;
  const u = data.usage;
  return (
    <div className="view" data-testid="customer-page">
      <div className="view-head">
        <h1>{c.name}</h1>
        <span className="sub">
          <span className="mono">{c.key}</span> · {TIER_LABELS[c.tier]} · home {c.homeCorridorName}
        </span>
        <span className="actions">
          {back}
          <button className="btn primary" disabled={!write.ok} title={write.why ?? 'Change terms, limits, corridors and contacts (e)'} onClick={() => setEditing(true)} data-testid="customer-edit">
            Edit <kbd>e</kbd>
          </button>
        </span>
      </div>
      <div className="stack">
        <div className="cards">
          <section className="panel" data-testid="customer-terms">
            <header>Terms and limits</header>
            <dl className="kv body">
              <dt>SLA policy</dt>
              <dd>{c.effectivePolicyName ? `${c.effectivePolicyName}${c.slaPolicyId ? ' (own)' : ' (tier default)'}` : <span className="err">None: not routed. Set the tier’s default in SLA.</span>}</dd>
              <dt>Reserved nodes</dt>
              <dd>{c.reservedNodeIds.length || 'none'}</dd>
              <dt>Requests</dt>
              <dd data-testid="limit-requests">{limitText.requestsPerMin(c.limits.requestsPerMin)}</dd>
              <dt>Tokens</dt>
              <dd data-testid="limit-tokens">{limitText.tokensPerMin(c.limits.tokensPerMin)}</dd>
              <dt>Monthly quota</dt>
              <dd data-testid="limit-quota">{limitText.monthlyTokenQuota(c.limits.monthlyTokenQuota)}</dd>
              <dt>Concurrency</dt>
              <dd data-testid="limit-concurrency">{limitText.maxConcurrency(c.limits.maxConcurrency)}</dd>
              <dt>Committed</dt>
              <dd data-testid="committed">
                {fmt(c.committed.requestsPerMin, '', 0)} requests/min · {fmt(c.committed.tokensPerMin, '', 0)} tokens/min
              </dd>
            </dl>
          </section>
          <section className="panel" data-testid="customer-corridors">
            <header>Allowed corridors</header>
            <div className="body">
              {c.allowedCorridors.length === 0 ? (
                <span className="dim">Every corridor residency and the SLA’s failover rule allow (none narrowed).</span>
              ) : (
                <>
                  {c.allowedCorridors.map((x) => x.name).join(', ')}
                  <div className="faint">Routing never serves this customer outside these, even when the failover rule would.</div>
                </>
              )}
            </div>
          </section>
          <section className="panel customer-usage" data-testid="customer-usage">
            <header>
              Usage {u.simulated && <span className="pill warn">includes simulated traffic</span>}
            </header>
            <table className="grid">
              <thead>
                <tr>
                  <th />
                  <th className="num">Requests</th>
                  <th className="num">Refused</th>
                  <th className="num">Prompt tokens</th>
                  <th className="num">Completion tokens</th>
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ['Today', u.today, 'usage-today'],
                    ['This month', u.month, 'usage-month'],
                  ] as const
                ).map(([label, t, id]) => (
                  <tr key={id} data-testid={id}>
                    <td>{label}</td>
                    <td className="num">{fmt(t.requests, '', 0)}</td>
                    <td className="num">{fmt(t.refused, '', 0)}</td>
                    <td className="num">{fmt(t.promptTokens, '', 0)}</td>
                    <td className="num">{fmt(t.completionTokens, '', 0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <dl className="kv body">
              <dt>Busiest minute today vs committed</dt>
              <dd data-testid="committed-vs-used">
                {fmt(u.peakRequestsPerMinToday, '', 0)} / {fmt(c.committed.requestsPerMin, '', 0)} requests · {fmt(u.peakTokensPerMinToday, '', 0)} / {fmt(c.committed.tokensPerMin, '', 0)} tokens
              </dd>
              <dt>Monthly quota used</dt>
              <dd>
                {u.quotaUsed === null ? (
                  'no quota'
                ) : (
                  <span className={`bar ${u.quotaUsed > 1 ? 'over' : ''}`} title={pct(u.quotaUsed)}>
                    <span style={{ width: `${Math.min(100, u.quotaUsed * 100)}%` }} />
                  </span>
                )}{' '}
                {u.quotaUsed !== null && pct(u.quotaUsed)}
              </dd>
            </dl>
            <div className="body faint">
              Today since <Time iso={u.dayStart} mode="local" />, this month since <Time iso={u.monthStart} mode="local" /> (UTC days). Totals and reconciliation: the Usage view.
            </div>
          </section>
          <section className="panel" data-testid="customer-contacts">
            <header>Contacts</header>
            {c.contacts.length === 0 ? (
              <div className="body dim">No contact yet: Edit adds who to call for incidents, billing and security.</div>
            ) : (
              <table className="grid">
                <tbody>
                  {c.contacts.map((x) => (
                    <tr key={x.email}>
                      <td>{x.name}</td>
                      <td className="dim">{x.role}</td>
                      <td>
                        <a href={`mailto:${x.email}`}>{x.email}</a>
                      </td>
                      <td className="mono">{x.phone ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
        <CustomerKeys staleDays={30} epoch={keysEpoch + epoch} changed={data} customerId={c.id} />
        <section className="panel" data-testid="customer-decisions">
          <header>
            Recent routing decisions <span className="faint">(newest 20)</span>
          </header>
          {data.decisions.length === 0 ? (
            <div className="body">
              <EmptyState title="No routing decision yet">
                Decisions appear when the gateway routes this customer’s traffic or a simulation is run for it in{' '}
                <a href="#/routing" onClick={(e) => (e.preventDefault(), navigate('routing'))}>
                  Routing
                </a>
                .
              </EmptyState>
            </div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Source</th>
                  <th>Model</th>
                  <th>Origin</th>
                  <th>Node</th>
                  <th>Fallback</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {data.decisions.map((d) => (
                  <tr key={d.id} className="row" onClick={() => navigate('routing', d.id)} data-testid={`customer-decision-${d.id}`}>
                    <td>
                      <a href={`#/routing/${d.id}`}>
                        <Time iso={d.decidedAt} />
                      </a>
                    </td>
                    <td>{d.source}</td>
                    <td className="mono">
                      <Id value={d.model} />
                    </td>
                    <td>{d.originCountry}</td>
                    <td>{d.selectedHostname ? <Id value={d.selectedHostname} /> : <span className="faint">none</span>}</td>
                    <td>{d.fallbackHostname ? <Id value={d.fallbackHostname} /> : '—'}</td>
                    <td className="dim">{d.explanation ?? d.policyReason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      {editing && <CustomerDialog customer={c} onClose={() => setEditing(false)} onSaved={() => load()} />}
    </div>
  );
}
