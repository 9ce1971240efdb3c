import { TIER_LABELS } from '../../../src-shared/contract/sla';
import { TIERS, type Tier } from '../../../src-shared/domain/routing/types';
import { Field } from '../incidents/parts';

/** A customer's tier and home corridor: the same two fields in Customers and in the SLA view's quick add. */
export function TierField({ value, onChange, error }: { value: Tier; onChange: (t: Tier) => void; error?: string | undefined }) {
  return (
    <Field label="Tier" error={error}>
      <select name="tier" value={value} onChange={(e) => onChange(e.target.value as Tier)}>
        {TIERS.map((t) => (
          <option key={t} value={t}>
            {TIER_LABELS[t]}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function HomeCorridorField({ value, onChange, corridors, error }: { value: string; onChange: (id: string) => void; corridors: readonly { id: string; name: string }[]; error?: string | undefined }) {
  return (
    <Field label="Home corridor" error={error}>
      <select name="home" value={value} onChange={(e) => onChange(e.target.value)}>
        {corridors.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </Field>
  );
}
