SET lock_timeout = '5s'; SET statement_timeout = '60s';
-- Runtimes, the model catalog, SLA policies and tiers, customers, and the routing decision record.
-- A runtime's API key is never stored here: only whether one is set (it lives in the keychain of
-- the workstation that uses it, under the runtime's id).

CREATE TABLE mc.runtimes (
  id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  node_id          uuid NOT NULL,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  kind             text NOT NULL CHECK (kind IN ('vllm', 'ollama', 'tgi', 'openai')),
  base_url         text NOT NULL CHECK (base_url ~ '^https?://[^\s/?#@]+(/[^\s?#]*)?$' AND length(base_url) <= 500),
  runtime_group    text NOT NULL CHECK (runtime_group ~ '^[a-z][a-z0-9_]{0,40}$'),
  api_key_set      boolean NOT NULL DEFAULT false,
  version          text CHECK (length(version) <= 100),
  -- What the last probe saw, written by whichever workstation probed (or an agent): shared state.
  health           text NOT NULL DEFAULT 'unknown' CHECK (health IN ('unknown', 'healthy', 'degraded', 'down')),
  circuit          text NOT NULL DEFAULT 'closed' CHECK (circuit IN ('closed', 'open', 'half_open')),
  last_probe_at    timestamptz,
  last_error       text CHECK (length(last_error) <= 500),
  probe_source     text CHECK (probe_source IN ('workstation', 'agent')),
  running_requests double precision,
  waiting_requests double precision,
  kv_cache_usage   double precision CHECK (kv_cache_usage BETWEEN 0 AND 1),
  tokens_per_s     double precision CHECK (tokens_per_s >= 0),
  p95_latency_ms   double precision CHECK (p95_latency_ms >= 0),
  enabled          boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       uuid REFERENCES mc.operators (id),
  FOREIGN KEY (org_id, node_id) REFERENCES mc.nodes (org_id, id),
  UNIQUE (org_id, base_url),
  UNIQUE (org_id, id)
);
CREATE INDEX runtimes_node_idx ON mc.runtimes (org_id, node_id);

-- What each runtime serves, as it last said; replaced whole on every successful probe.
CREATE TABLE mc.runtime_models (
  org_id         uuid NOT NULL,
  runtime_id     uuid NOT NULL,
  model_id       text NOT NULL CHECK (length(model_id) BETWEEN 1 AND 300),
  family         text CHECK (length(family) <= 100),
  parameter_size text CHECK (length(parameter_size) <= 40),
  quantization   text CHECK (length(quantization) <= 40),
  context_length integer CHECK (context_length > 0),
  loaded         boolean,
  seen_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, runtime_id, model_id),
  FOREIGN KEY (org_id, runtime_id) REFERENCES mc.runtimes (org_id, id) ON DELETE CASCADE
);
CREATE INDEX runtime_models_model_idx ON mc.runtime_models (org_id, model_id);

-- Operator metadata on top of what runtimes report.
CREATE TABLE mc.model_catalog (
  org_id        uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  model_id      text NOT NULL CHECK (length(model_id) BETWEEN 1 AND 300),
  display_name  text CHECK (length(display_name) BETWEEN 1 AND 200),
  allowed_tiers text[] NOT NULL DEFAULT '{pilot,enterprise,sovereign}' CHECK (allowed_tiers <@ ARRAY['pilot', 'enterprise', 'sovereign']),
  regulated_ok  boolean NOT NULL DEFAULT false,
  capabilities  text[] NOT NULL DEFAULT '{}' CHECK (cardinality(capabilities) <= 20),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, model_id)
);

CREATE TABLE mc.sla_policies (
  id                    uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id                uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  key                   text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,40}$'),
  name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  uptime_target_pct     numeric(6, 3) NOT NULL CHECK (uptime_target_pct > 0 AND uptime_target_pct <= 100),
  p95_target_ms         integer NOT NULL CHECK (p95_target_ms BETWEEN 10 AND 600000),
  escalation_window_min integer NOT NULL CHECK (escalation_window_min BETWEEN 1 AND 10080),
  failover_rule         text NOT NULL CHECK (failover_rule IN ('same_corridor', 'fallback_corridor', 'none')),
  fallback_corridor_id  uuid,
  created_at            timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, fallback_corridor_id) REFERENCES mc.corridors (org_id, id),
  CHECK ((failover_rule = 'fallback_corridor') = (fallback_corridor_id IS NOT NULL)),
  UNIQUE (org_id, key),
  UNIQUE (org_id, id)
);

