import { STATE_LABELS } from '../../src-shared/domain/component-status';
import type { Response } from '../../src-shared/contract';
import { useAudit } from '../stores/audit-store';
import { useNetwork } from '../stores/network-store';
import { useStatus } from '../stores/status-store';
import { useSession } from '../stores/session-store';
import { useUi } from '../stores/ui-store';
import { ROUTES, type RouteId } from './routes';

export interface Command {
  id: string;
  group: string;
  label: string;
  /** Each entry is one way to press it, e.g. ['g', 's'] (a sequence) or ['Alt+1']. */
  keys: string[][];
  run(): void;
}

/** Opens the set-state dialog from anywhere (the Status view listens). */
export const openSetState = (componentId: string) => {
  useUi.getState().navigate('status');
  window.dispatchEvent(new CustomEvent('mc:set-state', { detail: componentId }));
};

/**
 * An action for the thing on screen (the open incident or node): kept for that view when it is
 * shown, otherwise asked of the view's list, which says what it needs.
 */
const actOn = (route: RouteId, action: string) => {
  const ui = useUi.getState();
  if (ui.route === route && ui.param) useUi.setState({ pendingAction: { route, action } });
  else ui.requestAction(route, action);
};

export function buildCommands(): Command[] {
  const ui = useUi.getState();
  const nav: Command[] = ROUTES.map((r) => ({
    id: `go:${r.id}`,
    group: 'Go to',
    label: r.label,
    keys: r.digit ? [['g', r.key], [`Alt+${r.digit}`]] : [['g', r.key]],
    run: () => ui.navigate(r.id),
  }));
  const actions: Command[] = [
    { id: 'palette', group: 'App', label: 'Command palette', keys: [['Ctrl+K']], run: () => ui.setPalette(true) },
    { id: 'help', group: 'App', label: 'Keyboard shortcuts', keys: [['?']], run: () => ui.setHelp(true) },
    { id: 'theme', group: 'App', label: `Switch to ${ui.theme === 'dark' ? 'light' : 'dark'} theme`, keys: [['Alt+T']], run: () => ui.toggleTheme() },
    {
      id: 'audit:verify',
      group: 'Audit',
      label: 'Verify the audit chain',
      keys: [],
      run: () => {
        ui.navigate('audit');
        void useAudit.getState().verify();
      },
    },
    { id: 'audit:export-bundle', group: 'Audit', label: 'Export an evidence bundle (a period, an incident or drill, a corridor)', keys: [], run: () => ui.requestAction('audit', 'export-bundle') },
    { id: 'audit:open-bundle', group: 'Audit', label: 'Open an evidence bundle (verify it, no database needed)', keys: [], run: () => ui.requestAction('audit', 'open-bundle') },
    { id: 'network:wall', group: 'Network', label: 'Wall display: full-screen map and status', keys: [], run: () => ui.navigate('network', 'wall') },
    { id: 'connections:add', group: 'Connections', label: 'Add a connection profile', keys: [], run: () => ui.requestAction('connections', 'add-profile') },
    { id: 'incidents:new', group: 'Incidents', label: 'Open a new incident or failover drill', keys: [], run: () => ui.requestAction('incidents', 'new-incident') },
    { id: 'incidents:acknowledge', group: 'Incidents', label: 'Acknowledge the open (or selected) incident', keys: [['a']], run: () => actOn('incidents', 'acknowledge') },
    { id: 'incidents:resolve', group: 'Incidents', label: 'Resolve the open (or selected) incident', keys: [], run: () => actOn('incidents', 'resolve') },
    { id: 'incidents:map', group: 'Incidents', label: 'Show the open incident’s blast radius on the map', keys: [['m']], run: () => actOn('incidents', 'show-on-map') },
    { id: 'incidents:impact', group: 'Incidents', label: 'Customer impact of the open incident (routing what-if of what it affects)', keys: [['i']], run: () => actOn('incidents', 'customer-impact') },
    { id: 'customers:new', group: 'Customers', label: 'New customer', keys: [], run: () => ui.requestAction('customers', 'new-customer') },
    { id: 'keys:issue-customer-key', group: 'Keys', label: 'New customer API key (issue a live or test key; admins)', keys: [], run: () => ui.requestAction('keys', 'issue-customer-key') },
    { id: 'usage:reconcile', group: 'Usage', label: 'Reconcile today’s metering with the API logs and runtime counters', keys: [], run: () => ui.requestAction('usage', 'reconcile') },
    { id: 'checklists:daily', group: 'Checklists', label: 'Open (or start) today’s daily checklist', keys: [], run: () => ui.requestAction('operator', 'start-daily') },
    { id: 'telemetry:validate', group: 'Telemetry', label: 'Run telemetry validation on the open node', keys: [], run: () => actOn('nodes', 'validate-telemetry') },
    { id: 'payouts:export-csv', group: 'Payouts', label: 'Export the payout estimate as CSV (one row per owner × site)', keys: [], run: () => ui.requestAction('payouts', 'export-csv') },
    { id: 'payouts:rate-card', group: 'Payouts', label: 'New rate card version (admins)', keys: [], run: () => ui.requestAction('payouts', 'edit-rate-card') },
    { id: 'credentials:rotate-all', group: 'Credentials', label: 'Rotate all credentials (compromise or scheduled; admins)', keys: [], run: () => ui.requestAction('credentials', 'rotate-all') },
    { id: 'session:lock', group: 'Session', label: 'Lock the screen', keys: [['Ctrl+L']], run: () => void useSession.getState().lock() },
  ];
  const components: Command[] = useStatus.getState().components.map((c) => ({
    id: `state:${c.id}`,
    group: 'Set state',
    label: `${c.name} (now ${c.state ? STATE_LABELS[c.state].toLowerCase() : 'no data'})`,
    keys: [],
    run: () => openSetState(c.id),
  }));
  return [...nav, ...actions, ...components];
}

