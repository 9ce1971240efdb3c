import { useState } from 'react';
import type { ReadinessSubject } from '../../../src-shared/contract/checklists';
import type { Member } from '../../../src-shared/contract/incidents';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { errorText, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { useReadiness } from '../../stores/readiness-store';

const TIERS = [
  { id: 'pilot', label: 'Pilot' },
  { id: 'enterprise', label: 'Enterprise' },
  { id: 'sovereign', label: 'Sovereign' },
] as const;

/** Add a customer pilot in a corridor; its acceptance gates are set up with it. */
export function AddPilotDialog({
  corridors,
  members,
  onClose,
  onDone,
}: {
  corridors: ReadinessSubject[];
  members: Member[];
  onClose: () => void;
  onDone: (subject: ReadinessSubject) => void;
}) {
  const [customerName, setCustomerName] = useState('');
  const [tier, setTier] = useState<(typeof TIERS)[number]['id']>('pilot');
  const [corridorId, setCorridorId] = useState('');
  const [ownerId, setOwnerId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    // The button stays enabled while busy (a disabled button drops the focus, and Esc with it).
    if (busy) return;
    setMessage(null);
    // An empty choice would only come back as "not a valid id": say what is meant instead.
    if (!corridorId) return setErrors({ corridorId: 'Choose the corridor the pilot runs in.' });
    setBusy(true);
    try {
      onDone(await useReadiness.getState().createPilot({ customerName, tier, corridorId, ownerId: ownerId || null }));
    } catch (err) {
      const fields = err instanceof McClientError ? err.fields : {};
      setErrors(fields);
      // The message is shown once: under its field if the server named one, else at the bottom.
      if (!['customerName', 'tier', 'corridorId', 'ownerId'].some((f) => fields[f])) setMessage(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const err = (k: string) => (errors[k] ? <span className="err">{errors[k]}</span> : null);

  return (
    <Dialog
      title="Add a customer pilot"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} aria-disabled={busy} data-testid="save-pilot">
            {busy ? 'Adding…' : 'Add pilot'}
          </button>
        </>
      }
    >
      <p className="dim">A pilot starts once its acceptance gates are passed or waived: OAuth login, org setup, a site and node, telemetry keys, models, routing, incidents and evidence.</p>
      <label className={`field ${errors.customerName ? 'invalid' : ''}`}>
        <span>Customer</span>
        <input autoFocus name="customerName" value={customerName} placeholder="Acme Health" onChange={(e) => setCustomerName(e.target.value)} />
        {err('customerName')}
      </label>
      <div className="fields-row">
        <label className={`field ${errors.tier ? 'invalid' : ''}`}>
          <span>Tier</span>
          <select name="tier" value={tier} onChange={(e) => setTier(e.target.value as typeof tier)}>
            {TIERS.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
          {err('tier')}
        </label>
        <label className={`field ${errors.corridorId ? 'invalid' : ''}`}>
          <span>Corridor</span>
          <select name="corridorId" value={corridorId} onChange={(e) => setCorridorId(e.target.value)}>
            <option value="">Choose a corridor…</option>
            {corridors.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          {err('corridorId')}
        </label>
      </div>
      <label className={`field ${errors.ownerId ? 'invalid' : ''}`}>
        <span>Owner (who sees it through)</span>
        <select name="ownerId" value={ownerId} onChange={(e) => setOwnerId(e.target.value)}>
          <option value="">No owner yet</option>
          {members.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} ({ROLE_LABELS[m.role]})
            </option>
          ))}
        </select>
        {err('ownerId')}
      </label>
      {message && (
        <div className="err" role="alert">
          {message}
        </div>
      )}
    </Dialog>
  );
}
