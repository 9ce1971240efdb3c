import { VIEW_IDS, VIEWS } from '../../../src-shared/navigation';

/**
 * A link to the view where a step's action is done. Views built on other branches (backups,
 * credentials) that this build does not have are named, not linked, so nobody clicks into nothing.
 */
export function ViewLink({ view, label, kind = 'action' }: { view: string; label: string; kind?: 'action' | 'source' }) {
  if (!(VIEW_IDS as readonly string[]).includes(view)) {
    return (
      <span className="faint" title={`The ${view} view is not in this build yet`} data-testid={`${kind}-missing-${view}`}>
        {label} ({view}: not in this build)
      </span>
    );
  }
  const v = VIEWS.find((x) => x.id === view)!;
  return (
    <a href={`#/${view}`} title={`Open ${v.label} (g ${v.key})`} data-testid={`${kind}-${view}`}>
      {label}
    </a>
  );
}

export function StepAction({ action }: { action: { view: string; label: string } | null }) {
  if (!action) return null;
  return (
    <div className="rb-action">
      <span className="faint">Action:</span> <ViewLink view={action.view} label={`${action.label} →`} />
    </div>
  );
}
