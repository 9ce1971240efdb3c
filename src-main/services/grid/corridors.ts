import type { Corridor, ResidencyPolicyInput } from '../../../src-shared/contract/grid';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { getCorridor } from './overview';
import { uniquely } from './unique';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

export async function createCorridor(
  sql: Sql,
  input: { key: string; name: string; region: Corridor['region']; policy: ResidencyPolicyInput },
  audit: Audit,
): Promise<Corridor> {
  const row = await uniquely(
    () =>
      sql.one<{ id: string }>(
        `INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries, blocked_countries, regulated_workloads, audit_requirement)
         VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [input.key, input.name, input.region, input.policy.allowedCountries, input.policy.blockedCountries, input.policy.regulatedWorkloads, input.policy.auditRequirement],
      ),
    { corridors_org_id_key_key: { field: 'key', message: `A corridor with the key “${input.key}” already exists.` } },
  );
  await audit({ action: 'grid.corridor_created', target: { type: 'corridor', id: row.id }, data: { key: input.key, name: input.name, region: input.region, policy: input.policy } });
  return (await getCorridor(sql, row.id)) as Corridor;
}

export async function updatePolicy(sql: Sql, input: { corridorId: string; policy: ResidencyPolicyInput }, audit: Audit): Promise<Corridor> {
  const before = await getCorridor(sql, input.corridorId);
  if (!before) throw new McError('NOT_FOUND', 'That corridor does not exist in this org.');
  // The trigger refuses a policy that existing sites would break, naming them.
  await sql.query(
    `UPDATE mc.corridors SET allowed_countries = $2, blocked_countries = $3, regulated_workloads = $4, audit_requirement = $5 WHERE id = $1`,
    [input.corridorId, input.policy.allowedCountries, input.policy.blockedCountries, input.policy.regulatedWorkloads, input.policy.auditRequirement],
  );
  await audit({
    action: 'grid.residency_policy_changed',
    target: { type: 'corridor', id: input.corridorId },
    data: { key: before.key, from: before.policy, to: input.policy },
  });
  return (await getCorridor(sql, input.corridorId)) as Corridor;
}
