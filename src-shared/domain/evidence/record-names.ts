/**
 * A bundle's records files in words, as an auditor would name them: report.html's "What this
 * bundle holds" and the app's Open evidence bundle say the same (a file not named here shows its path).
 */
export const RECORD_NAMES: Record<string, string> = {
  'records/audit-events.jsonl': 'Audit events, with their chain fields',
  'records/corridors.jsonl': 'Corridors and their residency policies',
  'records/sites.jsonl': 'Sites',
  'records/drills.jsonl': 'Failover drills',
  'records/drill-steps.jsonl': 'Failover drill steps',
  'records/pilots.jsonl': 'Customer pilots',
  'records/incidents.jsonl': 'Incidents',
  'records/incident-events.jsonl': 'Incident timeline entries',
  'records/incident-affected.jsonl': 'Grid affected by incidents',
  'records/incident-reviews.jsonl': 'Incident reviews',
  'records/checklist-runs.jsonl': 'Checklist and gate runs',
  'records/checklist-items.jsonl': 'Checklist items with their proof',
  'records/evidence-records.jsonl': 'Evidence records (telemetry validations, simulations, drills, restores)',
  'records/deployment-runs.jsonl': 'Deployment runs',
  'records/migration-runs.jsonl': 'Database migration runs',
  'records/routing-decisions.jsonl': 'Routing decisions',
  'records/customers.jsonl': 'Customers (without their contacts)',
  'records/sla-policies.jsonl': 'SLA policies',
  'records/escalation-policies.jsonl': 'Escalation policies',
  'records/customer-keys.jsonl': 'Customer API keys (no secret, no hash)',
  'records/usage-reconciliations.jsonl': 'Usage reconciliations',
  'records/runbook-runs.jsonl': 'Runbooks followed from incidents',
  'records/runbook-steps.jsonl': 'Runbook steps recorded',
  'records/credential-rotation-runs.jsonl': 'Credential rotation runs',
  'records/credential-rotation-items.jsonl': 'Credential rotation items',
  'records/backups.jsonl': 'Backups',
  'records/restore-drills.jsonl': 'Restore drills',
  'records/nodes.jsonl': 'Nodes',
  'records/node-keys.jsonl': 'Node keys (no hash)',
};

/** A records file's name in words, or its path (an opened bundle is untrusted: only own keys count, never "constructor"). */
export function recordName(file: string): string {
  return Object.hasOwn(RECORD_NAMES, file) ? (RECORD_NAMES[file] as string) : file;
}
