import { useEffect } from 'react';
import { Choice } from '../../components/Choice';
import { selectCorridors, selectSites, useGrid } from '../../stores/grid-store';
import { useRuntimes } from '../../stores/runtimes-store';

export interface Target {
  corridorId: string;
  siteIds: string[];
  runtimeGroup: string;
}
export const ORG_WIDE: Target = { corridorId: '', siteIds: [], runtimeGroup: '' };

/**
 * A deployment run's target: the whole org or one corridor, optionally some of its sites, and
 * optionally one runtime group (the groups the connected runtimes serve are offered). The canary
 * checks the alerts of exactly this target, so it is picked, not typed.
 */
export function DeploymentTargetFields({ value, onChange }: { value: Target; onChange: (t: Target) => void }) {
  const corridors = useGrid(selectCorridors);
  const sites = useGrid(selectSites);
  const runtimes = useRuntimes((s) => s.runtimes);
  useEffect(() => {
    if (!useGrid.getState().overview) void useGrid.getState().load();
    if (!useRuntimes.getState().runtimes) void useRuntimes.getState().load();
  }, []);
  const groups = [...new Set((runtimes ?? []).map((r) => r.runtimeGroup))].sort();
  const inCorridor = sites.filter((s) => s.corridorId === value.corridorId);
  const toggleSite = (id: string, on: boolean) => onChange({ ...value, siteIds: on ? [...value.siteIds, id] : value.siteIds.filter((x) => x !== id) });

  return (
    <>
      <label>
        Corridor{' '}
        <Choice label="Target corridor" value={value.corridorId} onChange={(id) => onChange({ ...value, corridorId: id, siteIds: [] })} options={corridors} none="all corridors" />
      </label>
      {value.corridorId && (
        <fieldset className="row wrap" data-testid="target-sites">
          <legend className="faint">Sites ({value.siteIds.length === 0 ? 'all of the corridor' : `${value.siteIds.length} chosen`})</legend>
          {inCorridor.map((s) => (
            <label key={s.id}>
              <input type="checkbox" checked={value.siteIds.includes(s.id)} onChange={(e) => toggleSite(s.id, e.target.checked)} /> {s.name}
            </label>
          ))}
        </fieldset>
      )}
      <label>
        Runtime group{' '}
        <Choice label="Target runtime group" value={value.runtimeGroup} onChange={(g) => onChange({ ...value, runtimeGroup: g })} options={groups.map((g) => ({ id: g, name: g }))} none="all" />
      </label>
    </>
  );
}

/** How a run's target reads in the ledger: "EU · 2 sites · vllm", "all". */
export function targetText(r: { corridorName: string | null; siteIds: readonly string[]; runtimeGroup: string | null }): string {
  const parts = [r.corridorName ?? 'all corridors'];
  if (r.siteIds.length > 0) parts.push(`${r.siteIds.length} site${r.siteIds.length === 1 ? '' : 's'}`);
  if (r.runtimeGroup) parts.push(r.runtimeGroup);
  return parts.join(' · ');
}
