import { useState } from 'react';
import { RUNTIME_KINDS, RUNTIME_KIND_LABELS } from '../../../src-shared/contract/runtimes';
import { call } from '../../bridge/client';
import { selectSites, useGrid } from '../../stores/grid-store';
import { useUi } from '../../stores/ui-store';
import { Field, FormDialog, FormMessage, fieldError, useSubmit } from '../incidents/parts';

/**
 * Connect a runtime (rollout step 3): the main process tests the endpoint, detects its kind and
 * version, lists its models and registers it; nothing is stored if any of that fails. The API
 * key goes to this workstation's keychain and is never shown again.
 */
export function ConnectRuntimeDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const nodes = useGrid((s) => s.nodes).filter((n) => n.lifecycle !== 'retired');
  const sites = useGrid(selectSites);
  const gridLoaded = useGrid((s) => s.loaded);
  const gridError = useGrid((s) => s.error);
  const toast = useUi((s) => s.toast);
  // Until the operator picks, the first node (also when the grid finishes loading after the dialog
  // opened: the select shows its first option, so that is what is sent).
  const [picked, setNodeId] = useState('');
  const nodeId = picked || (nodes[0]?.id ?? '');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [kind, setKind] = useState<'' | (typeof RUNTIME_KINDS)[number]>('');
  const [apiKey, setApiKey] = useState('');
  const { busy, problem, run } = useSubmit();
  const f = (k: string) => fieldError(problem?.fields ?? {}, k);

  // Until the grid has loaded there is no node to pick: submitting then would only be refused.
  const noNode = !gridLoaded ? 'Loading nodes…' : nodes.length === 0 ? (gridError ? `Could not load nodes: ${gridError}` : 'No node yet: register one under Nodes first.') : null;

  const submit = () =>
    run(async () => {
      if (noNode) return;
      const r = await call('runtimes.connect', { nodeId, name: name || baseUrl, baseUrl, kind: kind || null, apiKey: apiKey || null, runtimeGroup: kind === 'openai' || !kind ? 'vllm' : kind });
      toast('ok', `Connected ${RUNTIME_KIND_LABELS[r.runtime.kind]} ${r.runtime.version ?? ''} on ${r.runtime.hostname}: ${r.runtime.models.length} model(s).`);
      onDone();
      onClose();
    });

  return (
    <FormDialog title="Connect a runtime" onClose={onClose} onSubmit={() => void submit()} submitLabel={busy ? 'Testing the endpoint…' : 'Test and connect'} hint="tests and connects" busy={busy} disabled={busy || noNode !== null} testId="connect-submit">
      <Field label="Node" error={f('nodeId')}>
        <select value={nodeId} onChange={(e) => setNodeId(e.target.value)} aria-label="Node" disabled={noNode !== null} data-testid="connect-node">
          {noNode !== null && <option value="">{noNode}</option>}
          {nodes.map((n) => (
            <option key={n.id} value={n.id}>
              {n.hostname} ({sites.find((x) => x.id === n.siteId)?.name ?? 'unknown site'})
            </option>
          ))}
        </select>
      </Field>
      <Field label="Address" error={f('baseUrl')}>
        <input name="baseUrl" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="http://10.0.0.5:8000" autoFocus />
      </Field>
      <Field label="Kind">
        <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} aria-label="Kind">
          <option value="">Detect</option>
          {RUNTIME_KINDS.map((k) => (
            <option key={k} value={k}>
              {RUNTIME_KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Name" error={f('name')}>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="fra vLLM" maxLength={120} />
      </Field>
      <Field label="API key (optional; kept in this workstation’s keychain)">
        <input name="apiKey" type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
      </Field>
      <FormMessage problem={problem} shownFields={['nodeId', 'baseUrl', 'name']} />
    </FormDialog>
  );
}