export const VIEW_SHORTCUTS: { view: string; keys: string[]; label: string }[] = [
  { view: 'Nodes', keys: ['/'], label: 'Search nodes' },
  { view: 'Nodes', keys: ['j', 'k'], label: 'Next / previous node' },
  { view: 'Nodes', keys: ['Enter'], label: 'Open the selected node' },
  { view: 'Keys', keys: ['r'], label: 'Refresh' },
  { view: 'Status', keys: ['j', '↓'], label: 'Next component' },
  { view: 'Status', keys: ['k', '↑'], label: 'Previous component' },
  { view: 'Status', keys: ['Enter', 'e'], label: 'Set the selected component’s state' },
  { view: 'Set state', keys: ['1 … 5'], label: 'Choose a state' },
  { view: 'Set state', keys: ['Ctrl+Enter'], label: 'Apply' },
  { view: 'Audit log', keys: ['v'], label: 'Verify the chain' },
  { view: 'Audit log', keys: ['b'], label: 'Export an evidence bundle' },
  { view: 'Audit log', keys: ['o'], label: 'Open an evidence bundle and verify it' },
  { view: 'Audit log', keys: ['j', 'k'], label: 'Next / previous event' },
  { view: 'Audit log', keys: ['Enter'], label: 'Read the selected event in full' },
  { view: 'Audit log', keys: ['/'], label: 'Filter by text in the reason or data' },
  { view: 'Operator', keys: ['d'], label: 'Open (or start) today’s checklist' },
  { view: 'Network', keys: ['1', '2', '3'], label: 'Map and graph, map only, graph only' },
  { view: 'Network', keys: ['/'], label: 'Search a site or node' },
  { view: 'Network', keys: ['x'], label: 'Collapse the graph' },
  { view: 'Network', keys: ['Tab'], label: 'Move through the graph’s boxes' },
  { view: 'Network', keys: ['Enter'], label: 'Select the focused box (the map and site panel follow)' },
  { view: 'Network', keys: ['+', '−'], label: 'Expand / collapse the focused box' },
  { view: 'Network', keys: ['f'], label: 'Fit the map to the shown sites' },
  { view: 'Network', keys: ['w'], label: 'Wall display (Esc leaves)' },
  { view: 'Network', keys: ['Esc'], label: 'Close the site panel' },
  { view: 'Incidents', keys: ['n'], label: 'Open a new incident' },
  { view: 'Incidents', keys: ['j', 'k'], label: 'Next / previous incident' },
  { view: 'Incidents', keys: ['Enter'], label: 'Open the selected incident' },
  { view: 'Incidents', keys: ['a'], label: 'Acknowledge the selected (or open) incident' },
  { view: 'Incidents', keys: ['c'], label: 'Take command of the open incident (admins: take over, asking why)' },
  { view: 'Incidents', keys: ['f'], label: 'Follow a runbook (on an open incident)' },
  { view: 'Incidents', keys: ['r'], label: 'Refresh' },
  { view: 'Incidents', keys: ['Esc'], label: 'Back to the list' },
  { view: 'Customers', keys: ['n'], label: 'New customer' },
  { view: 'Customers', keys: ['l'], label: 'Change the org request limit (admins)' },
  { view: 'Customers', keys: ['j', 'k'], label: 'Next / previous customer' },
  { view: 'Customers', keys: ['Enter'], label: 'Open the selected customer' },
  { view: 'Customers', keys: ['e'], label: 'Edit the open customer’s terms, limits and contacts' },
  { view: 'Customers', keys: ['r'], label: 'Refresh' },
  { view: 'Customers', keys: ['Esc'], label: 'Back to the list' },
  { view: 'Runtimes', keys: ['c'], label: 'Connect a runtime' },
  { view: 'Runtimes', keys: ['r'], label: 'Refresh' },
  { view: 'Models', keys: ['j'], label: 'Show / hide the catalog as OpenAI JSON' },
  { view: 'Models', keys: ['r'], label: 'Refresh' },
  { view: 'Routing', keys: ['s'], label: 'Simulate the request' },
  { view: 'Routing', keys: ['r'], label: 'Refresh the recent decisions' },
  { view: 'Usage', keys: ['r'], label: 'Reconcile today' },
  { view: 'Usage', keys: ['s'], label: 'Include / leave out simulated traffic' },
  { view: 'Usage', keys: ['1 … 4'], label: 'Customers, corridors, models, days' },
  { view: 'Drills', keys: ['n'], label: 'Plan a new drill (list); run the next step (an open drill: draining asks first)' },
  { view: 'Drills', keys: ['s'], label: 'Start the open drill' },
  { view: 'Drills', keys: ['c'], label: 'Complete the open drill (after its last step)' },
  { view: 'Drills', keys: ['x'], label: 'Stop the open drill (asks why)' },
  { view: 'Drills', keys: ['i'], label: 'Open the drill’s incident' },
  { view: 'Drills', keys: ['e'], label: 'Export the open drill’s evidence bundle' },
  { view: 'Drills', keys: ['r'], label: 'Refresh' },
  { view: 'Drills', keys: ['Esc'], label: 'Back to the list' },
  { view: 'Backups', keys: ['b'], label: 'Back up now (admins)' },
  { view: 'Backups', keys: ['r'], label: 'Refresh' },
  { view: 'Advisories', keys: ['s'], label: 'Scan now' },
  { view: 'Advisories', keys: ['t'], label: 'Thresholds (admins)' },
  { view: 'Advisories', keys: ['r'], label: 'Refresh' },
  { view: 'Credentials', keys: ['R'], label: 'Rotate all, or resume the open run (admins)' },
  { view: 'Credentials', keys: ['r'], label: 'Refresh' },
  { view: 'Credentials', keys: ['/'], label: 'Filter by kind' },
  { view: 'Runbooks', keys: ['e'], label: 'Edit the open runbook (admins)' },
  { view: 'Runbooks', keys: ['r'], label: 'Refresh' },
  { view: 'Runbooks', keys: ['Esc'], label: 'Back to the list' },
  { view: 'Payouts', keys: ['c'], label: 'Export the estimate as CSV' },
  { view: 'Payouts', keys: ['h'], label: 'Export the print-ready report' },
  { view: 'Payouts', keys: ['e'], label: 'New rate card version (admins)' },
  { view: 'Payouts', keys: ['r'], label: 'Refresh' },
  { view: 'Alerts', keys: ['n'], label: 'New rule' },
  { view: 'Alerts', keys: ['j', 'k'], label: 'Next / previous rule' },
  { view: 'Alerts', keys: ['e', 'Enter'], label: 'Edit the selected rule' },
  { view: 'Observability', keys: ['j', 'k'], label: 'Next / previous corridor' },
  { view: 'Observability', keys: ['1 … 4'], label: 'The nodes behind health, routing, energy, security' },
  { view: 'Observability', keys: ['w'], label: 'Last hour / last day' },
  { view: 'Checklists', keys: ['j', 'k'], label: 'Next / previous item' },
  { view: 'Checklists', keys: ['d', 'f', 'x', 'o'], label: 'Done, failed, not applicable, reopen' },
  { view: 'Checklists', keys: ['Enter', 'Esc'], label: 'Open a run / back to the list' },
  { view: 'Dialogs', keys: ['Esc'], label: 'Close' },
];

/**
 * Nodes, sites and incidents to jump to, searched by name from the palette. Only offered once the
 * operator types: a list of 10,000 nodes is no menu.
 */
export function entityCommands(
  nodes: readonly Response<'nodes.list'>['nodes'][number][],
  sites: readonly Response<'grid.overview'>['sites'][number][],
  incidents: readonly Response<'incidents.list'>['incidents'][number][],
): Command[] {
  const ui = useUi.getState();
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  return [
    ...incidents.map((i) => ({ id: `incident:${i.id}`, group: 'Incident', label: `${i.ref} ${i.title}`, keys: [], run: () => ui.navigate('incidents', i.id) })),
    ...sites.map((s) => ({
      id: `site:${s.id}`,
      group: 'Site',
      label: `${s.name} (${s.key}, ${s.country})`,
      keys: [],
      run: () => {
        ui.navigate('network');
        useNetwork.getState().select({ kind: 'site', id: s.id, siteId: s.id }, true);
      },
    })),
    ...nodes.map((n) => ({ id: `node:${n.id}`, group: 'Node', label: `${n.hostname} at ${siteName.get(n.siteId) ?? 'unknown site'}`, keys: [], run: () => ui.navigate('nodes', n.id) })),
  ];
}
