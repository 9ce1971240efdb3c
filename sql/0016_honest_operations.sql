SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- What operators saw (issue 9): a no-op state change recorded as a transition, a critical
-- incident closed without its review, and a demo org that did not say it was a demo.

-- A history row is a transition: the state it replaced must differ from the one it set. NOT VALID:
-- rows written before this rule stay as they were (they are the record); every new row is checked.
ALTER TABLE mc.component_status_history
  ADD CONSTRAINT component_status_history_is_a_change CHECK (from_state IS NULL OR from_state <> to_state) NOT VALID;

-- Critical incidents close only with a review that says what happened, its impact and its causes.
-- The app says so first, in words; this is the backstop for any other writer. Drills included:
-- a drill's review is the evidence the drill was run.
CREATE FUNCTION mc.incident_close_needs_review() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF NOT EXISTS (
      SELECT 1 FROM mc.incident_reviews v
       WHERE v.org_id = NEW.org_id AND v.incident_id = NEW.id
         AND length(btrim(v.summary)) >= 10 AND length(btrim(v.impact)) >= 10 AND length(btrim(v.causes)) >= 10
    ) THEN
      RAISE EXCEPTION 'a critical incident closes only with its post-incident review (summary, impact and causes)'
        USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
  END
  $$;

CREATE TRIGGER incidents_close_needs_review BEFORE UPDATE OF state ON mc.incidents
  FOR EACH ROW WHEN (NEW.state = 'closed' AND OLD.state IS DISTINCT FROM 'closed' AND NEW.severity = 'critical')
  EXECUTE FUNCTION mc.incident_close_needs_review();

-- A demo org is data about the org, not a guess from its name: every screen that shows its figures
-- says they are simulated. The demo seed sets it; the demo org loaded before this migration gets it
-- here (its fixed id is the seed's own).
ALTER TABLE mc.orgs ADD COLUMN simulated boolean NOT NULL DEFAULT false;

SELECT set_config('mc.org_id', '00000000-0000-4000-8000-00000000d3e0', true),
       set_config('mc.role', 'admin', true);
UPDATE mc.orgs SET simulated = true WHERE id = '00000000-0000-4000-8000-00000000d3e0';
-- The demo grid named real data-centre companies as owners of made-up sites; fictional ones now.
UPDATE mc.sites SET owner_name = 'Demo Owner ' || chr(65 + (abs(hashtext(key)) % 15)) || ' (fictional)'
 WHERE org_id = '00000000-0000-4000-8000-00000000d3e0' AND owner_name NOT LIKE '%(fictional)';
SELECT set_config('mc.org_id', '', true), set_config('mc.role', '', true);
