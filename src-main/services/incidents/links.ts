import { McError } from '../../../src-shared/contract/errors';
import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { SCOPE_LABELS, type ScopeKind } from '../../../src-shared/domain/alert-rules';
import { type AffectedKind, INCIDENT_STATE_LABELS, incidentRef, isFinal } from '../../../src-shared/domain/incident-lifecycle';
import type { Sql } from '../../db';
import type { Recorder } from '../org';
import { policyRow } from './policies';
import { type IncidentRow, lockIncident, summaryOf } from './rows';
import { appendTimeline } from './timeline';

type Ref = { kind: AffectedKind; id: string };

/** Names of corridors, sites and nodes, for timeline entries and the detail view. */
export async function namesOf(sql: Sql, refs: readonly Ref[]): Promise<(Ref & { name: string })[]> {
  if (refs.length === 0) return [];
  const rows = await sql.query<{ kind: AffectedKind; id: string; name: string }>(
    `SELECT r.kind, r.id, coalesce(c.name, s.name, n.hostname, '(deleted)') AS name
       FROM unnest($1::text[], $2::uuid[]) AS r(kind, id)
       LEFT JOIN mc.corridors c ON r.kind = 'corridor' AND c.id = r.id
       LEFT JOIN mc.sites s ON r.kind = 'site' AND s.id = r.id
       LEFT JOIN mc.nodes n ON r.kind = 'node' AND n.id = r.id`,
    [refs.map((r) => r.kind), refs.map((r) => r.id)],
  );
  return rows;
}

/** Add what an incident touches; the database refuses a target outside the org (trigger). */
export async function addAffected(sql: Sql, rec: Recorder, incidentId: string, refs: readonly Ref[], touch = true): Promise<number> {
  const unique = [...new Map(refs.map((r) => [`${r.kind}:${r.id}`, r])).values()];
  const added = await sql.query<{ kind: AffectedKind; target_id: string }>(
    `INSERT INTO mc.incident_affected (org_id, incident_id, kind, target_id, added_by)
     SELECT mc.current_org_id(), $1, k, t, $4::uuid FROM unnest($2::text[], $3::uuid[]) AS x(k, t)
     ON CONFLICT DO NOTHING RETURNING kind, target_id`,
    [incidentId, unique.map((r) => r.kind), unique.map((r) => r.id), rec.actor.id],
  );
  if (added.length === 0) return 0;
  const named = await namesOf(sql, added.map((a) => ({ kind: a.kind, id: a.target_id })));
  const entry = await appendTimeline(sql, rec, incidentId, {
    kind: 'affected_added',
    action: 'incidents.affected_added',
    data: { items: named },
  });
  if (touch) await sql.query('UPDATE mc.incidents SET updated_at = $2, version = version + 1 WHERE id = $1', [incidentId, entry.at]);
  return added.length;
}

/**
 * A closed, declined or merged incident is a record: what it affected, which alerts it had and how
 * it escalated stay as they were when it ended (notes and the review can still be added).
 */
function mustNotBeFinal(r: IncidentRow, what: string): void {
  if (isFinal(r.state)) {
    throw new McError('CONFLICT', `${incidentRef(r.number)} is ${INCIDENT_STATE_LABELS[r.state].toLowerCase()}; its ${what} is part of the record now. Add a note instead.`);
  }
}

export async function setAffected(sql: Sql, rec: Recorder, input: { incidentId: string; add: Ref[]; remove: Ref[] }): Promise<IncidentSummary> {
  const r = await lockIncident(sql, input.incidentId);
  mustNotBeFinal(r, 'list of what it affected');
  const added = await addAffected(sql, rec, r.id, input.add);
  let removed = 0;
  if (input.remove.length > 0) {
    const gone = await sql.query<{ kind: AffectedKind; target_id: string }>(
      `DELETE FROM mc.incident_affected a USING unnest($2::text[], $3::uuid[]) AS x(k, t)
        WHERE a.incident_id = $1 AND a.kind = x.k AND a.target_id = x.t RETURNING a.kind, a.target_id`,
      [r.id, input.remove.map((x) => x.kind), input.remove.map((x) => x.id)],
    );
    removed = gone.length;
    if (removed > 0) {
      const named = await namesOf(sql, gone.map((a) => ({ kind: a.kind, id: a.target_id })));
      const entry = await appendTimeline(sql, rec, r.id, { kind: 'affected_removed', action: 'incidents.affected_removed', data: { items: named } });
      await sql.query('UPDATE mc.incidents SET updated_at = $2, version = version + 1 WHERE id = $1', [r.id, entry.at]);
    }
  }
  if (added + removed === 0) throw new McError('VALIDATION', 'Nothing changed: those are already affected (or were not).', { add: 'Nothing to add or remove.' });
  return summaryOf(sql, r.id);
}

