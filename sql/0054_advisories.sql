SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 16: the advisory scan.
--
-- The scan reads through its own identity, mc_advisor, as the gateway reads through mc_gateway
-- (0045): an installation's scan login (mc_advisor_<instance>) inherits it. It may read what the
-- checks need for ONE org at a time (the org it puts in `mc.org_id` for its transaction; every
-- table below has a read policy `org_id = mc.current_org_id()` for all roles), read the system
-- catalogs (world-readable in PostgreSQL; the two catalog checks are plain SQL functions with a
-- fixed search_path), and record what it found only through mc.advisories_record. It cannot write
-- any table, acknowledge an advisory or open an incident: operators do that, audited, through the app.
DO $$
BEGIN
  BEGIN
    CREATE ROLE mc_advisor NOLOGIN NOINHERIT NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END
$$;
GRANT mc_advisor TO CURRENT_USER;
GRANT USAGE ON SCHEMA mc TO mc_advisor;
GRANT EXECUTE ON FUNCTION mc.current_org_id(), mc.current_operator_id(), mc.current_app_role(), mc.can_write(), mc.is_admin(), mc.login_org_id() TO mc_advisor;

-- Per-org thresholds; no row means the defaults (src-shared/domain/advisories.ts names the same numbers).
CREATE TABLE mc.advisory_settings (
  org_id                      uuid NOT NULL PRIMARY KEY REFERENCES mc.orgs (id) ON DELETE CASCADE,
  key_stale_days              integer NOT NULL DEFAULT 30 CHECK (key_stale_days BETWEEN 1 AND 3650),
  key_expiry_warn_days        integer NOT NULL DEFAULT 14 CHECK (key_expiry_warn_days BETWEEN 1 AND 365),
  node_silent_minutes         integer NOT NULL DEFAULT 15 CHECK (node_silent_minutes BETWEEN 1 AND 10080),
  signing_key_max_age_days    integer NOT NULL DEFAULT 90 CHECK (signing_key_max_age_days BETWEEN 1 AND 3650),
  backup_max_age_hours        integer NOT NULL DEFAULT 26 CHECK (backup_max_age_hours BETWEEN 1 AND 8760),
  restore_drill_max_age_days  integer NOT NULL DEFAULT 8 CHECK (restore_drill_max_age_days BETWEEN 1 AND 365),
  over_commit_minutes         integer NOT NULL DEFAULT 5 CHECK (over_commit_minutes BETWEEN 1 AND 60),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  updated_by                  uuid
);

-- One row per (check, subject) while its condition holds; a closed row stays as the record of
-- when it was found and when it cleared. The partial unique index is the deduplication.
CREATE TABLE mc.advisories (
  id                    uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id                uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  check_key             text NOT NULL CHECK (check_key IN ('key_stale', 'key_expiring', 'key_revoked_presented', 'node_silent', 'table_rls_not_forced',
                                                           'definer_search_path', 'pilot_evidence_missing', 'customer_over_commit', 'backup_overdue',
                                                           'restore_drill_overdue', 'signing_key_age')),
  subject_key           text NOT NULL CHECK (length(subject_key) BETWEEN 1 AND 300),
  subject_label         text NOT NULL CHECK (length(subject_label) BETWEEN 1 AND 300),
  severity              text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
  evidence              text NOT NULL CHECK (length(evidence) BETWEEN 1 AND 4000),
  fix                   text NOT NULL CHECK (length(fix) BETWEEN 1 AND 1000),
  fix_view              text NOT NULL CHECK (fix_view ~ '^[a-z][a-z-]{0,39}$'),
  first_seen_at         timestamptz NOT NULL DEFAULT now(),
  last_seen_at          timestamptz NOT NULL DEFAULT now(),
  seen_count            integer NOT NULL DEFAULT 1 CHECK (seen_count >= 1),
  acknowledged_at       timestamptz,
  acknowledged_by       uuid,
  acknowledged_by_name  text CHECK (length(acknowledged_by_name) <= 200),
  ack_reason            text CHECK (length(ack_reason) BETWEEN 3 AND 2000),
  incident_id           uuid,
  closed_at             timestamptz,
  closed_reason         text CHECK (length(closed_reason) <= 500),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, incident_id) REFERENCES mc.incidents (org_id, id),
  CHECK ((acknowledged_at IS NULL) = (ack_reason IS NULL)),
  CHECK ((closed_at IS NULL) = (closed_reason IS NULL))
);
CREATE UNIQUE INDEX advisories_open_subject_idx ON mc.advisories (org_id, check_key, subject_key) WHERE closed_at IS NULL;
CREATE INDEX advisories_org_seen_idx ON mc.advisories (org_id, last_seen_at DESC);
CREATE INDEX advisories_incident_idx ON mc.advisories (org_id, incident_id) WHERE incident_id IS NOT NULL;

