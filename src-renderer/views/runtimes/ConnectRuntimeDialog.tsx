import { useState } from 'react';
import { RUNTIME_KINDS, RUNTIME_KIND_LABELS } from '../../../src-shared/contract/runtimes';
import { call, errorText } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { useGrid } from '../../stores/grid-store';
import { useUi } from '../../stores/ui-store';

/**
 * Connect a runtime (rollout step 3): the main process tests the endpoint, detects its kind and
 * version, lists its models and registers it; nothing is stored if any of that fails. The API
 * key goes to this workstation's keychain and is never shown again.
 */
export function ConnectRuntimeDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const nodes = useGrid((s) => s.nodes).filter((n) => n.lifecycle !== 'retired');
  const sites = useGrid((s) => s.overview?.sites ?? []);
  const toast = useUi((s) => s.toast);
  const [nodeId, setNodeId] = useState(nodes[0]?.id ?? '');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [kind, setKind] = useState<'' | (typeof RUNTIME_KINDS)[number]>('');
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const r = await call('runtimes.connect', { nodeId, name: name || baseUrl, baseUrl, kind: kind || null, apiKey: apiKey || null, runtimeGroup: kind === 'openai' || !kind ? 'vllm' : kind });
      toast('ok', `Connected ${RUNTIME_KIND_LABELS[r.runtime.kind]} ${r.runtime.version ?? ''} on ${r.runtime.hostname}: ${r.runtime.models.length} model(s).`);
      onDone();
      onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title="Connect a runtime"
      onClose={onClose}
      footer={
        <>
          <button className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" data-testid="connect-submit" disabled={busy || !nodeId || baseUrl.trim().length < 8} onClick={() => void submit()}>
            {busy ? 'Testing the endpoint…' : 'Test and connect'}
          </button>
        </>
      }
    >
      <>
        <label className="field">
          <span>Node</span>
          <select value={nodeId} onChange={(e) => setNodeId(e.target.value)} aria-label="Node">
            {nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.hostname} ({sites.find((x) => x.id === n.siteId)?.name ?? 'unknown site'})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Address</span>
          <input name="baseUrl" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="http://10.0.0.5:8000" autoFocus />
        </label>
        <label className="field">
          <span>Kind</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} aria-label="Kind">
            <option value="">Detect</option>
            {RUNTIME_KINDS.map((k) => (
              <option key={k} value={k}>
                {RUNTIME_KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Name</span>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="fra vLLM" maxLength={120} />
        </label>
        <label className="field">
          <span>API key (optional; kept in this workstation’s keychain)</span>
          <input name="apiKey" type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
        </label>
        {error && (
          <div className="err" role="alert" data-testid="connect-error">
            {error}
          </div>
        )}
      </>
    </Dialog>
  );
}
