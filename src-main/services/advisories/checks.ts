import { ADVISORY_CHECK_LABELS, type AdvisoryCheck, type AdvisorySeverity, type AdvisoryThresholds, PRESENTED_WINDOW_HOURS } from '../../../src-shared/domain/advisories';
import type { Session } from '../../../src-shared/contract/system';
import type { Sql } from '../../db';
import { answer } from '../checklists/checks';
import { pilotRecords, pilotScope, type PilotRef } from '../evidence/pilot';
import { VALID_KEY_SQL } from '../keys';
import type { BackupStatus } from './backup-seam';

/** One thing a check found: deduplicated per (check, subject) by mc.advisories_record. */
export interface Finding {
  check: AdvisoryCheck;
  subject: string;
  label: string;
  severity: AdvisorySeverity;
  evidence: string;
  fix: string;
  /** The navigation id of the view where the fix is done. */
  view: string;
}

/**
 * A check either ran (and found these) or could not run, and says why in the scan report.
 * `noRecord`: it ran, but there was nothing on record to check (no key yet): the report says
 * that rather than "clear", which must mean a record was checked and passed.
 */
export type CheckOutcome = { ran: true; findings: Finding[]; note?: string; noRecord?: boolean } | { ran: false; note: string };

/** What the checks need besides the scan's database connection. */
export interface ScanSources {
  orgId: string;
  thresholds: AdvisoryThresholds;
  /** The backup source (issue 16's backups part); null: no backup source in this build. */
  backupStatus: (sql: Sql, orgId: string) => Promise<BackupStatus | null>;
  /** The audit checkpoint key's creation time from the anchor module; null: no key has signed yet. */
  signingKey: () => Promise<{ fingerprint: string | null; createdAt: string } | null>;
  now: Date;
}

type Check = (sql: Sql, src: ScanSources) => Promise<CheckOutcome>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const day = (iso: string) => iso.slice(0, 10);
const ageDays = (iso: string, now: Date) => Math.floor((now.getTime() - Date.parse(iso)) / 86_400_000);

async function keyStale(sql: Sql, src: ScanSources): Promise<CheckOutcome> {
  const rows = await sql.query<{ id: string; prefix: string; label: string; hostname: string; last_used_at: string | null; created_at: string }>(
    `SELECT k.id, k.prefix, k.label, n.hostname, k.last_used_at, k.created_at
       FROM mc.node_keys k JOIN mc.nodes n ON n.org_id = k.org_id AND n.id = k.node_id
      WHERE ${VALID_KEY_SQL} AND n.lifecycle <> 'retired'
        AND coalesce(k.last_used_at, k.created_at) < now() - make_interval(days => $1::int)
      ORDER BY n.hostname, k.created_at LIMIT 1000`,
    [src.thresholds.keyStaleDays],
  );
  return {
    ran: true,
    findings: rows.map((k) => ({
      check: 'key_stale',
      subject: `node_key:${k.id}`,
      label: `${k.hostname} · ${k.prefix}… (${k.label})`,
      severity: 'low',
      evidence: k.last_used_at
        ? `Key ${k.prefix}… of ${k.hostname} still works but was last used on ${day(k.last_used_at)}, ${ageDays(k.last_used_at, src.now)} days ago (stale after ${src.thresholds.keyStaleDays}).`
        : `Key ${k.prefix}… of ${k.hostname} was issued on ${day(k.created_at)} and has never been used (stale after ${src.thresholds.keyStaleDays} days).`,
      fix: 'Revoke the key in Keys if the node no longer uses it; an unused working key is a credential nobody watches.',
      view: 'keys',
    })),
  };
}

async function keyExpiring(sql: Sql, src: ScanSources): Promise<CheckOutcome> {
  const rows = await sql.query<{ id: string; prefix: string; label: string; hostname: string; expires_at: string; hours: number }>(
    `SELECT k.id, k.prefix, k.label, n.hostname, k.expires_at, floor(extract(epoch FROM k.expires_at - now()) / 3600)::int AS hours
       FROM mc.node_keys k JOIN mc.nodes n ON n.org_id = k.org_id AND n.id = k.node_id
      WHERE ${VALID_KEY_SQL} AND n.lifecycle <> 'retired' AND k.superseded_by IS NULL
        AND k.expires_at IS NOT NULL AND k.expires_at <= now() + make_interval(days => $1::int)
      ORDER BY k.expires_at LIMIT 1000`,
    [src.thresholds.keyExpiryWarnDays],
  );
  return {
    ran: true,
    findings: rows.map((k) => ({
      check: 'key_expiring',
      subject: `node_key:${k.id}`,
      label: `${k.hostname} · ${k.prefix}… (${k.label})`,
      severity: k.hours < 48 ? 'high' : 'medium',
      evidence: `Key ${k.prefix}… of ${k.hostname} expires at ${k.expires_at.slice(0, 16).replace('T', ' ')} UTC (in ${k.hours < 48 ? plural(k.hours, 'hour') : plural(Math.floor(k.hours / 24), 'day')}); no replacement key has been issued.`,
      fix: 'Rotate the key in Keys (with a grace period) and install the new key on the node before the old one expires.',
      view: 'keys',
    })),
  };
}

