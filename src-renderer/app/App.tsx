import { lazy, Suspense, useEffect } from 'react';
import { Toasts } from '../components/Toasts';
import { useSystem } from '../stores/system-store';
import { useUi } from '../stores/ui-store';
import { AlertsView } from '../views/alerts/AlertsView';
import { AuditView } from '../views/audit/AuditView';
import { ChecklistsView } from '../views/checklists/ChecklistsView';
import { ConnectionsView } from '../views/connections/ConnectionsView';
import { CorridorsView } from '../views/corridors/CorridorsView';
import { IncidentsView } from '../views/incidents/IncidentsView';
import { KeysView } from '../views/keys/KeysView';
import { CustomersView } from '../views/customers/CustomersView';
import { DeploymentsView } from '../views/deployments/DeploymentsView';
import { FlagsView } from '../views/flags/FlagsView';
import { MembersView } from '../views/members/MembersView';
import { DrillsView } from '../views/drills/DrillsView';
import { PayoutsView } from '../views/payouts/PayoutsView';
import { BackupsView } from '../views/backups/BackupsView';
import { RunbooksView } from '../views/runbooks/RunbooksView';
import { CredentialsView } from '../views/credentials/CredentialsView';
import { MigrationsView } from '../views/migrations/MigrationsView';
import { NodesView } from '../views/nodes/NodesView';
import { ObservabilityView } from '../views/observability/ObservabilityView';
import { OperatorView } from '../views/operator/OperatorView';
import { ReadinessView } from '../views/readiness/ReadinessView';
import { StatusView } from '../views/status/StatusView';
import { RuntimesView } from '../views/runtimes/RuntimesView';
import { ModelsView } from '../views/models/ModelsView';
import { RoutingView } from '../views/routing/RoutingView';
import { SlaView } from '../views/sla/SlaView';
import { UsageView } from '../views/usage/UsageView';
import { Banners } from './Banners';
import { CommandPalette } from './CommandPalette';
import { Nav } from './Nav';
import { useGlobalShortcuts } from './shortcuts';
import { ShortcutHelp } from './ShortcutHelp';
import { TopBar } from './TopBar';
import { AdvisoriesView } from '../views/advisories/AdvisoriesView';
import { LockScreen } from '../views/session/LockScreen';
import { startActivityReporter } from '../stores/session-store';

// deck.gl, React Flow and the basemap are large: they load when the Network view first opens.
const NetworkView = lazy(() => import('../views/network/NetworkView'));

let hashCheckedAtStart = false;

export function App() {
  const route = useUi((s) => s.route);
  const theme = useUi((s) => s.theme);
  const paletteOpen = useUi((s) => s.paletteOpen);
  const helpOpen = useUi((s) => s.helpOpen);
  const version = useSystem((s) => s.info?.appVersion ?? null);
  // While locked or signed out, nothing behind the lock screen takes focus or clicks.
  const clockState = useSystem((s) => s.info?.sessionClock?.state ?? null);
  const covered = clockState === 'locked' || (clockState === 'ended' && route !== 'connections');
  useEffect(() => startActivityReporter(), []);
  useGlobalShortcuts();

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    const onHash = () => useUi.getState().syncFromHash();
    // Once at start too: a bookmarked or typed address naming no view is said, not silently ignored
    // (once per page, though React's strict mode runs effects twice in development).
    if (!hashCheckedAtStart) {
      hashCheckedAtStart = true;
      onHash();
    }
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  return (
    <>
    <div className="shell" inert={covered}>
      <TopBar />
      <Nav version={version} />
      <main>
        <Banners />
        {route === 'status' && <StatusView />}
        {route === 'operator' && <OperatorView />}
        {route === 'network' && (
          <Suspense fallback={<div className="view dim body">Loading the map…</div>}>
            <NetworkView />
          </Suspense>
        )}
        {route === 'incidents' && <IncidentsView />}
        {route === 'alerts' && <AlertsView />}
        {route === 'observability' && <ObservabilityView />}
        {route === 'checklists' && <ChecklistsView />}
        {route === 'readiness' && <ReadinessView />}
        {route === 'corridors' && <CorridorsView />}
        {route === 'nodes' && <NodesView />}
        {route === 'customers' && <CustomersView />}
        {route === 'keys' && <KeysView />}
        {route === 'audit' && <AuditView />}
        {route === 'connections' && <ConnectionsView />}
        {route === 'runtimes' && <RuntimesView />}
        {route === 'models' && <ModelsView />}
        {route === 'routing' && <RoutingView />}
        {route === 'sla' && <SlaView />}
        {route === 'deployments' && <DeploymentsView />}
        {route === 'flags' && <FlagsView />}
        {route === 'migrations' && <MigrationsView />}
        {route === 'members' && <MembersView />}
        {route === 'drills' && <DrillsView />}
        {route === 'runbooks' && <RunbooksView />}
        {route === 'usage' && <UsageView />}
        {route === 'payouts' && <PayoutsView />}
        {route === 'backups' && <BackupsView />}
        {route === 'advisories' && <AdvisoriesView />}
        {route === 'credentials' && <CredentialsView />}
      </main>
      {paletteOpen && <CommandPalette />}
      {helpOpen && <ShortcutHelp />}
      <Toasts />
    </div>
    <LockScreen />
    </>
  );
}
