SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Node keys: only a sha256 of the key and a short visible prefix are stored. Keys of 190 random
-- bits need no slow hash (nothing to brute-force) and sha256 keeps the ingest path fast.

-- Node agents (and Supabase's anon role through PostgREST) get this role and nothing else: it may
-- call the ingest function, which is all the data plane is.
DO $$
BEGIN
  BEGIN
    CREATE ROLE mc_ingest NOLOGIN NOINHERIT NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END
$$;
GRANT mc_ingest TO CURRENT_USER;
GRANT USAGE ON SCHEMA mc TO mc_ingest;

CREATE TABLE mc.node_keys (
  id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  node_id          uuid NOT NULL,
  key_hash         bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  prefix           text NOT NULL CHECK (prefix ~ '^ume_node_[0-9A-Za-z]{6}$'),
  label            text NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       uuid REFERENCES mc.operators (id),
  expires_at       timestamptz,
  revoked_at       timestamptz,
  revoked_by       uuid REFERENCES mc.operators (id),
  revoke_reason    text,
  -- Rotation: the replaced key keeps working until grace_until.
  superseded_by    uuid REFERENCES mc.node_keys (id),
  grace_until      timestamptz,
  last_used_at     timestamptz,
  last_used_source text,
  use_count        bigint NOT NULL DEFAULT 0,
  FOREIGN KEY (org_id, node_id) REFERENCES mc.nodes (org_id, id),
  CHECK ((superseded_by IS NULL) = (grace_until IS NULL)),
  UNIQUE (org_id, id)
);
CREATE INDEX node_keys_node_idx ON mc.node_keys (org_id, node_id);

-- Every refused call, counted per (org, key, reason, source) so that a flood of bad calls grows a
-- counter, not the table. The presented secret is never stored. Calls with a key nobody knows
-- cannot be attributed to an org (org_id NULL) and are visible only as platform-wide counts.
CREATE TABLE mc.ingest_rejections (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id        uuid REFERENCES mc.orgs (id) ON DELETE CASCADE,
  key_id        uuid REFERENCES mc.node_keys (id) ON DELETE CASCADE,
  reason        text NOT NULL CHECK (reason IN ('key_malformed', 'key_invalid', 'key_revoked', 'key_expired', 'key_rotated_out',
                                                'node_retired', 'batch_invalid', 'batch_too_large', 'sample_invalid')),
  source        text NOT NULL CHECK (length(source) <= 200),
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  count         bigint NOT NULL DEFAULT 1,
  last_detail   text CHECK (length(last_detail) <= 500),
  UNIQUE NULLS NOT DISTINCT (org_id, key_id, reason, source)
);
CREATE INDEX ingest_rejections_org_idx ON mc.ingest_rejections (org_id, last_seen_at DESC);

ALTER TABLE mc.node_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.node_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.ingest_rejections ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.ingest_rejections FORCE ROW LEVEL SECURITY;

CREATE POLICY node_keys_read ON mc.node_keys FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY node_keys_insert ON mc.node_keys FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY node_keys_update ON mc.node_keys FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
-- Resolving a presented key happens before its org is known; then its use is recorded.
CREATE POLICY node_keys_definer ON mc.node_keys FOR SELECT TO mc_definer USING (true);
CREATE POLICY node_keys_definer_use ON mc.node_keys FOR UPDATE TO mc_definer USING (true) WITH CHECK (true);

CREATE POLICY ingest_rejections_read ON mc.ingest_rejections FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY ingest_rejections_definer ON mc.ingest_rejections TO mc_definer USING (true) WITH CHECK (true);

GRANT SELECT, INSERT ON mc.node_keys TO mc_app;
GRANT UPDATE (expires_at, revoked_at, revoked_by, revoke_reason, superseded_by, grace_until) ON mc.node_keys TO mc_app;
GRANT SELECT ON mc.ingest_rejections TO mc_app;
GRANT SELECT, UPDATE (last_used_at, last_used_source, use_count) ON mc.node_keys TO mc_definer;
GRANT SELECT, INSERT, UPDATE ON mc.ingest_rejections TO mc_definer;

CREATE TRIGGER node_keys_notify AFTER INSERT OR UPDATE OF revoked_at, superseded_by, expires_at ON mc.node_keys
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('keys.changed');

-- Platform-wide counts of calls with unknown keys (no org can be named; no source is shown).
CREATE FUNCTION mc.unattributed_rejections(p_since timestamptz)
  RETURNS TABLE (reason text, calls bigint, sources bigint, last_seen_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT reason, sum(count)::bigint, count(DISTINCT source), max(last_seen_at)
      FROM mc.ingest_rejections
     WHERE org_id IS NULL AND last_seen_at >= p_since
     GROUP BY reason
  $$;
ALTER FUNCTION mc.unattributed_rejections(timestamptz) OWNER TO mc_definer;
REVOKE ALL ON FUNCTION mc.unattributed_rejections(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.unattributed_rejections(timestamptz) TO mc_app;

-- Record a refusal; bounded: at most 100 sources per (org, key, reason), further ones fold into one row.
CREATE FUNCTION mc.ingest_reject(p_org uuid, p_key uuid, p_reason text, p_source text, p_detail text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_source text := left(p_source, 200);
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM mc.ingest_rejections r
                    WHERE r.org_id IS NOT DISTINCT FROM p_org AND r.key_id IS NOT DISTINCT FROM p_key
                      AND r.reason = p_reason AND r.source = v_source)
       AND (SELECT count(*) FROM mc.ingest_rejections r
             WHERE r.org_id IS NOT DISTINCT FROM p_org AND r.key_id IS NOT DISTINCT FROM p_key AND r.reason = p_reason) >= 100 THEN
      v_source := '(other sources)';
    END IF;
    INSERT INTO mc.ingest_rejections AS r (org_id, key_id, reason, source, last_detail)
    VALUES (p_org, p_key, p_reason, v_source, left(p_detail, 500))
    ON CONFLICT (org_id, key_id, reason, source)
      DO UPDATE SET count = r.count + 1, last_seen_at = now(), last_detail = coalesce(excluded.last_detail, r.last_detail);
  END
  $$;
ALTER FUNCTION mc.ingest_reject(uuid, uuid, text, text, text) OWNER TO mc_definer;
REVOKE ALL ON FUNCTION mc.ingest_reject(uuid, uuid, text, text, text) FROM PUBLIC;
