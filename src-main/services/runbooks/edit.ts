import type { RunbookDetail } from '../../../src-shared/contract/runbooks';
import { McError } from '../../../src-shared/contract/errors';
import { markerErrorText, parseRunbook, type ParsedRunbook } from '../../../src-shared/domain/runbooks';
import type { Sql } from '../../db';
import { lockOpsSettings, type Recorder } from '../org';
import { getRunbook, runbookRow } from './read';

const subject = (id: string) => ({ type: 'runbook', id });

/** A body that parses, or a VALIDATION error naming each bad line; nothing is written before this passes. */
export function checkedRunbook(body: string): ParsedRunbook {
  const p = parseRunbook(body);
  if (!p.ok) throw new McError('VALIDATION', markerErrorText(p.errors), { body: p.errors.map((e) => `line ${e.line}: ${e.message}`).join('\n') });
  return p.runbook;
}

async function writeVersion(sql: Sql, rec: Recorder, runbookId: string, version: number, parsed: ParsedRunbook, body: string, restoredFrom: number | null, seq: number): Promise<void> {
  await sql.query(
    `INSERT INTO mc.runbook_versions (org_id, runbook_id, version, title, body, restored_from, created_by, created_by_name, audit_seq)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8)`,
    [runbookId, version, parsed.title, body, restoredFrom, rec.actor.id, rec.actor.name, seq],
  );
}

/**
 * The built-in runbooks an org does not have yet, installed at version 1 from the repo's files.
 * Runs on a writer's workstation when it connects (and is safe to run again: a key the org has is
 * left as the org edited it). Returns the keys installed.
 */
export async function ensureRunbooks(sql: Sql, rec: Recorder, builtins: readonly { key: string; body: string }[]): Promise<string[]> {
  const have = new Set((await sql.query<{ key: string }>('SELECT key FROM mc.runbooks')).map((r) => r.key));
  const missing = builtins.filter((b) => !have.has(b.key));
  if (missing.length === 0) return [];
  // Two workstations connecting at once: the second waits here, then inserts nothing (ON CONFLICT).
  await lockOpsSettings(sql);
  const installed: string[] = [];
  for (const b of missing) {
    const parsed = checkedRunbook(b.body);
    const row = await sql.maybeOne<{ id: string }>(
      `INSERT INTO mc.runbooks (org_id, key, title, builtin, current_version) VALUES (mc.current_org_id(), $1, $2, true, 1)
       ON CONFLICT (org_id, key) DO NOTHING RETURNING id`,
      [b.key, parsed.title],
    );
    if (!row) continue;
    const proof = await rec.audit({ action: 'runbooks.installed', target: subject(row.id), data: { key: b.key, title: parsed.title, version: 1, steps: parsed.steps.length } });
    await writeVersion(sql, rec, row.id, 1, parsed, b.body, null, proof.seq);
    installed.push(b.key);
  }
  return installed;
}

async function newVersion(sql: Sql, rec: Recorder, runbookId: string, baseVersion: number, body: string, restoredFrom: number | null): Promise<RunbookDetail> {
  const parsed = checkedRunbook(body);
  const r = await runbookRow(sql, runbookId, true);
  if (r.current_version !== baseVersion) {
    throw new McError('CONFLICT', `Someone saved version ${r.current_version} of this runbook while you edited version ${baseVersion}: reload it, then make your change again.`);
  }
  const version = r.current_version + 1;
  const proof = await rec.audit({
    action: restoredFrom === null ? 'runbooks.saved' : 'runbooks.restored',
    target: subject(runbookId),
    data: { title: parsed.title, from: r.current_version, version, steps: parsed.steps.length, ...(restoredFrom === null ? {} : { restoredFrom }) },
  });
  await writeVersion(sql, rec, runbookId, version, parsed, body, restoredFrom, proof.seq);
  await sql.query('UPDATE mc.runbooks SET title = $2, current_version = $3, updated_at = $4, updated_by = $5 WHERE id = $1', [runbookId, parsed.title, version, proof.at, rec.actor.id]);
  return getRunbook(sql, runbookId);
}

export async function saveRunbook(sql: Sql, rec: Recorder, input: { runbookId: string; body: string; baseVersion: number }, unchanged: () => void): Promise<RunbookDetail> {
  const current = await getRunbook(sql, input.runbookId);
  if (current.body === input.body) {
    checkedRunbook(input.body);
    unchanged();
    return current;
  }
  return newVersion(sql, rec, input.runbookId, input.baseVersion, input.body, null);
}

export async function restoreRunbook(sql: Sql, rec: Recorder, input: { runbookId: string; version: number; baseVersion: number }): Promise<RunbookDetail> {
  const r = await runbookRow(sql, input.runbookId);
  if (input.version === r.current_version) throw new McError('CONFLICT', `Version ${input.version} is the current version already.`);
  const old = await sql.maybeOne<{ body: string }>('SELECT body FROM mc.runbook_versions WHERE runbook_id = $1 AND version = $2', [input.runbookId, input.version]);
  if (!old) throw new McError('NOT_FOUND', `This runbook has no version ${input.version}.`, { version: 'No such version.' });
  return newVersion(sql, rec, input.runbookId, input.baseVersion, old.body, input.version);
}