async function keyRevokedPresented(sql: Sql, _src: ScanSources): Promise<CheckOutcome> {
  const rows = await sql.query<{ id: string; prefix: string; hostname: string; reason: string; calls: string; last_at: string; sources: string[] }>(
    `SELECT k.id, k.prefix, n.hostname, min(r.reason) AS reason, sum(r.count)::text AS calls, max(r.last_seen_at) AS last_at,
            (array_agg(DISTINCT r.source))[1:3] AS sources
       FROM mc.ingest_rejections r
       JOIN mc.node_keys k ON k.org_id = r.org_id AND k.id = r.key_id
       JOIN mc.nodes n ON n.org_id = k.org_id AND n.id = k.node_id
      WHERE r.reason IN ('key_revoked', 'key_expired', 'key_rotated_out') AND r.last_seen_at >= now() - make_interval(hours => $1::int)
      GROUP BY k.id, k.prefix, n.hostname ORDER BY max(r.last_seen_at) DESC LIMIT 1000`,
    [PRESENTED_WINDOW_HOURS],
  );
  const why: Record<string, string> = { key_revoked: 'revoked', key_expired: 'expired', key_rotated_out: 'rotated out' };
  return {
    ran: true,
    findings: rows.map((k) => ({
      check: 'key_revoked_presented',
      subject: `node_key:${k.id}`,
      label: `${k.hostname} · ${k.prefix}…`,
      severity: k.reason === 'key_revoked' ? 'high' : 'medium',
      evidence: `Key ${k.prefix}… of ${k.hostname} is ${why[k.reason] ?? k.reason} but was presented ${k.calls} time(s) in the last ${PRESENTED_WINDOW_HOURS} hours, last at ${k.last_at.slice(0, 16).replace('T', ' ')} UTC, from ${k.sources.join(', ')}.`,
      fix: 'Find who still holds the key (the source above): install the node’s current key there, or, if the caller is not yours, treat it as a security incident.',
      view: 'keys',
    })),
  };
}

async function nodeSilent(sql: Sql, src: ScanSources): Promise<CheckOutcome> {
  const rows = await sql.query<{ id: string; hostname: string; lifecycle: string; seen_at: string | null; created_at: string }>(
    `SELECT n.id, n.hostname, n.lifecycle, l.seen_at, n.created_at
       FROM mc.nodes n LEFT JOIN mc.node_latest l ON l.org_id = n.org_id AND l.node_id = n.id
      WHERE n.lifecycle IN ('active', 'draining')
        AND coalesce(l.seen_at, n.created_at) < now() - make_interval(mins => $1::int)
      ORDER BY n.hostname LIMIT 2000`,
    [src.thresholds.nodeSilentMinutes],
  );
  return {
    ran: true,
    findings: rows.map((n) => ({
      check: 'node_silent',
      subject: `node:${n.id}`,
      label: n.hostname,
      severity: n.lifecycle === 'active' ? 'high' : 'medium',
      evidence: n.seen_at
        ? `${n.hostname} (${n.lifecycle}) last sent telemetry at ${n.seen_at.slice(0, 16).replace('T', ' ')} UTC, ${Math.floor((src.now.getTime() - Date.parse(n.seen_at)) / 60_000)} minutes ago (silent after ${src.thresholds.nodeSilentMinutes}).`
        : `${n.hostname} (${n.lifecycle}) was registered on ${day(n.created_at)} and has never sent telemetry.`,
      fix: 'Check the node’s agent and network, or drain it in Nodes so routing stops counting on it.',
      view: 'nodes',
    })),
  };
}

async function tableRls(sql: Sql): Promise<CheckOutcome> {
  const rows = await sql.query<{ table_name: string; rls_enabled: boolean; rls_forced: boolean }>('SELECT * FROM mc.advisory_unforced_tables()');
  return {
    ran: true,
    findings: rows.map((t) => ({
      check: 'table_rls_not_forced',
      subject: `table:${t.table_name}`,
      label: t.table_name,
      severity: 'critical',
      evidence: `${t.table_name} has an org_id column, but row-level security is ${t.rls_enabled ? 'enabled and not forced' : 'not enabled'}: ${t.rls_enabled ? 'its owner' : 'every role with a grant'} reads every org's rows.`,
      fix: `A database administrator runs ALTER TABLE ${t.table_name} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY (in a migration), with a policy per command.`,
      view: 'migrations',
    })),
  };
}

