import type { Component, HistoryEntry } from '../../../src-shared/contract/status';
import { McError } from '../../../src-shared/contract/errors';
import { type ComponentState, STATE_LABELS } from '../../../src-shared/domain/component-status';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { computeFacts, type Facts, judge } from './computed';

interface ComponentRow {
  id: string;
  key: string;
  name: string;
  kind: Component['kind'];
  description: string;
  state: ComponentState;
  reason: string | null;
  changed_at: string;
  changed_by: string | null;
  changed_by_name: string | null;
  declared_until: string | null;
  corridor_id: string | null;
}

const SELECT_COMPONENTS = `
  SELECT c.id, c.key, c.name, c.kind, c.description, c.state, c.reason, c.changed_at, c.changed_by,
         o.display_name AS changed_by_name, c.declared_until, c.corridor_id
    FROM mc.components c
    LEFT JOIN mc.operators o ON o.id = c.changed_by`;

function toComponent(r: ComponentRow, facts: Facts, now: Date): Component {
  // An operator who left the org is not visible any more (RLS); the change still shows, unnamed.
  const changedBy = r.changed_by ? { id: r.changed_by, name: r.changed_by_name ?? 'former member' } : null;
  // A declaration is a person's word (rows seeded without one declare nothing) until it expires.
  const inForce = changedBy !== null && (r.declared_until === null || new Date(r.declared_until) > now);
  const { computed, effective, line } = judge(
    { kind: r.kind, corridorId: r.corridor_id, declared: inForce ? { state: r.state, reason: r.reason, by: changedBy!.name } : null },
    facts,
  );
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    kind: r.kind,
    description: r.description,
    state: effective.state,
    basis: effective.basis,
    computed,
    declared: inForce ? { state: r.state, reason: r.reason, by: changedBy, at: r.changed_at, until: r.declared_until, line: line! } : null,
    reason: r.reason,
    changedAt: r.changed_at,
    changedBy,
  };
}

export async function listComponents(sql: Sql, now = new Date()): Promise<Component[]> {
  const facts = await computeFacts(sql, now);
  const rows = await sql.query<ComponentRow>(`${SELECT_COMPONENTS} ORDER BY c.sort_order, c.name`);
  return rows.map((r) => toComponent(r, facts, now));
}

export async function getComponent(sql: Sql, id: string, now = new Date()): Promise<Component> {
  const row = await sql.maybeOne<ComponentRow>(`${SELECT_COMPONENTS} WHERE c.id = $1`, [id]);
  if (!row) throw new McError('NOT_FOUND', 'That component does not exist in this org.');
  return toComponent(row, await computeFacts(sql, now), now);
}

export async function componentHistory(sql: Sql, componentId: string, limit: number): Promise<HistoryEntry[]> {
  if (!(await sql.maybeOne('SELECT 1 FROM mc.components WHERE id = $1', [componentId]))) throw new McError('NOT_FOUND', 'That component does not exist in this org.');
  const rows = await sql.query<{
    id: string;
    from_state: ComponentState | null;
    to_state: ComponentState;
    reason: string | null;
    at: string;
    actor_id: string | null;
    actor_name: string | null;
    audit_seq: number | null;
  }>(
    `SELECT h.id, h.from_state, h.to_state, h.reason, h.at, h.actor_id, o.display_name AS actor_name, h.audit_seq
       FROM mc.component_status_history h
       LEFT JOIN mc.operators o ON o.id = h.actor_id
      WHERE h.component_id = $1
      ORDER BY h.at DESC, h.audit_seq DESC NULLS LAST
      LIMIT $2`,
    [componentId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    fromState: r.from_state,
    toState: r.to_state,
    reason: r.reason,
    at: r.at,
    actor: r.actor_id ? { id: r.actor_id, name: r.actor_name ?? 'former member' } : null,
    auditSeq: r.audit_seq,
  }));
}

/**
 * Set a component's state. The row is locked first so two operators changing the same component
 * queue up, and each history row records the state it actually replaced.
 */
export async function setComponentState(
  sql: Sql,
  input: { componentId: string; state: ComponentState; reason: string; operatorId: string; until?: string },
  audit: (draft: AuditDraft) => Promise<AuditRecord>,
): Promise<Component> {
  // The state in force is the declaration, if one was made and has not ended; otherwise nothing is
  // declared and the next declaration replaces nothing (history "from" is empty).
  const current = await sql.maybeOne<{ state: ComponentState | null; key: string }>(
    `SELECT CASE WHEN changed_by IS NOT NULL AND (declared_until IS NULL OR declared_until > now()) THEN state END AS state, key
       FROM mc.components WHERE id = $1 FOR UPDATE`,
    [input.componentId],
  );
  if (!current) throw new McError('NOT_FOUND', 'That component does not exist in this org.');
  // An expiry must lie ahead: a declaration that has already ended would be recorded and never shown.
  if (input.until !== undefined && new Date(input.until).getTime() <= Date.now()) {
    throw new McError('VALIDATION', 'A declaration must end in the future.', { until: 'Pick a time after now, or leave it empty.' });
  }
  // A history row is a transition; "partial → partial" is none, so it is refused, not recorded
  // (the database refuses such a row too). Who set the state, and when, helps the second operator.
  // A declaration that has ended declares nothing any more: declaring again is a new transition.
  if (current.state === input.state) {
    const now = await getComponent(sql, input.componentId);
    const by = now.changedBy ? ` (${now.changedBy.name} set it at ${now.changedAt.slice(11, 16)} UTC)` : '';
    throw new McError(
      'CONFLICT',
      `${now.name} is already ${STATE_LABELS[input.state].toLowerCase()}${by}. Nothing was recorded: choose another state, or leave it as it is.`,
      { state: 'Choose a state other than the current one.' },
    );
  }
  const record = await audit({
    action: 'status.component_state_set',
    target: { type: 'component', id: input.componentId },
    data: { key: current.key, from: current.state, to: input.state, declared: true, until: input.until ?? null },
  });
  await sql.query('UPDATE mc.components SET state = $2, reason = $3, changed_at = $4, changed_by = $5, declared_until = $6 WHERE id = $1', [
    input.componentId,
    input.state,
    input.reason,
    record.at,
    input.operatorId,
    input.until ?? null,
  ]);
  await sql.query(
    `INSERT INTO mc.component_status_history (org_id, component_id, from_state, to_state, reason, at, actor_id, audit_seq, until)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8)`,
    [input.componentId, current.state, input.state, input.reason, record.at, input.operatorId, record.seq, input.until ?? null],
  );
  return getComponent(sql, input.componentId);
}
