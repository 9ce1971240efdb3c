import { useEffect, useState } from 'react';
import { McClientError } from '../../bridge/client';
import { ConfirmDialog } from '../../components/Dialog';
import { useIdentity } from '../../stores/identity-store';
import { useUi } from '../../stores/ui-store';
import { Field as FormField } from '../incidents/parts';

type Field = 'issuer' | 'clientId';

/** The contract names a field "provider.issuer" (schema) or "issuer" (the service's checks). */
function fieldErrors(err: McClientError): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const [k, v] of Object.entries(err.fields)) {
    if (k.endsWith('issuer')) out.issuer = v;
    else if (k.endsWith('clientId')) out.clientId = v;
  }
  return out;
}

/**
 * The OpenID Connect provider of the active profile: issuer and client id (public settings; the
 * desktop is a public client using PKCE, so there is no secret to enter).
 */
export function IdentityProviderPanel({ profileId, readOnly }: { profileId: string; readOnly: boolean }) {
  const toast = useUi((s) => s.toast);
  const { provider, error } = useIdentity();
  const [values, setValues] = useState<Record<Field, string>>({ issuer: '', clientId: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [clearing, setClearing] = useState(false);

  useEffect(() => {
    void useIdentity.getState().load(profileId);
  }, [profileId]);
  useEffect(() => {
    setValues({ issuer: provider?.provider?.issuer ?? '', clientId: provider?.provider?.clientId ?? '' });
  }, [provider]);

  const save = async (next: { issuer: string; clientId: string } | null) => {
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      await useIdentity.getState().save(profileId, next);
      toast('ok', next ? `Identity provider set: ${next.issuer}` : 'Identity provider cleared.');
    } catch (err) {
      if (err instanceof McClientError) {
        setErrors(fieldErrors(err));
        setMessage(err.message);
      } else setMessage(String(err));
    } finally {
      setBusy(false);
    }
  };

  const input = (k: Field, label: string, placeholder: string) => (
    <FormField label={label} error={errors[k]}>
      <input name={k} value={values[k]} placeholder={placeholder} onChange={(e) => setValues((v) => ({ ...v, [k]: e.target.value }))} disabled={readOnly} autoComplete="off" />
    </FormField>
  );

  return (
    <section className="panel" data-testid="identity-provider">
      <header>Identity provider (OpenID Connect)</header>
      <form
        className="body"
        onSubmit={(e) => {
          e.preventDefault();
          void save({ issuer: values.issuer.trim(), clientId: values.clientId.trim() });
        }}
      >
        {error && <div className="err">{error}</div>}
        <p className="dim" data-testid="identity-provider-state">
          {provider?.provider ? (
            <>
              Set: <code>{provider.provider.issuer}</code>, client <code>{provider.provider.clientId}</code>.
            </>
          ) : (
            'Not set: members of this profile’s org cannot sign in with an identity provider yet. Enter the issuer and the client id registered there.'
          )}
        </p>
        <div className="fields-row">
          {input('issuer', 'Issuer URL', 'https://<project-ref>.supabase.co/auth/v1')}
          {input('clientId', 'Client id', 'mission-control')}
        </div>
        <p className="faint">
          Register a public client (PKCE, no secret) and allow the redirect URI <code data-testid="redirect-pattern">{provider?.redirectPattern ?? 'http://127.0.0.1:<any port>/callback'}</code>.
        </p>
        {message && (
          <div className="err" role="alert" data-testid="identity-provider-error">
            {message}
          </div>
        )}
        <div className="row-actions">
          <button type="submit" className="btn small primary" disabled={readOnly || busy} data-testid="save-identity-provider">
            {busy ? 'Saving…' : 'Save provider'}
          </button>
          {provider?.provider && (
            <button type="button" className="btn small" disabled={readOnly || busy} onClick={() => setClearing(true)} data-testid="clear-identity-provider">
              Clear
            </button>
          )}
        </div>
      </form>
      {clearing && (
        <ConfirmDialog
          title="Clear the identity provider?"
          confirmLabel="Clear provider"
          danger
          onClose={() => setClearing(false)}
          onConfirm={() => {
            setClearing(false);
            void save(null);
          }}
        >
          <p>Members can no longer sign in with the identity provider on this profile until it is set again. Who is signed in now stays signed in.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
