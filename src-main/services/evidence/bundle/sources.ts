import type { AuditFilter } from '../../../../src-shared/contract/audit';
import { canonicalJson } from '../../../../src-shared/domain/canonical-json';
import type { Sql } from '../../../db';
import { exportAuditPage } from '../../audit';

/** What a bundle covers: the whole org over a period, or one incident (or drill) and its record. */
export type BundleScope = { kind: 'period'; from: string; to: string } | { kind: 'incident'; incidentId: string };

/**
 * One records file: a table's rows for the scope, each as one line of RFC 8785 canonical JSON, read
 * in keyset pages so memory stays one page whatever the bundle's size. `omit` names columns that
 * never leave the database (a key's hash is not a secret, but nothing about a secret is exported).
 */
interface Source {
  file: string;
  table: string;
  keys: string[];
  /** SQL over alias t with $1 = the scope's first value, $2 = its second (period: from, to; incident: id). */
  where: Record<BundleScope['kind'], string | null>;
  omit?: string[];
}

const inPeriod = (col: string) => `t.${col} >= $1::timestamptz AND t.${col} < $2::timestamptz`;
const ofIncidentsInPeriod = `t.incident_id IN (SELECT id FROM mc.incidents WHERE org_id = mc.current_org_id() AND ${inPeriod('opened_at').replaceAll('t.', '')})`;

export const SOURCES: readonly Source[] = [
  { file: 'records/incidents.jsonl', table: 'incidents', keys: ['id'], where: { period: inPeriod('opened_at'), incident: 't.id = $1::uuid' } },
  { file: 'records/incident-events.jsonl', table: 'incident_events', keys: ['id'], where: { period: ofIncidentsInPeriod, incident: 't.incident_id = $1::uuid' } },
  { file: 'records/incident-affected.jsonl', table: 'incident_affected', keys: ['incident_id', 'kind', 'target_id'], where: { period: ofIncidentsInPeriod, incident: 't.incident_id = $1::uuid' } },
  { file: 'records/incident-reviews.jsonl', table: 'incident_reviews', keys: ['incident_id'], where: { period: ofIncidentsInPeriod, incident: 't.incident_id = $1::uuid' } },
  { file: 'records/checklist-runs.jsonl', table: 'checklist_runs', keys: ['id'], where: { period: inPeriod('started_at'), incident: null } },
  {
    file: 'records/checklist-items.jsonl',
    table: 'checklist_items',
    keys: ['id'],
    where: { period: `t.run_id IN (SELECT id FROM mc.checklist_runs WHERE org_id = mc.current_org_id() AND ${inPeriod('started_at').replaceAll('t.', '')})`, incident: null },
  },
  { file: 'records/evidence-records.jsonl', table: 'evidence_records', keys: ['id'], where: { period: inPeriod('created_at'), incident: null } },
  { file: 'records/routing-decisions.jsonl', table: 'routing_decisions', keys: ['id'], where: { period: inPeriod('decided_at'), incident: null } },
  { file: 'records/nodes.jsonl', table: 'nodes', keys: ['id'], where: { period: 'true', incident: null } },
  { file: 'records/node-keys.jsonl', table: 'node_keys', keys: ['id'], where: { period: 'true', incident: null }, omit: ['key_hash'] },
];

const PAGE = 1000;

function scopeParams(scope: BundleScope): unknown[] {
  return scope.kind === 'period' ? [scope.from, scope.to] : [scope.incidentId, null];
}

/** The canonical JSON lines of one source for the scope (none when the source is not in that scope). */
export async function* sourceLines(sql: Sql, source: Source, scope: BundleScope): AsyncGenerator<string> {
  const where = source.where[scope.kind];
  if (where === null) return;
  const keys = source.keys.map((k) => `t.${k}::text`).join(', ');
  const omit = (source.omit ?? []).map((c) => ` - '${c}'`).join('');
  // Only the scope values the condition names are bound (PostgreSQL refuses unused parameters).
  const used = where.includes('$2') ? 2 : where.includes('$1') ? 1 : 0;
  const params = scopeParams(scope).slice(0, used);
  let after: unknown[] | null = null;
  for (;;) {
    const keyset: string = after ? ` AND (${keys}) > (${source.keys.map((_, i) => `$${i + used + 1}::text`).join(', ')})` : '';
    const rows: { r: Record<string, unknown>; k: unknown[] }[] = await sql.query(
      `SELECT to_jsonb(t)${omit} AS r, ARRAY[${source.keys.map((k) => `t.${k}::text`).join(', ')}] AS k
         FROM mc.${source.table} t
        WHERE t.org_id = mc.current_org_id() AND (${where})${keyset}
        ORDER BY ${keys} LIMIT ${PAGE}`,
      [...params, ...(after ?? [])],
    );
    for (const row of rows) yield `${canonicalJson(row.r as Parameters<typeof canonicalJson>[0])}\n`;
    if (rows.length < PAGE) return;
    after = (rows[rows.length - 1] as { k: unknown[] }).k;
  }
}

/** The audit events of the scope, with their chain fields, oldest first (the audit export's JSONL lines). */
export async function* auditLines(sql: Sql, scope: BundleScope, untilSeq: number): AsyncGenerator<{ text: string; seqs: number[] }> {
  const filter: AuditFilter = scope.kind === 'period' ? { from: scope.from, to: scope.to } : { subjectType: 'incident', subjectId: scope.incidentId };
  let afterSeq = 0;
  for (;;) {
    const page = await exportAuditPage(sql, { format: 'jsonl', filter, afterSeq, untilSeq, limit: PAGE });
    if (page.rows > 0) yield { text: page.text, seqs: page.seqs };
    if (page.nextAfterSeq === null) return;
    afterSeq = page.nextAfterSeq;
  }
}
