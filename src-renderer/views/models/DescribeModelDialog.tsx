import { useState } from 'react';
import type { CatalogEntry } from '../../../src-shared/contract/models';
import { TIER_LABELS } from '../../../src-shared/contract/sla';
import { TIERS, type Tier } from '../../../src-shared/domain/routing/types';
import { call } from '../../bridge/client';
import { useModels } from '../../stores/models-store';
import { useUi } from '../../stores/ui-store';
import { Field, FormDialog, FormMessage, useSubmit } from '../incidents/parts';

/** Operator metadata on top of what runtimes report; routing obeys the tiers and the regulated flag. */
export function DescribeModelDialog({ model, onClose }: { model: CatalogEntry; onClose: () => void }) {
  const toast = useUi((s) => s.toast);
  const [displayName, setDisplayName] = useState(model.displayName ?? '');
  const [tiers, setTiers] = useState<Tier[]>([...model.allowedTiers]);
  const [regulatedOk, setRegulatedOk] = useState(model.regulatedOk);
  const [capabilities, setCapabilities] = useState(model.capabilities.join(', '));
  const { busy, problem, run } = useSubmit();

  const submit = () =>
    run(async () => {
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
    });

  return (
    <FormDialog title={`Describe ${model.id}`} onClose={onClose} onSubmit={() => void submit()} submitLabel={busy ? 'Saving…' : 'Save'} hint="saves" busy={busy} testId="save-model">
      <Field label="Display name">
        <input name="displayName" autoFocus value={displayName} maxLength={200} onChange={(e) => setDisplayName(e.target.value)} />
      </Field>
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
      <Field label="Capabilities">
        <input name="capabilities" value={capabilities} placeholder="chat, tools, vision" onChange={(e) => setCapabilities(e.target.value)} />
      </Field>
      <FormMessage problem={problem} shownFields={[]} />
    </FormDialog>
  );
}
