SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- The grid: corridors with their residency policies, sites, node groups and nodes.
-- Every child row references (org_id, parent_id), so a row can never point into another org.

CREATE FUNCTION mc.country_codes_ok(codes text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT coalesce(bool_and(c ~ '^[A-Z]{2}$'), true) FROM unnest(codes) c $$;

CREATE TABLE mc.corridors (
  id                  uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id              uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  key                 text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,40}$'),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  region              text NOT NULL CHECK (region IN ('apac', 'africa', 'eu', 'mena', 'north_america', 'custom')),
  -- Residency policy. Empty allowed list = any country not blocked.
  allowed_countries   text[] NOT NULL DEFAULT '{}' CHECK (mc.country_codes_ok(allowed_countries)),
  blocked_countries   text[] NOT NULL DEFAULT '{}' CHECK (mc.country_codes_ok(blocked_countries)),
  regulated_workloads text[] NOT NULL DEFAULT '{}',
  audit_requirement   text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT (allowed_countries && blocked_countries)),
  UNIQUE (org_id, key),
  UNIQUE (org_id, id)
);

CREATE TABLE mc.sites (
  id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  corridor_id      uuid NOT NULL,
  key              text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,40}$'),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  kind             text NOT NULL CHECK (kind IN ('commercial', 'colocation', 'telecom_edge', 'campus', 'private_enterprise')),
  country          text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  city             text NOT NULL DEFAULT '',
  latitude         double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude        double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  -- Who owns the site, for site-owner reports and payout estimates.
  owner_name       text NOT NULL CHECK (length(owner_name) BETWEEN 1 AND 200),
  safety_checklist text NOT NULL DEFAULT 'not_started' CHECK (safety_checklist IN ('not_started', 'in_progress', 'passed', 'failed')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, corridor_id) REFERENCES mc.corridors (org_id, id),
  UNIQUE (org_id, key),
  UNIQUE (org_id, id)
);
CREATE INDEX sites_corridor_idx ON mc.sites (org_id, corridor_id);

CREATE TABLE mc.node_groups (
  id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id     uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  site_id    uuid NOT NULL,
  key        text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,40}$'),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, site_id) REFERENCES mc.sites (org_id, id),
  UNIQUE (org_id, site_id, key),
  UNIQUE (org_id, site_id, id),
  UNIQUE (org_id, id)
);

CREATE TABLE mc.nodes (
  id                   uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id               uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  site_id              uuid NOT NULL,
  node_group_id        uuid NOT NULL,
  hostname             text NOT NULL CHECK (hostname ~ '^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$'),
  runtime_group        text NOT NULL CHECK (runtime_group IN ('vllm', 'ollama', 'tgi', 'embeddings', 'vision', 'document_ai', 'soc_inference')),
  gpu_model            text NOT NULL CHECK (length(gpu_model) BETWEEN 1 AND 80),
  gpu_count            integer NOT NULL CHECK (gpu_count BETWEEN 0 AND 64),
  gpu_memory_gb        integer NOT NULL CHECK (gpu_memory_gb BETWEEN 0 AND 4096),
  capacity_tokens_per_s integer NOT NULL CHECK (capacity_tokens_per_s BETWEEN 0 AND 100000000),
  lifecycle            text NOT NULL DEFAULT 'registered' CHECK (lifecycle IN ('registered', 'active', 'draining', 'offline', 'retired')),
  lifecycle_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at           timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, site_id) REFERENCES mc.sites (org_id, id),
  -- The group must be one of this node's site.
  FOREIGN KEY (org_id, site_id, node_group_id) REFERENCES mc.node_groups (org_id, site_id, id),
  UNIQUE (org_id, hostname),
  UNIQUE (org_id, id)
);
CREATE INDEX nodes_site_idx ON mc.nodes (org_id, site_id);

-- Residency: a site must be where its corridor's policy allows. Refused with a sentence an
-- operator can act on; the app shows it as a VALIDATION error (SQLSTATE UEVAL).
CREATE FUNCTION mc.sites_check_residency() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    c record;
  BEGIN
    -- FOR SHARE: a concurrent policy change waits for this site, then sees it (and refuses).
    SELECT name, allowed_countries, blocked_countries INTO c FROM mc.corridors WHERE org_id = NEW.org_id AND id = NEW.corridor_id FOR SHARE;
    IF NOT FOUND THEN
      RETURN NEW; -- the foreign key reports the missing corridor
    END IF;
    IF NEW.country = ANY (c.blocked_countries) THEN
      RAISE EXCEPTION '%’s residency policy blocks sites in %.', c.name, NEW.country USING ERRCODE = 'UEVAL';
    END IF;
    IF cardinality(c.allowed_countries) > 0 AND NOT NEW.country = ANY (c.allowed_countries) THEN
      RAISE EXCEPTION '%’s residency policy allows sites only in %; % is not one of them.',
        c.name, array_to_string(c.allowed_countries, ', '), NEW.country USING ERRCODE = 'UEVAL';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER sites_check_residency BEFORE INSERT OR UPDATE OF country, corridor_id ON mc.sites
  FOR EACH ROW EXECUTE FUNCTION mc.sites_check_residency();

