import type { Corridor, NodeGroup, Site } from '../../../src-shared/contract/grid';
import type { Sql } from '../../db';

interface CorridorRow {
  id: string;
  key: string;
  name: string;
  region: Corridor['region'];
  allowed_countries: string[];
  blocked_countries: string[];
  regulated_workloads: string[];
  audit_requirement: string | null;
  site_count: number;
  node_count: number;
}

export const SELECT_CORRIDORS = `
  SELECT c.id, c.key, c.name, c.region, c.allowed_countries, c.blocked_countries, c.regulated_workloads, c.audit_requirement,
         (SELECT count(*) FROM mc.sites s WHERE s.org_id = c.org_id AND s.corridor_id = c.id)::int AS site_count,
         (SELECT count(*) FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
           WHERE s.org_id = c.org_id AND s.corridor_id = c.id)::int AS node_count
    FROM mc.corridors c`;

export function toCorridor(r: CorridorRow): Corridor {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    region: r.region,
    policy: {
      allowedCountries: r.allowed_countries,
      blockedCountries: r.blocked_countries,
      regulatedWorkloads: r.regulated_workloads,
      auditRequirement: r.audit_requirement,
    },
    siteCount: r.site_count,
    nodeCount: r.node_count,
  };
}

interface SiteRow {
  id: string;
  key: string;
  name: string;
  corridor_id: string;
  kind: Site['kind'];
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  owner_name: string;
  safety_checklist: Site['safetyChecklist'];
  node_count: number;
}

export const SELECT_SITES = `
  SELECT s.id, s.key, s.name, s.corridor_id, s.kind, s.country, s.city, s.latitude, s.longitude, s.owner_name, s.safety_checklist,
         (SELECT count(*) FROM mc.nodes n WHERE n.org_id = s.org_id AND n.site_id = s.id)::int AS node_count
    FROM mc.sites s`;

export function toSite(r: SiteRow): Site {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    corridorId: r.corridor_id,
    kind: r.kind,
    country: r.country,
    city: r.city,
    latitude: r.latitude,
    longitude: r.longitude,
    ownerName: r.owner_name,
    safetyChecklist: r.safety_checklist,
    nodeCount: r.node_count,
  };
}

export async function gridOverview(sql: Sql): Promise<{ corridors: Corridor[]; sites: Site[]; nodeGroups: NodeGroup[] }> {
  const [corridors, sites, groups] = [
    await sql.query<CorridorRow>(`${SELECT_CORRIDORS} ORDER BY c.name`),
    await sql.query<SiteRow>(`${SELECT_SITES} ORDER BY s.name`),
    await sql.query<{ id: string; site_id: string; key: string; name: string }>('SELECT id, site_id, key, name FROM mc.node_groups ORDER BY name'),
  ];
  return {
    corridors: corridors.map(toCorridor),
    sites: sites.map(toSite),
    nodeGroups: groups.map((g) => ({ id: g.id, siteId: g.site_id, key: g.key, name: g.name })),
  };
}

export async function getCorridor(sql: Sql, id: string): Promise<Corridor | null> {
  const r = await sql.maybeOne<CorridorRow>(`${SELECT_CORRIDORS} WHERE c.id = $1`, [id]);
  return r ? toCorridor(r) : null;
}

export async function getSite(sql: Sql, id: string): Promise<Site | null> {
  const r = await sql.maybeOne<SiteRow>(`${SELECT_SITES} WHERE s.id = $1`, [id]);
  return r ? toSite(r) : null;
}
