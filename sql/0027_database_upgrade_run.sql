SET lock_timeout = '5s'; SET statement_timeout = '60s';
-- The seed's SQL upgrade order as a guided run (issue 14): compatibility fixes, schema, RLS
-- policies, demo seed, as a checklist of its own whose steps are taken in order. Its runs need
-- their template key to be allowed. The CHECK is replaced NOT VALID and not validated: the new list
-- is a superset of the old one, so every existing row already satisfies it, and new rows are
-- checked either way (validating would only hold the table locked to prove what is known).
ALTER TABLE mc.checklist_runs DROP CONSTRAINT checklist_runs_template_key_check;
ALTER TABLE mc.checklist_runs ADD CONSTRAINT checklist_runs_template_key_check
  CHECK (template_key IN ('daily', 'weekly', 'monthly', 'site_safety', 'post_deployment', 'corridor_rollout', 'pilot_acceptance', 'database_upgrade')) NOT VALID;
