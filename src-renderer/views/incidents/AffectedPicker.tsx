import { useEffect, useMemo, useState } from 'react';
import type { AffectedKind } from '../../../src-shared/domain/incident-lifecycle';
import { useGrid } from '../../stores/grid-store';

export interface Picked {
  kind: AffectedKind;
  id: string;
  name: string;
}

interface Candidate extends Picked {
  context: string;
  haystack: string;
}

const SHOWN = 60;
export const KIND_WORDS: Record<AffectedKind, string> = { corridor: 'corridor', site: 'site', node: 'node' };

/**
 * Choose corridors, sites and nodes. Corridors and sites are listed at once; nodes (hundreds or
 * thousands) only when searched for, by host name, site, city or country. ↑/↓ and Enter pick.
 */
export function AffectedPicker({ value, onChange, exclude, error }: { value: Picked[]; onChange: (next: Picked[]) => void; exclude?: ReadonlySet<string>; error?: string | undefined }) {
  const overview = useGrid((s) => s.overview);
  const nodes = useGrid((s) => s.nodes);
  const gridError = useGrid((s) => s.error);
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);

  useEffect(() => {
    if (!useGrid.getState().loaded) void useGrid.getState().load();
  }, []);

  const candidates = useMemo(() => {
    if (!overview) return [] as Candidate[];
    const corridors = new Map(overview.corridors.map((c) => [c.id, c.name]));
    const sites = new Map(overview.sites.map((s) => [s.id, s]));
    const all: Candidate[] = [
      ...overview.corridors.map((c) => ({ kind: 'corridor' as const, id: c.id, name: c.name, context: `${c.siteCount} sites · ${c.nodeCount} nodes` })),
      ...overview.sites.map((s) => ({ kind: 'site' as const, id: s.id, name: s.name, context: `${s.city ? `${s.city}, ` : ''}${s.country} · ${corridors.get(s.corridorId) ?? ''}` })),
      ...nodes.map((n) => {
        const site = sites.get(n.siteId);
        return { kind: 'node' as const, id: n.id, name: n.hostname, context: `${site?.name ?? ''}${site ? ` · ${site.city}, ${site.country}` : ''} · ${n.gpuCount}× ${n.gpuModel}` };
      }),
    ].map((c) => ({ ...c, haystack: `${c.name} ${c.context} ${c.kind}`.toLowerCase() }));
    return all;
  }, [overview, nodes]);

  const chosen = useMemo(() => new Set(value.map((v) => `${v.kind}:${v.id}`)), [value]);
  const { shown, more } = useMemo(() => {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = candidates.filter(
      (c) => !chosen.has(`${c.kind}:${c.id}`) && !exclude?.has(`${c.kind}:${c.id}`) && (words.length === 0 ? c.kind !== 'node' : words.every((w) => c.haystack.includes(w))),
    );
    return { shown: matches.slice(0, SHOWN), more: Math.max(0, matches.length - SHOWN) };
  }, [candidates, q, chosen, exclude]);

  const add = (c: Picked) => {
    onChange([...value, { kind: c.kind, id: c.id, name: c.name }]);
    setActive(0);
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, Math.min(shown.length - 1, a + (e.key === 'ArrowDown' ? 1 : -1))));
    } else if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && shown[active]) {
      e.preventDefault();
      add(shown[active]);
    }
  };

  return (
    <div className={`picker ${error ? 'invalid' : ''}`} data-wide>
      {value.length > 0 && (
        <div className="chips" data-testid="affected-chosen">
          {value.map((v) => (
            <span key={`${v.kind}:${v.id}`} className="chip">
              <span className="faint">{KIND_WORDS[v.kind]}</span> {v.name}
              <button type="button" className="btn ghost small" aria-label={`Remove ${v.name}`} onClick={() => onChange(value.filter((x) => !(x.kind === v.kind && x.id === v.id)))}>
                ✕
              </button>
            </span>
          ))}
        </div>
      )}
      <input
        type="search"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        placeholder="Search corridors, sites and nodes: host, site, city, country"
        aria-label="Search corridors, sites and nodes"
        data-testid="affected-search"
      />
      <ul className="picker-results" role="listbox" aria-label="Matching corridors, sites and nodes">
        {!overview && <li className="dim">{gridError ?? 'Loading the grid…'}</li>}
        {overview && shown.length === 0 && <li className="dim">{q ? 'Nothing matches.' : 'Every corridor and site is chosen; search for nodes.'}</li>}
        {shown.map((c, i) => (
          <li
            key={`${c.kind}:${c.id}`}
            role="option"
            aria-selected={i === active}
            onMouseDown={(e) => {
              e.preventDefault();
              add(c);
            }}
            onMouseEnter={() => setActive(i)}
            data-testid={`affected-option-${c.name}`}
          >
            <span className="pill">{KIND_WORDS[c.kind]}</span> <span className={c.kind === 'node' ? 'mono' : ''}>{c.name}</span> <span className="faint">{c.context}</span>
          </li>
        ))}
      </ul>
      <div className="faint small">{more > 0 ? `${more} more match: type more to narrow.` : !q ? `Type to find nodes among ${nodes.length}.` : ''}</div>
      {error && <div className="err">{error}</div>}
    </div>
  );
}
