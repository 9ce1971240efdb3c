import { useState } from 'react';
import type { Invitation } from '../../../src-shared/contract/identity';
import { ROLE_LABELS, ROLES, type Role } from '../../../src-shared/contract/roles';
import { McClientError, call, errorText } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';

type Field = 'email' | 'role' | 'expiresInMinutes';

/** Minutes as a person reads them: 1440 → "24 h", 90 → "1 h 30 min". */
function span(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes <= 0) return '';
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ');
}

/** Invite by e-mail with a role and an expiry (default 24 h, at least 15 min); the contract checks each field. */
export function InviteDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (c: { invitation: Invitation; code: string }) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [minutes, setMinutes] = useState('1440');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const n = Number(minutes);
      const created = await call('invitations.create', { email: email.trim(), role, expiresInMinutes: Number.isFinite(n) ? n : -1 });
      onCreated(created);
    } catch (err) {
      if (err instanceof McClientError) {
        const f: Partial<Record<Field, string>> = {};
        for (const [k, v] of Object.entries(err.fields)) if (k === 'email' || k === 'role' || k === 'expiresInMinutes') f[k] = v;
        setErrors(f);
      }
      setMessage(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Invite someone"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} disabled={busy} data-testid="invite-submit">
            {busy ? 'Inviting…' : 'Create invitation'}
          </button>
        </>
      }
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className={`field ${errors.email ? 'invalid' : ''}`}>
          <span>E-mail (as their identity provider knows it)</span>
          <input autoFocus name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={320} autoComplete="off" />
          {errors.email && <span className="err">{errors.email}</span>}
        </label>
        <label className={`field ${errors.role ? 'invalid' : ''}`}>
          <span>Role</span>
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
          {errors.role && <span className="err">{errors.role}</span>}
        </label>
        <label className={`field ${errors.expiresInMinutes ? 'invalid' : ''}`}>
          <span>Expires in (minutes; at least 15, default 1440 = 24 h){span(Number(minutes)) && ` · ${span(Number(minutes))}`}</span>
          <input name="expiresInMinutes" type="number" step={1} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          {errors.expiresInMinutes && <span className="err">{errors.expiresInMinutes}</span>}
        </label>
        {message && (
          <div className="err" role="alert" data-testid="invite-error">
            {message}
          </div>
        )}
        <p className="faint">No mail is sent: you get a single-use code to pass on yourself.</p>
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
