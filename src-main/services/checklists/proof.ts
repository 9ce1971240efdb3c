import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { McError } from '../../../src-shared/contract/errors';
import { incidentRef } from '../../../src-shared/domain/incident-lifecycle';
import type { EvidenceKind } from '../../../src-shared/domain/proof';
import type { Sql } from '../../db';
import { resolveEvidence } from '../deployments/evidence';
import type { CheckScope } from './checks';

/**
 * An attestation's attachment. A local file (an absolute path or a file: URI) is read and hashed
 * here, in the main process: a sha256 sent with it must match the bytes, never replace them. A
 * link (https://) cannot be read offline, so its sha256 is the one the member gives.
 */
export async function resolveAttachment(attachment: string | null, sha256: string | null): Promise<{ uri: string; sha256: string } | null> {
  if (attachment === null) {
    if (sha256 !== null) throw new McError('VALIDATION', 'A sha256 was given without the file or link it is of.', { attachment: 'Attach the file or link.' });
    return null;
  }
  const uri = isAbsolute(attachment) && !/^[a-z]+:/i.test(attachment) ? pathToFileURL(attachment).href : attachment;
  if (!/^(https?|file):\S+$/.test(uri)) {
    throw new McError('VALIDATION', 'Attach a local file (its full path) or a link starting with https://.', { attachment: 'A full file path, a file: URI or an https:// link.' });
  }
  try {
    return await resolveEvidence(uri, sha256);
  } catch (err) {
    // The same refusal, placed at this form's fields.
    if (err instanceof McError) throw new McError('VALIDATION', err.message, { [err.fields?.sha256 ? 'attachmentSha256' : 'attachment']: err.message });
    throw err;
  }
}

/**
 * Whether a linked record is one the item accepts, passed, and of the run's scope: a corridor's
 * gate takes records of that corridor; a pilot's, records of its corridor (and a routing
 * simulation of its customer); a drill counts only where the item says drills count.
 */
export async function evidenceScopeProblem(sql: Sql, scope: CheckScope, scopeName: string | null, ref: { type: string; id: string }, kinds: readonly EvidenceKind[]): Promise<string | null> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref.id);
  const where = scope.type === 'pilot' ? `the pilot ${scopeName ?? ''}’s corridor` : (scopeName ?? 'this corridor');
  if (ref.type === 'evidence' && uuid) {
    const e = await sql.maybeOne<{ kind: string; title: string; outcome: string; corridor: string | null; customer: string | null }>(
      `SELECT kind, title, outcome, mc.evidence_corridor(kind, subject_type, subject_id, data) AS corridor, data #>> '{request,customerName}' AS customer
         FROM mc.evidence_records WHERE id = $1`,
      [ref.id],
    );
    if (!e) return 'The linked evidence record does not exist in this org.';
    if (!(kinds as readonly string[]).includes(e.kind)) return `“${e.title}” is a ${e.kind.replace(/_/g, ' ')} record; this needs ${kinds.join(' or ').replace(/_/g, ' ')}.`;
    if (e.outcome !== 'passed') return `“${e.title}” failed; link a record that passed.`;
    if (scope.corridorId && e.corridor !== scope.corridorId) return `“${e.title}” is not a record of ${where}: proof must be in scope.`;
    if (scope.customerName && e.kind === 'routing_simulation' && (e.customer ?? '').toLowerCase() !== scope.customerName.toLowerCase()) {
      return `“${e.title}” is a routing simulation for ${e.customer ?? 'another customer'}, not for ${scope.customerName}.`;
    }
    return null;
  }
  if (ref.type === 'incident' && uuid) {
    const i = await sql.maybeOne<{ number: number; drill: boolean; state: string; in_scope: boolean }>(
      `SELECT number, drill, state, ($2::uuid IS NULL OR mc.incident_in_corridor(id, $2)) AS in_scope FROM mc.incidents WHERE id = $1`,
      [ref.id, scope.corridorId],
    );
    if (!i) return 'The linked incident does not exist in this org.';
    const label = `${incidentRef(i.number)}${i.drill ? ' (a drill)' : ''}`;
    if (i.drill && !kinds.includes('drill')) return `${label}: a drill does not count for this one.`;
    if (!i.drill && !kinds.includes('incident')) return `${label} is not a drill; this needs a failover drill.`;
    if (i.state !== 'resolved' && i.state !== 'closed') return `${label} is ${i.state}, not resolved yet.`;
    if (!i.in_scope) return `${label} did not affect ${where}: a drill elsewhere is not proof here.`;
    return null;
  }
  return `Link ${kinds.join(' or ').replace(/_/g, ' ')} record, not a ${ref.type}.`;
}
