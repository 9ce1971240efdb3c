import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { ADVISORY_CHECK_LABELS, ADVISORY_CHECKS, type AdvisoryThresholds, DEFAULT_THRESHOLDS } from '../../../src-shared/domain/advisories';
import type { ScanLine } from '../../../src-shared/contract/advisories';
import { type Sql, sqlOf } from '../../db/sql';
import { CHECKS, type Finding, type ScanSources } from './checks';
import { readThresholds } from './thresholds';

export interface ScanOptions {
  trigger: 'scheduled' | 'manual';
  backupStatus: ScanSources['backupStatus'];
  signingKey: ScanSources['signingKey'];
  now?: Date;
}

export interface ScanResult {
  scanId: string;
  raised: number;
  refreshed: number;
  closed: number;
  report: ScanLine[];
}

/**
 * Within the table's bounds, so one long name (a function with many arguments) cannot fail the
 * whole scan: text is cut, and a subject too long to store is named by its digest (still one per subject).
 */
function bounded(f: Finding): Finding {
  const subject = f.subject.length <= 300 ? f.subject : `${f.subject.slice(0, f.subject.indexOf(':') + 1)}sha256:${createHash('sha256').update(f.subject).digest('hex')}`;
  const cut = (t: string, n: number) => (t.length <= n ? t : `${t.slice(0, n - 1)}…`);
  return { ...f, subject, label: cut(f.label, 300), evidence: cut(f.evidence, 4000), fix: cut(f.fix, 1000) };
}

/** Why a check could not run, without SQL text in the report. */
function failure(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === '42501') return 'Not checked: the scan’s database role may not read what this check needs (permission denied). Apply the latest migrations.';
  if (code === '57014') return 'Not checked: the check took longer than its time limit.';
  return `Not checked: the check failed (${code ?? (err as Error).message.slice(0, 120)}).`;
}

/**
 * One scan of one org, through the scan's own login (pool: DatabaseManager.advisorPool()): every
 * check reads as mc_advisor with the org selected, each inside a savepoint so one check that fails
 * is reported as not checked and the others still count; then mc.advisories_record raises,
 * refreshes and closes advisories and stores the report, all in one transaction.
 */
export async function runScan(pool: Pool, orgId: string, opts: ScanOptions): Promise<ScanResult> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  const now = opts.now ?? new Date();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('mc.org_id', $1, true), set_config('statement_timeout', '60s', true), set_config('lock_timeout', '10s', true)`, [orgId]);
    const sql: Sql = sqlOf(client);
    const thresholds: AdvisoryThresholds = (await readThresholds(sql)) ?? DEFAULT_THRESHOLDS;
    const src: ScanSources = { orgId, thresholds, backupStatus: opts.backupStatus, signingKey: opts.signingKey, now };
    const findings: Finding[] = [];
    const checked: string[] = [];
    const report: ScanLine[] = [];
    for (const check of ADVISORY_CHECKS) {
      const label = ADVISORY_CHECK_LABELS[check];
      await client.query('SAVEPOINT advisory_check');
      try {
        const out = await CHECKS[check](sql, src);
        await client.query('RELEASE SAVEPOINT advisory_check');
        if (!out.ran) {
          report.push({ check, label, status: 'not_checked', found: 0, note: out.note });
          continue;
        }
        checked.push(check);
        findings.push(...out.findings.map(bounded));
        report.push({
          check,
          label,
          status: out.noRecord ? 'no_record' : 'checked',
          found: out.findings.length,
          note: out.note ?? (out.findings.length === 0 ? 'Nothing found.' : `${out.findings.length} found.`),
        });
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT advisory_check');
        report.push({ check, label, status: 'not_checked', found: 0, note: failure(err) });
      }
    }
    const r = await sql.one<{ r: { scan: string; raised: number; refreshed: number; closed: number } }>(
      'SELECT mc.advisories_record($1::jsonb, $2::text[], $3::jsonb, $4, $5) AS r',
      [JSON.stringify(findings), checked, JSON.stringify(report), opts.trigger, now.toISOString()],
    );
    await client.query('COMMIT');
    return { scanId: r.r.scan, raised: r.r.raised, refreshed: r.r.refreshed, closed: r.r.closed, report };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
