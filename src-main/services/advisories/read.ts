import type { Advisory, ScanSummary } from '../../../src-shared/contract/advisories';
import { McError } from '../../../src-shared/contract/errors';
import { ADVISORY_CHECK_LABELS, type AdvisoryCheck, type AdvisorySeverity, severityRank } from '../../../src-shared/domain/advisories';
import { incidentRef } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';

interface AdvisoryRow {
  id: string;
  check_key: AdvisoryCheck;
  subject_key: string;
  subject_label: string;
  severity: AdvisorySeverity;
  evidence: string;
  fix: string;
  fix_view: string;
  first_seen_at: string;
  last_seen_at: string;
  seen_count: number;
  acknowledged_at: string | null;
  acknowledged_by_name: string | null;
  ack_reason: string | null;
  incident_id: string | null;
  incident_number: number | null;
  closed_at: string | null;
  closed_reason: string | null;
}

const SELECT = `SELECT a.id, a.check_key, a.subject_key, a.subject_label, a.severity, a.evidence, a.fix, a.fix_view, a.first_seen_at, a.last_seen_at,
                       a.seen_count, a.acknowledged_at, a.acknowledged_by_name, a.ack_reason, a.incident_id, i.number AS incident_number, a.closed_at, a.closed_reason
                  FROM mc.advisories a LEFT JOIN mc.incidents i ON i.org_id = a.org_id AND i.id = a.incident_id`;

function toAdvisory(r: AdvisoryRow): Advisory {
  return {
    id: r.id,
    check: r.check_key,
    checkLabel: ADVISORY_CHECK_LABELS[r.check_key],
    subjectKey: r.subject_key,
    subjectLabel: r.subject_label,
    severity: r.severity,
    state: r.closed_at ? 'closed' : r.acknowledged_at ? 'acknowledged' : 'open',
    evidence: r.evidence,
    fix: r.fix,
    fixView: r.fix_view,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    seenCount: r.seen_count,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by_name,
    ackReason: r.ack_reason,
    incidentId: r.incident_id,
    incidentRef: r.incident_number === null ? null : incidentRef(r.incident_number),
    closedAt: r.closed_at,
    closedReason: r.closed_reason,
  };
}

/** Open and acknowledged advisories (worst first), then the newest 200 closed. */
export async function listAdvisories(sql: Sql): Promise<Advisory[]> {
  const live = (await sql.query<AdvisoryRow>(`${SELECT} WHERE a.closed_at IS NULL ORDER BY a.last_seen_at DESC LIMIT 5000`)).map(toAdvisory);
  live.sort((x, y) => severityRank(x.severity) - severityRank(y.severity) || x.checkLabel.localeCompare(y.checkLabel) || x.subjectLabel.localeCompare(y.subjectLabel));
  const closed = (await sql.query<AdvisoryRow>(`${SELECT} WHERE a.closed_at IS NOT NULL ORDER BY a.closed_at DESC LIMIT 200`)).map(toAdvisory);
  return [...live, ...closed];
}

export async function getAdvisory(sql: Sql, id: string): Promise<Advisory> {
  const r = await sql.maybeOne<AdvisoryRow>(`${SELECT} WHERE a.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'No such advisory in this org: run a scan or refresh Advisories for the current list.');
  return toAdvisory(r);
}

export async function advisoriesOfIncident(sql: Sql, incidentId: string): Promise<Advisory[]> {
  return (await sql.query<AdvisoryRow>(`${SELECT} WHERE a.incident_id = $1 ORDER BY a.first_seen_at`, [incidentId])).map(toAdvisory);
}

export async function openAdvisoryCount(sql: Sql): Promise<number> {
  return (await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM mc.advisories WHERE closed_at IS NULL AND acknowledged_at IS NULL`)).n;
}

export async function lastScan(sql: Sql): Promise<ScanSummary | null> {
  const r = await sql.maybeOne<{ id: string; trigger: 'scheduled' | 'manual'; started_at: string; finished_at: string; raised: number; refreshed: number; closed: number; report: ScanSummary['report'] }>(
    'SELECT id, trigger, started_at, finished_at, raised, refreshed, closed, report FROM mc.advisory_scans ORDER BY finished_at DESC LIMIT 1',
  );
  return r ? { id: r.id, trigger: r.trigger, startedAt: r.started_at, finishedAt: r.finished_at, raised: r.raised, refreshed: r.refreshed, closed: r.closed, report: r.report } : null;
}

export async function scanById(sql: Sql, id: string): Promise<ScanSummary> {
  const r = await sql.maybeOne<{ id: string; trigger: 'scheduled' | 'manual'; started_at: string; finished_at: string; raised: number; refreshed: number; closed: number; report: ScanSummary['report'] }>(
    'SELECT id, trigger, started_at, finished_at, raised, refreshed, closed, report FROM mc.advisory_scans WHERE id = $1',
    [id],
  );
  if (!r) throw new McError('INTERNAL', 'The scan finished but its report cannot be read back.');
  return { id: r.id, trigger: r.trigger, startedAt: r.started_at, finishedAt: r.finished_at, raised: r.raised, refreshed: r.refreshed, closed: r.closed, report: r.report };
}
