SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 13: what a customer is promised and allowed, and the two records of served traffic.
--
-- Limits (null = the org default: the seed's 10,000 API requests a minute, no token cap, no
-- monthly quota, no concurrency cap). Committed capacity is what the customer pays to have
-- reserved; usage is measured against it. Allowed corridors narrow routing further than the
-- residency policy (empty = every corridor the policy allows). Contacts are who to call.
ALTER TABLE mc.customers
  ADD COLUMN requests_per_min           integer CHECK (requests_per_min BETWEEN 1 AND 10000000),
  ADD COLUMN tokens_per_min             integer CHECK (tokens_per_min BETWEEN 1 AND 1000000000),
  ADD COLUMN monthly_token_quota        bigint CHECK (monthly_token_quota BETWEEN 1 AND 1000000000000000),
  ADD COLUMN max_concurrency            integer CHECK (max_concurrency BETWEEN 1 AND 100000),
  ADD COLUMN committed_requests_per_min integer NOT NULL DEFAULT 0 CHECK (committed_requests_per_min BETWEEN 0 AND 10000000),
  ADD COLUMN committed_tokens_per_min   integer NOT NULL DEFAULT 0 CHECK (committed_tokens_per_min BETWEEN 0 AND 1000000000),
  ADD COLUMN allowed_corridor_ids       uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(allowed_corridor_ids) <= 64),
  ADD COLUMN contacts                   jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(contacts) = 'array' AND jsonb_array_length(contacts) <= 20 AND pg_column_size(contacts) <= 8000);

GRANT UPDATE (requests_per_min, tokens_per_min, monthly_token_quota, max_concurrency, committed_requests_per_min,
              committed_tokens_per_min, allowed_corridor_ids, contacts) ON mc.customers TO mc_app;

-- The API request log: one row per request the gateway answered after the key check (refusals
-- included: 401s before the check name no org and are only counted in the gateway's /metrics).
-- request_id is the x-request-id the client saw; (org_id, request_id) is unique so a metering
-- spool can be drained again after a crash without counting twice.
CREATE TABLE mc.api_requests (
  org_id            uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  request_id        text NOT NULL CHECK (request_id ~ '^[0-9A-Za-z_-]{8,64}$'),
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz NOT NULL,
  customer_id       uuid NOT NULL,
  key_prefix        text NOT NULL CHECK (key_prefix ~ '^ume_(live|test)_[0-9A-Za-z]{6}$'),
  endpoint          text NOT NULL CHECK (endpoint IN ('chat.completions', 'completions', 'embeddings', 'models')),
  model             text CHECK (length(model) <= 300),
  stream            boolean NOT NULL DEFAULT false,
  decision_id       uuid,
  corridor_id       uuid,
  node_id           uuid,
  runtime_id        uuid,
  status            integer NOT NULL CHECK (status BETWEEN 100 AND 599),
  -- Why a request was not served: 'rate_limited', 'quota', 'concurrency', 'no_route', 'upstream', 'client_closed', …
  outcome           text NOT NULL CHECK (outcome ~ '^[a-z_]{1,40}$'),
  latency_ms        integer NOT NULL CHECK (latency_ms >= 0),
  first_byte_ms     integer CHECK (first_byte_ms >= 0),
  prompt_tokens     integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
  completion_tokens integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
  -- Demo traffic from the embedded demo's simulated clients says so.
  simulated         boolean NOT NULL DEFAULT false,
  gateway_instance  text NOT NULL CHECK (length(gateway_instance) BETWEEN 1 AND 120),
  PRIMARY KEY (org_id, request_id),
  FOREIGN KEY (org_id, customer_id) REFERENCES mc.customers (org_id, id) ON DELETE CASCADE
);
CREATE INDEX api_requests_recent_idx ON mc.api_requests (org_id, started_at DESC);
CREATE INDEX api_requests_customer_idx ON mc.api_requests (org_id, customer_id, started_at DESC);

-- A usage event: tokens a runtime served, as its own `usage` reported them. Only requests that
-- reached a runtime produce one; exactly one per request (the primary key), which is what makes
-- "served means metered, exactly once" checkable against the request log.
CREATE TABLE mc.usage_events (
  org_id            uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  request_id        text NOT NULL CHECK (request_id ~ '^[0-9A-Za-z_-]{8,64}$'),
  occurred_at       timestamptz NOT NULL,
  customer_id       uuid NOT NULL,
  model             text NOT NULL CHECK (length(model) <= 300),
  corridor_id       uuid,
  node_id           uuid,
  runtime_id        uuid,
  prompt_tokens     integer NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens integer NOT NULL CHECK (completion_tokens >= 0),
  -- The runtime gave no usage (a stream cut before its last chunk): tokens counted by the gateway.
  estimated         boolean NOT NULL DEFAULT false,
  simulated         boolean NOT NULL DEFAULT false,
  PRIMARY KEY (org_id, request_id),
  FOREIGN KEY (org_id, customer_id) REFERENCES mc.customers (org_id, id) ON DELETE CASCADE
);
CREATE INDEX usage_events_recent_idx ON mc.usage_events (org_id, occurred_at DESC);
CREATE INDEX usage_events_customer_idx ON mc.usage_events (org_id, customer_id, occurred_at DESC);

ALTER TABLE mc.api_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.api_requests FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.usage_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.usage_events FORCE ROW LEVEL SECURITY;

-- Members read their org's traffic; nobody in the app writes it. The gateway writes through
-- SECURITY DEFINER functions (owned by mc_definer), which these policies let in.
CREATE POLICY api_requests_read ON mc.api_requests FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY usage_events_read ON mc.usage_events FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY api_requests_definer ON mc.api_requests TO mc_definer USING (true) WITH CHECK (true);
CREATE POLICY usage_events_definer ON mc.usage_events TO mc_definer USING (true) WITH CHECK (true);

GRANT SELECT ON mc.api_requests, mc.usage_events TO mc_app;
GRANT SELECT, INSERT, DELETE ON mc.api_requests, mc.usage_events TO mc_definer;
