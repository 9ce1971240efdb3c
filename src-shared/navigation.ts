/**
 * The views that exist. The nav, the command palette, the shortcuts, the desktop menu and the
 * shell actions all follow this list, so a view cannot be in one and missing from another.
 * "g" then the key letter reaches every view; Alt+digit the first nine. The small letters are all
 * taken, so later views use capitals (Shift): g R, g A, g B, g K.
 */
export const VIEWS = [
  { id: 'status', label: 'Status', key: 's', digit: '1', summary: 'Global component status' },
  { id: 'operator', label: 'Operator', key: 'o', digit: '2', summary: 'Mission control on one screen: incidents, alerts, corridor health, today’s checklist' },
  { id: 'network', label: 'Network', key: 'm', digit: '3', summary: 'Corridor map and topology graph: sites, links, failover and blast radius' },
  { id: 'incidents', label: 'Incidents', key: 'i', digit: '4', summary: 'Incidents, their timelines, command and escalation' },
  { id: 'alerts', label: 'Alerts', key: 'l', digit: '5', summary: 'Alert rules and the alerts pending, firing and resolved' },
  { id: 'observability', label: 'Observability', key: 'b', digit: '6', summary: 'Health, routing, energy and security scores; latency, errors, queues' },
  { id: 'checklists', label: 'Checklists', key: 'h', digit: '7', summary: 'Daily, weekly and monthly checklists, site safety, post-deployment' },
  { id: 'readiness', label: 'Readiness', key: 'y', digit: '8', summary: 'Go-live gates per corridor and customer pilot' },
  { id: 'corridors', label: 'Corridors', key: 'r', digit: '9', summary: 'Corridors, residency policies and sites' },
  { id: 'drills', label: 'Drills', key: 'x', digit: null, summary: 'Failover drills: hypothesis, runbook steps, recovery against the SLA, outcome and evidence' },
  { id: 'nodes', label: 'Nodes', key: 'n', digit: null, summary: 'Every node: lifecycle, health and telemetry' },
  { id: 'customers', label: 'Customers', key: 'w', digit: null, summary: 'Customers: terms, limits, committed capacity, allowed corridors, contacts, keys, usage and routing decisions' },
  { id: 'keys', label: 'Keys', key: 'k', digit: null, summary: 'Node keys and customer API keys, their use, and refused calls' },
  { id: 'audit', label: 'Audit log', key: 'a', digit: null, summary: 'Hash-chained record of every change' },
  { id: 'connections', label: 'Connections', key: 'c', digit: null, summary: 'Database profiles and the active connection' },
  { id: 'runtimes', label: 'Runtimes', key: 'u', digit: null, summary: 'vLLM, Ollama, TGI and OpenAI-compatible endpoints: health, circuit, load' },
  { id: 'models', label: 'Models', key: 'v', digit: null, summary: 'The model catalog across runtimes, and its OpenAI-compatible form' },
  { id: 'routing', label: 'Routing', key: 'p', digit: null, summary: 'Routing simulations, decision records and what-if outages' },
  { id: 'sla', label: 'SLA', key: 't', digit: null, summary: 'SLA policies, customer tiers and customers' },
  { id: 'deployments', label: 'Deployments', key: 'd', digit: null, summary: 'Deployment run ledger, canary stages, DORA figures, changes without evidence' },
  { id: 'flags', label: 'Flags', key: 'f', digit: null, summary: 'Feature flags and kill switches' },
  { id: 'migrations', label: 'Migrations', key: 'q', digit: null, summary: 'Safe SQL execution center: ledger, lint, dry run with locks, approval, schema verification' },
  { id: 'usage', label: 'Usage', key: 'j', digit: null, summary: 'Metered usage per customer, corridor, model and day; committed against used; reconciliation with the API logs and runtime counters' },
  { id: 'members', label: 'Members', key: 'e', digit: null, summary: 'Who may act in the org: roles, suspension, removal, and the monthly access review' },
  { id: 'runbooks', label: 'Runbooks', key: 'R', digit: null, summary: 'When things go wrong: step-by-step runbooks with live facts, followed from incidents; versioned, editable per org' },
  { id: 'payouts', label: 'Payouts', key: 'z', digit: null, summary: 'Site-owner reports: GPU-hours, tokens, energy, availability and payout estimates from a versioned rate card' },
  { id: 'backups', label: 'Backups', key: 'B', digit: null, summary: 'Backups of the database, restore drills that prove they restore, and the backup schedule' },
  { id: 'advisories', label: 'Advisories', key: 'A', digit: null, summary: 'The advisory scan: stale keys, silent nodes, RLS and definer gaps, pilot evidence, capacity, backups, signing keys — each with evidence and a fix' },
  { id: 'credentials', label: 'Credentials', key: 'K', digit: null, summary: 'Every credential the app knows: kind, owner, where used, age, last use; rotate all (compromise or scheduled) and the runs’ reports' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];
export const VIEW_IDS = VIEWS.map((v) => v.id) as readonly ViewId[];
