SET lock_timeout = '5s'; SET statement_timeout = '60s';
-- Honest evidence (issue 11). A component's state on screen is computed from records; what an
-- operator sets on /status is a declaration shown as such, and may expire.

ALTER TABLE mc.components ADD COLUMN declared_until timestamptz;
GRANT UPDATE (declared_until) ON mc.components TO mc_app;
ALTER TABLE mc.component_status_history ADD COLUMN until timestamptz;
