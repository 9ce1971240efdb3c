import type { EscalationPolicyView } from '../../../src-shared/contract/incidents';
import { McError } from '../../../src-shared/contract/errors';
import { DEFAULT_POLICY, type EscalationPolicy, type EscalationStep, type EscalationTarget, policyProblems } from '../../../src-shared/domain/escalation';
import type { Severity } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { listMembers, roleGroup } from '../org';

interface PolicyRow {
  id: string;
  name: string;
  severities: Severity[];
  steps: EscalationStep[];
  repeat: number;
  ack_timeout_minutes: number | null;
  updated_at: string;
  version: number;
}

const SELECT = 'SELECT id, name, severities, steps, repeat, ack_timeout_minutes, updated_at, version FROM mc.escalation_policies';

export function toDomainPolicy(r: Pick<PolicyRow, 'steps' | 'repeat' | 'ack_timeout_minutes'>): EscalationPolicy {
  return { steps: r.steps, repeat: r.repeat, ackTimeoutMinutes: r.ack_timeout_minutes };
}

/** Names every step's target in words; operators by their current name. */
export type TargetNamer = (t: EscalationTarget) => string;

export async function targetNamer(sql: Sql): Promise<TargetNamer> {
  const members = new Map((await listMembers(sql)).map((m) => [m.id, m.name]));
  return (t) => (t.kind === 'role' ? roleGroup(t.role) : t.kind === 'on_call' ? 'the incident commander on call' : (members.get(t.operatorId) ?? 'a former member'));
}

function toView(r: PolicyRow, name: TargetNamer): EscalationPolicyView {
  return {
    id: r.id,
    name: r.name,
    severities: r.severities,
    steps: r.steps.map((s) => ({ ...s, targetLabel: name(s.target) })),
    repeat: r.repeat,
    ackTimeoutMinutes: r.ack_timeout_minutes,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

export async function listPolicies(sql: Sql): Promise<EscalationPolicyView[]> {
  const name = await targetNamer(sql);
  return (await sql.query<PolicyRow>(`${SELECT} ORDER BY name`)).map((r) => toView(r, name));
}

export async function policyRow(sql: Sql, id: string): Promise<PolicyRow | null> {
  return sql.maybeOne<PolicyRow>(`${SELECT} WHERE id = $1`, [id]);
}

/** The policy a new incident of this severity gets: the first by name that lists the severity. */
export async function policyFor(sql: Sql, severity: Severity): Promise<{ id: string; name: string } | null> {
  return sql.maybeOne<{ id: string; name: string }>('SELECT id, name FROM mc.escalation_policies WHERE $1 = ANY (severities) ORDER BY name LIMIT 1', [severity]);
}

export interface PolicyInput {
  id?: string | undefined;
  name: string;
  severities: Severity[];
  steps: EscalationStep[];
  repeat: number;
  ackTimeoutMinutes: number | null;
  expectedVersion?: number | undefined;
}

export async function savePolicy(sql: Sql, input: PolicyInput, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<EscalationPolicyView> {
  const problems = policyProblems({ steps: input.steps, repeat: input.repeat, ackTimeoutMinutes: input.ackTimeoutMinutes });
  if (Object.keys(problems).length > 0) throw new McError('VALIDATION', Object.values(problems)[0]!, problems);
  const members = new Set((await listMembers(sql)).map((m) => m.id));
  input.steps.forEach((s, i) => {
    if (s.target.kind === 'operator' && !members.has(s.target.operatorId)) {
      throw new McError('VALIDATION', 'An escalation step names someone who is not a member of this org.', { [`steps.${i}.target`]: 'Not a member of this org.' });
    }
  });
  const clash = await sql.maybeOne<{ id: string }>('SELECT id FROM mc.escalation_policies WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2::uuid', [input.name, input.id ?? null]);
  if (clash) throw new McError('CONFLICT', `A policy named “${input.name}” exists already.`, { name: 'Choose another name.' });
  const severities = [...new Set(input.severities)];
  let id = input.id;
  if (id) {
    const before = await sql.maybeOne<{ version: number }>('SELECT version FROM mc.escalation_policies WHERE id = $1 FOR UPDATE', [id]);
    if (!before) throw new McError('NOT_FOUND', 'That escalation policy does not exist in this org.');
    if (input.expectedVersion !== undefined && before.version !== input.expectedVersion) {
      throw new McError('CONFLICT', 'Someone else changed this policy while you were editing it. Reload to see their change.');
    }
    await sql.query(
      `UPDATE mc.escalation_policies SET name = $2, severities = $3, steps = $4, repeat = $5, ack_timeout_minutes = $6,
              updated_at = now(), updated_by = mc.current_operator_id(), version = version + 1 WHERE id = $1`,
      [id, input.name, severities, JSON.stringify(input.steps), input.repeat, input.ackTimeoutMinutes],
    );
  } else {
    id = (
      await sql.one<{ id: string }>(
        `INSERT INTO mc.escalation_policies (org_id, name, severities, steps, repeat, ack_timeout_minutes, updated_by)
         VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, mc.current_operator_id()) RETURNING id`,
        [input.name, severities, JSON.stringify(input.steps), input.repeat, input.ackTimeoutMinutes],
      )
    ).id;
  }
  await audit({
    action: input.id ? 'escalation.policy_changed' : 'escalation.policy_created',
    target: { type: 'escalation_policy', id },
    data: { name: input.name, severities, steps: input.steps, repeat: input.repeat, ackTimeoutMinutes: input.ackTimeoutMinutes },
  });
  return toView((await policyRow(sql, id))!, await targetNamer(sql));
}

export async function deletePolicy(sql: Sql, id: string, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<void> {
  const row = await sql.maybeOne<{ name: string }>('DELETE FROM mc.escalation_policies WHERE id = $1 RETURNING name', [id]);
  if (!row) throw new McError('NOT_FOUND', 'That escalation policy does not exist in this org.');
  await audit({ action: 'escalation.policy_deleted', target: { type: 'escalation_policy', id }, data: { name: row.name } });
}

/** The default policy, unless the org has one of that name (installing twice changes nothing). */
export async function installDefaultPolicy(sql: Sql): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO mc.escalation_policies (org_id, name, severities, steps, repeat, ack_timeout_minutes)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5) ON CONFLICT (org_id, name) DO NOTHING RETURNING id`,
    [DEFAULT_POLICY.name, DEFAULT_POLICY.severities, JSON.stringify(DEFAULT_POLICY.steps), DEFAULT_POLICY.repeat, DEFAULT_POLICY.ackTimeoutMinutes],
  );
  return rows.length > 0;
}