-- Each scan's report: what was checked, what could not be and why, what changed.
CREATE TABLE mc.advisory_scans (
  id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id       uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  trigger      text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now(),
  raised       integer NOT NULL CHECK (raised >= 0),
  refreshed    integer NOT NULL CHECK (refreshed >= 0),
  closed       integer NOT NULL CHECK (closed >= 0),
  report       jsonb NOT NULL CHECK (jsonb_typeof(report) = 'array')
);
CREATE INDEX advisory_scans_org_idx ON mc.advisory_scans (org_id, finished_at DESC);

ALTER TABLE mc.advisory_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.advisory_settings FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.advisories ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.advisories FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.advisory_scans ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.advisory_scans FORCE ROW LEVEL SECURITY;

-- Everyone in the org reads; admins set thresholds; writers acknowledge and open incidents.
CREATE POLICY advisory_settings_read ON mc.advisory_settings FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY advisory_settings_insert ON mc.advisory_settings FOR INSERT TO mc_app WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY advisory_settings_update ON mc.advisory_settings FOR UPDATE TO mc_app
  USING (org_id = mc.current_org_id() AND mc.is_admin()) WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
GRANT SELECT, INSERT ON mc.advisory_settings TO mc_app;
GRANT UPDATE (key_stale_days, key_expiry_warn_days, node_silent_minutes, signing_key_max_age_days, backup_max_age_hours,
              restore_drill_max_age_days, over_commit_minutes, updated_at, updated_by) ON mc.advisory_settings TO mc_app;

CREATE POLICY advisories_read ON mc.advisories FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY advisories_update ON mc.advisories FOR UPDATE TO mc_app
  USING (org_id = mc.current_org_id() AND mc.can_write()) WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
-- No INSERT or DELETE for the app: advisories come only from the scan, and stay on the record.
GRANT SELECT ON mc.advisories TO mc_app;
GRANT UPDATE (acknowledged_at, acknowledged_by, acknowledged_by_name, ack_reason, incident_id) ON mc.advisories TO mc_app;

CREATE POLICY advisory_scans_read ON mc.advisory_scans FOR SELECT USING (org_id = mc.current_org_id());
GRANT SELECT ON mc.advisory_scans TO mc_app;

-- What the checks read (src-main/services/advisories/checks.ts), read-only, one org at a time.
GRANT SELECT ON mc.advisory_settings, mc.advisories, mc.advisory_scans, mc.node_keys, mc.ingest_rejections, mc.nodes, mc.node_latest,
  mc.sites, mc.corridors, mc.pilots, mc.deployment_runs, mc.migration_runs, mc.customers, mc.customer_tiers, mc.sla_policies,
  mc.customer_keys, mc.evidence_records, mc.escalation_policies, mc.limit_minutes TO mc_advisor;
-- current_org_id()'s member-login branch names these; it never runs for the scan's login, but the
-- planner checks the privilege (as for mc_gateway in 0045).
GRANT SELECT ON mc.member_logins, mc.memberships TO mc_advisor;

-- Tenant tables (schema mc, an org_id column) where row-level security is off or not forced.
CREATE FUNCTION mc.advisory_unforced_tables()
  RETURNS TABLE (table_name text, rls_enabled boolean, rls_forced boolean)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT format('%I.%I', n.nspname, c.relname), c.relrowsecurity, c.relforcerowsecurity
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'mc' AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped)
       AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
       -- A partition is governed by its parent: policies apply through the partitioned table.
       AND NOT c.relispartition
     ORDER BY 1
  $$;

-- SECURITY DEFINER functions without a search_path of their own, outside the system schemas and
-- those a managed platform (Supabase) owns and the operator cannot change.
CREATE FUNCTION mc.advisory_loose_definers()
  RETURNS TABLE (function_name text, owner_name text)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), pg_get_userbyid(p.proowner)::text
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.prosecdef
       AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}'::text[])) AS s WHERE s LIKE 'search\_path=%')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'auth', 'storage', 'extensions', 'graphql', 'graphql_public',
                             'realtime', 'vault', 'pgsodium', 'pgsodium_masks', 'supabase_functions', 'net', 'cron', 'pgbouncer', '_realtime', 'supabase_migrations')
       AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
     ORDER BY 1
  $$;
REVOKE ALL ON FUNCTION mc.advisory_unforced_tables(), mc.advisory_loose_definers() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.advisory_unforced_tables(), mc.advisory_loose_definers() TO mc_advisor, mc_app;

-- The scan's one write. p_findings: [{check, subject, label, severity, evidence, fix, view}];
-- p_checked: the checks that ran (an open advisory of a check that ran and did not find its subject
-- again is closed, "condition cleared"; one of a check that could not run stays as it was);
-- p_report: the scan report's lines. Serialised per org so two workstations scanning at once
-- cannot both raise the same advisory.
CREATE POLICY advisories_definer_read ON mc.advisories FOR SELECT TO mc_definer USING (true);
CREATE POLICY advisories_definer_insert ON mc.advisories FOR INSERT TO mc_definer WITH CHECK (org_id = mc.current_org_id());
CREATE POLICY advisories_definer_update ON mc.advisories FOR UPDATE TO mc_definer USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id());
CREATE POLICY advisory_scans_definer_insert ON mc.advisory_scans FOR INSERT TO mc_definer WITH CHECK (org_id = mc.current_org_id());
GRANT SELECT, INSERT ON mc.advisories, mc.advisory_scans TO mc_definer;
GRANT UPDATE (severity, subject_label, evidence, fix, fix_view, last_seen_at, seen_count, closed_at, closed_reason) ON mc.advisories TO mc_definer;

