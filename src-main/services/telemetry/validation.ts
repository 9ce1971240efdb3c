import { randomUUID } from 'node:crypto';
import type { Evidence } from '../../../src-shared/contract/telemetry';
import { McError } from '../../../src-shared/contract/errors';
import type { Session } from '../../../src-shared/contract/system';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { recordEvidence } from '../evidence';
import { generateNodeKey, insertKey } from '../keys';
import { sendBatchInTx } from './ingest';

/**
 * The telemetry validation record (production gate: "node telemetry is accepted with a valid node
 * key; invalid telemetry keys are rejected"). In one transaction: issue a short-lived key for the
 * node, step into the ingest role and call the real ingest function once with that key and once
 * with a well-formed key nobody issued, step back, revoke the temporary key, and keep both
 * outcomes as evidence linked to the audit event. All of it lands, or none of it.
 */
export async function recordTelemetryValidation(sql: Sql, session: Session, nodeId: string, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<Evidence> {
  const node = await sql.maybeOne<{ hostname: string; lifecycle: string }>('SELECT hostname, lifecycle FROM mc.nodes WHERE id = $1', [nodeId]);
  if (!node) throw new McError('NOT_FOUND', 'That node does not exist in this org.');
  if (node.lifecycle === 'retired') throw new McError('CONFLICT', `${node.hostname} is retired: its telemetry is refused by design, so there is nothing to validate.`);

  const temp = await insertKey(sql, { nodeId, label: 'telemetry validation', expiresInDays: 1, operatorId: session.operatorId });
  const probe = (key: string) => ({ key, batchId: randomUUID(), samples: [{ ts: new Date(), metric: 'probe', value: 1 }], agent: 'mission-control validation record' });
  const unknownKey = generateNodeKey();

  await sql.query(`SELECT set_config('role', 'mc_ingest', true)`);
  const valid = await sendBatchInTx(sql, probe(temp.generated.secret));
  const invalid = await sendBatchInTx(sql, probe(unknownKey.secret));
  await sql.query(`SELECT set_config('role', 'mc_app', true), set_config('mc.org_id', $1, true)`, [session.orgId]);

  await sql.query(`UPDATE mc.node_keys SET revoked_at = now(), revoked_by = $2, revoke_reason = 'telemetry validation finished' WHERE id = $1`, [temp.id, session.operatorId]);
  const passed = valid.status === 'accepted' && invalid.status === 'rejected' && invalid.code === 'key_invalid';
  const data = {
    nodeId,
    hostname: node.hostname,
    validKey: { prefix: temp.generated.prefix, status: valid.status, code: valid.code, accepted: valid.accepted },
    invalidKey: { prefix: unknownKey.prefix, status: invalid.status, code: invalid.code },
  };
  const proof = await audit({ action: 'telemetry.validation_recorded', target: { type: 'node', id: nodeId }, data: { ...data, outcome: passed ? 'passed' : 'failed' } });
  return recordEvidence(
    sql,
    {
      kind: 'telemetry_validation',
      title: `Telemetry validation: ${node.hostname}`,
      subjectType: 'node',
      subjectId: nodeId,
      outcome: passed ? 'passed' : 'failed',
      data,
      operatorId: session.operatorId,
    },
    proof,
  );
}
