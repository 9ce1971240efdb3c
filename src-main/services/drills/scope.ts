import { McError } from '../../../src-shared/contract/errors';
import type { AffectedKind } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';

export type DrillScopeKind = 'corridor' | 'site' | 'runtime_group';

/** A drill's scope resolved against the grid: its name, its corridors and (on demand) its nodes. */
export interface ResolvedScope {
  kind: DrillScopeKind;
  target: string;
  name: string;
  corridorIds: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refused with NOT_FOUND (and the field) when the scope names nothing in this org. */
export async function resolveScope(sql: Sql, kind: DrillScopeKind, target: string): Promise<ResolvedScope> {
  const missing = (what: string) => new McError('NOT_FOUND', `That ${what} does not exist in this org: pick one from the list.`, { scopeTarget: `No such ${what}.` });
  if (kind === 'corridor') {
    if (!UUID.test(target)) throw missing('corridor');
    const r = await sql.maybeOne<{ id: string; name: string }>('SELECT id, name FROM mc.corridors WHERE id = $1', [target]);
    if (!r) throw missing('corridor');
    return { kind, target, name: `Corridor ${r.name}`, corridorIds: [r.id] };
  }
  if (kind === 'site') {
    if (!UUID.test(target)) throw missing('site');
    const r = await sql.maybeOne<{ name: string; corridor_id: string }>('SELECT name, corridor_id FROM mc.sites WHERE id = $1', [target]);
    if (!r) throw missing('site');
    return { kind, target, name: `Site ${r.name}`, corridorIds: [r.corridor_id] };
  }
  const rows = await sql.query<{ corridor_id: string }>(
    `SELECT DISTINCT s.corridor_id FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id WHERE n.runtime_group = $1 ORDER BY 1`,
    [target],
  );
  if (rows.length === 0) throw new McError('NOT_FOUND', `No node is in runtime group "${target}": pick a group from the list.`, { scopeTarget: 'No such runtime group.' });
  return { kind, target, name: `Runtime group ${target}`, corridorIds: rows.map((r) => r.corridor_id) };
}

/** SQL condition on `n` (mc.nodes) and `s` (mc.sites) for the nodes in scope; $1 is the target. */
export function scopeCondition(kind: DrillScopeKind): string {
  return kind === 'corridor' ? 's.corridor_id = $1::uuid' : kind === 'site' ? 'n.site_id = $1::uuid' : 'n.runtime_group = $1';
}

export interface ScopeNode {
  id: string;
  hostname: string;
  lifecycle: string;
  seen_at: string | null;
  p95_latency_ms: number | null;
  error_rate: number | null;
  gpu_temp_c: number | null;
}

/** The scope's nodes with their latest telemetry (at most 5,000: a drill on more is refused at drain). */
export async function scopeNodes(sql: Sql, kind: DrillScopeKind, target: string): Promise<ScopeNode[]> {
  return sql.query<ScopeNode>(
    `SELECT n.id, n.hostname, n.lifecycle, l.seen_at, l.p95_latency_ms, l.error_rate, l.gpu_temp_c
       FROM mc.nodes n JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
       LEFT JOIN mc.node_latest l ON l.node_id = n.id
      WHERE ${scopeCondition(kind)} ORDER BY n.hostname LIMIT 5001`,
    [target],
  );
}

/** What the drill incident says it affects: the corridor or site itself, or a runtime group's nodes (first 50). */
export async function affectedOf(sql: Sql, scope: ResolvedScope): Promise<{ kind: AffectedKind; id: string }[]> {
  if (scope.kind !== 'runtime_group') return [{ kind: scope.kind, id: scope.target }];
  const rows = await sql.query<{ id: string }>('SELECT id FROM mc.nodes WHERE runtime_group = $1 ORDER BY hostname LIMIT 50', [scope.target]);
  return rows.map((r) => ({ kind: 'node' as const, id: r.id }));
}