-- Each tier's default SLA policy. Sovereign's residency rule (home corridor only, reserved nodes
-- only) is not a setting: the engine applies it, and no row here can loosen it.
CREATE TABLE mc.customer_tiers (
  org_id        uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  tier          text NOT NULL CHECK (tier IN ('pilot', 'enterprise', 'sovereign')),
  sla_policy_id uuid NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, tier),
  FOREIGN KEY (org_id, sla_policy_id) REFERENCES mc.sla_policies (org_id, id)
);

CREATE TABLE mc.customers (
  id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  key              text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,40}$'),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  tier             text NOT NULL CHECK (tier IN ('pilot', 'enterprise', 'sovereign')),
  home_corridor_id uuid NOT NULL,
  -- Overrides the tier's default SLA policy when set.
  sla_policy_id    uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, home_corridor_id) REFERENCES mc.corridors (org_id, id),
  FOREIGN KEY (org_id, sla_policy_id) REFERENCES mc.sla_policies (org_id, id),
  UNIQUE (org_id, key),
  UNIQUE (org_id, id)
);

-- Nodes reserved for a customer: a sovereign customer runs only on these; no one else runs on them.
CREATE TABLE mc.node_reservations (
  org_id      uuid NOT NULL,
  node_id     uuid NOT NULL,
  customer_id uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, node_id, customer_id),
  FOREIGN KEY (org_id, node_id) REFERENCES mc.nodes (org_id, id),
  FOREIGN KEY (org_id, customer_id) REFERENCES mc.customers (org_id, id) ON DELETE CASCADE
);

-- The routing decision record, append-only, partitioned by day like telemetry and kept as long.
CREATE SCHEMA IF NOT EXISTS mc_routing;
REVOKE ALL ON SCHEMA mc_routing FROM PUBLIC;

CREATE TABLE mc.routing_decisions (
  org_id              uuid NOT NULL,
  id                  uuid NOT NULL DEFAULT gen_random_uuid(),
  decided_at          timestamptz NOT NULL DEFAULT now(),
  source              text NOT NULL CHECK (source IN ('simulation', 'gateway')),
  customer_id         uuid,
  model               text NOT NULL CHECK (length(model) <= 300),
  origin_country      text NOT NULL CHECK (origin_country ~ '^[A-Z]{2}$'),
  workload_class      text NOT NULL CHECK (length(workload_class) <= 60),
  -- sha256 of the canonical JSON of the request and the snapshot it was decided on.
  inputs_digest       text NOT NULL CHECK (inputs_digest ~ '^[0-9a-f]{64}$'),
  corridor_id         uuid,
  region              text,
  selected_node_id    uuid,
  selected_runtime_id uuid,
  fallback_node_id    uuid,
  policy_reason       text NOT NULL CHECK (length(policy_reason) <= 2000),
  explanation         text CHECK (length(explanation) <= 4000),
  rejected            jsonb NOT NULL CHECK (jsonb_typeof(rejected) = 'object'),
  considered          integer NOT NULL CHECK (considered >= 0),
  eligible            integer NOT NULL CHECK (eligible >= 0),
  -- The request and snapshot themselves, for replay (simulations only; bounded).
  replay              jsonb CHECK (replay IS NULL OR pg_column_size(replay) <= 4000000),
  created_by          uuid REFERENCES mc.operators (id),
  PRIMARY KEY (org_id, decided_at, id)
) PARTITION BY RANGE (decided_at);
CREATE INDEX routing_decisions_recent_idx ON mc.routing_decisions (org_id, decided_at DESC);

