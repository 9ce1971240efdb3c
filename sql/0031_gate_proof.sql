SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Gates and checklist items that need proof (issue 11). Each item declares the proof it needs:
--   live        the app answers it from records; the answer recorded when it was ticked says yes
--               (an answer of "cannot tell" needs an attestation instead);
--   evidence    a linked record of the app's (a telemetry validation, a routing simulation, an
--               incident or a drill where the item says drills count), passed and in scope;
--   attestation the signed-in member who ticks it, a note of at least a sentence, and an attached
--               link or file whose sha256 is stored.
-- The app refuses a tick without its proof first, in words; the triggers below refuse it for any
-- other writer. Gate waivers need an admin and a reason; a pilot goes live only in a ready
-- corridor; a corridor is ready only when every one of its sites passed its safety checklist.

-- New columns, NULL or their default in every existing row: NOT VALID only skips a scan that could
-- find nothing, and every row written from now on is checked.
ALTER TABLE mc.checklist_items
  ADD COLUMN proof             text NOT NULL DEFAULT 'attestation',
  ADD COLUMN evidence_kinds    text[] NOT NULL DEFAULT '{}',
  ADD COLUMN attachment_uri    text,
  ADD COLUMN attachment_sha256 text,
  ADD CONSTRAINT checklist_items_proof_kind CHECK (proof IN ('live', 'evidence', 'attestation')) NOT VALID,
  ADD CONSTRAINT checklist_items_evidence_kinds CHECK (cardinality(evidence_kinds) <= 10) NOT VALID,
  ADD CONSTRAINT checklist_items_attachment_uri CHECK (attachment_uri IS NULL OR (length(attachment_uri) <= 2000 AND attachment_uri ~ '^(https?|file):\S+$')) NOT VALID,
  ADD CONSTRAINT checklist_items_attachment_sha256 CHECK (attachment_sha256 IS NULL OR attachment_sha256 ~ '^[0-9a-f]{64}$') NOT VALID,
  ADD CONSTRAINT checklist_items_attachment_pair CHECK ((attachment_uri IS NULL) = (attachment_sha256 IS NULL)) NOT VALID;
-- The declaration is written when the item is created (INSERT) and never changed by the app.
GRANT UPDATE (attachment_uri, attachment_sha256) ON mc.checklist_items TO mc_app;

-- Items that existed before (the guard below comes after, so these rows keep their status): what their templates declare now (an item the app checks is live,
-- one it checks from an evidence record needs that record, the rest an attestation).
-- The table's RLS is forced, and this (owner) session names no org, so without lifting it for the
-- data fix these UPDATEs would reach no row of any org and leave every old item an attestation.
ALTER TABLE mc.checklist_items NO FORCE ROW LEVEL SECURITY;
UPDATE mc.checklist_items SET proof = 'live' WHERE check_key IS NOT NULL;
UPDATE mc.checklist_items SET proof = 'evidence', evidence_kinds = '{telemetry_validation}'
 WHERE check_key IN ('telemetry_valid_key_accepted', 'telemetry_invalid_key_rejected');
UPDATE mc.checklist_items SET proof = 'evidence', evidence_kinds = '{routing_simulation}' WHERE check_key = 'routing_simulation_saved';
UPDATE mc.checklist_items SET proof = 'evidence', evidence_kinds = '{drill}' WHERE check_key = 'corridor_drill_captured';
UPDATE mc.checklist_items SET proof = 'evidence', evidence_kinds = '{incident,drill}' WHERE check_key = 'incident_lifecycle_proven';
UPDATE mc.checklist_items SET proof = 'evidence', evidence_kinds = '{telemetry_validation,routing_simulation}' WHERE check_key = 'evidence_visible';
ALTER TABLE mc.checklist_items FORCE ROW LEVEL SECURITY;

-- The corridor a subject of a run belongs to (corridor, site, pilot); NULL for the whole org.
CREATE FUNCTION mc.subject_corridor(p_type text, p_id uuid) RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE p_type
      WHEN 'corridor' THEN p_id
      WHEN 'site' THEN (SELECT s.corridor_id FROM mc.sites s WHERE s.id = p_id)
      WHEN 'pilot' THEN (SELECT p.corridor_id FROM mc.pilots p WHERE p.id = p_id)
    END
  $$;

