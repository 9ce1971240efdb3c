import { useState } from 'react';
import { type Profile, type ProfileFields, SSL_MODES } from '../../../src-shared/contract/connections';
import { McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { useConnections } from '../../stores/connections-store';
import { useUi } from '../../stores/ui-store';
import { TestResultLine } from './TestResultLine';

const BLANK: ProfileFields = {
  name: '',
  host: '',
  port: 5432,
  database: 'postgres',
  user: 'postgres',
  sslmode: 'require',
  sslRootCert: null,
  operatorEmail: '',
};

/** Add or edit a profile. The password field is write-only: it is never shown or sent back. */
export function ProfileForm({ profile, onClose }: { profile: Profile | null; onClose: () => void }) {
  const embedded = profile?.kind === 'embedded';
  const [fields, setFields] = useState<ProfileFields>(
    profile
      ? { name: profile.name, host: profile.host, port: profile.port, database: profile.database, user: profile.user, sslmode: profile.sslmode, sslRootCert: profile.sslRootCert, operatorEmail: profile.operatorEmail }
      : BLANK,
  );
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { save, setOperator, test, tests, busy: storeBusy } = useConnections();
  const toast = useUi((s) => s.toast);
  const testKey = `draft:${profile?.id ?? 'new'}`;

  const set = <K extends keyof ProfileFields>(k: K, v: ProfileFields[K]) => {
    setFields((f) => ({ ...f, [k]: v }));
    setErrors((e) => {
      const { [`fields.${k}`]: _, [`draft.${k}`]: __, ...rest } = e;
      return rest;
    });
  };

  const onError = (err: unknown) => {
    if (err instanceof McClientError) {
      setErrors(err.fields);
      setMessage(err.message);
    } else setMessage(String(err));
  };

  const submit = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const saved = embedded && profile ? await setOperator(profile.id, fields.operatorEmail) : await save(profile?.id, fields, password || undefined);
      toast('ok', embedded ? `Now signing in as ${saved.operatorEmail}.` : `Saved profile “${saved.name}”.${saved.active ? ' Activate it again to reconnect with the new settings.' : ''}`);
      onClose();
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };

  const runTest = async () => {
    setMessage(null);
    try {
      await test(testKey, { draft: fields, ...(password ? { password } : {}), ...(profile ? { id: profile.id } : {}) });
    } catch (err) {
      onError(err);
    }
  };

  // Save names fields "fields.x", Test names a draft's "draft.x", Sign in as names "operatorEmail".
  const err = (k: string) => errors[`fields.${k}`] ?? errors[`draft.${k}`] ?? errors[k];
  const input = (k: keyof ProfileFields, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label className={`field ${err(k) ? 'invalid' : ''}`}>
      <span>{label}</span>
      <input
        value={fields[k] === null ? '' : String(fields[k])}
        disabled={embedded && k !== 'operatorEmail'}
        onChange={(e) => set(k, (k === 'port' ? Number(e.target.value) : k === 'sslRootCert' ? e.target.value || null : e.target.value) as never)}
        name={k}
        {...props}
      />
      {err(k) && <span className="err">{err(k)}</span>}
    </label>
  );

  return (
    <Dialog
      title={profile ? `Edit profile: ${profile.name}` : 'Add a connection profile'}
      onClose={onClose}
      footer={
        <>
          {!embedded && (
            <button className="btn" onClick={() => void runTest()} disabled={storeBusy === `test:${testKey}`}>
              {storeBusy === `test:${testKey}` ? 'Testing…' : 'Test'}
            </button>
          )}
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} disabled={busy} data-testid="save-profile">
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      {embedded && <p className="dim">The embedded database is managed by the app. You can change who this workstation signs in as.</p>}
      {input('name', 'Name', { placeholder: 'e.g. Supabase production (EU)', autoFocus: !embedded })}
      <div className="fields-row">
        {input('host', 'Host', { placeholder: 'db.xxxx.supabase.co' })}
        {input('port', 'Port', { type: 'number', min: 1, max: 65535 })}
      </div>
      <div className="fields-row">
        {input('database', 'Database')}
        {input('user', 'User (runs migrations)')}
      </div>
      {!embedded && (
        <>
          <div className="fields-row">
            <label className={`field ${err('sslmode') ? 'invalid' : ''}`}>
              <span>TLS (sslmode)</span>
              <select value={fields.sslmode} onChange={(e) => set('sslmode', e.target.value as ProfileFields['sslmode'])} name="sslmode">
                {SSL_MODES.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </label>
            {input('sslRootCert', 'CA certificate file (verify-ca / verify-full)', { placeholder: '/path/to/prod-ca-2021.crt' })}
          </div>
          <label className={`field ${errors.password ? 'invalid' : ''}`}>
            <span>{profile?.passwordSet ? 'Password (stored in the OS keychain; leave empty to keep it)' : 'Password (stored in the OS keychain only)'}</span>
            <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} name="password" />
            {errors.password && <span className="err">{errors.password}</span>}
          </label>
        </>
      )}
      {input(
        'operatorEmail',
        embedded
          ? 'Sign in as (operator e-mail of the demo org; offline, you are the operator)'
          : 'Sign in as (a member’s e-mail; it signs them in only when saved with the owner’s password typed above)',
        { type: 'email', autoFocus: embedded },
      )}
      {tests[testKey] && <TestResultLine result={tests[testKey]} />}
      {message && (
        <div className="err" role="alert">
          {message}
        </div>
      )}
    </Dialog>
  );
}
