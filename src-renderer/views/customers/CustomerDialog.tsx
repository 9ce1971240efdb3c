import { useEffect, useState } from 'react';
import type { RequestIn } from '../../../src-shared/contract';
import { MAX_CONTACTS, ORG_DEFAULT_REQUESTS_PER_MIN, type CustomerRecord } from '../../../src-shared/contract/customers';
import type { Tier } from '../../../src-shared/domain/routing/types';
import { call } from '../../bridge/client';
import { selectCorridors, useGrid } from '../../stores/grid-store';
import { useCustomers } from '../../stores/customers-store';
import { useSla } from '../../stores/sla-store';
import { useUi } from '../../stores/ui-store';
import { Field, FormDialog, FormMessage, fieldError, useSubmit } from '../incidents/parts';
import { HomeCorridorField, TierField } from './TermsFields';

type Save = RequestIn<'customers.save'>;
interface ContactDraft {
  name: string;
  role: string;
  email: string;
  phone: string;
}

/** '' is "the org default" (null); digits are a number; anything else goes as typed, so the contract says what is wrong with it. */
function numberOrNull(v: string): number | null {
  const t = v.trim().replace(/[ _,]/g, '');
  if (t === '') return null;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : (v as unknown as number);
}
const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

/** New customer, or a change to one: placement, limits, committed capacity, allowed corridors and contacts in one save. */
export function CustomerDialog({ customer, onClose, onSaved }: { customer: CustomerRecord | null; onClose: () => void; onSaved: (id: string) => void }) {
  const corridors = useGrid(selectCorridors);
  const nodes = useGrid((s) => s.nodes);
  const sla = useSla((s) => s.data);
  const toast = useUi((s) => s.toast);
  useEffect(() => {
    void useGrid.getState().load();
    void useSla.getState().load();
  }, []);

  const [key, setKey] = useState(customer?.key ?? '');
  const [name, setName] = useState(customer?.name ?? '');
  const [tier, setTier] = useState<Tier>(customer?.tier ?? 'enterprise');
  const [pickedHome, setHome] = useState(customer?.homeCorridorId ?? '');
  const home = pickedHome || (corridors[0]?.id ?? '');
  const [policy, setPolicy] = useState(customer?.slaPolicyId ?? '');
  const [reserved, setReserved] = useState<string[]>(customer?.reservedNodeIds ?? []);
  const [rpm, setRpm] = useState(text(customer?.limits.requestsPerMin));
  const [tpm, setTpm] = useState(text(customer?.limits.tokensPerMin));
  const [quota, setQuota] = useState(text(customer?.limits.monthlyTokenQuota));
  const [conc, setConc] = useState(text(customer?.limits.maxConcurrency));
  const [crpm, setCrpm] = useState(String(customer?.committed.requestsPerMin ?? 0));
  const [ctpm, setCtpm] = useState(String(customer?.committed.tokensPerMin ?? 0));
  const [allowed, setAllowed] = useState<string[]>(customer?.allowedCorridors.map((c) => c.id) ?? []);
  const [contacts, setContacts] = useState<ContactDraft[]>(customer?.contacts.map((c) => ({ ...c, phone: c.phone ?? '' })) ?? []);
  const [reason, setReason] = useState('');
  const { busy, problem, run } = useSubmit();
  const f = (k: string) => fieldError(problem?.fields ?? {}, k);
  const homeNodes = nodes.filter((n) => n.corridorId === home && n.lifecycle !== 'retired');

  const setContact = (i: number, patch: Partial<ContactDraft>) => setContacts((cs) => cs.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  const toggleCorridor = (id: string, on: boolean) => setAllowed((a) => (on ? [...a, id] : a.filter((x) => x !== id)));

  const submit = () =>
    run(async () => {
      const body: Save = {
        id: customer?.id ?? null,
        key,
        name,
        tier,
        homeCorridorId: home,
        slaPolicyId: policy || null,
        reservedNodeIds: tier === 'sovereign' ? reserved : [],
        requestsPerMin: numberOrNull(rpm),
        tokensPerMin: numberOrNull(tpm),
        monthlyTokenQuota: numberOrNull(quota),
        maxConcurrency: numberOrNull(conc),
        committedRequestsPerMin: numberOrNull(crpm) ?? 0,
        committedTokensPerMin: numberOrNull(ctpm) ?? 0,
        // Listed in the corridors' order, so an unchanged list reads as unchanged.
        allowedCorridorIds: corridors.filter((c) => allowed.includes(c.id)).map((c) => c.id),
        contacts: contacts.map((c) => ({ name: c.name, role: c.role, email: c.email.trim(), ...(c.phone.trim() ? { phone: c.phone } : {}) })),
        ...(reason.trim() ? { reason } : {}),
      };
      const r = await call('customers.save', body);
      toast('ok', `${r.customer.name} saved.`);
      await useCustomers.getState().load();
      onSaved(r.customer.id);
      onClose();
    });

  return (
    <div className="customer-dialog">
    <FormDialog
      title={customer ? `Change ${customer.name}` : 'New customer'}
      onClose={onClose}
      onSubmit={() => void submit()}
      submitLabel={busy ? 'Saving…' : customer ? 'Save changes' : 'Add customer'}
      hint="saves"
      busy={busy}
      testId="customer-save"
    >
      <div className="fields-row">
        <Field label="Key (fixed once created)" error={f('key')}>
          <input name="key" autoFocus={!customer} readOnly={!!customer} value={key} placeholder="acme" onChange={(e) => setKey(e.target.value)} />
        </Field>
        <Field label="Name" error={f('name')}>
          <input name="name" autoFocus={!!customer} value={name} placeholder="Acme Health" onChange={(e) => setName(e.target.value)} />
        </Field>
      </div>
      <div className="fields-row">
        <TierField value={tier} onChange={setTier} error={f('tier')} />
        <HomeCorridorField value={home} onChange={setHome} corridors={corridors} error={f('homeCorridorId')} />
        <Field label="SLA policy" error={f('slaPolicyId')}>
          <select name="slaPolicyId" value={policy} onChange={(e) => setPolicy(e.target.value)}>
            <option value="">The tier’s default</option>
            {(sla?.policies ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {tier === 'sovereign' && (
        <Field label="Reserved nodes (a sovereign customer runs only on these)" error={f('reservedNodeIds')}>
          <select name="reserved" multiple size={5} value={reserved} onChange={(e) => setReserved([...e.target.selectedOptions].map((o) => o.value))}>
            {homeNodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.hostname}
              </option>
            ))}
          </select>
        </Field>
      )}
      <fieldset className="fields-group">
        <legend>Limits (empty = the org default: {ORG_DEFAULT_REQUESTS_PER_MIN.toLocaleString()} requests/min, no token cap, no quota, no concurrency cap)</legend>
        <div className="fields-row">
          <Field label="Requests/min" error={f('requestsPerMin')}>
            <input name="requestsPerMin" inputMode="numeric" value={rpm} placeholder="org default" onChange={(e) => setRpm(e.target.value)} />
          </Field>
          <Field label="Tokens/min" error={f('tokensPerMin')}>
            <input name="tokensPerMin" inputMode="numeric" value={tpm} placeholder="no cap" onChange={(e) => setTpm(e.target.value)} />
          </Field>
          <Field label="Tokens a month" error={f('monthlyTokenQuota')}>
            <input name="monthlyTokenQuota" inputMode="numeric" value={quota} placeholder="no quota" onChange={(e) => setQuota(e.target.value)} />
          </Field>
          <Field label="Concurrent requests" error={f('maxConcurrency')}>
            <input name="maxConcurrency" inputMode="numeric" value={conc} placeholder="no cap" onChange={(e) => setConc(e.target.value)} />
          </Field>
        </div>
      </fieldset>
      <fieldset className="fields-group">
        <legend>Committed capacity (what the customer pays to have reserved; 0 = none)</legend>
        <div className="fields-row">
          <Field label="Requests/min" error={f('committedRequestsPerMin')}>
            <input name="committedRequestsPerMin" inputMode="numeric" value={crpm} onChange={(e) => setCrpm(e.target.value)} />
          </Field>
          <Field label="Tokens/min" error={f('committedTokensPerMin')}>
            <input name="committedTokensPerMin" inputMode="numeric" value={ctpm} onChange={(e) => setCtpm(e.target.value)} />
          </Field>
        </div>
      </fieldset>
      <fieldset className="fields-group" data-testid="allowed-corridors">
        <legend>Allowed corridors (none ticked = every corridor residency and the SLA’s failover rule allow; they only narrow, never widen)</legend>
        <div className="fields-row">
          {corridors.map((c) => (
            <label key={c.id} className="tick">
              <input type="checkbox" name={`corridor-${c.name}`} checked={allowed.includes(c.id)} onChange={(e) => toggleCorridor(c.id, e.target.checked)} /> {c.name}
              {c.id === home && <span className="faint"> (home)</span>}
            </label>
          ))}
        </div>
        {f('allowedCorridorIds') && <span className="err">{f('allowedCorridorIds')}</span>}
      </fieldset>
      <fieldset className="fields-group" data-testid="contacts-edit">
        <legend>
          Contacts ({contacts.length}/{MAX_CONTACTS})
        </legend>
        {contacts.map((c, i) => (
          <div className="fields-row" key={i} data-testid={`contact-edit-${i}`}>
            <Field label="Name" error={f(`contacts.${i}.name`)}>
              <input name={`contact-${i}-name`} value={c.name} onChange={(e) => setContact(i, { name: e.target.value })} />
            </Field>
            <Field label="Role" error={f(`contacts.${i}.role`)}>
              <input name={`contact-${i}-role`} value={c.role} placeholder="on-call, billing, security" onChange={(e) => setContact(i, { role: e.target.value })} />
            </Field>
            <Field label="Email" error={f(`contacts.${i}.email`)}>
              <input name={`contact-${i}-email`} type="email" value={c.email} onChange={(e) => setContact(i, { email: e.target.value })} />
            </Field>
            <Field label="Phone (optional)" error={f(`contacts.${i}.phone`)}>
              <input name={`contact-${i}-phone`} value={c.phone} onChange={(e) => setContact(i, { phone: e.target.value })} />
            </Field>
            <button type="button" className="btn small" aria-label={`Remove contact ${i + 1}`} onClick={() => setContacts((cs) => cs.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        {f('contacts') && !Object.keys(problem?.fields ?? {}).some((k) => /^contacts\.\d+\./.test(k)) && <span className="err">{f('contacts')}</span>}
        <button type="button" className="btn small" disabled={contacts.length >= MAX_CONTACTS} onClick={() => setContacts((cs) => [...cs, { name: '', role: '', email: '', phone: '' }])} data-testid="contact-add">
          Add contact
        </button>
      </fieldset>
      {customer && (
        <Field label="Reason (in the audit log)">
          <input name="reason" value={reason} placeholder="e.g. contract renewal: committed capacity raised" onChange={(e) => setReason(e.target.value)} />
        </Field>
      )}
      <FormMessage
        problem={problem}
        shownFields={['key', 'name', 'tier', 'homeCorridorId', 'slaPolicyId', 'reservedNodeIds', 'requestsPerMin', 'tokensPerMin', 'monthlyTokenQuota', 'maxConcurrency', 'committedRequestsPerMin', 'committedTokensPerMin', 'allowedCorridorIds', 'contacts']}
      />
    </FormDialog>
    </div>
  );
}
