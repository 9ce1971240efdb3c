import { useEffect, useState } from 'react';
import { TIER_LABELS } from '../../../src-shared/contract/sla';
import { EmptyState, ErrorState } from '../../components/States';
import { fmt } from '../../components/format';
import { useCustomers } from '../../stores/customers-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';
import { CustomerDialog } from './CustomerDialog';
import { OrgLimitStrip } from './OrgLimitStrip';
import { committedText, limitText } from './terms';

/** The customers of the org, one row each. Keys: n new customer, l org request limit, r reload, j/k move, Enter open. */
export function CustomerList() {
  const { list, error } = useCustomers();
  const info = useSystem((s) => s.info);
  const navigate = useUi((s) => s.navigate);
  const write = canSave(info);
  const [creating, setCreating] = useState(false);
  const [cursor, setCursor] = useState(0);
  const [orgLimitOpen, setOrgLimitOpen] = useState(false);
  const [reloads, setReloads] = useState(0);
  const rows = list?.customers ?? [];
  // "New customer" from the command palette (Ctrl+K) lands here.
  const pending = useUi((s) => s.pendingAction);
  useEffect(() => {
    if (!info || !useUi.getState().takeAction('new-customer')) return;
    if (write.ok) setCreating(true);
    else useUi.getState().toast('info', write.why ?? 'You cannot add a customer here.');
  }, [pending, info]);
  useViewKeys({
    n: write.ok ? () => setCreating(true) : null,
    l: info?.session?.role === 'admin' ? () => setOrgLimitOpen(true) : null,
    r: () => {
      setReloads((n) => n + 1);
      void useCustomers.getState().load();
    },
    j: rows.length ? () => setCursor((c) => Math.min(rows.length - 1, c + 1)) : null,
    k: rows.length ? () => setCursor((c) => Math.max(0, c - 1)) : null,
    Enter: rows[cursor] ? () => navigate('customers', rows[cursor]!.id) : null,
  });

  const newButton = (
    <button className="btn primary" onClick={() => setCreating(true)} disabled={!write.ok} title={write.why ?? 'New customer (n)'} data-testid="customers-new">
      New customer <kbd>n</kbd>
    </button>
  );
  return (
    <div className="view">
      <div className="view-head">
        <h1>Customers</h1>
        <span className="sub">{list ? `${rows.length} customer${rows.length === 1 ? '' : 's'} · requests and tokens since 00:00 UTC` : ''}</span>
        <span className="actions">{newButton}</span>
      </div>
      <OrgLimitStrip reloadKey={reloads} open={orgLimitOpen} setOpen={setOrgLimitOpen} />
      {error && !list ? (
        <ErrorState title="Could not load customers" message={error} />
      ) : !list ? (
        <div className="dim">Loading…</div>
      ) : rows.length === 0 ? (
        <div data-testid="customers-empty">
          <EmptyState title="No customer yet" action={write.ok ? newButton : undefined}>
            Add one with New customer (<kbd>n</kbd>): its tier and home corridor decide where its traffic may run; limits, committed capacity, allowed corridors and contacts can follow.
            Then issue its API key here or in Keys. {write.ok ? '' : write.why}
          </EmptyState>
        </div>
      ) : (
        <section className="panel">
          <table className="grid" data-testid="customers-list">
            <thead>
              <tr>
                <th>Customer</th>
                <th>Tier</th>
                <th>Home corridor</th>
                <th>Committed</th>
                <th>Limits (requests · tokens · concurrency)</th>
                <th className="num">Keys</th>
                <th className="num">Requests today</th>
                <th className="num">Tokens today</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c, i) => (
                <tr key={c.id} className="row" aria-selected={i === cursor} onClick={() => navigate('customers', c.id)} data-testid={`customer-row-${c.key}`}>
                  <td>
                    <a href={`#/customers/${c.id}`}>{c.name}</a> <span className="faint mono">{c.key}</span>
                  </td>
                  <td>{TIER_LABELS[c.tier]}</td>
                  <td>{c.homeCorridorName}</td>
                  <td>{committedText(c.committed)}</td>
                  <td className="dim">
                    {limitText.requestsPerMin(c.limits.requestsPerMin)} · {limitText.tokensPerMin(c.limits.tokensPerMin)} · {limitText.maxConcurrency(c.limits.maxConcurrency)}
                  </td>
                  <td className="num" title={`${c.keys.working} working of ${c.keys.total} issued`}>
                    {c.keys.working}
                    <span className="faint">/{c.keys.total}</span>
                  </td>
                  <td className="num">{fmt(c.requestsToday, '', 0)}</td>
                  <td className="num">{fmt(c.tokensToday, '', 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {creating && <CustomerDialog customer={null} onClose={() => setCreating(false)} onSaved={(id) => navigate('customers', id)} />}
    </div>
  );
}

/** The contract's rule for customers.save: admins and operators. */
export function canSave(info: Parameters<typeof canWrite>[0]): { ok: boolean; why: string | null } {
  const w = canWrite(info);
  if (!w.ok) return w;
  const role = info?.session?.role;
  return role === 'admin' || role === 'operator' ? w : { ok: false, why: 'Only admins and operators change customers.' };
}
