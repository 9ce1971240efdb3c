import { EmptyState } from './States';

/** Before a connection and sign-in there is nothing to show, and the view says so. */
export function NoOrg({ title, what = title }: { title: string; what?: string }) {
  return (
    <div className="view">
      <div className="view-head">
        <h1>{title}</h1>
      </div>
      <EmptyState title="No org to show">{what} appear once Mission Control is connected and signed in to an org.</EmptyState>
    </div>
  );
}
