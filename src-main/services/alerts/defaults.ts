import type { Session } from '../../../src-shared/contract/system';
import type { Sql } from '../../db';
import { installDefaultPolicy } from '../incidents';
import { lockOpsSettings, opsSettings, systemRecorder } from '../org';
import { installDefaultRules } from './rules';

/**
 * An org gets the production readme's alert rules and a default escalation policy once, the first
 * time a workstation that may write connects to it. Deleting them later is the org's choice: they
 * are not put back.
 */
export async function ensureOpsDefaults(sql: Sql, session: Session): Promise<boolean> {
  if ((await opsSettings(sql)).defaultsInstalledAt) return false;
  await lockOpsSettings(sql);
  // Another workstation may have installed them while this one waited for the lock.
  if ((await opsSettings(sql)).defaultsInstalledAt) return false;
  const rules = await installDefaultRules(sql);
  const policy = await installDefaultPolicy(sql);
  await sql.query('UPDATE mc.org_ops_settings SET defaults_installed_at = now(), updated_at = now() WHERE org_id = mc.current_org_id()');
  await systemRecorder(sql, session, 'Mission Control').audit({
    action: 'ops.defaults_installed',
    target: { type: 'org', id: session.orgId },
    data: { alertRules: rules, escalationPolicy: policy },
  });
  return true;
}
