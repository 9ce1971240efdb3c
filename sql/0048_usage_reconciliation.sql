SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 13, /usage: reconciling metering against the API request log and the runtimes' own
-- counters.
--
-- The runtimes' cumulative token counters, one row per probe that could read them (vLLM's
-- vllm:prompt_tokens_total and vllm:generation_tokens_total on /metrics). The prober used to keep
-- only a rate; a rate cannot be summed over an hour, a cumulative counter can (its delta between
-- two probes), and a counter that went down says the runtime restarted. Kept 90 days: the prober
-- deletes a runtime's older samples when it records a new one.
CREATE TABLE mc.runtime_token_counters (
  org_id                  uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  runtime_id              uuid NOT NULL,
  observed_at             timestamptz NOT NULL DEFAULT now(),
  prompt_tokens_total     bigint CHECK (prompt_tokens_total >= 0),
  generation_tokens_total bigint CHECK (generation_tokens_total >= 0),
  CHECK (prompt_tokens_total IS NOT NULL OR generation_tokens_total IS NOT NULL),
  PRIMARY KEY (org_id, runtime_id, observed_at),
  FOREIGN KEY (org_id, runtime_id) REFERENCES mc.runtimes (org_id, id) ON DELETE CASCADE
);

-- A reconciliation run: the period, its hourly windows with their figures and findings, and the
-- verdict. It is evidence (daily checklist item 5 links it), so it is never changed or deleted
-- by the app: a new run is a new record.
CREATE TABLE mc.usage_reconciliations (
  id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       uuid NOT NULL REFERENCES mc.operators (id),
  period_from      timestamptz NOT NULL,
  period_to        timestamptz NOT NULL,
  window_minutes   integer NOT NULL CHECK (window_minutes BETWEEN 5 AND 1440),
  -- clean: every window matched; explained: only findings with a known, benign cause;
  -- discrepancy: at least one unexplained finding; no_traffic: nothing was served or counted.
  outcome          text NOT NULL CHECK (outcome IN ('clean', 'explained', 'discrepancy', 'no_traffic')),
  windows_total    integer NOT NULL CHECK (windows_total >= 0),
  windows_flagged  integer NOT NULL CHECK (windows_flagged >= 0),
  unexplained      integer NOT NULL CHECK (unexplained >= 0),
  explained        integer NOT NULL CHECK (explained >= 0),
  totals           jsonb NOT NULL CHECK (jsonb_typeof(totals) = 'object'),
  windows          jsonb NOT NULL CHECK (jsonb_typeof(windows) = 'array' AND pg_column_size(windows) <= 4000000),
  -- sha256 of the record's canonical JSON as the app computed it, so an exported copy can be compared.
  sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  CHECK (period_from < period_to AND period_to - period_from <= interval '31 days'),
  UNIQUE (org_id, id)
);
CREATE INDEX usage_reconciliations_recent_idx ON mc.usage_reconciliations (org_id, created_at DESC);

ALTER TABLE mc.runtime_token_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.runtime_token_counters FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.usage_reconciliations ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.usage_reconciliations FORCE ROW LEVEL SECURITY;

-- Members read both. Writers (the prober runs as the signed-in writer, like its mc.runtimes
-- update) record counters and prune that runtime's old ones; writers run reconciliations.
CREATE POLICY runtime_token_counters_read ON mc.runtime_token_counters FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY runtime_token_counters_insert ON mc.runtime_token_counters FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY runtime_token_counters_prune ON mc.runtime_token_counters FOR DELETE
  USING (org_id = mc.current_org_id() AND mc.can_write() AND observed_at < now() - interval '90 days');
CREATE POLICY usage_reconciliations_read ON mc.usage_reconciliations FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY usage_reconciliations_insert ON mc.usage_reconciliations FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write() AND created_by = mc.current_operator_id());

GRANT SELECT, INSERT, DELETE ON mc.runtime_token_counters TO mc_app;
GRANT SELECT, INSERT ON mc.usage_reconciliations TO mc_app;
