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
CREATE OR REPLACE FUNCTION mc.telemetry_ensure_days(p_from date, p_to date) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
    keep_days integer := mc.setting_int('telemetry_retention_days');
    d date;
    created integer := 0;
    name text;
  BEGIN
    FOR d IN SELECT generate_series(greatest(p_from, today - keep_days), least(p_to, today + 8), interval '1 day')::date LOOP
      name := 'telemetry_' || to_char(d, 'YYYYMMDD');
      IF to_regclass('mc_telemetry.' || name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('mc_telemetry.' || name));
        BEGIN
          EXECUTE format('CREATE TABLE mc_telemetry.%I (LIKE mc.telemetry INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
          EXECUTE format('ALTER TABLE mc.telemetry ATTACH PARTITION mc_telemetry.%I FOR VALUES FROM (%L) TO (%L)',
                         name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
          created := created + 1;
        EXCEPTION WHEN duplicate_table THEN
          -- Another instance created it while this one waited for the lock.
          NULL;
        END;
      END IF;
    END LOOP;
    RETURN created;
  END
  $$;

CREATE OR REPLACE FUNCTION mc.routing_decisions_ensure_days(p_from date, p_to date) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
    d date;
    created integer := 0;
    name text;
  BEGIN
    FOR d IN SELECT generate_series(greatest(p_from, today - 1), least(p_to, today + 8), interval '1 day')::date LOOP
      name := 'routing_decisions_' || to_char(d, 'YYYYMMDD');
      IF to_regclass('mc_routing.' || name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('mc_routing.' || name));
        BEGIN
          EXECUTE format('CREATE TABLE mc_routing.%I (LIKE mc.routing_decisions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
          EXECUTE format('ALTER TABLE mc.routing_decisions ATTACH PARTITION mc_routing.%I FOR VALUES FROM (%L) TO (%L)',
                         name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
          created := created + 1;
        EXCEPTION WHEN duplicate_table THEN
          -- Another instance created it while this one waited for the lock.
          NULL;
        END;
      END IF;
    END LOOP;
    RETURN created;
  END
  $$;
