import type { FlagChange } from '../../../src-shared/contract/flags';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { resolveEvidence } from '../deployments/evidence';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

interface ChangeRow {
  id: string;
  at: string;
  subject_id: string | null;
  message: string;
  evidence_uri: string | null;
  evidence_sha256: string | null;
  evidence_at: string | null;
  evidence_by: string | null;
  evidence_by_name: string | null;
}

async function getFlagChange(sql: Sql, id: number, lock = false): Promise<FlagChange> {
  if (lock) await sql.query(`SELECT 1 FROM mc.change_events WHERE id = $1 AND kind = 'flag.changed' FOR UPDATE`, [id]);
  const r = await sql.maybeOne<ChangeRow>(
    `SELECT e.id::text AS id, e.at, e.subject_id, e.message, e.evidence_uri, e.evidence_sha256, e.evidence_at, e.evidence_by, o.display_name AS evidence_by_name
       FROM mc.change_events e LEFT JOIN mc.operators o ON o.id = e.evidence_by
      WHERE e.id = $1 AND e.kind = 'flag.changed'`,
    [id],
  );
  if (!r) throw new McError('NOT_FOUND', 'That feature-flag change does not exist in this org.');
  return {
    id: Number(r.id),
    at: r.at,
    flagId: r.subject_id,
    message: r.message,
    evidence:
      r.evidence_uri && r.evidence_sha256 && r.evidence_at
        ? { uri: r.evidence_uri, sha256: r.evidence_sha256, at: r.evidence_at, by: r.evidence_by ? { id: r.evidence_by, name: r.evidence_by_name ?? 'former member' } : null }
        : null,
  };
}

/** Evidence for one flag flip: the change event that recorded it carries it. */
export async function attachFlagEvidence(sql: Sql, input: { changeId: number; uri: string; sha256: string | null; operatorId: string }, audit: Audit): Promise<FlagChange> {
  const { sha256 } = await resolveEvidence(input.uri, input.sha256);
  const before = await getFlagChange(sql, input.changeId, true);
  await sql.query('UPDATE mc.change_events SET evidence_uri = $2, evidence_sha256 = $3, evidence_at = now(), evidence_by = $4 WHERE id = $1', [
    input.changeId,
    input.uri,
    sha256,
    input.operatorId,
  ]);
  const change = await getFlagChange(sql, input.changeId);
  await audit({ action: 'flags.attachEvidence', target: { type: 'flag_change', id: String(input.changeId) }, data: { before: before.evidence, after: change.evidence } });
  return change;
}
