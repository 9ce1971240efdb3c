import type { CorridorOverlay, IncidentMark, SiteOverlay } from '../../../src-shared/contract/network';
import { incidentRef, type Severity } from '../../../src-shared/domain/incident-lifecycle';
import type { ComponentState } from '../../../src-shared/domain/component-status';
import type { Sql } from '../../db';

const OPEN = `i.state IN ('triage', 'active', 'monitoring')`;

interface MarkRow {
  target_id: string;
  id: string;
  number: number;
  title: string;
  severity: Severity;
  drill: boolean;
}

const mark = (r: MarkRow): IncidentMark => ({ id: r.id, ref: incidentRef(r.number), title: r.title, severity: r.severity, drill: r.drill });

function grouped(rows: readonly MarkRow[]): Map<string, IncidentMark[]> {
  const out = new Map<string, IncidentMark[]>();
  for (const r of rows) {
    const list = out.get(r.target_id);
    if (!list) out.set(r.target_id, [mark(r)]);
    else if (!list.some((m) => m.id === r.id)) list.push(mark(r));
  }
  return out;
}

const SEVERITY_ORDER = `CASE i.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, i.number`;

/**
 * What the network views draw over the grid: each corridor's declared state (its /status component)
 * and the open incidents that name a corridor, a site, or a node (counted at the node's site): the
 * blast radius an incident commander looks for.
 */
export async function networkOverlay(sql: Sql): Promise<{ corridors: CorridorOverlay[]; sites: SiteOverlay[] }> {
  const corridors = await sql.query<{
    corridor_id: string;
    component_id: string | null;
    key: string | null;
    name: string | null;
    state: ComponentState | null;
    reason: string | null;
    changed_at: string | null;
  }>(
    `SELECT c.id AS corridor_id, k.id AS component_id, k.key, k.name, k.state, k.reason, k.changed_at
       FROM mc.corridors c LEFT JOIN mc.components k ON k.org_id = c.org_id AND k.corridor_id = c.id
      ORDER BY c.name`,
  );
  const onCorridors = await sql.query<MarkRow>(
    `SELECT x.target_id, i.id, i.number, i.title, i.severity, i.drill
       FROM mc.incident_affected x JOIN mc.incidents i ON i.org_id = x.org_id AND i.id = x.incident_id
      WHERE x.kind = 'corridor' AND ${OPEN}
      ORDER BY ${SEVERITY_ORDER}`,
  );
  const onSites = await sql.query<MarkRow>(
    `SELECT coalesce(n.site_id, x.target_id) AS target_id, i.id, i.number, i.title, i.severity, i.drill
       FROM mc.incident_affected x
       JOIN mc.incidents i ON i.org_id = x.org_id AND i.id = x.incident_id
       LEFT JOIN mc.nodes n ON x.kind = 'node' AND n.org_id = x.org_id AND n.id = x.target_id
      WHERE x.kind IN ('site', 'node') AND ${OPEN}
      ORDER BY ${SEVERITY_ORDER}`,
  );
  const byCorridor = grouped(onCorridors);
  const bySite = grouped(onSites);
  return {
    corridors: corridors.map((c) => ({
      corridorId: c.corridor_id,
      component:
        c.component_id && c.key && c.name && c.state && c.changed_at
          ? { id: c.component_id, key: c.key, name: c.name, state: c.state, reason: c.reason, changedAt: c.changed_at }
          : null,
      incidents: byCorridor.get(c.corridor_id) ?? [],
    })),
    sites: [...bySite].map(([siteId, incidents]) => ({ siteId, incidents })),
  };
}