CREATE FUNCTION mc.advisories_record(p_findings jsonb, p_checked text[], p_report jsonb, p_trigger text, p_started_at timestamptz)
  RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_org uuid := mc.current_org_id();
    v_el jsonb;
    v_id uuid;
    v_raised integer := 0;
    v_refreshed integer := 0;
    v_closed integer := 0;
    v_subjects text[] := '{}';
    v_scan uuid;
  BEGIN
    IF v_org IS NULL THEN
      RAISE EXCEPTION 'the scan names no org (set mc.org_id)' USING ERRCODE = '42501';
    END IF;
    IF p_findings IS NULL OR jsonb_typeof(p_findings) <> 'array' OR jsonb_array_length(p_findings) > 10000 THEN
      RAISE EXCEPTION 'findings must be a JSON array of at most 10000' USING ERRCODE = '22023';
    END IF;
    IF p_report IS NULL OR jsonb_typeof(p_report) <> 'array' OR jsonb_array_length(p_report) > 100 THEN
      RAISE EXCEPTION 'the report must be a JSON array of at most 100 lines' USING ERRCODE = '22023';
    END IF;
    IF p_trigger IS NULL OR p_trigger NOT IN ('scheduled', 'manual') THEN
      RAISE EXCEPTION 'trigger must be scheduled or manual' USING ERRCODE = '22023';
    END IF;
    IF p_checked IS NULL OR cardinality(p_checked) > 50 THEN
      RAISE EXCEPTION 'checked must list at most 50 checks' USING ERRCODE = '22023';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('mc.advisories'), hashtext(v_org::text));
    FOR v_el IN SELECT e FROM jsonb_array_elements(p_findings) AS e LOOP
      IF NOT ((v_el ->> 'check') = ANY (p_checked)) THEN
        RAISE EXCEPTION 'finding of check % which the scan did not list as run', v_el ->> 'check' USING ERRCODE = '22023';
      END IF;
      IF (v_el ->> 'check') || E'\n' || (v_el ->> 'subject') = ANY (v_subjects) THEN
        RAISE EXCEPTION 'the same subject twice in one check: %', v_el ->> 'subject' USING ERRCODE = '22023';
      END IF;
      v_subjects := v_subjects || ((v_el ->> 'check') || E'\n' || (v_el ->> 'subject'));
      UPDATE mc.advisories
         SET severity = v_el ->> 'severity', subject_label = v_el ->> 'label', evidence = v_el ->> 'evidence', fix = v_el ->> 'fix',
             fix_view = v_el ->> 'view', last_seen_at = now(), seen_count = seen_count + 1
       WHERE org_id = v_org AND check_key = v_el ->> 'check' AND subject_key = v_el ->> 'subject' AND closed_at IS NULL
       RETURNING id INTO v_id;
      IF v_id IS NULL THEN
        INSERT INTO mc.advisories (org_id, check_key, subject_key, subject_label, severity, evidence, fix, fix_view)
        VALUES (v_org, v_el ->> 'check', v_el ->> 'subject', v_el ->> 'label', v_el ->> 'severity', v_el ->> 'evidence', v_el ->> 'fix', v_el ->> 'view');
        v_raised := v_raised + 1;
      ELSE
        v_refreshed := v_refreshed + 1;
      END IF;
      v_id := NULL;
    END LOOP;
    UPDATE mc.advisories a SET closed_at = now(), closed_reason = 'Condition cleared: the scan no longer finds it.'
     WHERE a.org_id = v_org AND a.closed_at IS NULL AND a.check_key = ANY (p_checked)
       AND NOT ((a.check_key || E'\n' || a.subject_key) = ANY (v_subjects));
    GET DIAGNOSTICS v_closed = ROW_COUNT;
    INSERT INTO mc.advisory_scans (org_id, trigger, started_at, raised, refreshed, closed, report)
    VALUES (v_org, p_trigger, p_started_at, v_raised, v_refreshed, v_closed, p_report)
    RETURNING id INTO v_scan;
    RETURN jsonb_build_object('scan', v_scan, 'raised', v_raised, 'refreshed', v_refreshed, 'closed', v_closed);
  END
  $$;
GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.advisories_record(jsonb, text[], jsonb, text, timestamptz) OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.advisories_record(jsonb, text[], jsonb, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.advisories_record(jsonb, text[], jsonb, text, timestamptz) TO mc_advisor;
