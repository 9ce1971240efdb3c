import { useEffect, useState } from 'react';
import type { OrgLimit } from '../../../src-shared/contract/customers';
import { call, errorText } from '../../bridge/client';
import { fmt } from '../../components/format';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { Field, FormDialog, FormMessage, fieldError, useSubmit } from '../incidents/parts';

/**
 * The org's request limit across all its customers (the capacity plan's 10,000 a minute unless an
 * admin set another), with this minute's and the last hour's busiest use next to it. Admins change
 * it here (`l` on the list); the gateway applies it to the next request.
 */
export function OrgLimitStrip({ reloadKey, open, setOpen }: { reloadKey: number; open: boolean; setOpen: (open: boolean) => void }) {
  const info = useSystem((s) => s.info);
  const [limit, setLimit] = useState<OrgLimit | null>(null);
  const [error, setError] = useState<string | null>(null);
  const admin = canChangeOrgLimit(info);
  useEffect(() => {
    let live = true;
    call('customers.orgLimit', {}).then(
      (r) => {
        if (!live) return;
        setLimit(r.limit);
        setError(null);
      },
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [reloadKey]);

  if (error) return <div className="err" data-testid="org-limit-error">Could not read the org request limit: {error}</div>;
  if (!limit) return null;
  const busy = limit.peakLastHour >= 0.8 * limit.effectiveRequestsPerMin;
  return (
    <section className="panel org-limit" data-testid="org-limit">
      <span>
        Org request limit <b data-testid="org-limit-value">{fmt(limit.effectiveRequestsPerMin, '', 0)}/min</b>{' '}
        <span className="faint">{limit.requestsPerMin === null ? '(the default; no admin has set one)' : limit.updatedAt ? `(set ${limit.updatedAt.slice(0, 16).replace('T', ' ')} UTC)` : ''}</span>
      </span>
      <span className="dim">
        all customers together · this minute {fmt(limit.thisMinute, '', 0)} · busiest minute of the last hour{' '}
        <span className={busy ? 'warn' : ''} title={busy ? 'Within 20 % of the limit: requests past it get 429.' : undefined}>
          {fmt(limit.peakLastHour, '', 0)}
        </span>
      </span>
      <button className="btn" disabled={!admin.ok} title={admin.why ?? 'Change the org request limit (l)'} onClick={() => setOpen(true)} data-testid="org-limit-change">
        Change… <kbd>l</kbd>
      </button>
      {open && admin.ok && <OrgLimitDialog current={limit} onClose={() => setOpen(false)} onSaved={setLimit} />}
    </section>
  );
}

function OrgLimitDialog({ current, onClose, onSaved }: { current: OrgLimit; onClose: () => void; onSaved: (l: OrgLimit) => void }) {
  const toast = useUi((s) => s.toast);
  const [value, setValue] = useState(String(current.effectiveRequestsPerMin));
  const [reason, setReason] = useState('');
  const { busy, problem, run } = useSubmit();
  const f = (k: string) => fieldError(problem?.fields ?? {}, k);
  const typed = Number(value.trim().replace(/[ _,]/g, ''));
  // A limit under the load just seen refuses traffic the moment it is set: say so before it is.
  const underLoad = Number.isInteger(typed) && typed >= 1 && typed < current.peakLastHour;
  const submit = () =>
    run(async () => {
      const t = value.trim().replace(/[ _,]/g, '');
      // Digits go as a number; anything else as typed, so the contract says what is wrong with it.
      const requestsPerMin = /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : (value as unknown as number);
      const r = await call('customers.setOrgLimit', { requestsPerMin, reason });
      onSaved(r.limit);
      toast('ok', `Org request limit: ${fmt(r.limit.effectiveRequestsPerMin, '', 0)} a minute.`);
      onClose();
    });
  return (
    <FormDialog title="Org request limit" onClose={onClose} onSubmit={() => void submit()} submitLabel={busy ? 'Saving…' : 'Set limit'} hint="sets it" busy={busy} testId="org-limit-save">
      <p className="dim">
        Requests a minute for all of this org’s customers together, on every gateway on this database. The capacity plan’s default is{' '}
        {fmt(current.defaultRequestsPerMin, '', 0)}. A request past it gets 429 with Retry-After; each customer’s own limits still apply.
      </p>
      <Field label="Requests a minute" error={f('requestsPerMin')}>
        <input name="requestsPerMin" value={value} inputMode="numeric" autoFocus onChange={(e) => setValue(e.target.value)} />
      </Field>
      {underLoad && (
        <p className="warn-text" role="status" data-testid="org-limit-under-load">
          {fmt(typed, '', 0)} a minute is below the busiest minute of the last hour ({fmt(current.peakLastHour, '', 0)} requests): at that load, every request past{' '}
          {fmt(typed, '', 0)} in a minute gets 429 from the moment it is set, across all customers.
        </p>
      )}
      <Field label="Reason (in the audit log)" error={f('reason')}>
        <input name="reason" value={reason} placeholder="e.g. capacity plan Q1: two more corridors live" onChange={(e) => setReason(e.target.value)} />
      </Field>
      <FormMessage problem={problem} shownFields={['requestsPerMin', 'reason']} />
    </FormDialog>
  );
}

/** The contract's rule for customers.setOrgLimit: admins only. */
export function canChangeOrgLimit(info: Parameters<typeof canWrite>[0]): { ok: boolean; why: string | null } {
  const w = canWrite(info);
  if (!w.ok) return w;
  return info?.session?.role === 'admin' ? w : { ok: false, why: 'Only admins change the org request limit.' };
}
