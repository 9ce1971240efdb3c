import { useState } from 'react';
import { McClientError } from '../../bridge/client';
import { useConnections } from '../../stores/connections-store';
import { useUi } from '../../stores/ui-store';

type Field = 'orgName' | 'slug' | 'displayName' | 'email' | 'ownerPassword';

/** A name as a slug: lower-case letters, digits and dashes. */
function slugOf(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

/**
 * Shown on a remote profile that is connected with nobody signed in: on a database with no org
 * yet, the person at the keyboard creates one and becomes its first admin. The owner's password,
 * typed again, is what proves they may.
 */
export function CreateOrgPanel({ profileId }: { profileId: string }) {
  const toast = useUi((s) => s.toast);
  const [values, setValues] = useState<Record<Field, string>>({ orgName: '', slug: '', displayName: '', email: '', ownerPassword: '' });
  const [slugTouched, setSlugTouched] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (k: Field, v: string) =>
    setValues((prev) => ({ ...prev, [k]: v, ...(k === 'orgName' && !slugTouched ? { slug: slugOf(v) } : {}) }));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setErrors({});
    try {
      await useConnections.getState().createOrg({ id: profileId, ...values });
      setValues((prev) => ({ ...prev, ownerPassword: '' }));
      toast('ok', `Created “${values.orgName}”: you are its first admin.`);
    } catch (err) {
      if (err instanceof McClientError) {
        setErrors(err.fields);
        setMessage(err.message);
      } else setMessage(String(err));
    } finally {
      setBusy(false);
    }
  };

  const input = (k: Field, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label className={`field ${errors[k] ? 'invalid' : ''}`}>
      <span>{label}</span>
      <input
        name={k}
        value={values[k]}
        onChange={(e) => {
          if (k === 'slug') setSlugTouched(true);
          set(k, e.target.value);
        }}
        {...props}
      />
      {errors[k] && <span className="err">{errors[k]}</span>}
    </label>
  );

  return (
    <section className="panel" data-testid="create-org">
      <header>Create organisation</header>
      <form className="body" onSubmit={(e) => void submit(e)}>
        <p className="dim">
          Nobody is signed in on this database yet. If it has no organisation, create one here: you become its first admin, with a database login of your own kept in
          this workstation’s keychain. If it already has one, ask one of its admins to sign you in.
        </p>
        {input('orgName', 'Organisation name', { autoComplete: 'organization' })}
        {input('slug', 'Short name (slug)')}
        {input('displayName', 'Your name', { autoComplete: 'name' })}
        {input('email', 'Your e-mail', { type: 'email', autoComplete: 'email' })}
        {input('ownerPassword', 'The database owner’s password (the one stored with this profile), typed again', { type: 'password', autoComplete: 'off' })}
        {message && (
          <div className="err" role="alert">
            {message}
          </div>
        )}
        <div className="actions">
          <button className="btn primary" type="submit" disabled={busy} data-testid="create-org-submit">
            {busy ? 'Creating…' : 'Create organisation'}
          </button>
        </div>
      </form>
    </section>
  );
}