export function subjectKindOf(subjectKey: string): { type: string; id: string | null } {
  if (subjectKey === 'all') return { type: 'all', id: null };
  const [type, id] = subjectKey.split(':');
  return { type: type!, id: id ?? null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A subject key is one the rule's evaluation can produce: `all` for a whole-grid rule, otherwise
 * `<its scope kind>:<id>` of something in this org (the rule's own subject if it names one).
 * Without this check a made-up key was linked as an alert that can never exist, and a key whose id
 * was not a uuid failed deep in SQL with a wrong-format error that named no field.
 */
async function checkSubject(sql: Sql, rule: { name: string; scope_kind: ScopeKind; scope_id: string | null }, subjectKey: string): Promise<{ type: string; id: string | null }> {
  const kind = rule.scope_kind;
  const subject = subjectKindOf(subjectKey);
  const expected = kind === 'all' ? '“all”' : `“${kind}:” and the ${SCOPE_LABELS[kind]}’s id`;
  const watches = kind === 'all' ? 'the whole grid' : `each ${SCOPE_LABELS[kind]}`;
  const wellFormed = kind === 'all' ? subjectKey === 'all' : subject.type === kind && subject.id !== null && UUID.test(subject.id) && subjectKey === `${kind}:${subject.id}`;
  if (!wellFormed) {
    throw new McError('VALIDATION', `“${rule.name}” watches ${watches}: its alerts’ subject is ${expected}.`, { subjectKey: `Expected ${expected}.` });
  }
  if (kind === 'all') return subject;
  if (rule.scope_id && subject.id!.toLowerCase() !== rule.scope_id.toLowerCase()) {
    throw new McError('VALIDATION', `“${rule.name}” watches one ${SCOPE_LABELS[kind]} only, and not that one.`, { subjectKey: `Expected ${kind}:${rule.scope_id}.` });
  }
  const table = { corridor: 'mc.corridors', site: 'mc.sites', node: 'mc.nodes', component: 'mc.components' }[kind];
  if (!(await sql.maybeOne(`SELECT 1 FROM ${table} WHERE id = $1`, [subject.id]))) {
    throw new McError('NOT_FOUND', `That ${SCOPE_LABELS[kind]} does not exist in this org.`, { subjectKey: `No such ${SCOPE_LABELS[kind]}.` });
  }
  return subject;
}

/** Link an alert (rule + subject) to an incident; its subject becomes affected too. */
export async function linkAlert(sql: Sql, rec: Recorder, input: { incidentId: string; ruleId: string; subjectKey: string }, touch = true): Promise<IncidentSummary> {
  const r = await lockIncident(sql, input.incidentId);
  mustNotBeFinal(r, 'set of linked alerts');
  const rule = await sql.maybeOne<{ name: string; severity: string; scope_kind: ScopeKind; scope_id: string | null }>(
    'SELECT name, severity, scope_kind, scope_id FROM mc.alert_rules WHERE id = $1',
    [input.ruleId],
  );
  if (!rule) throw new McError('NOT_FOUND', 'That alert rule does not exist in this org.', { ruleId: 'Unknown rule.' });
  const subject = await checkSubject(sql, rule, input.subjectKey);
  const inserted = await sql.query(
    `INSERT INTO mc.incident_alerts (org_id, incident_id, rule_id, subject_key, linked_by) VALUES (mc.current_org_id(), $1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING rule_id`,
    [r.id, input.ruleId, input.subjectKey, rec.actor.id],
  );
  // Names the field, as every other validation error does, so a form can point at it.
  if (inserted.length === 0) throw new McError('VALIDATION', `That alert is linked to ${incidentRef(r.number)} already.`, { subjectKey: 'Linked already.' });
  const subjectName =
    subject.type === 'all'
      ? 'whole grid'
      : subject.type === 'component'
        ? ((await sql.maybeOne<{ name: string }>('SELECT name FROM mc.components WHERE id = $1', [subject.id]))?.name ?? '(deleted component)')
        : ((await namesOf(sql, [{ kind: subject.type as AffectedKind, id: subject.id! }]))[0]?.name ?? '(deleted)');
  const entry = await appendTimeline(sql, rec, r.id, {
    kind: 'alert_linked',
    action: 'incidents.alert_linked',
    data: { ruleId: input.ruleId, rule: rule.name, severity: rule.severity, subjectKey: input.subjectKey, subject: subjectName },
  });
  await sql.query('UPDATE mc.alert_instances SET incident_id = $1 WHERE rule_id = $2 AND subject_key = $3 AND incident_id IS NULL', [r.id, input.ruleId, input.subjectKey]);
  if (subject.type === 'corridor' || subject.type === 'site' || subject.type === 'node') {
    await addAffected(sql, rec, r.id, [{ kind: subject.type, id: subject.id! }], false);
  }
  if (touch) await sql.query('UPDATE mc.incidents SET updated_at = $2, version = version + 1 WHERE id = $1', [r.id, entry.at]);
  return summaryOf(sql, r.id);
}

export async function setPolicy(sql: Sql, rec: Recorder, input: { incidentId: string; policyId: string | null }): Promise<IncidentSummary> {
  const r = await lockIncident(sql, input.incidentId);
  mustNotBeFinal(r, 'escalation policy');
  if (r.policy_id === input.policyId) throw new McError('VALIDATION', 'That is the incident’s policy already.', { policyId: 'Choose another policy.' });
  const policy = input.policyId ? await policyRow(sql, input.policyId) : null;
  if (input.policyId && !policy) throw new McError('NOT_FOUND', 'That escalation policy does not exist in this org.', { policyId: 'Unknown policy.' });
  const entry = await appendTimeline(sql, rec, r.id, {
    kind: 'policy_changed',
    action: 'incidents.policy_changed',
    body: policy ? `Escalation follows “${policy.name}”.` : 'Escalation stopped: no policy.',
    data: { policyId: input.policyId, policy: policy?.name ?? null },
  });
  await sql.query('UPDATE mc.incidents SET policy_id = $2, updated_at = $3, version = version + 1 WHERE id = $1', [r.id, input.policyId, entry.at]);
  return summaryOf(sql, r.id);
}
