import type { FeatureFlag } from '../../../src-shared/contract/flags';
import { McError } from '../../../src-shared/contract/errors';
import type { FlagSetting } from '../../../src-shared/domain/change';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { recordChangeEvent } from '../deployments';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

interface FlagRow {
  id: string;
  key: string;
  description: string;
  scope_kind: FeatureFlag['scopeKind'];
  scope_id: string | null;
  scope_name: string | null;
  enabled: boolean;
  safe_default: boolean;
  updated_at: string;
  updated_by: string | null;
  updated_by_name: string | null;
  version: number;
}

// A scope reads by its corridor's or customer's name.
const SELECT_FLAGS = `
  SELECT f.id, f.key, f.description, f.scope_kind, f.scope_id, coalesce(c.name, cu.name) AS scope_name, f.enabled, f.safe_default, f.updated_at, f.updated_by,
         o.display_name AS updated_by_name, f.version
    FROM mc.feature_flags f
    LEFT JOIN mc.corridors c ON f.scope_kind = 'corridor' AND c.org_id = f.org_id AND c.id = f.scope_id
    LEFT JOIN mc.customers cu ON f.scope_kind = 'customer' AND cu.org_id = f.org_id AND cu.id = f.scope_id
    LEFT JOIN mc.operators o ON o.id = f.updated_by`;

function toFlag(r: FlagRow): FeatureFlag {
  return {
    id: r.id,
    key: r.key,
    description: r.description,
    scopeKind: r.scope_kind,
    scopeId: r.scope_id,
    scopeName: r.scope_name,
    enabled: r.enabled,
    safeDefault: r.safe_default,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by ? { id: r.updated_by, name: r.updated_by_name ?? 'former member' } : null,
    version: r.version,
  };
}

export async function listFlags(sql: Sql): Promise<FeatureFlag[]> {
  return (await sql.query<FlagRow>(`${SELECT_FLAGS} ORDER BY f.key, CASE f.scope_kind WHEN 'org' THEN 0 WHEN 'corridor' THEN 1 ELSE 2 END, scope_name`)).map(toFlag);
}

/** What readers evaluate: the settings alone. */
export async function flagSettings(sql: Sql): Promise<FlagSetting[]> {
  const rows = await sql.query<{ key: string; scope_kind: FlagSetting['scopeKind']; scope_id: string | null; enabled: boolean; safe_default: boolean }>(
    'SELECT key, scope_kind, scope_id, enabled, safe_default FROM mc.feature_flags',
  );
  return rows.map((r) => ({ key: r.key, scopeKind: r.scope_kind, scopeId: r.scope_id, enabled: r.enabled, safeDefault: r.safe_default }));
}

async function getFlag(sql: Sql, id: string): Promise<FeatureFlag> {
  const row = await sql.maybeOne<FlagRow>(`${SELECT_FLAGS} WHERE f.id = $1`, [id]);
  if (!row) throw new McError('NOT_FOUND', 'That flag does not exist in this org (someone may have deleted it).');
  return toFlag(row);
}

export interface FlagInput {
  id?: string | undefined;
  key: string;
  description: string;
  scopeKind: FeatureFlag['scopeKind'];
  scopeId: string | null;
  enabled: boolean;
  safeDefault: boolean;
  expectedVersion?: number | undefined;
  operatorId: string;
}

const view = (f: FeatureFlag) => ({ key: f.key, scopeKind: f.scopeKind, scopeId: f.scopeId, enabled: f.enabled, safeDefault: f.safeDefault, description: f.description });

export async function saveFlag(sql: Sql, input: FlagInput, audit: Audit): Promise<FeatureFlag> {
  if ((input.scopeKind === 'org') !== (input.scopeId === null)) {
    throw new McError('VALIDATION', input.scopeKind === 'org' ? 'An org-wide flag has no scope id.' : `Choose the ${input.scopeKind} this setting is for.`, {
      scopeId: 'Required for a corridor or customer scope.',
    });
  }
  if (input.scopeKind === 'corridor' && !(await sql.maybeOne('SELECT 1 FROM mc.corridors WHERE id = $1', [input.scopeId]))) {
    throw new McError('VALIDATION', 'That corridor does not exist in this org.', { scopeId: 'Choose a corridor of this org.' });
  }
  if (input.scopeKind === 'customer' && !(await sql.maybeOne('SELECT 1 FROM mc.customers WHERE id = $1', [input.scopeId]))) {
    throw new McError('VALIDATION', 'That customer does not exist in this org.', { scopeId: 'Choose a customer of this org (SLA view).' });
  }
  let id = input.id;
  let before: FeatureFlag | null = null;
  if (id) {
    await sql.query('SELECT 1 FROM mc.feature_flags WHERE id = $1 FOR UPDATE', [id]);
    before = await getFlag(sql, id);
    if (before.key !== input.key || before.scopeKind !== input.scopeKind || before.scopeId !== input.scopeId) {
      throw new McError('VALIDATION', 'A flag’s key and scope do not change; add a new setting instead.', { key: 'Fixed once created.' });
    }
    if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
      throw new McError('CONFLICT', `Someone changed “${before.key}” meanwhile (now ${before.enabled ? 'on' : 'off'}); reload and decide again.`);
    }
    await sql.query(
      'UPDATE mc.feature_flags SET description = $2, enabled = $3, safe_default = $4, updated_at = now(), updated_by = $5, version = version + 1 WHERE id = $1',
      [id, input.description, input.enabled, input.safeDefault, input.operatorId],
    );
  } else {
    const clash = await sql.maybeOne<{ id: string }>(
      `SELECT id FROM mc.feature_flags WHERE key = $1 AND scope_kind = $2 AND scope_id IS NOT DISTINCT FROM $3::uuid`,
      [input.key, input.scopeKind, input.scopeId],
    );
    if (clash) throw new McError('CONFLICT', `“${input.key}” is set for that scope already; change that setting instead.`, { key: 'Exists for this scope.' });
    id = (
      await sql.one<{ id: string }>(
        `INSERT INTO mc.feature_flags (org_id, key, description, scope_kind, scope_id, enabled, safe_default, created_by, updated_by)
         VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
        [input.key, input.description, input.scopeKind, input.scopeId, input.enabled, input.safeDefault, input.operatorId],
      )
    ).id;
  }
  const after = await getFlag(sql, id);
  const where = after.scopeKind === 'org' ? 'org-wide' : `for ${after.scopeKind} ${after.scopeName ?? after.scopeId}`;
  await recordChangeEvent(sql, {
    kind: 'flag.changed',
    subjectId: id,
    actorId: input.operatorId,
    message: before ? `Feature flag changed: ${after.key} ${where} ${before.enabled ? 'on' : 'off'} → ${after.enabled ? 'on' : 'off'}.` : `Feature flag added: ${after.key} ${where} ${after.enabled ? 'on' : 'off'}.`,
  });
  await audit({ action: before ? 'flags.update' : 'flags.create', target: { type: 'feature_flag', id }, data: { before: before ? view(before) : null, after: view(after) } });
  return after;
}

export async function deleteFlag(sql: Sql, id: string, operatorId: string, audit: Audit): Promise<void> {
  const before = await getFlag(sql, id);
  await sql.query('DELETE FROM mc.feature_flags WHERE id = $1', [id]);
  await recordChangeEvent(sql, { kind: 'flag.changed', subjectId: id, actorId: operatorId, message: `Feature flag setting removed: ${before.key} (${before.scopeKind}).` });
  await audit({ action: 'flags.delete', target: { type: 'feature_flag', id }, data: { before: view(before), after: null } });
}
