import { RUNTIME_GROUPS, RUNTIME_LABELS, SITE_KIND_LABELS, SITE_KINDS } from '../../../src-shared/contract/grid';
import { filtersActive, type NetworkFilters as Filters } from '../../../src-shared/domain/network';
import { HEALTH_LABELS, HEALTH_STATES } from '../../../src-shared/domain/node-health';
import { useGrid } from '../../stores/grid-store';
import { useNetwork } from '../../stores/network-store';

function Chips<K extends keyof Filters>({ label, k, options }: { label: string; k: K; options: readonly { value: Filters[K][number]; label: string }[] }) {
  const chosen = useNetwork((s) => s.filters[k]) as readonly unknown[];
  const toggle = useNetwork((s) => s.toggleFilter);
  return (
    <span className="net-chips" role="group" aria-label={label}>
      <span className="faint">{label}</span>
      {options.map((o) => (
        <button key={String(o.value)} aria-pressed={chosen.includes(o.value)} onClick={() => toggle(k, o.value)} data-testid={`filter-${k}-${String(o.value)}`}>
          {o.label}
        </button>
      ))}
    </span>
  );
}

/** Filters shared by the map and the graph: none chosen in a row means all of that row. */
export function NetworkFilters() {
  const overview = useGrid((s) => s.overview);
  const corridors = overview?.corridors ?? [];
  const filters = useNetwork((s) => s.filters);
  const clear = useNetwork((s) => s.clearFilters);
  return (
    <div className="net-filters" data-testid="network-filters">
      <Chips label="Corridor" k="corridorIds" options={corridors.map((c) => ({ value: c.id, label: c.name }))} />
      <Chips label="Runtime" k="runtimeGroups" options={RUNTIME_GROUPS.map((r) => ({ value: r, label: RUNTIME_LABELS[r] }))} />
      <Chips label="Health" k="health" options={HEALTH_STATES.map((h) => ({ value: h, label: HEALTH_LABELS[h] }))} />
      <Chips label="Site kind" k="siteKinds" options={SITE_KINDS.map((k) => ({ value: k, label: SITE_KIND_LABELS[k] }))} />
      {filtersActive(filters) && (
        <button className="btn small" onClick={clear} data-testid="clear-filters">
          Clear filters
        </button>
      )}
    </div>
  );
}