-- The corridor an evidence record is about: a node's or site's corridor, a routing simulation's
-- home corridor. NULL when it names none (such a record is in no corridor's scope).
CREATE FUNCTION mc.evidence_corridor(p_kind text, p_subject_type text, p_subject_id text, p_data jsonb) RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN p_kind = 'routing_simulation' THEN
        CASE WHEN p_data #>> '{request,homeCorridorId}' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
             THEN (p_data #>> '{request,homeCorridorId}')::uuid END
      WHEN p_subject_type = 'node' THEN
        (SELECT s.corridor_id FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id WHERE n.id::text = p_subject_id)
      WHEN p_subject_type = 'site' THEN (SELECT s.corridor_id FROM mc.sites s WHERE s.id::text = p_subject_id)
      WHEN p_subject_type = 'corridor' THEN (SELECT c.id FROM mc.corridors c WHERE c.id::text = p_subject_id)
    END
  $$;

-- Whether an incident (or drill) touched a corridor: the corridor itself, one of its sites or nodes.
CREATE FUNCTION mc.incident_in_corridor(p_incident uuid, p_corridor uuid) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$
    SELECT EXISTS (
      SELECT 1 FROM mc.incident_affected a
        LEFT JOIN mc.sites s ON a.kind = 'site' AND s.id = a.target_id
        LEFT JOIN mc.nodes n ON a.kind = 'node' AND n.id = a.target_id
        LEFT JOIN mc.sites ns ON ns.id = n.site_id
       WHERE a.incident_id = p_incident
         AND coalesce(CASE WHEN a.kind = 'corridor' THEN a.target_id END, s.corridor_id, ns.corridor_id) = p_corridor)
  $$;

-- "At least a sentence": twenty characters and four words.
CREATE FUNCTION mc.is_sentence(p_text text) RETURNS boolean
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT coalesce(length(btrim(p_text)) >= 20 AND cardinality(regexp_split_to_array(btrim(p_text), '\s+')) >= 4, false)
  $$;

-- What is missing for this item to be done, or NULL when its proof is there.
CREATE FUNCTION mc.checklist_proof_problem(i mc.checklist_items) RETURNS text
  LANGUAGE plpgsql STABLE
  AS $$
  DECLARE
    v_run       mc.checklist_runs%ROWTYPE;
    v_corridor  uuid;
    v_customer  text;
    v_attested  boolean;
    v_ref_type  text := i.evidence_ref ->> 'type';
    v_ref_id    text := i.evidence_ref ->> 'id';
    v_ev        record;
    v_inc       record;
  BEGIN
    SELECT * INTO v_run FROM mc.checklist_runs r WHERE r.org_id = i.org_id AND r.id = i.run_id;
    v_corridor := mc.subject_corridor(v_run.subject_type, v_run.subject_id);
    IF v_run.subject_type = 'pilot' THEN
      SELECT p.customer_name INTO v_customer FROM mc.pilots p WHERE p.id = v_run.subject_id;
    END IF;
    IF (i.live_answer ->> 'ok') = 'false' THEN
      RETURN 'its live check said no when it was ticked';
    END IF;
    v_attested := i.set_by IS NOT NULL AND i.set_by = mc.current_operator_id()
                  AND mc.is_sentence(i.note) AND i.attachment_uri IS NOT NULL AND i.attachment_sha256 IS NOT NULL;
    IF i.proof = 'attestation' THEN
      IF NOT v_attested THEN
        RETURN 'it needs an attestation: the signed-in member, a note of at least a sentence and an attached link or file with its sha256';
      END IF;
      RETURN NULL;
    END IF;
    IF i.proof = 'live' THEN
      IF (i.live_answer ->> 'ok') = 'true' THEN RETURN NULL; END IF;
      IF i.live_answer IS NOT NULL AND jsonb_typeof(i.live_answer -> 'ok') = 'null' AND v_attested THEN RETURN NULL; END IF;
      RETURN 'it needs its live check to answer yes when it is ticked (or, when the app cannot tell, an attestation)';
    END IF;
    -- Evidence: a record of the app's, of a kind the item accepts, passed, in the run's scope.
    IF v_ref_type = 'evidence' AND v_ref_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      SELECT e.kind, e.outcome, e.data, mc.evidence_corridor(e.kind, e.subject_type, e.subject_id, e.data) AS corridor
        INTO v_ev FROM mc.evidence_records e WHERE e.org_id = i.org_id AND e.id = v_ref_id::uuid;
      IF NOT FOUND THEN RETURN 'its linked evidence record does not exist'; END IF;
      IF NOT v_ev.kind = ANY (i.evidence_kinds) THEN
        RETURN format('it needs a %s record, not a %s', array_to_string(i.evidence_kinds, ' or '), v_ev.kind);
      END IF;
      IF v_ev.outcome <> 'passed' THEN RETURN 'its linked evidence record failed'; END IF;
      IF v_corridor IS NOT NULL AND v_ev.corridor IS DISTINCT FROM v_corridor THEN
        RETURN 'its linked evidence record is of another corridor';
      END IF;
      IF v_customer IS NOT NULL AND v_ev.kind = 'routing_simulation'
         AND lower(coalesce(v_ev.data #>> '{request,customerName}', '')) <> lower(v_customer) THEN
        RETURN 'its linked routing simulation is for another customer';
      END IF;
      RETURN NULL;
    END IF;
    IF v_ref_type = 'incident' AND v_ref_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      SELECT n.drill, n.state INTO v_inc FROM mc.incidents n WHERE n.org_id = i.org_id AND n.id = v_ref_id::uuid;
      IF NOT FOUND THEN RETURN 'its linked incident does not exist'; END IF;
      IF v_inc.drill AND NOT 'drill' = ANY (i.evidence_kinds) THEN RETURN 'a drill does not count for it'; END IF;
      IF NOT v_inc.drill AND NOT 'incident' = ANY (i.evidence_kinds) THEN RETURN 'it needs a drill, not an incident'; END IF;
      IF v_inc.state NOT IN ('resolved', 'closed') THEN RETURN 'its linked incident is not resolved'; END IF;
      IF v_corridor IS NOT NULL AND NOT mc.incident_in_corridor(v_ref_id::uuid, v_corridor) THEN
        RETURN 'its linked incident is of another corridor';
      END IF;
      RETURN NULL;
    END IF;
    RETURN format('it needs a linked %s record', array_to_string(i.evidence_kinds, ' or '));
  END
  $$;

CREATE FUNCTION mc.checklist_item_proof_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    v_kind    text;
    v_problem text;
  BEGIN
    SELECT r.kind INTO v_kind FROM mc.checklist_runs r WHERE r.org_id = NEW.org_id AND r.id = NEW.run_id;
    -- Done, or done with its proof changed: the proof must be there.
    IF NEW.status = 'done' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'done'
        OR (NEW.evidence_ref, NEW.attachment_uri, NEW.attachment_sha256, NEW.note, NEW.live_answer, NEW.set_by)
           IS DISTINCT FROM (OLD.evidence_ref, OLD.attachment_uri, OLD.attachment_sha256, OLD.note, OLD.live_answer, OLD.set_by)) THEN
      v_problem := mc.checklist_proof_problem(NEW);
      IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION 'Cannot mark it %: %', CASE WHEN v_kind = 'gates' THEN 'passed' ELSE 'done' END, v_problem USING ERRCODE = '23514';
      END IF;
    END IF;
    -- Waiving a gate is an admin's decision, with a reason.
    IF v_kind = 'gates' AND NEW.status = 'skipped' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'skipped') THEN
      IF NOT mc.is_admin() THEN
        RAISE EXCEPTION 'Cannot waive it: only an admin waives a gate' USING ERRCODE = '42501';
      END IF;
      IF length(btrim(coalesce(NEW.note, ''))) < 3 THEN
        RAISE EXCEPTION 'Cannot waive it: a waiver needs a reason' USING ERRCODE = '23514';
      END IF;
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER checklist_items_proof_guard BEFORE INSERT OR UPDATE ON mc.checklist_items
  FOR EACH ROW EXECUTE FUNCTION mc.checklist_item_proof_guard();

-- A pilot goes live only in a ready (or live) corridor; a corridor with a live pilot does not go
-- back to preparing; a corridor is ready only when all its sites passed their safety checklist.
CREATE FUNCTION mc.readiness_order_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    v_text text;
  BEGIN
    IF NEW.readiness IS NOT DISTINCT FROM OLD.readiness THEN RETURN NEW; END IF;
    IF TG_TABLE_NAME = 'pilots' THEN
      IF NEW.readiness = 'live' THEN
        SELECT c.name || ' is ' || c.readiness INTO v_text FROM mc.corridors c
         WHERE c.org_id = NEW.org_id AND c.id = NEW.corridor_id AND c.readiness NOT IN ('ready', 'live');
        IF v_text IS NOT NULL THEN
          RAISE EXCEPTION 'Cannot mark it live: its corridor is not ready (%)', v_text USING ERRCODE = 'UECFL';
        END IF;
      END IF;
      RETURN NEW;
    END IF;
    IF NEW.readiness IN ('ready', 'live') THEN
      SELECT string_agg(s.name || ' (' || s.safety_checklist || ')', ', ' ORDER BY s.name) INTO v_text
        FROM mc.sites s WHERE s.org_id = NEW.org_id AND s.corridor_id = NEW.id AND s.safety_checklist <> 'passed';
      IF v_text IS NOT NULL THEN
        RAISE EXCEPTION 'Cannot mark it %: site safety checklists not passed: %', NEW.readiness, v_text USING ERRCODE = 'UECFL';
      END IF;
    ELSE
      SELECT string_agg(p.customer_name, ', ' ORDER BY p.customer_name) INTO v_text
        FROM mc.pilots p WHERE p.org_id = NEW.org_id AND p.corridor_id = NEW.id AND p.readiness = 'live';
      IF v_text IS NOT NULL THEN
        RAISE EXCEPTION 'Cannot mark it %: pilots are live in it: %', NEW.readiness, v_text USING ERRCODE = 'UECFL';
      END IF;
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER corridors_readiness_order_guard BEFORE UPDATE OF readiness ON mc.corridors
  FOR EACH ROW EXECUTE FUNCTION mc.readiness_order_guard();
CREATE TRIGGER pilots_readiness_order_guard BEFORE UPDATE OF readiness ON mc.pilots
  FOR EACH ROW EXECUTE FUNCTION mc.readiness_order_guard();
