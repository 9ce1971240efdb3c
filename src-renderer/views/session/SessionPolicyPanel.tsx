import { useEffect, useState } from 'react';
import { call, errorText, McClientError } from '../../bridge/client';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { Field as FormField } from '../incidents/parts';

type Field = 'maxHours' | 'idleMinutes';

/**
 * Session length and idle lock of the active profile (Connections). Saved in this workstation's
 * settings; while someone is signed in, only an admin of the org may change them.
 */
export function SessionPolicyPanel({ profileId, readOnly }: { profileId: string; readOnly: boolean }) {
  const st = useSystem((s) => s.info?.sessionClock ?? null);
  const toast = useUi((s) => s.toast);
  const policy = st?.profileId === profileId ? st.policy : null;
  const [values, setValues] = useState({ maxHours: '', idleMinutes: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (policy) setValues({ maxHours: String(policy.maxHours), idleMinutes: policy.idleMinutes === null ? '' : String(policy.idleMinutes) });
  }, [policy?.maxHours, policy?.idleMinutes]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!st) return null;
  const save = async () => {
    setBusy(true);
    setErrors({});
    setMessage(null);
    // Numbers as typed: the main process says what is wrong with them, per field.
    const num = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));
    const idle = values.idleMinutes.trim() === '' ? null : num(values.idleMinutes);
    try {
      const r = await call('session.setPolicy', { profileId, policy: { maxHours: num(values.maxHours), idleMinutes: idle } });
      toast('ok', `Sessions last ${r.policy.maxHours} h; ${r.policy.idleMinutes === null ? 'no idle lock' : `idle lock after ${r.policy.idleMinutes} min`}.`);
      await useSystem.getState().load();
    } catch (err) {
      if (err instanceof McClientError) {
        const f: Partial<Record<Field, string>> = {};
        for (const [k, v] of Object.entries(err.fields)) {
          if (k.endsWith('maxHours')) f.maxHours = v;
          else if (k.endsWith('idleMinutes')) f.idleMinutes = v;
        }
        setErrors(f);
      }
      setMessage(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const input = (k: Field, label: string, placeholder: string) => (
    <FormField label={label} error={errors[k]}>
      <input name={k} inputMode="numeric" value={values[k]} placeholder={placeholder} onChange={(e) => setValues((v) => ({ ...v, [k]: e.target.value }))} disabled={readOnly} data-testid={`policy-${k}`} />
    </FormField>
  );
  return (
    <section className="panel" data-testid="session-policy">
      <header>Sessions</header>
      <form
        className="body"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <p className="dim">
          {policy
            ? `A session lasts ${policy.maxHours} h from sign-in; ${policy.idleMinutes === null ? 'the screen never locks when idle' : `the screen locks after ${policy.idleMinutes} min without input`}. Ctrl+L locks at once.`
            : 'Activate this profile to see its session policy.'}
        </p>
        <div className="fields-row">
          {input('maxHours', 'Session length (hours, 1–72)', '12')}
          {input('idleMinutes', 'Idle lock (minutes, 1–240; empty: off)', '15')}
        </div>
        {message && (
          <div className="err" role="alert" data-testid="session-policy-error">
            {message}
          </div>
        )}
        <div className="row-actions">
          <button type="submit" className="btn small primary" disabled={readOnly || busy} data-testid="save-session-policy">
            {busy ? 'Saving…' : 'Save session policy'}
          </button>
        </div>
      </form>
    </section>
  );
}