async function definerSearchPath(sql: Sql): Promise<CheckOutcome> {
  const rows = await sql.query<{ function_name: string; owner_name: string }>('SELECT * FROM mc.advisory_loose_definers()');
  return {
    ran: true,
    findings: rows.map((f) => ({
      check: 'definer_search_path',
      subject: `function:${f.function_name}`,
      label: f.function_name,
      severity: 'high',
      evidence: `${f.function_name} runs as ${f.owner_name} (SECURITY DEFINER) with the caller's search_path: a caller can put an object of the same name earlier on the path and run it with the owner's rights.`,
      fix: `A database administrator runs ALTER FUNCTION ${f.function_name} SET search_path = pg_catalog, pg_temp (in a migration), and schema-qualifies what it uses.`,
      view: 'migrations',
    })),
  };
}

/** The pilot records read nothing of the session (routing simulation, telemetry validation, escalation owner). */
const scanSession = (orgId: string): Session => ({
  operatorId: '00000000-0000-0000-0000-000000000000',
  operatorName: 'Advisory scan',
  email: '',
  orgId,
  orgName: '',
  orgSimulated: false,
  role: 'auditor',
});

async function pilotEvidenceMissing(sql: Sql, src: ScanSources): Promise<CheckOutcome> {
  const pilots = await sql.query<PilotRef>(
    `SELECT p.id, p.customer_name AS "customerName", p.tier, p.corridor_id AS "corridorId", c.name AS "corridorName"
       FROM mc.pilots p JOIN mc.corridors c ON c.org_id = p.org_id AND c.id = p.corridor_id ORDER BY p.customer_name LIMIT 200`,
  );
  const findings: Finding[] = [];
  const session = scanSession(src.orgId);
  for (const p of pilots) {
    const scope = pilotScope(p);
    const records = await pilotRecords(sql, p, (key) => answer(sql, key, scope, session));
    const missing = records.filter((r) => !r.present);
    if (missing.length === 0) continue;
    findings.push({
      check: 'pilot_evidence_missing',
      subject: `pilot:${p.id}`,
      label: `${p.customerName} (${p.corridorName})`,
      severity: 'medium',
      evidence: `${plural(missing.length, 'record')} of seven missing:\n${missing.map((r) => `• ${r.label}: ${r.summary}`).join('\n').slice(0, 3800)}`,
      fix: 'Produce each missing record where its line says (Deployments, Migrations, Nodes, Keys, Routing, Incidents); the pilot’s gate opens when all seven are present.',
      view: 'readiness',
    });
  }
  return { ran: true, findings };
}

async function customerOverCommit(sql: Sql, src: ScanSources): Promise<CheckOutcome> {
  const rows = await sql.query<{ id: string; name: string; committed_rpm: number; committed_tpm: number; over_minutes: number; peak_rpm: number; peak_tpm: string }>(
    `SELECT c.id, c.name, c.committed_requests_per_min AS committed_rpm, c.committed_tokens_per_min AS committed_tpm,
            count(*) FILTER (WHERE (c.committed_requests_per_min > 0 AND m.requests > c.committed_requests_per_min)
                                OR (c.committed_tokens_per_min > 0 AND m.tokens > c.committed_tokens_per_min))::int AS over_minutes,
            max(m.requests)::int AS peak_rpm, max(m.tokens)::text AS peak_tpm
       FROM mc.customers c JOIN mc.limit_minutes m ON m.org_id = c.org_id AND m.customer_id = c.id
      WHERE m.minute >= date_trunc('minute', now()) - interval '60 minutes'
        AND (c.committed_requests_per_min > 0 OR c.committed_tokens_per_min > 0)
      GROUP BY c.id, c.name, c.committed_requests_per_min, c.committed_tokens_per_min
     HAVING count(*) FILTER (WHERE (c.committed_requests_per_min > 0 AND m.requests > c.committed_requests_per_min)
                                OR (c.committed_tokens_per_min > 0 AND m.tokens > c.committed_tokens_per_min)) >= $1
      ORDER BY c.name LIMIT 1000`,
    [src.thresholds.overCommitMinutes],
  );
  return {
    ran: true,
    findings: rows.map((c) => ({
      check: 'customer_over_commit',
      subject: `customer:${c.id}`,
      label: c.name,
      severity: 'medium',
      evidence: `${c.name} used more than committed in ${c.over_minutes} of the last 60 minutes: peak ${c.peak_rpm} requests/min (committed ${c.committed_rpm || 'none'}), ${c.peak_tpm} tokens/min (committed ${c.committed_tpm || 'none'}).`,
      fix: 'Review the customer’s committed capacity in Customers: raise the commitment (and capacity behind it), or agree limits with the customer.',
      view: 'customers',
    })),
  };
}

