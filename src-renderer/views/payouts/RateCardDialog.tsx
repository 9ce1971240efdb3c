import { useState } from 'react';
import type { RateCard } from '../../../src-shared/contract/payouts';
import { call } from '../../bridge/client';
import { usePayouts } from '../../stores/payouts-store';
import { useUi } from '../../stores/ui-store';
import { Field, FormDialog, FormMessage, useSubmit } from '../incidents/parts';

const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
const text = (v: number | undefined) => (v === undefined ? '' : String(v));

/**
 * A new rate card version, prefilled from the newest. Saving never changes an earlier version:
 * estimates exported with it stay what they were.
 */
export function RateCardDialog({ onClose }: { onClose: () => void }) {
  const cards = usePayouts((s) => s.cards);
  const toast = useUi((s) => s.toast);
  const base: RateCard | undefined = cards?.versions[0];
  const classes = [...new Set([...(cards?.gpuClasses ?? []), ...(base?.gpuHourRates.map((r) => r.gpuClass) ?? [])])];
  const [currency, setCurrency] = useState(base?.currency ?? 'EUR');
  const [classRates, setClassRates] = useState<Record<string, string>>(() => Object.fromEntries(classes.map((c) => [c, text(base?.gpuHourRates.find((r) => r.gpuClass === c)?.rate)])));
  const [defaultRate, setDefaultRate] = useState(text(base?.defaultGpuHourRate));
  const [perMillion, setPerMillion] = useState(text(base?.perMillionTokens));
  const [perKwh, setPerKwh] = useState(text(base?.energyPerKwh));
  const [slaPolicyId, setSlaPolicyId] = useState(base?.slaPolicyId ?? cards?.slaPolicies[0]?.id ?? '');
  const [perPoint, setPerPoint] = useState(text(base?.creditPctPerPoint ?? 5));
  const [cap, setCap] = useState(text(base?.maxCreditPct ?? 20));
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const { problem, busy, run } = useSubmit();
  const errors = problem?.fields ?? {};

  const submit = () =>
    void run(async () => {
      const gpuHourRates = Object.entries(classRates)
        .filter(([, v]) => v.trim() !== '')
        .map(([gpuClass, v]) => ({ gpuClass, rate: num(v) }));
      const r = await call('payouts.saveRateCard', {
        currency: currency.trim().toUpperCase(),
        gpuHourRates,
        defaultGpuHourRate: num(defaultRate),
        perMillionTokens: num(perMillion),
        energyPerKwh: num(perKwh),
        slaPolicyId,
        creditPctPerPoint: num(perPoint),
        maxCreditPct: num(cap),
        note,
        ...(reason.trim() ? { reason } : {}),
      });
      usePayouts.getState().saved(r.rateCard);
      toast('ok', `Rate card version ${r.rateCard.version} saved; estimates now use it. Earlier versions stay as they were.`);
      onClose();
    });

  return (
    <FormDialog title={base ? `New rate card version (after v${base.version})` : 'First rate card'} onClose={onClose} onSubmit={submit} hint="save" busy={busy} testId="save-rate-card" submitLabel={busy ? 'Saving…' : 'Save new version'}>
      <Field label="Currency (ISO code)" error={errors.currency}>
        <input autoFocus name="currency" value={currency} maxLength={3} onChange={(e) => setCurrency(e.target.value)} />
      </Field>
      <div className="field">
        <span>Per GPU-hour by GPU class (empty: the default rate)</span>
        {classes.length === 0 && <span className="faint small">No node registered yet: every class will use the default rate.</span>}
        {classes.map((c, i) => (
          <label key={c} className="inline" style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
            <span style={{ minWidth: 140 }}>{c}</span>
            <input name={`gpuRate-${c}`} inputMode="decimal" value={classRates[c] ?? ''} onChange={(e) => setClassRates({ ...classRates, [c]: e.target.value })} aria-label={`Rate per GPU-hour for ${c}`} />
            {errors[`gpuHourRates.${i}.rate`] && <span className="err">{errors[`gpuHourRates.${i}.rate`]}</span>}
          </label>
        ))}
        {errors.gpuHourRates && <span className="err">{errors.gpuHourRates}</span>}
      </div>
      <Field label="Per GPU-hour, any other class" error={errors.defaultGpuHourRate}>
        <input name="defaultGpuHourRate" inputMode="decimal" value={defaultRate} onChange={(e) => setDefaultRate(e.target.value)} />
      </Field>
      <Field label="Per million tokens served" error={errors.perMillionTokens}>
        <input name="perMillionTokens" inputMode="decimal" value={perMillion} onChange={(e) => setPerMillion(e.target.value)} />
      </Field>
      <Field label="Energy pass-through per kWh" error={errors.energyPerKwh}>
        <input name="energyPerKwh" inputMode="decimal" value={perKwh} onChange={(e) => setPerKwh(e.target.value)} />
      </Field>
      <Field label="Availability measured against (SLA policy’s uptime target)" error={errors.slaPolicyId}>
        <select name="slaPolicyId" value={slaPolicyId} onChange={(e) => setSlaPolicyId(e.target.value)}>
          {cards && cards.slaPolicies.length === 0 && <option value="">No SLA policy yet: install the defaults in the SLA view</option>}
          {cards?.slaPolicies.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.uptimeTargetPct} %)
            </option>
          ))}
        </select>
      </Field>
      <Field label="Credit per percentage point below target (% of GPU and token amounts)" error={errors.creditPctPerPoint}>
        <input name="creditPctPerPoint" inputMode="decimal" value={perPoint} onChange={(e) => setPerPoint(e.target.value)} />
      </Field>
      <Field label="Credit cap (%)" error={errors.maxCreditPct}>
        <input name="maxCreditPct" inputMode="decimal" value={cap} onChange={(e) => setCap(e.target.value)} />
      </Field>
      <Field label="Note (what changed, the agreement it follows)" error={errors.note}>
        <textarea name="note" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
      </Field>
      <Field label="Reason (in the audit log)">
        <input name="reason" value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} />
      </Field>
      <FormMessage problem={problem} shownFields={['currency', 'gpuHourRates', 'defaultGpuHourRate', 'perMillionTokens', 'energyPerKwh', 'slaPolicyId', 'creditPctPerPoint', 'maxCreditPct', 'note']} />
    </FormDialog>
  );
}
