SET lock_timeout = '5s'; SET statement_timeout = '60s';
-- Honest evidence (issue 11). A component's state on screen is computed from records; what an
-- operator sets on /status is a declaration shown as such, and may expire.

ALTER TABLE mc.components ADD COLUMN declared_until timestamptz;
GRANT UPDATE (declared_until) ON mc.components TO mc_app;
ALTER TABLE mc.component_status_history ADD COLUMN until timestamptz;

-- Notification channels: where an escalation goes outside the app (a signed JSON webhook, the
-- PagerDuty Events API v2, a Slack incoming webhook, e-mail over SMTP). Only what is not secret is
-- stored here (a URL's origin, the SMTP host); URLs, signing keys, routing keys and SMTP passwords
-- live in the OS keychain of the workstation that configured them.
CREATE TABLE mc.notification_channels (
  id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id     uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('webhook', 'pagerduty', 'slack', 'email')),
  name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
  config     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object' AND length(config::text) <= 8000),
  enabled    boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES mc.operators (id),
  UNIQUE (org_id, name),
  UNIQUE (org_id, id)
);

-- "Notified" means delivered: one row per escalation notification, channel and recipient, with
-- what the far side answered. Failed rows are retried by the ops clock until the attempts run out.
CREATE TABLE mc.notification_deliveries (
  id              uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id          uuid NOT NULL,
  notification_id uuid NOT NULL REFERENCES mc.escalation_notifications (id) ON DELETE CASCADE,
  channel_id      uuid,
  channel_kind    text NOT NULL CHECK (channel_kind IN ('webhook', 'pagerduty', 'slack', 'email')),
  recipient       text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 320),
  status          text NOT NULL CHECK (status IN ('delivered', 'failed', 'gave_up')),
  attempts        integer NOT NULL DEFAULT 1 CHECK (attempts BETWEEN 1 AND 20),
  detail          text NOT NULL CHECK (length(detail) <= 1000),
  first_at        timestamptz NOT NULL DEFAULT now(),
  last_at         timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz,
  UNIQUE (notification_id, channel_id, recipient),
  FOREIGN KEY (org_id, channel_id) REFERENCES mc.notification_channels (org_id, id) ON DELETE SET NULL (channel_id),
  CHECK ((status = 'failed') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX notification_deliveries_retry_idx ON mc.notification_deliveries (org_id, next_attempt_at) WHERE next_attempt_at IS NOT NULL;

ALTER TABLE mc.notification_channels ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.notification_channels FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.notification_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.notification_deliveries FORCE ROW LEVEL SECURITY;

CREATE POLICY notification_channels_read ON mc.notification_channels FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY notification_channels_insert ON mc.notification_channels FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY notification_channels_update ON mc.notification_channels FOR UPDATE
  USING (org_id = mc.current_org_id() AND mc.is_admin()) WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY notification_channels_delete ON mc.notification_channels FOR DELETE USING (org_id = mc.current_org_id() AND mc.is_admin());

CREATE POLICY notification_deliveries_read ON mc.notification_deliveries FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY notification_deliveries_insert ON mc.notification_deliveries FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY notification_deliveries_update ON mc.notification_deliveries FOR UPDATE
  USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

GRANT SELECT, INSERT, DELETE ON mc.notification_channels TO mc_app;
GRANT UPDATE (name, config, enabled) ON mc.notification_channels TO mc_app;
GRANT SELECT, INSERT ON mc.notification_deliveries TO mc_app;
GRANT UPDATE (status, attempts, detail, last_at, next_attempt_at) ON mc.notification_deliveries TO mc_app;