-- A policy change that existing sites would break is refused, naming them.
CREATE FUNCTION mc.corridors_check_sites() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    offenders text;
  BEGIN
    SELECT string_agg(s.name || ' (' || s.country || ')', ', ' ORDER BY s.name) INTO offenders
      FROM mc.sites s
     WHERE s.org_id = NEW.org_id AND s.corridor_id = NEW.id
       AND (s.country = ANY (NEW.blocked_countries)
            OR (cardinality(NEW.allowed_countries) > 0 AND NOT s.country = ANY (NEW.allowed_countries)));
    IF offenders IS NOT NULL THEN
      RAISE EXCEPTION 'This policy would exclude existing sites of %: %. Move or retire them first.', NEW.name, offenders USING ERRCODE = 'UEVAL';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER corridors_check_sites BEFORE UPDATE OF allowed_countries, blocked_countries ON mc.corridors
  FOR EACH ROW EXECUTE FUNCTION mc.corridors_check_sites();

-- Lifecycle: only the transitions an operator may make (same table as src-shared/domain/node-lifecycle.ts).
CREATE FUNCTION mc.nodes_check_lifecycle() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      IF NEW.lifecycle = 'retired' THEN
        RAISE EXCEPTION 'A node cannot be registered as retired.' USING ERRCODE = 'UEVAL';
      END IF;
      RETURN NEW;
    END IF;
    IF NEW.lifecycle = OLD.lifecycle THEN
      RETURN NEW;
    END IF;
    IF NOT (OLD.lifecycle, NEW.lifecycle) IN (
      ('registered', 'active'), ('registered', 'retired'),
      ('active', 'draining'), ('active', 'offline'),
      ('draining', 'active'), ('draining', 'offline'),
      ('offline', 'active'), ('offline', 'draining'), ('offline', 'retired')) THEN
      RAISE EXCEPTION 'A node cannot go from % to %.', OLD.lifecycle, NEW.lifecycle USING ERRCODE = 'UEVAL';
    END IF;
    NEW.lifecycle_changed_at := now();
    RETURN NEW;
  END
  $$;
CREATE TRIGGER nodes_check_lifecycle BEFORE INSERT OR UPDATE OF lifecycle ON mc.nodes
  FOR EACH ROW EXECUTE FUNCTION mc.nodes_check_lifecycle();

ALTER TABLE mc.corridors ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.corridors FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.sites FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.node_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.node_groups FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.nodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.nodes FORCE ROW LEVEL SECURITY;

CREATE POLICY corridors_read ON mc.corridors FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY corridors_insert ON mc.corridors FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY corridors_update ON mc.corridors FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());

CREATE POLICY sites_read ON mc.sites FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY sites_insert ON mc.sites FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY sites_update ON mc.sites FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY node_groups_read ON mc.node_groups FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY node_groups_insert ON mc.node_groups FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY nodes_read ON mc.nodes FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY nodes_insert ON mc.nodes FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY nodes_update ON mc.nodes FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
-- The ingest function resolves a key to its node before any org is chosen.
CREATE POLICY nodes_definer ON mc.nodes FOR SELECT TO mc_definer USING (true);

GRANT SELECT, INSERT ON mc.corridors, mc.sites, mc.node_groups, mc.nodes TO mc_app;
GRANT UPDATE (allowed_countries, blocked_countries, regulated_workloads, audit_requirement, name) ON mc.corridors TO mc_app;
GRANT UPDATE (name, safety_checklist, owner_name) ON mc.sites TO mc_app;
GRANT UPDATE (lifecycle) ON mc.nodes TO mc_app;
GRANT SELECT ON mc.nodes TO mc_definer;

CREATE TRIGGER nodes_notify AFTER INSERT OR UPDATE ON mc.nodes
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('nodes.changed');
CREATE TRIGGER sites_notify AFTER INSERT OR UPDATE ON mc.sites
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('sites.changed');
