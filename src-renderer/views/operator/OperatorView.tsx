import { EmptyState } from '../../components/States';

/** Placeholder until the view is built. */
export function OperatorView() {
  return (
    <div className="view">
      <div className="view-head">
        <h1>Operator</h1>
      </div>
      <EmptyState title="Coming next">This view is being built.</EmptyState>
    </div>
  );
}
