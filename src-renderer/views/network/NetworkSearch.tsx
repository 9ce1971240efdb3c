import { forwardRef, useMemo, useState } from 'react';
import { useGrid } from '../../stores/grid-store';
import { useNetwork } from '../../stores/network-store';

interface Hit {
  kind: 'site' | 'node';
  id: string;
  siteId: string;
  label: string;
  detail: string;
}

const MAX_HITS = 8;

/** Jump to a site (by name, city or country) or a node (by hostname): selects it and flies there. */
export const NetworkSearch = forwardRef<HTMLInputElement>(function NetworkSearch(_props, ref) {
  const overview = useGrid((s) => s.overview);
  const nodes = useGrid((s) => s.nodes);
  const select = useNetwork((s) => s.select);
  const [q, setQ] = useState('');
  const [at, setAt] = useState(0);
  const hits = useMemo<Hit[]>(() => {
    const term = q.trim().toLowerCase();
    if (!term || !overview) return [];
    const out: Hit[] = [];
    for (const s of overview.sites) {
      if (`${s.name} ${s.city} ${s.country} ${s.key}`.toLowerCase().includes(term)) out.push({ kind: 'site', id: s.id, siteId: s.id, label: s.name, detail: `site · ${s.city || s.country}` });
      if (out.length >= MAX_HITS) return out;
    }
    const siteName = new Map(overview.sites.map((s) => [s.id, s.name]));
    for (const n of nodes) {
      if (n.hostname.toLowerCase().includes(term)) out.push({ kind: 'node', id: n.id, siteId: n.siteId, label: n.hostname, detail: `node · ${siteName.get(n.siteId) ?? ''}` });
      if (out.length >= MAX_HITS) break;
    }
    return out;
  }, [q, overview, nodes]);

  const pick = (h: Hit | undefined) => {
    if (!h) return;
    select({ kind: h.kind, id: h.id, siteId: h.siteId }, true);
    setQ('');
    (ref as React.RefObject<HTMLInputElement> | null)?.current?.blur();
  };

  return (
    <div className="net-search">
      <input
        ref={ref}
        type="search"
        placeholder="Jump to a site or node  /"
        aria-label="Jump to a site or node"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setAt(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setAt((i) => Math.min(hits.length - 1, i + 1));
          else if (e.key === 'ArrowUp') setAt((i) => Math.max(0, i - 1));
          else if (e.key === 'Enter') pick(hits[at]);
          else if (e.key === 'Escape') {
            setQ('');
            e.currentTarget.blur();
          } else return;
          e.preventDefault();
        }}
      />
      {q.trim() && (
        <ul className="net-hits" role="listbox" data-testid="search-hits">
          {hits.length === 0 && <li className="dim">No site or node matches “{q.trim()}”.</li>}
          {hits.map((h, i) => (
            <li key={`${h.kind}:${h.id}`} role="option" aria-selected={i === at} onMouseDown={(e) => e.preventDefault()} onClick={() => pick(h)}>
              <span>{h.label}</span> <span className="faint">{h.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
