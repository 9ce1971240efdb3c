import type { NodeGroup, Site } from '../../../src-shared/contract/grid';
import { McError } from '../../../src-shared/contract/errors';
import { checkSiteCountry } from '../../../src-shared/domain/residency';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { getCorridor, getSite } from './overview';
import { uniquely } from './unique';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

export interface NewSite {
  corridorId: string;
  key: string;
  name: string;
  kind: Site['kind'];
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  ownerName: string;
}

export async function createSite(sql: Sql, input: NewSite, audit: Audit): Promise<Site> {
  const corridor = await getCorridor(sql, input.corridorId);
  if (!corridor) throw new McError('NOT_FOUND', 'That corridor does not exist in this org.');
  // Checked here to name the field; the database trigger refuses it regardless.
  const verdict = checkSiteCountry(corridor.name, corridor.policy, input.country);
  if (!verdict.ok) throw new McError('VALIDATION', verdict.message, { country: verdict.message });
  const row = await uniquely(
    () =>
      sql.one<{ id: string }>(
        `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, city, latitude, longitude, owner_name)
         VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [input.corridorId, input.key, input.name, input.kind, input.country, input.city, input.latitude, input.longitude, input.ownerName],
      ),
    { sites_org_id_key_key: { field: 'key', message: `A site with the key “${input.key}” already exists.` } },
  );
  await audit({
    action: 'grid.site_created',
    target: { type: 'site', id: row.id },
    data: { key: input.key, name: input.name, kind: input.kind, country: input.country, corridor: corridor.key },
  });
  return (await getSite(sql, row.id)) as Site;
}

export async function setSiteSafety(sql: Sql, input: { siteId: string; state: Site['safetyChecklist'] }, audit: Audit): Promise<Site> {
  const before = await sql.maybeOne<{ key: string; safety_checklist: string }>('SELECT key, safety_checklist FROM mc.sites WHERE id = $1 FOR UPDATE', [input.siteId]);
  if (!before) throw new McError('NOT_FOUND', 'That site does not exist in this org.');
  if (input.state === 'passed') {
    // "Passed" is what a readiness gate relies on, so it is earned by a completed site safety
    // checklist, item by item with its evidence, never set by hand.
    const run = await sql.maybeOne<{ outcome: string | null }>(
      `SELECT outcome FROM mc.checklist_runs WHERE template_key = 'site_safety' AND subject_type = 'site' AND subject_id = $1 ORDER BY started_at DESC LIMIT 1`,
      [input.siteId],
    );
    if (run?.outcome !== 'passed') {
      throw new McError(
        'VALIDATION',
        'A site passes its safety checklist by completing one: open Checklists, start the site safety checklist for this site and work through its items.',
        { state: run ? 'Its latest safety checklist has not passed yet.' : 'No safety checklist has been run for this site.' },
      );
    }
  }
  await sql.query('UPDATE mc.sites SET safety_checklist = $2 WHERE id = $1', [input.siteId, input.state]);
  await audit({ action: 'grid.site_safety_set', target: { type: 'site', id: input.siteId }, data: { key: before.key, from: before.safety_checklist, to: input.state } });
  return (await getSite(sql, input.siteId)) as Site;
}

export async function createNodeGroup(sql: Sql, input: { siteId: string; key: string; name: string }, audit: Audit): Promise<NodeGroup> {
  const site = await getSite(sql, input.siteId);
  if (!site) throw new McError('NOT_FOUND', 'That site does not exist in this org.');
  const row = await uniquely(
    () =>
      sql.one<{ id: string }>('INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES (mc.current_org_id(), $1, $2, $3) RETURNING id', [
        input.siteId,
        input.key,
        input.name,
      ]),
    { node_groups_org_id_site_id_key_key: { field: 'key', message: `${site.name} already has a node group “${input.key}”.` } },
  );
  await audit({ action: 'grid.node_group_created', target: { type: 'node_group', id: row.id }, data: { site: site.key, key: input.key, name: input.name } });
  return { id: row.id, siteId: input.siteId, key: input.key, name: input.name };
}
