import { useEffect, useMemo, useState } from 'react';
import { rollup } from '../../../src-shared/domain/component-status';
import { SEVERITY_LABELS } from '../../../src-shared/domain/incident-lifecycle';
import { corridorHealth, corridorHealthLabel, corridorSignals, runningCounts } from '../../../src-shared/domain/corridor-health';
import { drainedSitesByCorridor, drainedSitesLabel, siteFigures } from '../../../src-shared/domain/network';
import { relative } from '../../components/Time';
import { useBlocking } from '../../stores/blocking-store';
import { useGrid } from '../../stores/grid-store';
import { useNetwork } from '../../stores/network-store';
import { startStatusLive, useStatus } from '../../stores/status-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { CorridorMap } from './CorridorMap';

function Clock() {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="wall-clock">
      {now.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}
      <span className="faint"> UTC {now.toISOString().slice(11, 16)}</span>
    </div>
  );
}

/**
 * The wall display: the map across the screen and, beside it, what a room needs to read from a
 * distance: the rolled-up status, each corridor's state and health, and the open critical and high
 * incidents. No navigation, nothing to click by accident; Esc leaves. Made for the browser host's
 * read-only mode.
 */
export function WallDisplay() {
  const navigate = useUi((s) => s.navigate);
  const readOnly = useSystem((s) => s.info?.readOnly ?? false);
  const components = useStatus((s) => s.components);
  const statusLoaded = useStatus((s) => s.loaded);
  const statusError = useStatus((s) => s.error);
  const epoch = useSystem((s) => s.epoch);
  const sessionKey = useSystem((s) => (s.info?.session ? `${s.info.session.orgId}:${s.info.session.operatorId}` : null));
  const blocking = useBlocking((s) => s.blocking);
  const overview = useGrid((s) => s.overview);
  const nodes = useGrid((s) => s.nodes);
  const overlay = useNetwork((s) => s.overlay);

  useEffect(() => {
    document.documentElement.dataset.wall = 'on';
    const stop = startStatusLive();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') navigate('network');
    };
    addEventListener('keydown', onKey);
    return () => {
      delete document.documentElement.dataset.wall;
      stop();
      removeEventListener('keydown', onKey);
    };
  }, []);

  // As the Status view does: (re)load whenever the session or the database connection changes, so
  // a wall that came up while the database was still connecting catches up by itself.
  useEffect(() => {
    if (!sessionKey) return;
    void useStatus.getState().load();
    void useBlocking.getState().load();
  }, [sessionKey, epoch]);

  const r = rollup(components);
  const corridors = useMemo(() => {
    // The one corridor definition (src-shared/domain/corridor-health), as Operator and the graph use it.
    const signals = corridorSignals(overlay?.corridors ?? []);
    // Drained sites, from node records as the map draws them: a room reads a corridor's reduced
    // capacity here without hovering the map.
    const drained = drainedSitesByCorridor(siteFigures(overview?.sites ?? [], nodes));
    return (overview?.corridors ?? []).map((c) => {
      const h = corridorHealth({ counts: runningCounts(nodes.filter((n) => n.corridorId === c.id)), ...signals.get(c.id) });
      return { id: c.id, name: c.name, h, label: corridorHealthLabel(h), drained: drainedSitesLabel(drained.get(c.id)) };
    });
  }, [overview, nodes, overlay]);

  return (
    <div className="wall" data-testid="wall-display" data-read-only={readOnly}>
      <CorridorMap big />
      <aside className="wall-side">
        <Clock />
        <div className={`wall-rollup state-${r.state}`} data-testid="wall-rollup" data-state={r.state}>
          {statusError ? 'Status unavailable' : statusLoaded ? r.headline : 'Loading status…'}
          {statusError && <div className="wall-sub">{statusError}</div>}
          {r.incidentLevel > 0 && <div className="wall-sub">{r.incidentLevel === 1 ? '1 incident-level component' : `${r.incidentLevel} incident-level components`}</div>}
        </div>
        <section>
          <h2>Corridors</h2>
          <ul className="wall-corridors" data-testid="wall-corridors">
            {corridors.map((c) => (
              <li key={c.id} className={`health-${c.h.health}`} data-health={c.h.health} data-basis={c.h.basis} title={c.h.explain}>
                <i className="dot" aria-hidden="true" />
                <span className="name">{c.name}</span>
                <span className="num">{c.h.score === null ? '—' : `${Math.round(c.h.score)}`}</span>
                {c.h.health !== 'healthy' && <span className="wall-state">{c.label}</span>}
                {c.drained && (
                  <span className="wall-drained" data-testid="wall-drained">
                    {c.drained}
                  </span>
                )}
              </li>
            ))}
          </ul>
          <div className="faint">Health score; the state beside it decides (a declared state wins)</div>
        </section>
        <section>
          <h2>Open critical and high incidents</h2>
          {blocking.length === 0 ? (
            <div className="wall-none" data-testid="wall-incidents">
              None
            </div>
          ) : (
            <ul className="wall-incidents" data-testid="wall-incidents">
              {blocking.slice(0, 6).map((i) => (
                <li key={i.id} className={`sev-${i.severity}`}>
                  <span className="ref">{i.ref}</span> {i.title}
                  <div className="wall-sub">
                    {SEVERITY_LABELS[i.severity]} · opened {relative(i.openedAt)} · {i.acknowledged ? `acknowledged by ${i.acknowledged.by.name}` : 'not acknowledged'}
                  </div>
                </li>
              ))}
              {blocking.length > 6 && <li className="faint">and {blocking.length - 6} more</li>}
            </ul>
          )}
        </section>
        <div className="faint wall-exit">Esc leaves the wall display</div>
      </aside>
    </div>
  );
}
