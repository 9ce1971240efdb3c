SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 16: the advisory scan's "backup overdue" and "restore drill overdue" checks read the org's
-- backup and drill records (sql/0052) through the scan's own login. Read only; the tables' read
-- policy (org_id = mc.current_org_id()) keeps the scan inside the org it scans.
GRANT SELECT ON mc.backups, mc.restore_drills TO mc_advisor;
