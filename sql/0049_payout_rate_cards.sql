SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Site-owner payouts (issue 13, rollout step 6): the rate card an estimate is priced with.
--
-- A rate card is versioned and append-only: an admin's edit inserts version N+1, and no row is
-- ever updated or deleted by the app, so an estimate that names "version 3" (every exported CSV
-- and report does) can always be priced again to the same figures. The figures themselves (GPU-
-- hours, tokens, energy, availability) are computed from records when asked, never stored here.
CREATE TABLE mc.payout_rate_cards (
  org_id                uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  version               integer NOT NULL CHECK (version BETWEEN 1 AND 1000000),
  -- ISO 4217 code; every amount of the card and of its estimates is in it.
  currency              text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Per GPU-hour by GPU class: [{"gpuClass": "H100 80GB", "rate": 2.1}, …]; a class is a node's
  -- gpu_model as registered. Nodes of a class not listed are priced at default_gpu_hour_rate.
  gpu_hour_rates        jsonb NOT NULL DEFAULT '[]'::jsonb
    CHECK (jsonb_typeof(gpu_hour_rates) = 'array' AND jsonb_array_length(gpu_hour_rates) <= 50 AND pg_column_size(gpu_hour_rates) <= 8000),
  default_gpu_hour_rate numeric(12, 4) NOT NULL CHECK (default_gpu_hour_rate BETWEEN 0 AND 100000),
  per_million_tokens    numeric(12, 4) NOT NULL CHECK (per_million_tokens BETWEEN 0 AND 100000),
  energy_per_kwh        numeric(12, 4) NOT NULL CHECK (energy_per_kwh BETWEEN 0 AND 1000),
  -- Availability is measured against this SLA policy's uptime target, copied here when the card
  -- is saved so the version stays what it was if the policy is edited later.
  sla_policy_id         uuid NOT NULL,
  uptime_target_pct     numeric(6, 3) NOT NULL CHECK (uptime_target_pct > 0 AND uptime_target_pct <= 100),
  -- The credit when a site is below target: this share of its GPU and token amounts for each
  -- percentage point (or part of one) short, capped at max_credit_pct.
  credit_pct_per_point  numeric(6, 3) NOT NULL CHECK (credit_pct_per_point BETWEEN 0 AND 100),
  max_credit_pct        numeric(6, 3) NOT NULL CHECK (max_credit_pct BETWEEN 0 AND 100),
  note                  text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  created_by            uuid REFERENCES mc.operators (id),
  created_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, version),
  FOREIGN KEY (org_id, sla_policy_id) REFERENCES mc.sla_policies (org_id, id)
);

ALTER TABLE mc.payout_rate_cards ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.payout_rate_cards FORCE ROW LEVEL SECURITY;

-- Every member reads the card (auditors export estimates); only admins add a version.
CREATE POLICY payout_rate_cards_read ON mc.payout_rate_cards FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY payout_rate_cards_insert ON mc.payout_rate_cards FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());

-- No UPDATE, no DELETE: a version, once saved, is what estimates name.
GRANT SELECT, INSERT ON mc.payout_rate_cards TO mc_app;

