import type { Component, HistoryEntry } from '../../../src-shared/contract/status';
import { McError } from '../../../src-shared/contract/errors';
import { type ComponentState, STATE_LABELS } from '../../../src-shared/domain/component-status';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';

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
}

const SELECT_COMPONENTS = `
  SELECT c.id, c.key, c.name, c.kind, c.description, c.state, c.reason, c.changed_at, c.changed_by,
         o.display_name AS changed_by_name
    FROM mc.components c
    LEFT JOIN mc.operators o ON o.id = c.changed_by`;

function toComponent(r: ComponentRow): Component {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    kind: r.kind,
    description: r.description,
    state: r.state,
    reason: r.reason,
    changedAt: r.changed_at,
    // An operator who left the org is not visible any more (RLS); the change still shows, unnamed.
    changedBy: r.changed_by ? { id: r.changed_by, name: r.changed_by_name ?? 'former member' } : null,
  };
}

export async function listComponents(sql: Sql): Promise<Component[]> {
  const rows = await sql.query<ComponentRow>(`${SELECT_COMPONENTS} ORDER BY c.sort_order, c.name`);
  return rows.map(toComponent);
}

export async function getComponent(sql: Sql, id: string): Promise<Component> {
  const row = await sql.maybeOne<ComponentRow>(`${SELECT_COMPONENTS} WHERE c.id = $1`, [id]);
  if (!row) throw new McError('NOT_FOUND', 'That component does not exist in this org.');
  return toComponent(row);
}

export async function componentHistory(sql: Sql, componentId: string, limit: number): Promise<HistoryEntry[]> {
  await getComponent(sql, componentId);
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
  input: { componentId: string; state: ComponentState; reason: string; operatorId: string },
  audit: (draft: AuditDraft) => Promise<AuditRecord>,
): Promise<Component> {
  const current = await sql.maybeOne<{ state: ComponentState; key: string }>('SELECT state, key FROM mc.components WHERE id = $1 FOR UPDATE', [input.componentId]);
  if (!current) throw new McError('NOT_FOUND', 'That component does not exist in this org.');
  // A history row is a transition; "partial → partial" is none, so it is refused, not recorded
  // (the database refuses such a row too). Who set the state, and when, helps the second operator.
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
    data: { key: current.key, from: current.state, to: input.state },
  });
  await sql.query('UPDATE mc.components SET state = $2, reason = $3, changed_at = $4, changed_by = $5 WHERE id = $1', [
    input.componentId,
    input.state,
    input.reason,
    record.at,
    input.operatorId,
  ]);
  await sql.query(
    `INSERT INTO mc.component_status_history (org_id, component_id, from_state, to_state, reason, at, actor_id, audit_seq)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7)`,
    [input.componentId, current.state, input.state, input.reason, record.at, input.operatorId, record.seq],
  );
  return getComponent(sql, input.componentId);
}
