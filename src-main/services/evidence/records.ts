import type { Evidence } from '../../../src-shared/contract/telemetry';
import type { Sql } from '../../db';
import type { AuditRecord } from '../audit';

interface Row {
  id: string;
  kind: string;
  title: string;
  subject_type: string;
  subject_id: string | null;
  outcome: Evidence['outcome'];
  data: Record<string, unknown>;
  audit_seq: number;
  created_at: string;
  created_by: string | null;
}

const SELECT = `SELECT e.id, e.kind, e.title, e.subject_type, e.subject_id, e.outcome, e.data, e.audit_seq, e.created_at, o.display_name AS created_by
                  FROM mc.evidence_records e LEFT JOIN mc.operators o ON o.id = e.created_by`;

function toEvidence(r: Row): Evidence {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    outcome: r.outcome,
    data: r.data,
    auditSeq: r.audit_seq,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** Evidence always points at the audit event of the command that produced it. */
export async function recordEvidence(
  sql: Sql,
  e: { kind: string; title: string; subjectType: string; subjectId: string | null; outcome: Evidence['outcome']; data: Record<string, unknown>; operatorId: string },
  proof: AuditRecord,
): Promise<Evidence> {
  const row = await sql.one<{ id: string }>(
    `INSERT INTO mc.evidence_records (org_id, kind, title, subject_type, subject_id, outcome, data, audit_seq, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [e.kind, e.title, e.subjectType, e.subjectId, e.outcome, JSON.stringify(e.data), proof.seq, e.operatorId],
  );
  return toEvidence(await sql.one<Row>(`${SELECT} WHERE e.id = $1`, [row.id]));
}

export async function listEvidence(sql: Sql, f: { kind?: string | undefined; subjectId?: string | undefined; limit: number }): Promise<Evidence[]> {
  const rows = await sql.query<Row>(
    `${SELECT} WHERE ($1::text IS NULL OR e.kind = $1) AND ($2::text IS NULL OR e.subject_id = $2) ORDER BY e.created_at DESC LIMIT $3`,
    [f.kind ?? null, f.subjectId ?? null, f.limit],
  );
  return rows.map(toEvidence);
}
