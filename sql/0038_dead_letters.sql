SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Dead letters are an operator's to replay or discard (issue 17): a batch the worker gave up on
-- is data the grid acknowledged, so only a member who can write decides, for their own org, with
-- a reason the app audits in the same transaction. Replay puts the batch back on the queue as it
-- was received (attempts from zero); a twin already queued keeps it counting once. Plain
-- row-level security, as the member's own login: an auditor's or another org's statement reaches
-- no row.
CREATE POLICY ingest_dead_letters_resolve ON mc.ingest_dead_letters FOR DELETE TO mc_app
  USING (org_id = mc.current_org_id() AND mc.can_write());
GRANT DELETE ON mc.ingest_dead_letters TO mc_app;

CREATE POLICY ingest_queue_replay ON mc.ingest_queue FOR INSERT TO mc_app
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
GRANT INSERT (org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at) ON mc.ingest_queue TO mc_app;
