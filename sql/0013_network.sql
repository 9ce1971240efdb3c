SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- The network views colour a corridor's sites by what operators declare about the corridor on
-- /status as well as by telemetry. A corridor component says which corridor it is about; every
-- corridor gets one when it is created (an existing unlinked one of the same key or name is
-- adopted, so the demo's "APAC corridor" and friends keep their history).

ALTER TABLE mc.components ADD COLUMN corridor_id uuid;
ALTER TABLE mc.components
  ADD CONSTRAINT components_corridor_fk FOREIGN KEY (org_id, corridor_id) REFERENCES mc.corridors (org_id, id) ON DELETE SET NULL (corridor_id),
  ADD CONSTRAINT components_corridor_kind CHECK (corridor_id IS NULL OR kind = 'corridor');
CREATE UNIQUE INDEX components_corridor_idx ON mc.components (corridor_id) WHERE corridor_id IS NOT NULL;
GRANT UPDATE (corridor_id) ON mc.components TO mc_app;

-- Runs as whoever inserts the corridor (the app's role, under its org's row-level security).
CREATE FUNCTION mc.link_corridor_component(p_corridor mc.corridors) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    label text := CASE WHEN p_corridor.name ILIKE '% corridor' THEN p_corridor.name ELSE p_corridor.name || ' corridor' END;
    linked uuid;
  BEGIN
    SELECT id INTO linked FROM mc.components
     WHERE org_id = p_corridor.org_id AND kind = 'corridor' AND corridor_id IS NULL
       AND (key = 'corridor.' || p_corridor.key OR lower(name) IN (lower(label), lower(p_corridor.name)))
     ORDER BY key = 'corridor.' || p_corridor.key DESC, sort_order, key
     LIMIT 1;
    IF linked IS NOT NULL THEN
      UPDATE mc.components SET corridor_id = p_corridor.id WHERE id = linked;
      RETURN;
    END IF;
    INSERT INTO mc.components (org_id, key, name, kind, description, corridor_id, sort_order)
    VALUES (p_corridor.org_id, left('corridor.' || p_corridor.key, 63), left(label, 120), 'corridor',
            'Declared state of the ' || left(label, 100) || '; its sites on the map take it on.', p_corridor.id,
            coalesce((SELECT max(sort_order) + 1 FROM mc.components WHERE org_id = p_corridor.org_id AND kind = 'corridor'), 100))
    ON CONFLICT (org_id, key) DO NOTHING;
  END
  $$;

CREATE FUNCTION mc.corridor_component_trigger() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    PERFORM mc.link_corridor_component(NEW);
    RETURN NULL;
  END
  $$;
CREATE TRIGGER corridors_component AFTER INSERT ON mc.corridors
  FOR EACH ROW EXECUTE FUNCTION mc.corridor_component_trigger();

-- Corridors that exist already (this migration runs as the owner, past row-level security).
SELECT mc.link_corridor_component(c) FROM mc.corridors c ORDER BY c.created_at;
