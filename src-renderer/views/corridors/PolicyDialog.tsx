import { useState } from 'react';
import type { Corridor } from '../../../src-shared/contract/grid';
import { REGION_LABELS, REGIONS } from '../../../src-shared/contract/grid';
import { call, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';

const list = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Add a customer-defined corridor, or change a corridor's residency policy (admins). */
export function PolicyDialog({ corridor, onClose, onDone }: { corridor: Corridor | null; onClose: () => void; onDone: () => void }) {
  const [key, setKey] = useState('');
  const [name, setName] = useState(corridor?.name ?? '');
  const [region, setRegion] = useState<Corridor['region']>(corridor?.region ?? 'custom');
  const [allowed, setAllowed] = useState(corridor?.policy.allowedCountries.join(', ') ?? '');
  const [blocked, setBlocked] = useState(corridor?.policy.blockedCountries.join(', ') ?? '');
  const [regulated, setRegulated] = useState(corridor?.policy.regulatedWorkloads.join(', ') ?? '');
  const [audit, setAudit] = useState(corridor?.policy.auditRequirement ?? '');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const policy = { allowedCountries: list(allowed), blockedCountries: list(blocked), regulatedWorkloads: list(regulated), auditRequirement: audit.trim() || null };
  const submit = async () => {
    setBusy(true);
    setMessage(null);
    try {
      if (corridor) await call('grid.updatePolicy', { corridorId: corridor.id, policy, reason });
      else await call('grid.createCorridor', { key, name, region, policy });
      onDone();
    } catch (err) {
      if (err instanceof McClientError) setErrors(err.fields);
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const err = (k: string) => errors[k] ?? errors[`policy.${k}`] ?? Object.entries(errors).find(([f]) => f.startsWith(`policy.${k}.`))?.[1];
  return (
    <Dialog
      title={corridor ? `Residency policy: ${corridor.name}` : 'Add a corridor'}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} disabled={busy} data-testid="save-policy">
            {busy ? 'Saving…' : corridor ? 'Change policy' : 'Add corridor'}
          </button>
        </>
      }
    >
      {!corridor && (
        <>
          <div className="fields-row">
            <label className={`field ${err('key') ? 'invalid' : ''}`}>
              <span>Key</span>
              <input autoFocus name="key" value={key} placeholder="latam" onChange={(e) => setKey(e.target.value)} />
              {err('key') && <span className="err">{err('key')}</span>}
            </label>
            <label className={`field ${err('name') ? 'invalid' : ''}`}>
              <span>Name</span>
              <input name="name" value={name} placeholder="Latin America" onChange={(e) => setName(e.target.value)} />
              {err('name') && <span className="err">{err('name')}</span>}
            </label>
          </div>
          <label className="field">
            <span>Region</span>
            <select name="region" value={region} onChange={(e) => setRegion(e.target.value as Corridor['region'])}>
              {REGIONS.map((r) => (
                <option key={r} value={r}>
                  {REGION_LABELS[r]}
                </option>
              ))}
            </select>
          </label>
        </>
      )}
      <label className={`field ${err('allowedCountries') ? 'invalid' : ''}`}>
        <span>Allowed countries (ISO codes; empty = any country not blocked)</span>
        <input name="allowed" value={allowed} placeholder="DE, FR, NL" onChange={(e) => setAllowed(e.target.value)} autoFocus={!!corridor} />
        {err('allowedCountries') && <span className="err">{err('allowedCountries')}</span>}
      </label>
      <label className={`field ${err('blockedCountries') ? 'invalid' : ''}`}>
        <span>Blocked countries</span>
        <input name="blocked" value={blocked} placeholder="CU, IR, KP, SY" onChange={(e) => setBlocked(e.target.value)} />
        {err('blockedCountries') && <span className="err">{err('blockedCountries')}</span>}
      </label>
      <label className="field">
        <span>Regulated workloads that must stay in the corridor</span>
        <input name="regulated" value={regulated} placeholder="health, financial-services" onChange={(e) => setRegulated(e.target.value)} />
      </label>
      <label className="field">
        <span>Audit requirement</span>
        <input name="audit" value={audit} placeholder="GDPR Art. 30 record of processing" onChange={(e) => setAudit(e.target.value)} />
      </label>
      {corridor && (
        <label className={`field ${errors.reason ? 'invalid' : ''}`}>
          <span>Reason (recorded in the audit log)</span>
          <textarea name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          {errors.reason && <span className="err">{errors.reason}</span>}
        </label>
      )}
      {message && (
        <div className="err" role="alert">
          {message}
        </div>
      )}
    </Dialog>
  );
}
