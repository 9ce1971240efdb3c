SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- After a bulk import (the demo grid, a simulator growing it to 10,000 nodes) the planner has no
-- statistics until autovacuum gets round to it, and misjudges joins as single rows. The app may
-- not ANALYZE tables it does not own; this function, run as their owner, does just that.
CREATE FUNCTION mc.refresh_grid_statistics() RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    ANALYZE mc.corridors, mc.sites, mc.node_groups, mc.nodes, mc.node_keys, mc.node_latest;
  END
  $$;
REVOKE ALL ON FUNCTION mc.refresh_grid_statistics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.refresh_grid_statistics() TO mc_app;
