import { useMemo, useState } from 'react';
import { useUi } from '../stores/ui-store';
import { buildCommands, type Command } from './commands';
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
  const list = all.filter((c) => matches(c, q)).slice(0, 60);
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
          placeholder="Type a command or a view…"
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
