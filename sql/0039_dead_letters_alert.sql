SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- The dead-letter count as an alert metric (issue 17, seed 004: "DLQ size > 50" warning): rules
-- may watch 'dead_letters' (whole grid), and every org whose default rules are installed gets the
-- warning rule now, as a new org gets it with the others. A rule the org already has by that name
-- is left as it is.
ALTER TABLE mc.alert_rules DROP CONSTRAINT alert_rules_metric_check;
ALTER TABLE mc.alert_rules ADD CONSTRAINT alert_rules_metric_check CHECK (metric IN ('gpu_util_pct', 'gpu_mem_used_mb', 'gpu_temp_c', 'power_w', 'energy_wh', 'tokens_per_s',
  'p95_latency_ms', 'queue_depth', 'error_rate', 'component_state', 'dead_letters')) NOT VALID;
ALTER TABLE mc.alert_rules ADD CONSTRAINT alert_rules_dead_letters_scope CHECK (metric <> 'dead_letters' OR scope_kind = 'all') NOT VALID;

ALTER TABLE mc.alert_rules NO FORCE ROW LEVEL SECURITY;
INSERT INTO mc.alert_rules (org_id, name, metric, aggregation, comparison, threshold, for_seconds, keep_firing_for_seconds, severity, scope_kind, scope_id, open_incident, incident_severity)
SELECT s.org_id, 'Dead letters warning', 'dead_letters', 'max', '>', 50, 0, 0, 'warning', 'all', NULL, false, 'critical'
  FROM mc.org_ops_settings s WHERE s.defaults_installed_at IS NOT NULL
ON CONFLICT (org_id, name) DO NOTHING;
ALTER TABLE mc.alert_rules FORCE ROW LEVEL SECURITY;
