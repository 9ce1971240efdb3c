import { useEffect, useMemo, useState } from 'react';
import { useGrid } from '../stores/grid-store';
import { useIncidents } from '../stores/incidents-store';
import { useSystem } from '../stores/system-store';
import { useUi } from '../stores/ui-store';
import { buildCommands, type Command, entityCommands } from './commands';
import { Keys } from './Keys';

function matches(c: Command, q: string): boolean {
  if (!q) return true;
  const hay = `${c.group} ${c.label}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .every((w) => hay.includes(w));
}

export function CommandPalette() {
  const setPalette = useUi((s) => s.setPalette);
  const [q, setQ] = useState('');
  const [index, setIndex] = useState(0);
  const all = useMemo(() => buildCommands(), []);
  // What there is to jump to: loaded on first use if no view has loaded it yet.
  const signedIn = useSystem((s) => !!s.info?.session);
  const nodes = useGrid((s) => s.nodes);
  const sites = useGrid((s) => s.overview?.sites);
  const incidents = useIncidents((s) => s.list?.incidents);
  useEffect(() => {
    if (!signedIn) return;
    if (!useGrid.getState().loaded) void useGrid.getState().load();
    if (!useIncidents.getState().list) void useIncidents.getState().loadList();
  }, [signedIn]);
  const entities = useMemo(() => entityCommands(nodes, sites ?? [], incidents ?? []), [nodes, sites, incidents]);
  const list = (q.trim() ? [...all, ...entities] : all).filter((c) => matches(c, q)).slice(0, 60);
  const run = (c: Command | undefined) => {
    if (!c) return;
    setPalette(false);
    c.run();
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      setPalette(false);
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      setIndex((i) => Math.min(i + 1, list.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setIndex((i) => Math.max(i - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      run(list[index]);
    }
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && setPalette(false)}>
      <div className="palette" role="dialog" aria-modal="true" aria-label="Command palette">
        <input
          autoFocus
          placeholder="Type a command, a view, or a node, site or incident to jump to…"
          value={q}
          onChange={(e) => {
            setQ(e.target.value);
            setIndex(0);
          }}
          onKeyDown={onKeyDown}
          aria-controls="palette-list"
          aria-activedescendant={list[index] ? `cmd-${list[index].id}` : undefined}
        />
        <ul id="palette-list" role="listbox">
          {list.length === 0 && <li className="dim">No command matches “{q}”.</li>}
          {list.map((c, i) => (
            <li
              key={c.id}
              id={`cmd-${c.id}`}
              role="option"
              aria-selected={i === index}
              onMouseEnter={() => setIndex(i)}
              onClick={() => run(c)}
            >
              <span className="group">{c.group}</span>
              <span>{c.label}</span>
              {c.keys[0] && <Keys keys={c.keys[0]} />}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
