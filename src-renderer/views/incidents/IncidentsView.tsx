import { EmptyState } from '../../components/States';

/** Placeholder until the view is built. */
export function IncidentsView() {
  return (
    <div className="view">
      <div className="view-head">
        <h1>Incidents</h1>
      </div>
      <EmptyState title="Coming next">This view is being built.</EmptyState>
    </div>
  );
}
