import { useState } from 'react';
import { FlagScopeFields, type FlagScope, ORG_SCOPE } from './FlagScopeFields';
import type { FeatureFlag } from '../../../src-shared/contract/flags';
import { call } from '../../bridge/client';
import { ConfirmDialog } from '../../components/Dialog';
import { NoOrg } from '../../components/NoOrg';
import { ErrorState } from '../../components/States';
import { useChangeView } from '../change-view';
import { Time } from '../../components/Time';
import { startFlagsLive, useFlags } from '../../stores/flags-store';
import { canWrite, useSystem } from '../../stores/system-store';

/**
 * /flags: feature flags and kill switches. A flip is confirmed, audited with before and after, and
 * raises a change alert; readers (the gateway) fall to the safe default when they cannot read.
 */
export function FlagsView() {
  const { data, error } = useFlags();
  const info = useSystem((s) => s.info);
  const write = canWrite(info);
  const session = info?.session;
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  const [enabled, setEnabled] = useState(false);
  const [safeDefault, setSafeDefault] = useState(false);
  const [scope, setScope] = useState<FlagScope>(ORG_SCOPE);
  const [flip, setFlip] = useState<FeatureFlag | null>(null);
  const [remove, setRemove] = useState<FeatureFlag | null>(null);

  const { act } = useChangeView({ live: startFlagsLive, load: () => useFlags.getState().load(), newFieldId: 'flag-key' });

  if (!session) return <NoOrg title="Feature flags" what="Feature flags" />;
  if (error && !data) return <div className="view"><ErrorState title="Could not load feature flags" message={error} /></div>;
  if (!data) return <div className="view dim">Loading…</div>;

  return (
    <div className="view">
      <div className="view-head">
        <h1>Feature flags</h1>
        <span className="sub">{data.flags.length} settings · {data.flags.filter((f) => f.enabled).length} on</span>
      </div>
      <div className="stack">
        <section className="panel" data-testid="new-flag">
          <header>Add a flag or kill switch</header>
          <form
            className="body row wrap"
            onSubmit={(e) => {
              e.preventDefault();
              void act(() => call('flags.save', { key: key.trim(), description, enabled, safeDefault, scopeKind: scope.kind, scopeId: scope.id || null }).then(() => setKey('')), `Added “${key.trim()}”.`);
            }}
          >
            <label>
              Key <input id="flag-key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="e.g. model.llama-70b" maxLength={63} />
            </label>
            <label>
              Description <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />
            </label>
            <FlagScopeFields value={scope} onChange={setScope} />
            <label>
              <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> On
            </label>
            <label title="What readers use when they cannot read this flag">
              <input type="checkbox" checked={safeDefault} onChange={(e) => setSafeDefault(e.target.checked)} /> On when unreadable
            </label>
            <button className="btn primary" disabled={!write.ok || key.trim().length < 2 || (scope.kind !== 'org' && !scope.id)} title={write.why ?? undefined}>
              Add flag
            </button>
          </form>
        </section>
        <section className="panel" data-testid="flags">
          <header>Flags</header>
          {data.flags.length === 0 ? (
            <div className="body dim">No flag is set. Add one above; a reader asking for an unset flag gets its own safe default.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Scope</th>
                  <th>State</th>
                  <th>When unreadable</th>
                  <th>Description</th>
                  <th>Changed</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.flags.map((f) => (
                  <tr key={f.id} data-testid={`flag-${f.key}-${f.scopeKind}`} data-enabled={f.enabled}>
                    <td className="mono">{f.key}</td>
                    <td>{f.scopeKind === 'org' ? 'org-wide' : `${f.scopeKind} ${f.scopeName ?? f.scopeId}`}</td>
                    <td className={f.enabled ? 'ok' : 'dim'}>{f.enabled ? 'on' : 'off'}</td>
                    <td>{f.safeDefault ? 'on' : 'off'}</td>
                    <td>{f.description}</td>
                    <td>
                      <Time iso={f.updatedAt} /> {f.updatedBy ? `by ${f.updatedBy.name}` : ''}
                    </td>
                    <td className="row">
                      <button className="btn small" disabled={!write.ok} onClick={() => setFlip(f)}>
                        {f.enabled ? 'Turn off' : 'Turn on'}
                      </button>
                      <button className="btn small ghost" disabled={!write.ok} onClick={() => setRemove(f)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      {flip && (
        <ConfirmDialog
          title={`Turn ${flip.key} ${flip.enabled ? 'off' : 'on'}?`}
          confirmLabel={flip.enabled ? 'Turn off' : 'Turn on'}
          danger={flip.enabled}
          onClose={() => setFlip(null)}
          onConfirm={() => {
            const f = flip;
            setFlip(null);
            void act(
              () => call('flags.save', { id: f.id, key: f.key, description: f.description, scopeKind: f.scopeKind, scopeId: f.scopeId, enabled: !f.enabled, safeDefault: f.safeDefault, expectedVersion: f.version }),
              `${f.key} is ${f.enabled ? 'off' : 'on'}. Readers pick it up within seconds.`,
            );
          }}
        >
          Readers (the gateway) apply this within seconds. Turning it back is one more flip, also audited.
        </ConfirmDialog>
      )}
      {remove && (
        <ConfirmDialog
          title={`Delete ${remove.key} (${remove.scopeKind})?`}
          confirmLabel="Delete"
          danger
          onClose={() => setRemove(null)}
          onConfirm={() => {
            const f = remove;
            setRemove(null);
            void act(() => call('flags.delete', { id: f.id }), `Deleted ${f.key}; readers fall back to a wider scope or the safe default.`);
          }}
        >
          Readers fall back to a wider setting of this key, or to their safe default.
        </ConfirmDialog>
      )}
    </div>
  );
}
