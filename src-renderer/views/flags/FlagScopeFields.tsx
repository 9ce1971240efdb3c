import { useEffect } from 'react';
import { Choice } from '../../components/Choice';
import type { FLAG_SCOPES } from '../../../src-shared/contract/flags';
import { selectCorridors, useGrid } from '../../stores/grid-store';
import { useSla } from '../../stores/sla-store';

export interface FlagScope {
  kind: (typeof FLAG_SCOPES)[number];
  /** The corridor's or customer's id; empty for org-wide. */
  id: string;
}
export const ORG_SCOPE: FlagScope = { kind: 'org', id: '' };

/**
 * Where a flag applies: org-wide, one corridor or one customer (a kill switch can refuse a
 * corridor or a customer). A reader takes the narrowest setting that exists, so a corridor's
 * setting overrides the org's. Picked from what exists, never typed.
 */
export function FlagScopeFields({ value, onChange }: { value: FlagScope; onChange: (s: FlagScope) => void }) {
  const corridors = useGrid(selectCorridors);
  const customers = useSla((s) => s.data?.customers);
  useEffect(() => {
    if (!useGrid.getState().overview) void useGrid.getState().load();
    if (!useSla.getState().data) void useSla.getState().load();
  }, []);
  const options = value.kind === 'corridor' ? corridors.map((c) => ({ id: c.id, name: c.name })) : value.kind === 'customer' ? (customers ?? []).map((c) => ({ id: c.id, name: c.name })) : [];

  return (
    <>
      <label>
        Scope{' '}
        <select aria-label="Flag scope" value={value.kind} onChange={(e) => onChange({ kind: e.target.value as FlagScope['kind'], id: '' })}>
          <option value="org">org-wide</option>
          <option value="corridor">one corridor</option>
          <option value="customer">one customer</option>
        </select>
      </label>
      {value.kind !== 'org' && (
        <label>
          {value.kind === 'corridor' ? 'Corridor' : 'Customer'}{' '}
          <Choice
            label={value.kind === 'corridor' ? 'Flag corridor' : 'Flag customer'}
            value={value.id}
            onChange={(id) => onChange({ ...value, id })}
            options={options}
            none={options.length === 0 ? (value.kind === 'customer' ? 'no customer yet (add one in SLA)' : 'no corridor yet') : 'choose…'}
          />
        </label>
      )}
    </>
  );
}
