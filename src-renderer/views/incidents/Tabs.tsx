import { useUi } from '../../stores/ui-store';

/** "#/incidents/policies" is the policies page; any other parameter is an incident id. */
export const POLICIES = 'policies';

/** The two pages of the view, as tabs in each page's head. */
export function IncidentsTabs({ current }: { current: 'list' | 'policies' }) {
  const navigate = useUi((s) => s.navigate);
  return (
    <span className="tabs" role="group" aria-label="Incidents pages">
      <button aria-pressed={current === 'list'} onClick={() => navigate('incidents')}>
        Incidents
      </button>
      <button aria-pressed={current === 'policies'} onClick={() => navigate('incidents', POLICIES)} data-testid="policies-tab">
        Escalation policies
      </button>
    </span>
  );
}
