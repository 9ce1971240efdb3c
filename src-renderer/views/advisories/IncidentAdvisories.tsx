import { useEffect, useState } from 'react';
import type { Advisory } from '../../../src-shared/contract/advisories';
import { call } from '../../bridge/client';
import { useUi } from '../../stores/ui-store';

/** On an incident's page: the advisories it was opened from (the other half of the two-way link). */
export function IncidentAdvisories({ incidentId }: { incidentId: string }) {
  const [list, setList] = useState<Advisory[]>([]);
  const navigate = useUi((s) => s.navigate);
  useEffect(() => {
    let live = true;
    // Nothing to show is the common case; a failed read shows nothing rather than a second error panel.
    call('advisories.ofIncident', { incidentId }).then(
      (r) => live && setList(r.advisories),
      () => live && setList([]),
    );
    return () => {
      live = false;
    };
  }, [incidentId]);
  if (list.length === 0) return null;
  return (
    <section className="panel" data-testid="incident-advisories">
      <header>Opened from advisory</header>
      <div className="body">
        {list.map((a) => (
          <div key={a.id}>
            <a href="#/advisories" onClick={(e) => (e.preventDefault(), navigate('advisories'))}>
              {a.checkLabel}: {a.subjectLabel}
            </a>{' '}
            <span className="dim">({a.state})</span>
          </div>
        ))}
      </div>
    </section>
  );
}
