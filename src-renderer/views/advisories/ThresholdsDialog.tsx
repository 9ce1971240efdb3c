import { useState } from 'react';
import type { AdvisoryThresholds } from '../../../src-shared/domain/advisories';
import { call } from '../../bridge/client';
import { useAdvisories } from '../../stores/advisories-store';
import { Field, FormDialog, FormMessage, useSubmit } from '../incidents/parts';

export const THRESHOLD_LABELS: Record<keyof AdvisoryThresholds, string> = {
  keyStaleDays: 'Node key stale after (days unused)',
  keyExpiryWarnDays: 'Warn before a node key expires (days)',
  nodeSilentMinutes: 'Node silent after (minutes without telemetry)',
  signingKeyMaxAgeDays: 'Rotate the audit signing key after (days)',
  backupMaxAgeHours: 'Backup overdue after (hours)',
  restoreDrillMaxAgeDays: 'Restore drill overdue after (days)',
  overCommitMinutes: 'Over committed capacity in at least (minutes of the last 60)',
};

/** Admins set the org's thresholds; the server checks each bound and audits what changed. */
export function ThresholdsDialog({ current, onClose }: { current: AdvisoryThresholds; onClose: () => void }) {
  const [values, setValues] = useState<Record<keyof AdvisoryThresholds, string>>(
    Object.fromEntries(Object.entries(current).map(([k, v]) => [k, String(v)])) as Record<keyof AdvisoryThresholds, string>,
  );
  const { problem, busy, run } = useSubmit();
  const errors = problem?.fields ?? {};
  const submit = () =>
    void run(async () => {
      const thresholds = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number(v)])) as unknown as AdvisoryThresholds;
      await call('advisories.saveThresholds', { thresholds });
      await useAdvisories.getState().load();
      onClose();
    });
  return (
    <FormDialog title="Advisory thresholds" onClose={onClose} onSubmit={submit} hint="save" busy={busy} testId="save-thresholds" submitLabel={busy ? 'Saving…' : 'Save thresholds'}>
      {(Object.keys(THRESHOLD_LABELS) as (keyof AdvisoryThresholds)[]).map((k) => (
        <Field key={k} label={THRESHOLD_LABELS[k]} error={errors[`thresholds.${k}`] ?? errors[k]}>
          <input name={k} type="number" min={1} step={1} value={values[k]} onChange={(e) => setValues({ ...values, [k]: e.target.value })} />
        </Field>
      ))}
      <p className="dim">The next scan applies them.</p>
      <FormMessage problem={problem} shownFields={['thresholds']} />
    </FormDialog>
  );
}
