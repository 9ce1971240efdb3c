import { AUDIT_EXPORT_MAX, AUDIT_EXPORT_PAGE, type AuditFilter } from '../../../src-shared/contract/audit';
import { call } from '../../bridge/client';
import { CSV_TYPE, saveFile } from '../../components/save-file';

export type ExportFormat = 'csv' | 'jsonl';

export interface ExportResult {
  fileName: string;
  rows: number;
  untilSeq: number;
}

/**
 * Every event the filter matches, fetched page by page (a page at most AUDIT_EXPORT_PAGE events,
 * so neither side ever holds the whole log in one message) and saved through the browser's
 * download. Pages are appended as Blob parts, not concatenated into one string.
 */
export async function exportAudit(
  format: ExportFormat,
  filter: AuditFilter,
  orgName: string,
  onProgress: (rows: number) => void,
  signal: AbortSignal,
): Promise<ExportResult | null> {
  const parts: string[] = [];
  let rows = 0;
  let afterSeq = 0;
  let untilSeq: number | undefined;
  for (;;) {
    if (signal.aborted) return null;
    const page = await call('audit.export', { format, filter, afterSeq, limit: AUDIT_EXPORT_PAGE, ...(untilSeq ? { untilSeq } : {}) });
    untilSeq = page.untilSeq;
    parts.push(page.text);
    rows += page.rows;
    onProgress(rows);
    if (rows > AUDIT_EXPORT_MAX) {
      throw new Error(`More than ${AUDIT_EXPORT_MAX.toLocaleString()} events match: narrow the time range and export in parts (each row carries its prev_hash, so parts check on their own).`);
    }
    if (page.nextAfterSeq === null) break;
    afterSeq = page.nextAfterSeq;
  }
  if (signal.aborted) return null;
  const filtered = Object.keys(filter).length > 0;
  const org = orgName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'org';
  const fileName = `audit-${org}-to-${untilSeq ?? 0}${filtered ? '-filtered' : ''}.${format}`;
  saveFile(parts, fileName, format === 'csv' ? CSV_TYPE : 'application/x-ndjson');
  return { fileName, rows, untilSeq: untilSeq ?? 0 };
}
