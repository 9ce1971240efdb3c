SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Sign-in with the organisation's identity provider (OpenID Connect) and invitations (issue 10).
--
-- A person is known to the identity provider as (issuer, subject). An identity link ties that pair
-- to one membership; a verified sign-in whose (issuer, subject) is linked gets a member login
-- (sql/0017) made by the profile's owner connection, which is the only side allowed to write here
-- (it needs CREATEROLE for the login anyway). The app's roles only read, so a workstation cannot
-- link itself to someone else's membership.
CREATE TABLE mc.identity_links (
  org_id          uuid NOT NULL,
  operator_id     uuid NOT NULL,
  issuer          text NOT NULL CHECK (length(issuer) BETWEEN 8 AND 500),
  subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- Set by every successful sign-in: what the pilot gate "OAuth login works" and access review read.
  last_sign_in_at timestamptz,
  sign_in_count   integer NOT NULL DEFAULT 0 CHECK (sign_in_count >= 0),
  PRIMARY KEY (org_id, issuer, subject),
  -- A removed membership takes its links with it: the identity signs nobody in any more.
  FOREIGN KEY (org_id, operator_id) REFERENCES mc.memberships (org_id, operator_id) ON DELETE CASCADE
);
CREATE INDEX identity_links_membership_idx ON mc.identity_links (org_id, operator_id);
CREATE INDEX identity_links_identity_idx ON mc.identity_links (issuer, subject);

ALTER TABLE mc.identity_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.identity_links FORCE ROW LEVEL SECURITY;
CREATE POLICY identity_links_own_org ON mc.identity_links FOR SELECT USING (org_id = mc.current_org_id());
-- The migration user (the profile's owner connection) links identities at invitation acceptance
-- and records sign-ins; it is the one that makes member logins, so nothing new is trusted here.
CREATE POLICY identity_links_owner ON mc.identity_links TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON mc.identity_links TO mc_app;

-- An invitation: a single-use code an admin passes on by hand (no mail server is assumed). Only
-- the code's sha256 is stored, so reading this table (or a backup of it) accepts nothing.
-- org_id has no foreign key on purpose: an invitation outlives a removed org, so accepting it can
-- say "that organisation was removed" instead of "unknown code".
CREATE TABLE mc.invitations (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id         uuid NOT NULL,
  email          text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 320),
  role           text NOT NULL CHECK (role IN ('admin', 'operator', 'incident_commander', 'auditor')),
  code_hash      text NOT NULL UNIQUE CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  created_by     uuid NOT NULL,
  expires_at     timestamptz NOT NULL,
  withdrawn_at   timestamptz,
  withdrawn_by   uuid,
  accepted_at    timestamptz,
  accepted_by    uuid,
  accepted_issuer  text,
  accepted_subject text,
  CHECK (expires_at >= created_at + interval '15 minutes'),
  CHECK (NOT (withdrawn_at IS NOT NULL AND accepted_at IS NOT NULL)),
  CHECK ((accepted_at IS NULL) = (accepted_by IS NULL))
);
CREATE INDEX invitations_org_idx ON mc.invitations (org_id, created_at DESC);

ALTER TABLE mc.invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.invitations FORCE ROW LEVEL SECURITY;
-- Admins see, issue and withdraw their org's invitations; nobody else in the org sees them.
CREATE POLICY invitations_admin_read ON mc.invitations FOR SELECT
  USING (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY invitations_admin_issue ON mc.invitations FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin() AND mc.can_write()
              AND created_by = mc.current_operator_id() AND accepted_at IS NULL AND withdrawn_at IS NULL);
CREATE POLICY invitations_admin_withdraw ON mc.invitations FOR UPDATE
  USING (org_id = mc.current_org_id() AND mc.is_admin() AND accepted_at IS NULL AND withdrawn_at IS NULL)
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin() AND withdrawn_by = mc.current_operator_id());
-- Acceptance runs on the owner connection (it makes the invitee's login in the same transaction).
CREATE POLICY invitations_owner ON mc.invitations TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON mc.invitations TO mc_app;
GRANT UPDATE (withdrawn_at, withdrawn_by) ON mc.invitations TO mc_app;
