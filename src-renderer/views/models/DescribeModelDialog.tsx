import { useState } from 'react';
import type { CatalogEntry } from '../../../src-shared/contract/models';
import { TIER_LABELS } from '../../../src-shared/contract/sla';
import { TIERS, type Tier } from '../../../src-shared/domain/routing/types';
import { call, errorText } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { useModels } from '../../stores/models-store';
import { useUi } from '../../stores/ui-store';

/** Operator metadata on top of what runtimes report; routing obeys the tiers and the regulated flag. */
export function DescribeModelDialog({ model, onClose }: { model: CatalogEntry; onClose: () => void }) {
  const toast = useUi((s) => s.toast);
  const [displayName, setDisplayName] = useState(model.displayName ?? '');
  const [tiers, setTiers] = useState<Tier[]>([...model.allowedTiers]);
  const [regulatedOk, setRegulatedOk] = useState(model.regulatedOk);
  const [capabilities, setCapabilities] = useState(model.capabilities.join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      await call('models.setMeta', {
        modelId: model.id,
        displayName: displayName.trim() || null,
        allowedTiers: tiers,
        regulatedOk,
        capabilities: capabilities.split(',').map((c) => c.trim()).filter(Boolean),
      });
      toast('ok', `${model.id} described.`);
      await useModels.getState().load();
      onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title={`Describe ${model.id}`}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" data-testid="save-model" disabled={busy} onClick={() => void submit()}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <label className="field">
        <span>Display name</span>
        <input name="displayName" autoFocus value={displayName} maxLength={200} onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      <fieldset className="field">
        <span>Offered to tiers (routing refuses the others)</span>
        {TIERS.map((t) => (
          <label key={t}>
            <input type="checkbox" name={`tier-${t}`} checked={tiers.includes(t)} onChange={(e) => setTiers(e.target.checked ? [...tiers, t] : tiers.filter((x) => x !== t))} /> {TIER_LABELS[t]}
          </label>
        ))}
      </fieldset>
      <label>
        <input type="checkbox" name="regulatedOk" checked={regulatedOk} onChange={(e) => setRegulatedOk(e.target.checked)} /> Suitable for regulated workloads
      </label>
      <label className="field">
        <span>Capabilities</span>
        <input name="capabilities" value={capabilities} placeholder="chat, tools, vision" onChange={(e) => setCapabilities(e.target.value)} />
      </label>
      {error && (
        <div className="err" role="alert">
          {error}
        </div>
      )}
    </Dialog>
  );
}
