import { useEffect, useMemo, useState } from 'react';
import type { Corridor } from '../../../src-shared/contract/grid';
import { REGION_LABELS, SAFETY_STATES, SITE_KIND_LABELS } from '../../../src-shared/contract/grid';
import { call, errorText } from '../../bridge/client';
import { EmptyState, ErrorState } from '../../components/States';
import { startGridLive, useGrid } from '../../stores/grid-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { AddSiteDialog } from '../nodes/AddSiteDialog';
import { PolicyDialog } from './PolicyDialog';

const SAFETY_LABELS: Record<(typeof SAFETY_STATES)[number], string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  passed: 'Passed',
  failed: 'Failed',
};

/**
 * Corridors with their residency policies, and each corridor's sites with their safety-checklist
 * state. Admins add corridors and change policies; operators add sites and record safety checks.
 */
export function CorridorsView() {
  const { overview, loaded, error } = useGrid();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const toast = useUi((s) => s.toast);
  const navigate = useUi((s) => s.navigate);
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState<Corridor | 'new' | null>(null);
  const [addingSite, setAddingSite] = useState(false);
  const write = canWrite(info);
  const isAdmin = info?.session?.role === 'admin' && !info.readOnly;
  const session = info?.session;

  useEffect(() => startGridLive(), []);
  useEffect(() => {
    if (session) void useGrid.getState().load();
  }, [session?.orgId, epoch]);

  const corridor = overview?.corridors.find((c) => c.id === selected) ?? overview?.corridors[0] ?? null;
  const sites = useMemo(() => (overview?.sites ?? []).filter((s) => s.corridorId === corridor?.id), [overview, corridor]);

  if (!session) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Corridors</h1>
        </div>
        <EmptyState title="No org to show">Corridors appear once Mission Control is connected and signed in to an org.</EmptyState>
      </div>
    );
  }
  if (error && !loaded) return <div className="view"><ErrorState title="Could not load corridors" message={error} /></div>;

  return (
    <div className="view">
      <div className="view-head">
        <h1>Corridors</h1>
        <span className="sub">Where sites may be, and what must stay there</span>
        <div className="actions">
          <button className="btn" disabled={!write.ok || !overview} title={write.why ?? 'Add a site to a corridor'} onClick={() => setAddingSite(true)}>
            Add site
          </button>
          <button className="btn primary" disabled={!isAdmin} title={isAdmin ? 'Add a customer-defined corridor' : 'Only admins add corridors'} onClick={() => setEditing('new')}>
            Add corridor
          </button>
        </div>
      </div>
      {loaded && overview?.corridors.length === 0 && (
        <EmptyState title="No corridors yet">An admin adds corridors (Add corridor); each has a residency policy its sites must satisfy.</EmptyState>
      )}
      {overview && overview.corridors.length > 0 && (
        <div className="split" style={{ gridTemplateColumns: '360px minmax(0, 1fr)' }}>
          <div className="stack">
            {overview.corridors.map((c) => (
              <section
                key={c.id}
                className="panel"
                data-testid={`corridor-${c.key}`}
                aria-selected={c.id === corridor?.id}
                style={{ cursor: 'pointer', outline: c.id === corridor?.id ? '2px solid var(--accent)' : undefined }}
                onClick={() => setSelected(c.id)}
              >
                <header>
                  {c.name} <span className="pill">{REGION_LABELS[c.region]}</span>
                  <div className="actions">
                    <button
                      className="btn small"
                      disabled={!isAdmin}
                      title={isAdmin ? 'Change the residency policy' : 'Only admins change policies'}
                      onClick={(e) => {
                        e.stopPropagation();
                        setEditing(c);
                      }}
                    >
                      Edit policy
                    </button>
                  </div>
                </header>
                <div className="body">
                  <dl className="kv">
                    <dt>Allowed</dt>
                    <dd data-testid="allowed">{c.policy.allowedCountries.length ? c.policy.allowedCountries.join(', ') : <span className="dim">any country not blocked</span>}</dd>
                    <dt>Blocked</dt>
                    <dd>{c.policy.blockedCountries.join(', ') || <span className="dim">none</span>}</dd>
                    <dt>Regulated</dt>
                    <dd>{c.policy.regulatedWorkloads.join(', ') || <span className="dim">none</span>}</dd>
                    <dt>Audit</dt>
                    <dd>{c.policy.auditRequirement ?? <span className="dim">none</span>}</dd>
                    <dt>Size</dt>
                    <dd>
                      {c.siteCount} sites · {c.nodeCount} nodes
                    </dd>
                  </dl>
                </div>
              </section>
            ))}
          </div>
          <section className="panel" data-testid="corridor-sites">
            <header>{corridor ? `${corridor.name}: sites` : 'Sites'}</header>
            {sites.length === 0 ? (
              <div className="body dim">No sites in this corridor yet.</div>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th>Site</th>
                    <th>Kind</th>
                    <th>Country</th>
                    <th>Owner</th>
                    <th className="num">Nodes</th>
                    <th>Safety checklist</th>
                  </tr>
                </thead>
                <tbody>
                  {sites.map((s) => (
                    <tr key={s.id} data-testid={`site-${s.key}`}>
                      <td>
                        <a
                          href="#/nodes"
                          onClick={(e) => {
                            e.preventDefault();
                            useGrid.getState().clearFilters();
                            useGrid.getState().setFilter('siteId', s.id);
                            navigate('nodes');
                          }}
                        >
                          {s.name}
                        </a>
                      </td>
                      <td>{SITE_KIND_LABELS[s.kind]}</td>
                      <td>
                        {s.country} <span className="faint">{s.city}</span>
                      </td>
                      <td>{s.ownerName}</td>
                      <td className="num">{s.nodeCount}</td>
                      <td>
                        <select
                          aria-label={`Safety checklist of ${s.name}`}
                          value={s.safetyChecklist}
                          disabled={!write.ok}
                          onChange={(e) => {
                            const state = e.target.value as (typeof SAFETY_STATES)[number];
                            call('grid.setSiteSafety', { siteId: s.id, state })
                              .then(() => {
                                toast('ok', `${s.name}: safety checklist ${SAFETY_LABELS[state].toLowerCase()}.`);
                                void useGrid.getState().load();
                              })
                              .catch((err: unknown) => toast('error', errorText(err)));
                          }}
                        >
                          {SAFETY_STATES.map((st) => (
                            // Passed is earned by completing the site safety checklist, not picked here.
                            <option key={st} value={st} disabled={st === 'passed' && s.safetyChecklist !== 'passed'}>
                              {SAFETY_LABELS[st]}
                              {st === 'passed' && s.safetyChecklist !== 'passed' ? ' (complete the checklist)' : ''}
                            </option>
                          ))}
                        </select>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      )}
      {editing && (
        <PolicyDialog
          corridor={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            toast('ok', editing === 'new' ? 'Corridor added.' : 'Residency policy changed.');
            void useGrid.getState().load();
          }}
        />
      )}
      {addingSite && overview && (
        <AddSiteDialog
          overview={overview}
          onClose={() => setAddingSite(false)}
          onDone={() => {
            setAddingSite(false);
            toast('ok', 'Site added.');
            void useGrid.getState().load();
          }}
        />
      )}
    </div>
  );
}
