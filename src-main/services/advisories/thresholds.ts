import { McError } from '../../../src-shared/contract/errors';
import type { AdvisoryThresholds } from '../../../src-shared/domain/advisories';
import { DEFAULT_THRESHOLDS } from '../../../src-shared/domain/advisories';
import type { Sql } from '../../db';
import type { Recorder } from '../org';

const COLUMNS = `key_stale_days AS "keyStaleDays", key_expiry_warn_days AS "keyExpiryWarnDays", node_silent_minutes AS "nodeSilentMinutes",
  signing_key_max_age_days AS "signingKeyMaxAgeDays", backup_max_age_hours AS "backupMaxAgeHours",
  restore_drill_max_age_days AS "restoreDrillMaxAgeDays", over_commit_minutes AS "overCommitMinutes"`;

/** The org's thresholds, or null when it never set any (the defaults apply). */
export async function readThresholds(sql: Sql): Promise<AdvisoryThresholds | null> {
  return sql.maybeOne<AdvisoryThresholds & Record<string, number>>(`SELECT ${COLUMNS} FROM mc.advisory_settings WHERE org_id = mc.current_org_id()`);
}

export async function thresholdsOf(sql: Sql): Promise<AdvisoryThresholds> {
  return (await readThresholds(sql)) ?? DEFAULT_THRESHOLDS;
}

export async function saveThresholds(sql: Sql, rec: Recorder, t: AdvisoryThresholds): Promise<{ thresholds: AdvisoryThresholds; changed: boolean }> {
  const before = await thresholdsOf(sql);
  const changed = (Object.keys(t) as (keyof AdvisoryThresholds)[]).filter((k) => before[k] !== t[k]);
  if (changed.length === 0) return { thresholds: before, changed: false };
  await rec.audit({
    action: 'advisories.thresholds_saved',
    target: { type: 'org', id: null },
    data: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: t[k] }])),
  });
  const row = await sql.maybeOne<AdvisoryThresholds & Record<string, number>>(
    `INSERT INTO mc.advisory_settings (org_id, key_stale_days, key_expiry_warn_days, node_silent_minutes, signing_key_max_age_days, backup_max_age_hours,
                                       restore_drill_max_age_days, over_commit_minutes, updated_at, updated_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, now(), $8)
     ON CONFLICT (org_id) DO UPDATE SET key_stale_days = EXCLUDED.key_stale_days, key_expiry_warn_days = EXCLUDED.key_expiry_warn_days,
       node_silent_minutes = EXCLUDED.node_silent_minutes, signing_key_max_age_days = EXCLUDED.signing_key_max_age_days,
       backup_max_age_hours = EXCLUDED.backup_max_age_hours, restore_drill_max_age_days = EXCLUDED.restore_drill_max_age_days,
       over_commit_minutes = EXCLUDED.over_commit_minutes, updated_at = now(), updated_by = EXCLUDED.updated_by
     RETURNING ${COLUMNS}`,
    [t.keyStaleDays, t.keyExpiryWarnDays, t.nodeSilentMinutes, t.signingKeyMaxAgeDays, t.backupMaxAgeHours, t.restoreDrillMaxAgeDays, t.overCommitMinutes, rec.actor.id],
  );
  if (!row) throw new McError('FORBIDDEN', 'Only an admin of this org may set advisory thresholds.');
  return { thresholds: row, changed: true };
}
