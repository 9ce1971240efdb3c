import { DEFAULT_ENERGY_TARGET_WH_PER_1K } from '../../../src-shared/domain/scores';
import type { Sql } from '../../db';

export interface OpsSettings {
  defaultsInstalledAt: string | null;
  energyTargetWhPer1k: number;
  alertsEvaluatedAt: string | null;
  alertsEvaluatedBy: string | null;
}

/** The org's operations settings; defaults until someone (or the ops job) writes the row. */
export async function opsSettings(sql: Sql): Promise<OpsSettings> {
  const row = await sql.maybeOne<{ defaults_installed_at: string | null; energy_target_wh_per_1k: number; alerts_evaluated_at: string | null; alerts_evaluated_by: string | null }>(
    'SELECT defaults_installed_at, energy_target_wh_per_1k, alerts_evaluated_at, alerts_evaluated_by FROM mc.org_ops_settings WHERE org_id = mc.current_org_id()',
  );
  return {
    defaultsInstalledAt: row?.defaults_installed_at ?? null,
    energyTargetWhPer1k: row?.energy_target_wh_per_1k ?? DEFAULT_ENERGY_TARGET_WH_PER_1K,
    alertsEvaluatedAt: row?.alerts_evaluated_at ?? null,
    alertsEvaluatedBy: row?.alerts_evaluated_by ?? null,
  };
}

/** The settings row, created if missing and locked until the transaction ends. */
export async function lockOpsSettings(sql: Sql): Promise<void> {
  await sql.query('INSERT INTO mc.org_ops_settings (org_id) VALUES (mc.current_org_id()) ON CONFLICT (org_id) DO NOTHING');
  await sql.query('SELECT 1 FROM mc.org_ops_settings WHERE org_id = mc.current_org_id() FOR UPDATE');
}

export async function setEnergyTarget(sql: Sql, whPer1k: number): Promise<number> {
  await lockOpsSettings(sql);
  await sql.query('UPDATE mc.org_ops_settings SET energy_target_wh_per_1k = $1, updated_at = now() WHERE org_id = mc.current_org_id()', [whPer1k]);
  return whPer1k;
}

export async function stampEvaluation(sql: Sql, at: Date, by: string): Promise<void> {
  await sql.query(
    `INSERT INTO mc.org_ops_settings (org_id, alerts_evaluated_at, alerts_evaluated_by) VALUES (mc.current_org_id(), $1, $2)
     ON CONFLICT (org_id) DO UPDATE SET alerts_evaluated_at = excluded.alerts_evaluated_at, alerts_evaluated_by = excluded.alerts_evaluated_by`,
    [at.toISOString(), by.slice(0, 200)],
  );
}
