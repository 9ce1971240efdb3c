SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Evidence for every environment change, not only deployments: daily checklist item 6 ("attach
-- evidence to any environment changes") is answered live from deployment runs, applied migration
-- runs and feature-flag changes that have none yet. Same rules as deployment runs: a URI and the
-- sha256 of what it names, both or neither, with who attached it and when.

ALTER TABLE mc.migration_runs
  ADD COLUMN evidence_sha256 text CHECK (evidence_sha256 IS NULL OR evidence_sha256 ~ '^[0-9a-f]{64}$'),
  ADD COLUMN evidence_at     timestamptz,
  ADD COLUMN evidence_by     uuid,
  -- The new columns are NULL in every existing row: NOT VALID only skips a scan that could find
  -- nothing, and the constraint holds for every row written from now on.
  ADD CONSTRAINT migration_runs_evidence_by_fk FOREIGN KEY (evidence_by) REFERENCES mc.operators (id) NOT VALID,
  ADD CONSTRAINT migration_runs_evidence_uri_len CHECK (evidence_uri IS NULL OR length(evidence_uri) <= 2000) NOT VALID;
-- evidence_uri existed without a sha256. A URI alone is not evidence, but what is stored is kept:
-- the pair rule holds for rows written from now on (NOT VALID), and a run with a URI and no
-- sha256 still counts as without evidence until evidence is attached.
ALTER TABLE mc.migration_runs ADD CONSTRAINT migration_runs_evidence_pair CHECK ((evidence_uri IS NULL) = (evidence_sha256 IS NULL)) NOT VALID;
GRANT UPDATE (evidence_sha256, evidence_at, evidence_by) ON mc.migration_runs TO mc_app;

-- A flag flip is its change event (kind 'flag.changed'); its evidence sits on that event.
ALTER TABLE mc.change_events
  ADD COLUMN evidence_uri    text CHECK (evidence_uri IS NULL OR length(evidence_uri) <= 2000),
  ADD COLUMN evidence_sha256 text CHECK (evidence_sha256 IS NULL OR evidence_sha256 ~ '^[0-9a-f]{64}$'),
  ADD COLUMN evidence_at     timestamptz,
  ADD COLUMN evidence_by     uuid,
  -- As above: new columns, NULL everywhere, so NOT VALID skips only an empty check.
  ADD CONSTRAINT change_events_evidence_by_fk FOREIGN KEY (evidence_by) REFERENCES mc.operators (id) NOT VALID,
  ADD CONSTRAINT change_events_evidence_pair CHECK ((evidence_uri IS NULL) = (evidence_sha256 IS NULL)) NOT VALID;
CREATE POLICY change_events_update ON mc.change_events FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
-- Only the evidence columns: the event itself stays as it was recorded.
GRANT UPDATE (evidence_uri, evidence_sha256, evidence_at, evidence_by) ON mc.change_events TO mc_app;

-- A deployment run names the migration runs and feature-flag changes that belong to it, by id;
-- the run's detail shows them. Ids are checked by the app when linked (arrays carry no FKs).
ALTER TABLE mc.deployment_runs
  ADD COLUMN migration_run_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(migration_run_ids) <= 50),
  ADD COLUMN flag_change_ids   bigint[] NOT NULL DEFAULT '{}' CHECK (cardinality(flag_change_ids) <= 50);
GRANT UPDATE (migration_run_ids, flag_change_ids) ON mc.deployment_runs TO mc_app;
