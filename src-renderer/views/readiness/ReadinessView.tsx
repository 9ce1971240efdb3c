import { useEffect, useState } from 'react';
import type { ReadinessSubject } from '../../../src-shared/contract/checklists';
import { errorText } from '../../bridge/client';
import { EmptyState, ErrorState } from '../../components/States';
import { startChecklistsLive } from '../../stores/checklists-store';
import { startReadinessLive, useReadiness } from '../../stores/readiness-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import '../../styles/checklists.css';
import { viewKey } from '../../app/shortcuts';
import { NoOrg } from '../../components/NoOrg';
import { AddPilotDialog } from './AddPilotDialog';
import { GatePage } from './GatePage';
import { SubjectsTable } from './SubjectsTable';

/**
 * /readiness: every corridor and customer pilot with its go-live gates and whether it is ready;
 * /readiness/<gateRunId>: one gate set, gate by gate, and the admin's decision.
 */
export function ReadinessView() {
  const param = useUi((s) => s.param);
  const session = useSystem((s) => s.info?.session);
  const epoch = useSystem((s) => s.epoch);

  useEffect(() => startReadinessLive(), []);
  useEffect(() => startChecklistsLive({ list: false }), []);
  useEffect(() => {
    if (!session) return;
    void useReadiness.getState().load();
    void useReadiness.getState().loadMembers();
  }, [session?.orgId, epoch]);

  if (!session) return <NoOrg title="Readiness" />;
  return param ? <GatePage runId={param} /> : <ReadinessList />;
}

function ReadinessList() {
  const overview = useReadiness((s) => s.overview);
  const error = useReadiness((s) => s.error);
  const members = useReadiness((s) => s.members);
  const info = useSystem((s) => s.info);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const [adding, setAdding] = useState(false);
  const [preparing, setPreparing] = useState<string | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      if (e.key === 'r') {
        e.preventDefault();
        void useReadiness.getState().load();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const prepare = async (s: ReadinessSubject) => {
    setPreparing(s.id);
    try {
      const subject = await useReadiness.getState().prepare(s);
      toast('ok', `${subject.name}: go-live gates set up.`);
      if (subject.gateRunId) navigate('readiness', subject.gateRunId);
    } catch (err) {
      toast('error', `Could not set up the gates of ${s.name}: ${errorText(err)}`);
    } finally {
      setPreparing(null);
    }
  };

  if (!overview && error) return <div className="view"><ErrorState title="Could not load readiness" message={`${error} Press r to try again; check Connections if it persists.`} /></div>;
  if (!overview) return <div className="view dim">Loading…</div>;

  const isAdmin = info?.session?.role === 'admin';
  return (
    <div className="view">
      <div className="view-head">
        <h1>Readiness</h1>
        <span className="sub">Go-live gates per corridor and customer pilot</span>
        <div className="actions">
          <button
            className="btn primary"
            disabled={!write.ok || overview.corridors.length === 0}
            title={write.why ?? (overview.corridors.length === 0 ? 'Add a corridor first' : 'Add a customer pilot with its acceptance gates')}
            onClick={() => setAdding(true)}
            data-testid="add-pilot"
          >
            Add customer pilot
          </button>
        </div>
      </div>
      <p className="dim" data-testid="readiness-rule">
        A corridor or pilot can be marked ready or live only when every gate is passed or waived.{' '}
        {isAdmin ? 'As an admin you make that decision on its gate set, with a reason.' : 'Only admins make that decision; operators pass and waive gates.'}
      </p>
      <div className="stack">
        <section className="panel" data-testid="readiness-corridors">
          <header>
            Corridors <span className="faint">({overview.corridors.length})</span>
          </header>
          {overview.corridors.length === 0 ? (
            <EmptyState title="No corridors yet">An admin adds corridors on the Corridors page; each then gets its go-live gates here.</EmptyState>
          ) : (
            <SubjectsTable subjects={overview.corridors} write={write} preparing={preparing} onPrepare={(s) => void prepare(s)} />
          )}
        </section>
        <section className="panel" data-testid="readiness-pilots">
          <header>
            Customer pilots <span className="faint">({overview.pilots.length})</span>
          </header>
          {overview.pilots.length === 0 ? (
            <EmptyState title="No customer pilots yet">
              {write.ok ? 'Add one (Add customer pilot, above): its acceptance gates are set up with it.' : 'Operators and admins add customer pilots here.'}
            </EmptyState>
          ) : (
            <SubjectsTable subjects={overview.pilots} write={write} preparing={preparing} onPrepare={(s) => void prepare(s)} />
          )}
        </section>
      </div>
      {adding && (
        <AddPilotDialog
          corridors={overview.corridors}
          members={members}
          onClose={() => setAdding(false)}
          onDone={(subject) => {
            setAdding(false);
            toast('ok', `${subject.name}: pilot added with its acceptance gates.`);
            if (subject.gateRunId) navigate('readiness', subject.gateRunId);
          }}
        />
      )}
    </div>
  );
}
