import { useState } from 'react';
import type { Invitation } from '../../../src-shared/contract/identity';
import { ROLE_LABELS, ROLES, type Role } from '../../../src-shared/contract/roles';
import { call } from '../../bridge/client';
import { Field, FormDialog, FormMessage, fieldError, useSubmit } from '../incidents/parts';

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
  const { busy, problem, run } = useSubmit();
  const f = (k: string) => fieldError(problem?.fields ?? {}, k);

  const submit = () =>
    run(async () => {
      const n = Number(minutes);
      onCreated(await call('invitations.create', { email: email.trim(), role, expiresInMinutes: Number.isFinite(n) ? n : -1 }));
    });

  return (
    <FormDialog title="Invite someone" onClose={onClose} onSubmit={() => void submit()} submitLabel={busy ? 'Inviting…' : 'Create invitation'} hint="creates the invitation" busy={busy} disabled={busy} testId="invite-submit">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="E-mail (as their identity provider knows it)" error={f('email')}>
          <input autoFocus name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={320} autoComplete="off" />
        </Field>
        <Field label="Role" error={f('role')}>
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </Field>
        <Field label={`Expires in (minutes; at least 15, default 1440 = 24 h)${span(Number(minutes)) && ` · ${span(Number(minutes))}`}`} error={f('expiresInMinutes')}>
          <input name="expiresInMinutes" type="number" step={1} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
        </Field>
        <FormMessage problem={problem} shownFields={['email', 'role', 'expiresInMinutes']} />
        <p className="faint">No mail is sent: you get a single-use code to pass on yourself.</p>
        <button type="submit" hidden />
      </form>
    </FormDialog>
  );
}
