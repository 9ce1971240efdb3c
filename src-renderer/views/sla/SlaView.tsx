import { useEffect, useState } from 'react';
import { FAILOVER_LABELS, TIER_LABELS } from '../../../src-shared/contract/sla';
import type { Tier } from '../../../src-shared/domain/routing/types';
import { call, errorText } from '../../bridge/client';
import { NoOrg } from '../../components/NoOrg';
import { useViewKeys } from '../incidents/useViewKeys';
import { Field, FormDialog, FormMessage, fieldError, useSubmit } from '../incidents/parts';
import type { SlaPolicy } from '../../../src-shared/contract/sla';
import { SlaPolicyDialog } from './SlaPolicyDialog';
import { HomeCorridorField, TierField } from '../customers/TermsFields';
import { EmptyState, ErrorState } from '../../components/States';
import { selectCorridors, useGrid } from '../../stores/grid-store';
import { useSla } from '../../stores/sla-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';

const TIER_RULES: Record<Tier, string> = {
  pilot: 'Home corridor; the policy’s failover rule applies.',
  enterprise: 'Home corridor; the policy’s failover rule applies.',
  sovereign: 'Never leaves its home corridor; only nodes reserved for it.',
};

/** /sla: SLA policies, each tier's default, and customers. Keys: n new customer, r reload. */
export function SlaView() {
  const { data, error } = useSla();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const admin = info?.session?.role === 'admin';
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<SlaPolicy | 'new' | null>(null);
  const session = info?.session;

  useEffect(() => {
    if (!session) return;
    void useSla.getState().load();
    void useGrid.getState().load();
  }, [session?.orgId, epoch]);
  useViewKeys({
    r: () => void useSla.getState().load(),
    n: write.ok ? () => setAdding(true) : null,
  });

  async function installDefaults() {
    try {
      const r = await call('sla.installDefaults', {});
      toast('ok', r.installed ? 'Default SLA policies installed.' : 'The defaults were installed already.');
      await useSla.getState().load();
    } catch (err) {
      toast('error', errorText(err));
    }
  }

  async function setTier(tier: Tier, slaPolicyId: string) {
    try {
      await call('sla.setTierPolicy', { tier, slaPolicyId });
      await useSla.getState().load();
    } catch (err) {
      toast('error', errorText(err));
    }
  }

  if (!session) return <NoOrg title="SLA" what="SLA policies and customers" />;
  if (error && !data) return <div className="view"><ErrorState title="Could not load SLA policies" message={error} /></div>;
  if (!data) return <div className="view dim">Loading…</div>;
  const policyName = (id: string | null) => data.policies.find((p) => p.id === id)?.name ?? '—';

  return (
    <div className="view">
      <div className="view-head">
        <h1>SLA</h1>
        <span className="sub">
          {data.policies.length} polic{data.policies.length === 1 ? 'y' : 'ies'} · {data.customers.length} customer{data.customers.length === 1 ? '' : 's'}
        </span>
        <div className="actions">
          <button className="btn primary" data-testid="new-customer" disabled={!write.ok || data.policies.length === 0} title={write.why ?? 'New customer (n)'} onClick={() => setAdding(true)}>
            New customer <kbd>n</kbd>
          </button>
        </div>
      </div>
      <div className="stack">
        <section className="panel" data-testid="sla-policies">
          <header>
            Policies{' '}
            {data.policies.length > 0 && (
              <button className="btn small" data-testid="new-sla-policy" disabled={!admin} title={admin ? 'New SLA policy' : 'Only admins set SLA policies.'} onClick={() => setEditing('new')}>
                New policy
              </button>
            )}
          </header>
          {data.policies.length === 0 ? (
            <div className="body">
              <EmptyState
                title="No SLA policy yet"
                action={
                  <button className="btn primary" data-testid="install-defaults" disabled={!admin} title={admin ? undefined : 'Only admins set SLA policies.'} onClick={() => void installDefaults()}>
                    Install default policies
                  </button>
                }
              >
                Routing refuses customers without an SLA policy. Install the defaults (pilot, enterprise, sovereign), then adjust them.
              </EmptyState>
            </div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Policy</th>
                  <th className="num">Uptime</th>
                  <th className="num">p95 target</th>
                  <th className="num">Escalation window</th>
                  <th>Failover</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.policies.map((p) => (
                  <tr key={p.id} data-testid={`policy-${p.key}`}>
                    <td>
                      {p.name} <span className="faint mono">{p.key}</span>
                    </td>
                    <td className="num">{p.uptimeTargetPct} %</td>
                    <td className="num">{p.p95TargetMs} ms</td>
                    <td className="num">{p.escalationWindowMin} min</td>
                    <td>
                      {FAILOVER_LABELS[p.failoverRule]}
                      {p.fallbackCorridorName && ` → ${p.fallbackCorridorName}`}
                    </td>
                    <td>
                      <button className="btn small" disabled={!admin} title={admin ? 'Change this policy' : 'Only admins set SLA policies.'} onClick={() => setEditing(p)}>
                        Edit
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="panel" data-testid="sla-tiers">
          <header>Tiers</header>
          <table className="grid">
            <thead>
              <tr>
                <th>Tier</th>
                <th>Default policy</th>
                <th>Residency rule (enforced by the routing engine)</th>
              </tr>
            </thead>
            <tbody>
              {data.tiers.map((t) => (
                <tr key={t.tier}>
                  <td>{TIER_LABELS[t.tier]}</td>
                  <td>
                    <select aria-label={`${TIER_LABELS[t.tier]} default policy`} value={t.slaPolicyId ?? ''} disabled={!admin || data.policies.length === 0} onChange={(e) => void setTier(t.tier, e.target.value)}>
                      {!t.slaPolicyId && <option value="">None: customers of this tier are not routed</option>}
                      {data.policies.map((p) => (
                        <option key={p.id} value={p.id}>
                          {p.name}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className="dim">{TIER_RULES[t.tier]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="panel" data-testid="customers">
          <header>
            Customers <span className="faint">(limits, committed capacity, allowed corridors, contacts and keys: <a href="#/customers">Customers</a>)</span>
          </header>
          {data.customers.length === 0 ? (
            <div className="body dim">No customer yet. Add one to run routing simulations for it.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Customer</th>
                  <th>Tier</th>
                  <th>Home corridor</th>
                  <th>Policy in force</th>
                  <th className="num">Reserved nodes</th>
                </tr>
              </thead>
              <tbody>
                {data.customers.map((c) => (
                  <tr key={c.id} data-testid={`customer-${c.key}`}>
                    <td>
                      <a href={`#/customers/${c.id}`}>{c.name}</a> <span className="faint mono">{c.key}</span>
                    </td>
                    <td>{TIER_LABELS[c.tier]}</td>
                    <td>{c.homeCorridorName}</td>
                    <td>{c.effectivePolicyId ? `${policyName(c.effectivePolicyId)}${c.slaPolicyId ? ' (own)' : ' (tier default)'}` : <span className="err">None: not routed</span>}</td>
                    <td className="num">{c.reservedNodes}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      {adding && <CustomerDialog onClose={() => setAdding(false)} />}
      {editing && <SlaPolicyDialog policy={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </div>
  );
}

function CustomerDialog({ onClose }: { onClose: () => void }) {
  const corridors = useGrid(selectCorridors);
  const nodes = useGrid((s) => s.nodes);
  const toast = useUi((s) => s.toast);
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [tier, setTier] = useState<Tier>('enterprise');
  // The first corridor until one is picked (also when the grid loads after the dialog opened).
  const [pickedHome, setHome] = useState('');
  const home = pickedHome || (corridors[0]?.id ?? '');
  const [reserved, setReserved] = useState<string[]>([]);
  const { busy, problem, run } = useSubmit();
  const f = (k: string) => fieldError(problem?.fields ?? {}, k);
  const homeNodes = nodes.filter((n) => n.corridorId === home && n.lifecycle !== 'retired');

  const submit = () =>
    run(async () => {
      await call('sla.saveCustomer', { key, name, tier, homeCorridorId: home, reservedNodeIds: tier === 'sovereign' ? reserved : [] });
      toast('ok', `Customer ${name} saved.`);
      await useSla.getState().load();
      onClose();
    });

  return (
    <FormDialog title="New customer" onClose={onClose} onSubmit={() => void submit()} submitLabel={busy ? 'Saving…' : 'Add customer'} hint="adds the customer" busy={busy} testId="save-customer">
      <div className="fields-row">
        <Field label="Key" error={f('key')}>
          <input name="key" autoFocus value={key} placeholder="acme" onChange={(e) => setKey(e.target.value)} />
        </Field>
        <Field label="Name" error={f('name')}>
          <input name="name" value={name} placeholder="Acme Health" onChange={(e) => setName(e.target.value)} />
        </Field>
      </div>
      <TierField value={tier} onChange={setTier} />
      <HomeCorridorField value={home} onChange={setHome} corridors={corridors} error={f('homeCorridorId')} />
      {tier === 'sovereign' && (
        <Field label="Reserved nodes (a sovereign customer runs only on these)" error={f('reservedNodeIds')}>
          <select name="reserved" multiple size={6} value={reserved} onChange={(e) => setReserved([...e.target.selectedOptions].map((o) => o.value))}>
            {homeNodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.hostname}
              </option>
            ))}
          </select>
        </Field>
      )}
      <FormMessage problem={problem} shownFields={['key', 'name', 'homeCorridorId', 'reservedNodeIds']} />
    </FormDialog>
  );
}
