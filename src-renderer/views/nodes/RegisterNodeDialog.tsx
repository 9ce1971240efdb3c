import { useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { RUNTIME_GROUPS, RUNTIME_LABELS } from '../../../src-shared/contract/grid';
import { call, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';

type Overview = Response<'grid.overview'>;

export function RegisterNodeDialog({ overview, onClose, onDone }: { overview: Overview; onClose: () => void; onDone: (nodeId: string) => void }) {
  const [siteId, setSiteId] = useState(overview.sites[0]?.id ?? '');
  const groups = overview.nodeGroups.filter((g) => g.siteId === siteId);
  const [groupId, setGroupId] = useState(groups[0]?.id ?? '');
  const [f, setF] = useState({ hostname: '', runtimeGroup: 'vllm', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGb: 640, capacityTokensPerS: 20000 });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      const r = await call('nodes.register', { siteId, nodeGroupId: groupId, ...f, runtimeGroup: f.runtimeGroup as (typeof RUNTIME_GROUPS)[number] });
      onDone(r.node.id);
    } catch (err) {
      if (err instanceof McClientError) setErrors(err.fields);
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const num = (k: 'gpuCount' | 'gpuMemoryGb' | 'capacityTokensPerS', label: string) => (
    <label className={`field ${errors[k] ? 'invalid' : ''}`}>
      <span>{label}</span>
      <input type="number" min={0} value={f[k]} name={k} onChange={(e) => setF({ ...f, [k]: Number(e.target.value) })} />
      {errors[k] && <span className="err">{errors[k]}</span>}
    </label>
  );
  return (
    <Dialog
      title="Register a node"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} disabled={busy || !siteId || !groupId} data-testid="register-node">
            {busy ? 'Registering…' : 'Register'}
          </button>
        </>
      }
    >
      {overview.sites.length === 0 ? (
        <p className="err">There are no sites yet: add a site first.</p>
      ) : (
        <>
          <div className="fields-row">
            <label className="field">
              <span>Site</span>
              <select
                value={siteId}
                name="siteId"
                onChange={(e) => {
                  setSiteId(e.target.value);
                  setGroupId(overview.nodeGroups.find((g) => g.siteId === e.target.value)?.id ?? '');
                }}
              >
                {overview.sites.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
            <label className={`field ${errors.nodeGroupId ? 'invalid' : ''}`}>
              <span>Node group</span>
              <select value={groupId} name="nodeGroupId" onChange={(e) => setGroupId(e.target.value)}>
                {groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
              {groups.length === 0 && <span className="err">This site has no node group yet.</span>}
            </label>
          </div>
          <div className="fields-row">
            <label className={`field ${errors.hostname ? 'invalid' : ''}`}>
              <span>Host name</span>
              <input autoFocus value={f.hostname} name="hostname" placeholder="fra-01-gpu11" onChange={(e) => setF({ ...f, hostname: e.target.value })} />
              {errors.hostname && <span className="err">{errors.hostname}</span>}
            </label>
            <label className="field">
              <span>Runtime group</span>
              <select value={f.runtimeGroup} name="runtimeGroup" onChange={(e) => setF({ ...f, runtimeGroup: e.target.value })}>
                {RUNTIME_GROUPS.map((r) => (
                  <option key={r} value={r}>
                    {RUNTIME_LABELS[r]}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="fields-row">
            <label className={`field ${errors.gpuModel ? 'invalid' : ''}`}>
              <span>GPU model</span>
              <input value={f.gpuModel} name="gpuModel" onChange={(e) => setF({ ...f, gpuModel: e.target.value })} />
              {errors.gpuModel && <span className="err">{errors.gpuModel}</span>}
            </label>
            {num('gpuCount', 'GPUs')}
          </div>
          <div className="fields-row">
            {num('gpuMemoryGb', 'GPU memory (GB, total)')}
            {num('capacityTokensPerS', 'Capacity (tokens/s)')}
          </div>
        </>
      )}
      {message && (
        <div className="err" role="alert">
          {message}
        </div>
      )}
    </Dialog>
  );
}
