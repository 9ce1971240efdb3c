SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 16: the advisory scan's "backup overdue" and "restore drill overdue" checks read the org's
-- backup and drill records (sql/0052) through the scan's own login. Read only; the tables' read
-- policy (org_id = mc.current_org_id()) keeps the scan inside the org it scans.
GRANT SELECT ON mc.backups, mc.restore_drills TO mc_advisor;

-- The scan reads keys' dates, prefixes and standing, never their hashes: the table grants of 0054
-- become column grants without key_hash (the app's own grant on customer_keys leaves it out too).
REVOKE SELECT ON mc.node_keys, mc.customer_keys FROM mc_advisor;
GRANT SELECT (id, org_id, node_id, prefix, label, created_at, created_by, expires_at, revoked_at, revoked_by, revoke_reason,
              superseded_by, grace_until, last_used_at, last_used_source, use_count)
  ON mc.node_keys TO mc_advisor;
GRANT SELECT (id, org_id, customer_id, mode, prefix, label, created_at, created_by, expires_at, revoked_at, revoked_by, revoke_reason,
              superseded_by, grace_until, last_used_at, last_used_source, use_count, refused_count, last_refused_at, last_refused_source)
  ON mc.customer_keys TO mc_advisor;
