SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- When the database's retention upkeep last ran (issue 16, retention as written): every instance
-- runs it hourly (telemetry, ops and routing maintain), and the Retention panel shows the last run
-- and the next one from the database itself, whichever workstation ran it. Kept beside the
-- retention settings it enforces; only this function writes it.
CREATE POLICY platform_settings_upkeep ON mc.platform_settings FOR ALL TO CURRENT_USER
  USING (key = 'last_upkeep_at') WITH CHECK (key = 'last_upkeep_at');

CREATE FUNCTION mc.upkeep_done() RETURNS timestamptz
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    INSERT INTO mc.platform_settings (key, value, updated_at) VALUES ('last_upkeep_at', to_jsonb(now()), now())
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
    RETURNING updated_at
  $$;
REVOKE ALL ON FUNCTION mc.upkeep_done() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.upkeep_done() TO mc_app;

-- Two instances running the upkeep at once (documented as safe) could both fail: the second waited
-- on the day's advisory lock, then asked to_regclass again, which reads the relation cache, and an
-- advisory lock does not refresh it, so it still saw no table and CREATE failed with "relation
-- telemetry_YYYYMMDD already exists", rolling back the whole upkeep (found by the retention test,
-- whose upkeep ran beside the app's own on connect). The create is now its own subtransaction: a
-- table another instance created meanwhile is simply there.
-- One day partition of a day-partitioned table, attached; 1 when this call created it, 0 when it
-- was there (or another instance created it while this one waited for the day's lock). Called
-- only by the definer functions below (no grant).
CREATE FUNCTION mc.ensure_day_partition(p_schema text, p_parent text, p_day date) RETURNS integer
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    name text := p_parent || '_' || to_char(p_day, 'YYYYMMDD');
  BEGIN
    IF to_regclass(p_schema || '.' || name) IS NOT NULL THEN RETURN 0; END IF;
    PERFORM pg_advisory_xact_lock(hashtext(p_schema || '.' || name));
    BEGIN
      -- Created on its own, then attached: ATTACH lets inserts and reads go on meanwhile.
      EXECUTE format('CREATE TABLE %I.%I (LIKE mc.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', p_schema, name, p_parent);
      EXECUTE format('ALTER TABLE mc.%I ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                     p_parent, p_schema, name, p_day::timestamp AT TIME ZONE 'UTC', (p_day + 1)::timestamp AT TIME ZONE 'UTC');
      RETURN 1;
    EXCEPTION WHEN duplicate_table THEN
      RETURN 0;
    END;
  END
  $$;
REVOKE ALL ON FUNCTION mc.ensure_day_partition(text, text, date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION mc.telemetry_ensure_days(p_from date, p_to date) RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    -- Only days that can hold valid samples: the retention window up to a week ahead.
    SELECT coalesce(sum(mc.ensure_day_partition('mc_telemetry', 'telemetry', d::date)), 0)::integer
      FROM generate_series(greatest(p_from, (now() AT TIME ZONE 'UTC')::date - mc.setting_int('telemetry_retention_days')),
                           least(p_to, (now() AT TIME ZONE 'UTC')::date + 8), interval '1 day') d
  $$;

CREATE OR REPLACE FUNCTION mc.routing_decisions_ensure_days(p_from date, p_to date) RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT coalesce(sum(mc.ensure_day_partition('mc_routing', 'routing_decisions', d::date)), 0)::integer
      FROM generate_series(greatest(p_from, (now() AT TIME ZONE 'UTC')::date - 1), least(p_to, (now() AT TIME ZONE 'UTC')::date + 8), interval '1 day') d
  $$;
