import { useEffect, useState } from 'react';
import type { Profile } from '../../../src-shared/contract/connections';
import { McClientError } from '../../bridge/client';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorState } from '../../components/States';
import { useConnections } from '../../stores/connections-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { CreateOrgPanel } from './CreateOrgPanel';
import { IdentityProviderPanel } from './IdentityProviderPanel';
import { SessionPolicyPanel } from '../session/SessionPolicyPanel';
import { AcceptAsOsUserPanel } from './AcceptAsOsUserPanel';
import { SignInPanel } from './SignInPanel';
import { RetentionPanel } from '../retention/RetentionPanel';
import { useIdentity } from '../../stores/identity-store';
import { ProfileForm } from './ProfileForm';
import { TestResultLine } from './TestResultLine';

function target(p: Profile): string {
  return p.kind === 'embedded' ? 'this workstation (embedded PostgreSQL)' : `${p.user}@${p.host}:${p.port}/${p.database}`;
}

export function ConnectionsView() {
  const { profiles, status, error, busy, tests } = useConnections();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const toast = useUi((s) => s.toast);
  const [editing, setEditing] = useState<Profile | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Profile | null>(null);
  const readOnly = info?.readOnly ?? false;
  const dbState = info?.database.state;

  useEffect(() => {
    void useConnections.getState().load();
  }, [epoch, dbState]);
  const pending = useUi((s) => s.pendingAction);
  useEffect(() => {
    if (!useUi.getState().takeAction('add-profile')) return;
    if (readOnly) toast('info', 'This display is read-only: profiles are added on a Mission Control workstation.');
    else setEditing('new');
  }, [readOnly, pending]);

  const report = (err: unknown) => toast('error', err instanceof Error ? err.message : String(err), err instanceof McClientError ? err.requestId : undefined);

  const activate = async (p: Profile) => {
    try {
      await useConnections.getState().activate(p.id);
      toast('ok', `Connected to “${p.name}”.`);
    } catch (err) {
      report(err);
    }
  };

  const a = status?.active;
  const idp = useIdentity((s) => (a && s.profileId === a.profileId ? (s.provider?.provider ?? null) : null));
  return (
    <div className="view">
      <div className="view-head">
        <h1>Connections</h1>
        <span className="sub">Where this workstation’s data lives</span>
        <div className="actions">
          <button className="btn primary" onClick={() => setEditing('new')} disabled={readOnly} title={readOnly ? 'Read-only display' : 'Add a remote PostgreSQL or Supabase profile'}>
            Add profile
          </button>
        </div>
      </div>
      {error && <ErrorState title="Could not load profiles" message={error} />}
      <div className="stack">
        <section className="panel" data-testid="active-connection">
          <header>
            Active connection
            <div className="actions">
              <button className="btn small" onClick={() => void useConnections.getState().refreshStatus().catch(report)}>
                Measure again
              </button>
            </div>
          </header>
          <div className="body">
            {a ? (
              <dl className="kv">
                <dt>Profile</dt>
                <dd>
                  <strong>{a.profileName}</strong> <span className="faint">({a.kind})</span>
                </dd>
                <dt>Server</dt>
                <dd>
                  PostgreSQL {a.serverVersion} at <code>{a.target}</code>
                </dd>
                <dt>Latency</dt>
                <dd data-testid="latency">{a.latencyMs} ms (best of 3 round trips)</dd>
                <dt>Migrations</dt>
                <dd>
                  {a.migrations.applied} of {a.migrations.total} applied
                  {a.migrations.pending.length === 0 && a.migrations.drift.length === 0 ? (
                    <span className="pill ok">current</span>
                  ) : (
                    <span className="pill warn">
                      {a.migrations.pending.length} pending, {a.migrations.drift.length} drifted
                    </span>
                  )}
                </dd>
                <dt>Live updates</dt>
                <dd>{a.live ? <span className="pill ok">on</span> : <span className="pill warn">reconnecting</span>}</dd>
              </dl>
            ) : (
              <div className="err">{status?.message ?? 'No database is connected.'}</div>
            )}
          </div>
        </section>

        {a && a.kind === 'remote' && !info?.session && !readOnly && <CreateOrgPanel profileId={a.profileId} />}

        {a && <IdentityProviderPanel profileId={a.profileId} readOnly={readOnly} />}

        {a && <SessionPolicyPanel profileId={a.profileId} readOnly={readOnly} />}
        {a && idp && <SignInPanel profileId={a.profileId} issuer={idp.issuer} readOnly={readOnly} />}

        {a && a.kind === 'embedded' && <AcceptAsOsUserPanel readOnly={readOnly} />}

        {a && <RetentionPanel />}

        <section className="panel">
          <header>Profiles</header>
          <table className="grid" aria-label="Connection profiles">
            <thead>
              <tr>
                <th>Name</th>
                <th>Target</th>
                <th>TLS</th>
                <th>Password</th>
                <th>Signs in as</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {profiles.map((p) => (
                <tr key={p.id} data-testid={`profile-${p.name}`}>
                  <td>
                    {p.name} {p.active && <span className="pill accent">active</span>}
                    {tests[p.id] && <TestResultLine result={tests[p.id]!} />}
                  </td>
                  <td className="mono">{target(p)}</td>
                  <td>{p.kind === 'embedded' ? <span className="faint">loopback</span> : p.sslmode}</td>
                  <td>{p.passwordSet ? <span className="pill ok">in keychain</span> : <span className="pill bad">not set</span>}</td>
                  <td className="dim">{p.operatorEmail}</td>
                  <td>
                    <div className="row-actions">
                      <button className="btn small" onClick={() => void useConnections.getState().test(p.id, { id: p.id }).catch(report)} disabled={busy === `test:${p.id}`}>
                        {busy === `test:${p.id}` ? 'Testing…' : 'Test'}
                      </button>
                      <button className="btn small" onClick={() => void activate(p)} disabled={readOnly || p.active || busy === `activate:${p.id}`}>
                        {busy === `activate:${p.id}` ? 'Connecting…' : 'Activate'}
                      </button>
                      <button className="btn small" onClick={() => setEditing(p)} disabled={readOnly}>
                        Edit
                      </button>
                      {p.kind === 'remote' && (
                        <button className="btn small danger" onClick={() => setDeleting(p)} disabled={readOnly || p.active} title={p.active ? 'Switch to another profile first' : 'Delete'}>
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="body dim">
            Profile fields are saved in this workstation’s settings file; passwords only in the OS keychain ({info?.keychain.backend ?? 'keychain'}
            {info && !info.keychain.available ? ', unavailable' : ''}). For Supabase use the direct connection host, port 5432, user <code>postgres</code>, sslmode
            verify-full with Supabase’s CA certificate.
          </div>
        </section>
      </div>
      {editing && <ProfileForm profile={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel="Delete profile"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={() => {
            const p = deleting;
            setDeleting(null);
            void useConnections
              .getState()
              .remove(p.id)
              .then(() => toast('ok', `Deleted “${p.name}” and its keychain entries.`))
              .catch(report);
          }}
        >
          <p>
            The profile and its password in the OS keychain are removed from this workstation. The database itself is not touched. This cannot be undone; you would
            need the password again to re-add it.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