CREATE FUNCTION mc.routing_decisions_ensure_days(p_from date, p_to date) RETURNS integer
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
        IF to_regclass('mc_routing.' || name) IS NULL THEN
          EXECUTE format('CREATE TABLE mc_routing.%I (LIKE mc.routing_decisions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
          EXECUTE format('ALTER TABLE mc.routing_decisions ATTACH PARTITION mc_routing.%I FOR VALUES FROM (%L) TO (%L)',
                         name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
          created := created + 1;
        END IF;
      END IF;
    END LOOP;
    RETURN created;
  END
  $$;
REVOKE ALL ON FUNCTION mc.routing_decisions_ensure_days(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.routing_decisions_ensure_days(date, date) TO mc_app;

-- Retention: the same number of days as raw telemetry.
CREATE FUNCTION mc.routing_decisions_maintain() RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    keep_days integer := mc.setting_int('telemetry_retention_days');
    today date := (now() AT TIME ZONE 'UTC')::date;
    p record;
    dropped integer := 0;
    created integer;
  BEGIN
    created := mc.routing_decisions_ensure_days(today, today + 7);
    FOR p IN
      SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE i.inhparent = 'mc.routing_decisions'::regclass AND n.nspname = 'mc_routing'
         AND c.relname ~ '^routing_decisions_\d{8}$'
         AND to_date(substr(c.relname, 19), 'YYYYMMDD') < today - keep_days
    LOOP
      EXECUTE format('DROP TABLE mc_routing.%I', p.relname);
      dropped := dropped + 1;
    END LOOP;
    RETURN jsonb_build_object('routing_partitions_created', created, 'routing_partitions_dropped', dropped);
  END
  $$;
REVOKE ALL ON FUNCTION mc.routing_decisions_maintain() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.routing_decisions_maintain() TO mc_app;

ALTER TABLE mc.runtimes ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.runtimes FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.runtime_models ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.runtime_models FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.model_catalog ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.model_catalog FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.sla_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.sla_policies FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.customer_tiers ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.customer_tiers FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.customers FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.node_reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.node_reservations FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.routing_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.routing_decisions FORCE ROW LEVEL SECURITY;

CREATE POLICY runtimes_read ON mc.runtimes FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY runtimes_insert ON mc.runtimes FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY runtimes_update ON mc.runtimes FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY runtime_models_read ON mc.runtime_models FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY runtime_models_insert ON mc.runtime_models FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY runtime_models_delete ON mc.runtime_models FOR DELETE USING (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY model_catalog_read ON mc.model_catalog FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY model_catalog_insert ON mc.model_catalog FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY model_catalog_update ON mc.model_catalog FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
-- SLA policies and tier defaults are commitments to customers: admins only.
CREATE POLICY sla_policies_read ON mc.sla_policies FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY sla_policies_insert ON mc.sla_policies FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY sla_policies_update ON mc.sla_policies FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY customer_tiers_read ON mc.customer_tiers FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY customer_tiers_insert ON mc.customer_tiers FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY customer_tiers_update ON mc.customer_tiers FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY customers_read ON mc.customers FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY customers_insert ON mc.customers FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY customers_update ON mc.customers FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY node_reservations_read ON mc.node_reservations FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY node_reservations_insert ON mc.node_reservations FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY node_reservations_delete ON mc.node_reservations FOR DELETE USING (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY routing_decisions_read ON mc.routing_decisions FOR SELECT USING (org_id = (SELECT mc.current_org_id()));
CREATE POLICY routing_decisions_insert ON mc.routing_decisions FOR INSERT WITH CHECK (org_id = (SELECT mc.current_org_id()) AND mc.can_write());

GRANT SELECT, INSERT ON mc.runtimes, mc.runtime_models, mc.model_catalog, mc.sla_policies, mc.customer_tiers, mc.customers, mc.node_reservations, mc.routing_decisions TO mc_app;
GRANT UPDATE (name, api_key_set, version, health, circuit, last_probe_at, last_error, probe_source, running_requests, waiting_requests,
              kv_cache_usage, tokens_per_s, p95_latency_ms, enabled) ON mc.runtimes TO mc_app;
GRANT DELETE ON mc.runtime_models, mc.node_reservations TO mc_app;
GRANT UPDATE (display_name, allowed_tiers, regulated_ok, capabilities, updated_at) ON mc.model_catalog TO mc_app;
GRANT UPDATE (name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule, fallback_corridor_id) ON mc.sla_policies TO mc_app;
GRANT UPDATE (sla_policy_id, updated_at) ON mc.customer_tiers TO mc_app;
GRANT UPDATE (name, tier, home_corridor_id, sla_policy_id) ON mc.customers TO mc_app;

CREATE TRIGGER runtimes_notify AFTER INSERT OR UPDATE ON mc.runtimes
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('runtimes.changed');

SELECT mc.routing_decisions_ensure_days((now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date + 7);
