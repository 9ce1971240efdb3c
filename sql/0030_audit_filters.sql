SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Indexes for the auditor's filters on the audit log (Audit log view, audit.list and audit.export).
-- Each ends in seq so that "newest first, a page at a time" (ORDER BY seq, keyset on seq) reads
-- only matching rows. The subject filter already has audit_events_target_idx (0002); free text
-- is a scan bounded by the page size and the statement timeout.
--
-- Plain CREATE INDEX, not CONCURRENTLY: the runner applies a file in one transaction, where
-- CONCURRENTLY cannot run. The build holds a SHARE lock, so appends (every audited command)
-- wait for it; at the chain sizes an org reaches (an event per operator change) that is a build
-- of seconds, under the 5 s lock timeout above for the lock itself. Audit events are never
-- updated, so the indexes add no cost beyond the append.

-- squawk-ignore require-concurrent-index-creation
CREATE INDEX audit_events_at_idx ON mc.audit_events (org_id, at);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX audit_events_action_idx ON mc.audit_events (org_id, action, seq);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX audit_events_actor_idx ON mc.audit_events (org_id, actor_id, seq);
