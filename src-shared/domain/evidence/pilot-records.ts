/**
 * The seven records every customer pilot must have (the platform's operating principle, seed
 * 000: "every customer pilot has a deployment run record, a Supabase migration record, a node
 * registration record, a telemetry validation record, a customer API-key record, a routing and
 * SLA evidence trail and an incident escalation owner"). The pilot's page lists them in this
 * order, each present or missing, and the gate "Compliance evidence artifacts are visible" passes
 * only when all seven are present.
 */
export const PILOT_RECORD_KEYS = ['deployment_run', 'migration', 'node_registration', 'telemetry_validation', 'customer_api_key', 'routing_sla', 'escalation_owner'] as const;
export type PilotRecordKey = (typeof PILOT_RECORD_KEYS)[number];

export const PILOT_RECORD_LABELS: Record<PilotRecordKey, string> = {
  deployment_run: 'Deployment run record',
  migration: 'Database migration record',
  node_registration: 'Node registration record',
  telemetry_validation: 'Telemetry validation record',
  customer_api_key: 'Customer API-key record',
  routing_sla: 'Routing and SLA evidence trail',
  escalation_owner: 'Incident escalation owner',
};

export interface PilotRecord {
  key: PilotRecordKey;
  label: string;
  present: boolean;
  /** What was found, or what is missing and how to produce it. */
  summary: string;
  /** The record itself, for the link next to it (the same shape a check's record has). */
  record: { type: string; id: string | null; label: string } | null;
}

/** The gate's answer from the seven: yes only when every one is present. */
export function pilotRecordsVerdict(records: readonly PilotRecord[]): { ok: boolean; summary: string } {
  const missing = records.filter((r) => !r.present);
  if (records.length === PILOT_RECORD_KEYS.length && missing.length === 0) return { ok: true, summary: `All ${records.length} evidence records of the pilot are present.` };
  return {
    ok: false,
    summary: `${records.length - missing.length} of ${PILOT_RECORD_KEYS.length} evidence records present; missing: ${missing.map((r) => r.label.toLowerCase()).join(', ')}.`,
  };
}
