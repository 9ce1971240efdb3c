import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useRunbooks } from '../../stores/runbooks-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';

export function RunbookList() {
  const { list, error } = useRunbooks();
  const navigate = useUi((s) => s.navigate);
  useViewKeys({ r: () => void useRunbooks.getState().loadList() });
  return (
    <div className="view">
      <div className="view-head">
        <h1>Runbooks</h1>
        <span className="sub">{list ? `${list.length} runbook(s) · follow one from an incident (Follow runbook)` : ''}</span>
      </div>
      {error && !list ? (
        <ErrorState title="Could not load runbooks" message={error} />
      ) : !list ? (
        <div className="dim">Loading…</div>
      ) : list.length === 0 ? (
        <EmptyState title="No runbook yet">
          The five built-in runbooks (system down, data loss, security breach, database connection pool exhausted, high queue backlog) are installed the
          first time a workstation of an admin, operator or incident commander connects to this org. Connect as one of them, then press <kbd>r</kbd>.
        </EmptyState>
      ) : (
        <section className="panel" data-testid="runbooks">
          <table className="grid">
            <thead>
              <tr>
                <th>Runbook</th>
                <th>Steps</th>
                <th>Version</th>
                <th>Last saved</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id} onClick={() => navigate('runbooks', r.id)} data-testid={`runbook-${r.key}`}>
                  <td>
                    <a href={`#/runbooks/${r.id}`}>{r.title}</a> {r.builtin && <span className="pill">built-in</span>}
                  </td>
                  <td>{r.steps}</td>
                  <td>v{r.version}</td>
                  <td>
                    <Time iso={r.updatedAt} /> by {r.updatedBy}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
