import { useCallback, useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import type { CustomerKey } from '../../../src-shared/contract/customer-keys';
import { call, errorText } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { ReasonDialog } from '../../components/ReasonDialog';
import { SecretDialog } from '../../components/SecretDialog';
import { Time } from '../../components/Time';
import { canWrite, useSystem } from '../../stores/system-store';
import { ExpiryField, GraceField } from '../nodes/KeyActions';
import { KeyEnd } from '../nodes/KeyEnd';
import { useUi } from '../../stores/ui-store';

type Data = Response<'customerKeys.list'>;
const STATUS: Record<CustomerKey['status'], string> = { active: 'active', grace: 'in grace', rotated_out: 'rotated out', revoked: 'revoked', expired: 'expired' };

/**
 * Customer API keys on the keys page (issue 13's customer API-key record): per customer, live and
 * test keys with their standing and last use, flagged when stale or presented after they stopped
 * working. Issue and rotate are an admin's; any writer can revoke (a leak must stop at once).
 */
/**
 * `changed` is the node keys' data: it is reloaded on keys.changed, which customer keys raise too.
 * With `customerId` (the customer's page) only that customer's keys are shown and issued.
 */
export function CustomerKeys({ staleDays, epoch, changed, customerId }: { staleDays: number; epoch: number; changed: unknown; customerId?: string }) {
  const info = useSystem((s) => s.info);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const admin = write.ok && info?.session?.role === 'admin';
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [issuing, setIssuing] = useState(false);
  const [rotating, setRotating] = useState<CustomerKey | null>(null);
  const [revoking, setRevoking] = useState<CustomerKey | null>(null);
  const [secret, setSecret] = useState<{ title: string; value: string; note: string } | null>(null);

  const load = useCallback(() => {
    call('customerKeys.list', { staleDays }).then(
      (d) => (setData(customerId ? onlyCustomer(d, customerId) : d), setError(null)),
      (err) => setError(errorText(err)),
    );
  }, [staleDays, customerId]);
  useEffect(load, [load, epoch, changed]);

  // "New customer API key" from the command palette (Ctrl+K) lands on the keys page: open the issue
  // dialog once the customers are known, or say why it cannot be.
  const pending = useUi((s) => s.pendingAction);
  useEffect(() => {
    if (customerId || !data || !useUi.getState().takeAction('issue-customer-key')) return;
    if (!admin) toast('info', write.ok ? 'Only admins issue customer keys.' : (write.why ?? 'Only admins issue customer keys.'));
    else if (data.customers.length === 0) toast('info', 'No customer yet: add one in Customers (New customer) first, then issue its key.');
    else setIssuing(true);
  }, [pending, data, customerId]);

  const flagged = data ? data.keys.filter((k) => k.stale || (k.lastRefusedAt !== null && k.lastRefusedAt >= data.flags.since)) : [];
  return (
    <section className="panel" data-testid="customer-keys">
      <header>
        Customer API keys <span className="faint">({data?.keys.length ?? '…'})</span>
        <span className="actions">
        <button
          className="btn small"
          disabled={!admin || !data || data.customers.length === 0}
          title={!admin ? 'Only admins issue customer keys' : data?.customers.length === 0 ? 'Add a customer in Customers first' : 'Issue a ume_live_ or ume_test_ key'}
          onClick={() => setIssuing(true)}
          data-testid="customer-key-issue"
        >
          Issue customer key
        </button>
        </span>
      </header>
      {error && <div className="body err">Could not load customer keys: {error}</div>}
      {data && data.customers.length === 0 && (
        <div className="body dim" data-testid="customer-keys-empty">
          No customer yet. Add one in Customers or SLA (New customer), then issue its live key here: every customer request to the gateway needs one.
        </div>
      )}
      {data && data.customers.length > 0 && data.keys.length === 0 && (
        <div className="body dim" data-testid="customer-keys-empty">
          No customer API key issued yet. {admin ? 'Issue customer key gives one (shown once).' : 'An admin issues them.'}
        </div>
      )}
      {data && flagged.length > 0 && (
        <div className="body bad" data-testid="customer-keys-flags">
          {data.flags.stale} stale (working, unused for {staleDays} days) · {data.flags.refusedStillPresented} presented after they stopped working, since <Time iso={data.flags.since} mode="local" />
        </div>
      )}
      {data && data.keys.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>Customer</th>
              <th>Key</th>
              <th>Mode</th>
              <th>Label</th>
              <th>Status</th>
              <th>Last used</th>
              <th className="num">Uses</th>
              <th title="When the key stops working: its expiry, the end of its grace period, or when it was revoked and by whom">Ends</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.keys.map((k) => (
              <tr key={k.id} data-testid={`customer-key-${k.prefix}`} data-status={k.status}>
                <td>{k.customerName}</td>
                <td className="mono">{k.prefix}…</td>
                <td>{k.mode}</td>
                <td className="dim">{k.label}</td>
                <td>
                  {STATUS[k.status]}
                  {k.status === 'grace' && k.graceUntil && (
                    <span className="dim">
                      {' '}
                      until <Time iso={k.graceUntil} mode="local" />
                    </span>
                  )}
                  {k.stale && <span className="key-flag warn">stale</span>}
                  {k.lastRefusedAt && k.lastRefusedAt >= data.flags.since && (
                    <span className="key-flag bad" title={`Last presented: ${k.lastRefusedSource ?? 'source unknown'}`}>
                      presented {k.refusedCount}× after it stopped working
                    </span>
                  )}
                </td>
                <td className="dim">
                  {k.lastUsedAt ? (
                    <>
                      {/* The source already says where from ("gateway eu-1 from 10.0.0.5"), as on node keys. */}
                      <Time iso={k.lastUsedAt} />
                      {k.lastUsedSource ? ` · ${k.lastUsedSource}` : ''}
                    </>
                  ) : (
                    'never'
                  )}
                </td>
                <td className="num">{k.useCount}</td>
                <td className="dim">
                  <KeyEnd k={k} mode="relative" />
                </td>
                <td>
                  {k.status === 'active' && (
                    <button className="btn small" disabled={!admin} title={admin ? 'Replace with a new key; the old one works for the grace period' : 'Only admins rotate customer keys'} onClick={() => setRotating(k)}>
                      Rotate
                    </button>
                  )}
                  {(k.status === 'active' || k.status === 'grace') && (
                    <button className="btn small danger" disabled={!write.ok} title={write.why ?? 'Stop this key now'} onClick={() => setRevoking(k)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {secret && <SecretDialog title={secret.title} secret={secret.value} note={secret.note} onClose={() => setSecret(null)} />}
      {issuing && data && (
        <IssueCustomerKey
          customers={data.customers}
          onClose={() => setIssuing(false)}
          onDone={(r) => {
            setIssuing(false);
            setSecret({ title: `${r.key.mode === 'live' ? 'Live' : 'Test'} key for ${r.key.customerName}`, value: r.secret, note: `Give it to ${r.key.customerName} over a secure channel: it is shown only now. Mission Control keeps only its sha256.` });
            load();
          }}
        />
      )}
      {rotating && (
        <RotateCustomerKey
          k={rotating}
          onClose={() => setRotating(null)}
          onDone={(r) => {
            setRotating(null);
            setSecret({
              title: `New key for ${r.key.customerName}`,
              value: r.secret,
              note: r.previous.status === 'grace' && r.previous.graceUntil ? `The old key ${r.previous.prefix}… keeps working until ${new Date(r.previous.graceUntil).toLocaleString()}.` : `The old key ${r.previous.prefix}… stopped working now.`,
            });
            load();
          }}
        />
      )}
      {revoking && (
        <ReasonDialog
          title={`Revoke ${revoking.prefix}… (${revoking.customerName})`}
          confirmLabel="Revoke now"
          danger
          placeholder="e.g. found in a public repository"
          onClose={() => setRevoking(null)}
          onSubmit={async (reason) => {
            await call('customerKeys.revoke', { keyId: revoking.id, reason });
            toast('ok', `${revoking.prefix}… revoked: every request with it is refused from now on.`);
            load();
          }}
        >
          <p>Revoking is immediate: {revoking.customerName}’s requests with this key are refused until they use another.</p>
        </ReasonDialog>
      )}
    </section>
  );
}

/** One customer's keys, with the flags counted over them only. */
function onlyCustomer(d: Data, customerId: string): Data {
  const keys = d.keys.filter((k) => k.customerId === customerId);
  return {
    keys,
    customers: d.customers.filter((c) => c.id === customerId),
    flags: { ...d.flags, stale: keys.filter((k) => k.stale).length, refusedStillPresented: keys.filter((k) => k.lastRefusedAt !== null && k.lastRefusedAt >= d.flags.since).length },
  };
}

function Footer({ onClose, onSubmit, label, testId }: { onClose: () => void; onSubmit: () => void; label: string; testId: string }) {
  return (
    <>
      <button className="btn" onClick={onClose}>
        Cancel
      </button>
      <button className="btn primary" onClick={onSubmit} data-testid={testId}>
        {label}
      </button>
    </>
  );
}

function IssueCustomerKey({ customers, onClose, onDone }: { customers: Data['customers']; onClose: () => void; onDone: (r: Response<'customerKeys.issue'>) => void }) {
  const [customerId, setCustomerId] = useState(customers[0]?.id ?? '');
  const [mode, setMode] = useState<'live' | 'test'>('live');
  const [label, setLabel] = useState('');
  const [days, setDays] = useState('365');
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    try {
      onDone(await call('customerKeys.issue', { customerId, mode, label, expiresInDays: days === 'never' ? null : Number(days) }));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Dialog title="Issue a customer API key" onClose={onClose} footer={<Footer onClose={onClose} onSubmit={() => void submit()} label="Issue key" testId="customer-key-issue-submit" />}>
      <label className="field">
        <span>Customer</span>
        <select value={customerId} onChange={(e) => setCustomerId(e.target.value)} autoFocus name="customer">
          {customers.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.tier})
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Mode</span>
        <select value={mode} onChange={(e) => setMode(e.target.value as 'live' | 'test')} name="mode">
          <option value="live">live (ume_live_…): real traffic</option>
          <option value="test">test (ume_test_…): the customer’s integration tests</option>
        </select>
      </label>
      <label className="field">
        <span>Label (what it is for)</span>
        <input value={label} maxLength={80} onChange={(e) => setLabel(e.target.value)} placeholder="production backend" name="label" />
      </label>
      <ExpiryField days={days} onChange={setDays} />
      {error && <div className="err">{error}</div>}
    </Dialog>
  );
}

function RotateCustomerKey({ k, onClose, onDone }: { k: CustomerKey; onClose: () => void; onDone: (r: Response<'customerKeys.rotate'>) => void }) {
  const [hours, setHours] = useState(24);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    try {
      onDone(await call('customerKeys.rotate', { keyId: k.id, graceHours: hours }));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Dialog title={`Rotate ${k.prefix}… (${k.customerName})`} onClose={onClose} footer={<Footer onClose={onClose} onSubmit={() => void submit()} label="Rotate" testId="customer-key-rotate-submit" />}>
      <p>A new key replaces this one. Until the grace period ends both work, so {k.customerName} can switch without failed requests; after it, the old key is refused.</p>
      <GraceField hours={hours} onChange={setHours} />
      {error && <div className="err">{error}</div>}
    </Dialog>
  );
}