async function backupOverdue(sql: Sql, src: ScanSources): Promise<CheckOutcome> {
  const status = await src.backupStatus(sql, src.orgId);
  if (!status) return { ran: false, note: 'Not checked: no backup source in this build (backups are recorded by the Backups part).' };
  const limitMs = src.thresholds.backupMaxAgeHours * 3_600_000;
  if (status.lastBackupAt && src.now.getTime() - Date.parse(status.lastBackupAt) <= limitMs) return { ran: true, findings: [] };
  return {
    ran: true,
    findings: [
      {
        check: 'backup_overdue',
        subject: 'database:backup',
        label: 'Database backup',
        severity: 'high',
        evidence: status.lastBackupAt
          ? `The last backup finished at ${status.lastBackupAt.slice(0, 16).replace('T', ' ')} UTC, more than ${src.thresholds.backupMaxAgeHours} hours ago.`
          : 'No backup of this database is on record.',
        fix: 'Take a backup now in Backups, and check that scheduled backups are on.',
        view: 'backups',
      },
    ],
  };
}

async function restoreDrillOverdue(sql: Sql, src: ScanSources): Promise<CheckOutcome> {
  const status = await src.backupStatus(sql, src.orgId);
  if (!status) return { ran: false, note: 'Not checked: no backup source in this build (restore drills are recorded by the Backups part).' };
  const limitMs = src.thresholds.restoreDrillMaxAgeDays * 86_400_000;
  if (status.lastRestoreDrillAt && src.now.getTime() - Date.parse(status.lastRestoreDrillAt) <= limitMs) return { ran: true, findings: [] };
  return {
    ran: true,
    findings: [
      {
        check: 'restore_drill_overdue',
        subject: 'database:restore_drill',
        label: 'Restore drill',
        severity: 'medium',
        evidence: status.lastRestoreDrillAt
          ? `The last restore drill ran on ${day(status.lastRestoreDrillAt)}, more than ${src.thresholds.restoreDrillMaxAgeDays} days ago.`
          : 'No restore drill is on record: no backup has been shown to restore.',
        fix: 'Run a restore drill in Backups (the weekly checklist asks for one).',
        view: 'backups',
      },
    ],
  };
}

async function signingKeyAge(_sql: Sql, src: ScanSources): Promise<CheckOutcome> {
  const key = await src.signingKey();
  if (!key) {
    return {
      ran: true,
      findings: [],
      noRecord: true,
      note: 'No key yet: this workstation has signed nothing for this org, so there is no key whose age to check. One is created on the first checkpoint (Audit log, Verify chain) or evidence bundle.',
    };
  }
  const age = ageDays(key.createdAt, src.now);
  if (age <= src.thresholds.signingKeyMaxAgeDays) {
    // "Clear" names the record it checked, as Credentials shows the same age.
    return { ran: true, findings: [], note: `The checkpoint key${key.fingerprint ? ` ${key.fingerprint}` : ''} has signed since ${day(key.createdAt)}: ${plural(age, 'day')}, within the rotation age of ${src.thresholds.signingKeyMaxAgeDays}.` };
  }
  return {
    ran: true,
    findings: [
      {
        check: 'signing_key_age',
        // One checkpoint key per org and workstation: a rotation clears it (the new key is young).
        subject: 'signing_key:checkpoint',
        label: 'Audit checkpoint key',
        severity: 'medium',
        evidence: `The audit checkpoint key${key.fingerprint ? ` ${key.fingerprint}` : ''} has signed since ${day(key.createdAt)}: ${age} days, past the rotation age of ${src.thresholds.signingKeyMaxAgeDays}.`,
        fix: 'Rotate the checkpoint key in Audit (Rotate key); earlier checkpoints keep verifying against the retired key.',
        view: 'audit',
      },
    ],
  };
}

/** Every check, in the order the report lists them. */
export const CHECKS: Record<AdvisoryCheck, Check> = {
  key_stale: keyStale,
  key_expiring: keyExpiring,
  key_revoked_presented: keyRevokedPresented,
  node_silent: nodeSilent,
  table_rls_not_forced: (sql) => tableRls(sql),
  definer_search_path: (sql) => definerSearchPath(sql),
  pilot_evidence_missing: pilotEvidenceMissing,
  customer_over_commit: customerOverCommit,
  backup_overdue: backupOverdue,
  restore_drill_overdue: restoreDrillOverdue,
  signing_key_age: signingKeyAge,
};

export const checkLabel = (c: AdvisoryCheck) => ADVISORY_CHECK_LABELS[c];
