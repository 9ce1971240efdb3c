SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- An incident commander drains what an open incident names (its nodes, and the nodes of the sites
-- it names) and puts them back, from the incident: both are incident timeline entries, each with
-- the audit event that proves it (beside one nodes.lifecycle_changed event per node). The new
-- list is a superset of the old one, so every existing row satisfies it (NOT VALID: nothing to prove).
ALTER TABLE mc.incident_events DROP CONSTRAINT incident_events_kind_check;
ALTER TABLE mc.incident_events ADD CONSTRAINT incident_events_kind_check
  CHECK (kind IN ('opened', 'transition', 'acknowledged', 'ack_expired', 'note', 'severity_changed',
                  'commander_assigned', 'commander_handover', 'commander_released', 'affected_added',
                  'affected_removed', 'alert_linked', 'alert_resolved', 'alert_fired', 'escalated', 'policy_changed',
                  'merged_into', 'merged_from', 'review_updated', 'runbook_followed', 'runbook_step',
                  'nodes_drained', 'nodes_restored')) NOT VALID;
