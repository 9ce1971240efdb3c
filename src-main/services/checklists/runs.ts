import type { ChecklistItem, RunSummary } from '../../../src-shared/contract/checklists';
import { McError } from '../../../src-shared/contract/errors';
import type { Session } from '../../../src-shared/contract/system';
import {
  type CheckAnswer,
  type CheckKey,
  type ItemStatus,
  itemStatusProblem,
  periodOf,
  progressOf,
  siteSafetyState,
  stepOrderProblem,
  type SubjectType,
  TEMPLATE_BY_KEY,
  type TemplateKey,
} from '../../../src-shared/domain/checklists';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { memberOf } from '../org';
import { answer, type CheckScope } from './checks';
import { type EvidenceKind, proofNeeds, proofOf, proofProblem, type ProofKind } from '../../../src-shared/domain/proof';
import { evidenceScopeProblem, resolveAttachment } from './proof';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

interface RunRow {
  id: string;
  template_key: TemplateKey;
  kind: 'checklist' | 'gates';
  title: string;
  subject_type: SubjectType;
  subject_id: string | null;
  subject_name: string | null;
  period: string | null;
  started_at: string;
  started_by: string | null;
  started_by_name: string | null;
  completed_at: string | null;
  outcome: 'passed' | 'failed' | null;
  statuses: ItemStatus[];
}

const SELECT_RUNS = `
  SELECT r.id, r.template_key, r.kind, r.title, r.subject_type, r.subject_id,
         coalesce(c.name, s.name, p.customer_name) AS subject_name, r.period, r.started_at, r.started_by,
         o.display_name AS started_by_name, r.completed_at, r.outcome,
         coalesce((SELECT array_agg(i.status ORDER BY i.position) FROM mc.checklist_items i WHERE i.org_id = r.org_id AND i.run_id = r.id), '{}') AS statuses
    FROM mc.checklist_runs r
    LEFT JOIN mc.corridors c ON r.subject_type = 'corridor' AND c.id = r.subject_id
    LEFT JOIN mc.sites s ON r.subject_type = 'site' AND s.id = r.subject_id
    LEFT JOIN mc.pilots p ON r.subject_type = 'pilot' AND p.id = r.subject_id
    LEFT JOIN mc.operators o ON o.id = r.started_by`;

function toRun(r: RunRow): RunSummary {
  return {
    id: r.id,
    templateKey: r.template_key,
    kind: r.kind,
    title: r.title,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    subjectName: r.subject_name,
    period: r.period,
    startedAt: r.started_at,
    startedBy: r.started_by ? { id: r.started_by, name: r.started_by_name ?? 'former member' } : null,
    completedAt: r.completed_at,
    outcome: r.outcome,
    progress: progressOf(r.statuses.map((status) => ({ status }))),
  };
}

export async function runSummary(sql: Sql, id: string): Promise<RunSummary> {
  const r = await sql.maybeOne<RunRow>(`${SELECT_RUNS} WHERE r.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'That checklist run does not exist in this org.');
  return toRun(r);
}

export async function listRuns(sql: Sql, input: { kind?: 'checklist' | 'gates' | undefined; limit: number }, now: Date) {
  const runs = await sql.query<RunRow>(`${SELECT_RUNS} WHERE ($1::text IS NULL OR r.kind = $1) ORDER BY r.started_at DESC LIMIT $2`, [input.kind ?? null, input.limit]);
  const current = await sql.query<{ template_key: 'daily' | 'weekly' | 'monthly'; id: string }>(
    `SELECT template_key, id FROM mc.checklist_runs WHERE (template_key, period) IN (('daily', $1), ('weekly', $2), ('monthly', $3))`,
    [periodOf('daily', now), periodOf('weekly', now), periodOf('monthly', now)],
  );
  const id = (k: string) => current.find((c) => c.template_key === k)?.id ?? null;
  return { runs: runs.map(toRun), current: { daily: id('daily'), weekly: id('weekly'), monthly: id('monthly') } };
}

/** The current period's run of a recurring checklist, if started. */
export async function currentRun(sql: Sql, key: 'daily' | 'weekly' | 'monthly', now: Date): Promise<RunSummary | null> {
  const r = await sql.maybeOne<RunRow>(`${SELECT_RUNS} WHERE r.template_key = $1 AND r.period = $2`, [key, periodOf(key, now)]);
  return r ? toRun(r) : null;
}

/** Check that the subject exists and belongs to the template's kind; return its name and corridor. */
async function resolveSubject(sql: Sql, type: SubjectType, id: string | null): Promise<{ name: string | null; corridorId: string | null; corridorName?: string | null }> {
  if (type === 'org') {
    if (id) throw new McError('VALIDATION', 'This checklist covers the whole org; it takes no subject.', { subjectId: 'Leave empty.' });
    return { name: null, corridorId: null };
  }
  if (!id) throw new McError('VALIDATION', `Choose the ${type} this is for.`, { subjectId: `Choose a ${type}.` });
  const row =
    type === 'corridor'
      ? await sql.maybeOne<{ name: string; corridor_id: string }>('SELECT name, id AS corridor_id FROM mc.corridors WHERE id = $1', [id])
      : type === 'site'
        ? await sql.maybeOne<{ name: string; corridor_id: string }>('SELECT name, corridor_id FROM mc.sites WHERE id = $1', [id])
        : await sql.maybeOne<{ name: string; corridor_id: string }>('SELECT customer_name AS name, corridor_id FROM mc.pilots WHERE id = $1', [id]);
  if (!row) throw new McError('NOT_FOUND', `That ${type} does not exist in this org.`, { subjectId: `Unknown ${type}.` });
  const corridor = await sql.maybeOne<{ name: string }>('SELECT name FROM mc.corridors WHERE id = $1', [row.corridor_id]);
  return { name: row.name, corridorId: row.corridor_id, corridorName: corridor?.name ?? null };
}

/**
 * Start a run of a template. A recurring checklist has one run per period: asking again returns
 * that run (created false). A gate set is made once per corridor or pilot.
 */
export async function startRun(
  sql: Sql,
  session: Session,
  input: { templateKey: TemplateKey; subjectId: string | null },
  now: Date,
  audit: Audit,
): Promise<{ run: RunSummary; created: boolean }> {
  const t = TEMPLATE_BY_KEY.get(input.templateKey)!;
  const subject = await resolveSubject(sql, t.subject, input.subjectId);
  const period = periodOf(t.cadence, now);
  const title = subject.name ? `${t.name}: ${subject.name}` : period ? `${t.name} ${period}` : t.name;
  const inserted = await sql.query<{ id: string }>(
    `INSERT INTO mc.checklist_runs (org_id, template_key, kind, title, subject_type, subject_id, period, started_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
    [t.key, t.kind, title, t.subject, input.subjectId, period, session.operatorId],
  );
  if (inserted.length === 0) {
    const existing = await sql.one<{ id: string }>(
      `SELECT id FROM mc.checklist_runs WHERE template_key = $1 AND (($2::text IS NOT NULL AND period = $2) OR (kind = 'gates' AND subject_id = $3))`,
      [t.key, period, input.subjectId],
    );
    return { run: await runSummary(sql, existing.id), created: false };
  }
  const id = inserted[0]!.id;
  await sql.query(
    `INSERT INTO mc.checklist_items (org_id, run_id, position, key, text, check_key, view, proof, evidence_kinds)
     SELECT mc.current_org_id(), $1, x.pos, x.key, x.text, x.check_key, x.view, x.proof, coalesce(string_to_array(nullif(x.kinds, ''), ','), '{}')::text[]
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS x(key, text, check_key, view, proof, kinds, pos)`,
    [
      id,
      t.items.map((i) => i.key),
      t.items.map((i) => i.text),
      t.items.map((i) => i.check ?? null),
      t.items.map((i) => i.view ?? null),
      // The proof each item needs is declared with it, and the database holds it to that.
      t.items.map((i) => proofOf(i).kind),
      t.items.map((i) => proofOf(i).evidenceKinds.join(',')),
    ],
  );
  if (t.key === 'site_safety') await sql.query(`UPDATE mc.sites SET safety_checklist = 'in_progress' WHERE id = $1 AND safety_checklist = 'not_started'`, [input.subjectId]);
  await audit({
    action: t.kind === 'gates' ? 'readiness.gates_prepared' : 'checklists.run_started',
    target: { type: 'checklist_run', id },
    data: { template: t.key, title, subjectType: t.subject, subjectId: input.subjectId, period, items: t.items.length },
  });
  return { run: await runSummary(sql, id), created: true };
}

interface ItemRow {
  id: string;
  run_id: string;
  key: string;
  text: string;
  view: string | null;
  check_key: CheckKey | null;
  owner_id: string | null;
  owner_name: string | null;
  status: ItemStatus;
  set_by: string | null;
  set_by_name: string | null;
  set_at: string | null;
  note: string | null;
  evidence_url: string | null;
  evidence_ref: { type: string; id: string; label: string } | null;
  live_answer: CheckAnswer | null;
  version: number;
  proof: ProofKind;
  evidence_kinds: EvidenceKind[];
  attachment_uri: string | null;
  attachment_sha256: string | null;
  subject_type: SubjectType;
}

const SELECT_ITEMS = `
  SELECT i.id, i.run_id, i.key, i.text, i.view, i.check_key, i.owner_id, ow.display_name AS owner_name, i.status, i.set_by,
         sb.display_name AS set_by_name, i.set_at, i.note, i.evidence_url, i.evidence_ref, i.live_answer, i.version,
         i.proof, i.evidence_kinds, i.attachment_uri, i.attachment_sha256, r.subject_type
    FROM mc.checklist_items i
    JOIN mc.checklist_runs r ON r.org_id = i.org_id AND r.id = i.run_id
    LEFT JOIN mc.operators ow ON ow.id = i.owner_id
    LEFT JOIN mc.operators sb ON sb.id = i.set_by`;

function toItem(r: ItemRow, live: CheckAnswer | null): ChecklistItem {
  return {
    id: r.id,
    key: r.key,
    text: r.text,
    view: r.view,
    check: r.check_key,
    owner: r.owner_id ? { id: r.owner_id, name: r.owner_name ?? 'former member' } : null,
    status: r.status,
    setBy: r.set_by ? { id: r.set_by, name: r.set_by_name ?? 'former member' } : null,
    setAt: r.set_at,
    note: r.note,
    evidenceUrl: r.evidence_url,
    evidenceRef: r.evidence_ref,
    recordedAnswer: r.live_answer,
    live,
    version: r.version,
    proof: { kind: r.proof, evidenceKinds: r.evidence_kinds, needs: proofNeeds({ kind: r.proof, evidenceKinds: r.evidence_kinds }, r.subject_type) },
    attachment: r.attachment_uri && r.attachment_sha256 ? { uri: r.attachment_uri, sha256: r.attachment_sha256 } : null,
  };
}

async function scopeOf(sql: Sql, run: RunSummary): Promise<CheckScope> {
  const s = await resolveSubject(sql, run.subjectType, run.subjectId);
  return { type: run.subjectType, id: run.subjectId, corridorId: s.corridorId, corridorName: s.corridorName ?? null, customerName: run.subjectType === 'pilot' ? s.name : null };
}

/** A check that cannot run (a broken database view, a timeout) answers "cannot tell", not a guess. */
async function safeAnswer(sql: Sql, key: CheckKey, scope: CheckScope, session: Session): Promise<CheckAnswer> {
  try {
    return await answer(sql, key, scope, session);
  } catch (err) {
    // Only the SQLSTATE: a server message can quote row values, which this summary must not carry.
    const code = (err as { code?: unknown }).code;
    const why = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? `the database refused it, SQLSTATE ${code}` : 'an internal error';
    return { ok: null, summary: `The check could not run (${why}); confirm it yourself.`, record: null };
  }
}

export async function getRun(sql: Sql, session: Session, runId: string): Promise<{ run: RunSummary; items: ChecklistItem[] }> {
  const run = await runSummary(sql, runId);
  const scope = await scopeOf(sql, run);
  const rows = await sql.query<ItemRow>(`${SELECT_ITEMS} WHERE i.run_id = $1 ORDER BY i.position`, [runId]);
  const items: ChecklistItem[] = [];
  for (const r of rows) items.push(toItem(r, r.check_key ? await safeAnswer(sql, r.check_key, scope, session) : null));
  return { run, items };
}

export interface SetItemInput {
  itemId: string;
  status: ItemStatus;
  note: string | null;
  evidenceUrl: string | null;
  evidenceRef: { type: string; id: string; label: string } | null;
  attachment: string | null;
  attachmentSha256: string | null;
  expectedVersion: number;
}

/**
 * Set one item. The item is locked and its version compared, so two operators ticking the same
 * item at once get one result and a clear refusal, never a silent overwrite.
 */
export async function setItem(sql: Sql, session: Session, input: SetItemInput, audit: Audit): Promise<{ item: ChecklistItem; run: RunSummary }> {
  const row = await sql.maybeOne<ItemRow>(`${SELECT_ITEMS} WHERE i.id = $1 FOR UPDATE OF i`, [input.itemId]);
  if (!row) throw new McError('NOT_FOUND', 'That checklist item does not exist in this org.');
  if (row.version !== input.expectedVersion) {
    throw new McError('CONFLICT', `${row.set_by_name ?? 'Someone'} changed this item${row.set_at ? ` at ${row.set_at.slice(11, 19)} UTC` : ''} while you were looking at it. Look again before changing it.`);
  }
  const run = await runSummary(sql, row.run_id);
  const gate = run.kind === 'gates';
  // Waiving a gate is an admin's decision (the database says so too); the reason is the note.
  if (gate && input.status === 'skipped' && row.status !== 'skipped' && session.role !== 'admin') {
    throw new McError('FORBIDDEN', 'Only an admin can waive a gate, with the reason. Pass it with its proof, or ask an admin to waive it.');
  }
  const scope = await scopeOf(sql, run);
  // What the check said is kept with whatever the operator decided (done, failed, waived), for the record.
  const live = row.check_key && input.status !== 'open' ? await safeAnswer(sql, row.check_key, scope, session) : null;
  const steps = await sql.query<{ key: string; status: ItemStatus }>('SELECT key, status FROM mc.checklist_items WHERE run_id = $1', [run.id]);
  const order = stepOrderProblem(TEMPLATE_BY_KEY.get(run.templateKey as TemplateKey), steps, row.key, input.status);
  if (order) throw new McError('VALIDATION', order, { [input.status === 'done' ? 'status' : 'note']: order });
  const spec = { kind: row.proof, evidenceKinds: row.evidence_kinds };
  // A record the operator linked is judged first: "that drill was in another corridor" says more
  // than "the live check found none here".
  if (input.status === 'done' && spec.kind === 'evidence' && input.evidenceRef) {
    const outOfScope = await evidenceScopeProblem(sql, scope, run.subjectType === 'pilot' ? run.subjectName : (scope.corridorName ?? null), input.evidenceRef, spec.evidenceKinds);
    if (outOfScope) throw new McError('VALIDATION', outOfScope, { status: outOfScope });
  }
  const problem = itemStatusProblem(input.status, run.kind, live, input.note);
  if (problem) throw new McError('VALIDATION', problem, { [input.status === 'done' ? 'status' : 'note']: problem });
  const attachment = await resolveAttachment(input.attachment, input.attachmentSha256);
  // An evidence item links the record its live check found, when the operator linked none: the
  // record is the app's, and its scope is checked like any other (here and by the database).
  const liveRecord = live?.ok === true && live.record && (live.record.type === 'evidence' || live.record.type === 'incident') && live.record.id ? { type: live.record.type, id: live.record.id, label: live.record.label } : null;
  const evidenceRef = input.evidenceRef ?? (input.status === 'done' && spec.kind === 'evidence' ? liveRecord : null);
  if (input.status === 'done') {
    const missing = proofProblem(spec, gate, run.subjectType, { live, note: input.note, attachment, evidenceRef });
    if (missing) throw new McError('VALIDATION', missing, { status: missing });
    if (spec.kind === 'evidence' && evidenceRef && !input.evidenceRef) {
      const outOfScope = await evidenceScopeProblem(sql, scope, run.subjectType === 'pilot' ? run.subjectName : (scope.corridorName ?? null), evidenceRef, spec.evidenceKinds);
      if (outOfScope) throw new McError('VALIDATION', outOfScope, { status: outOfScope });
    }
  }
  // Who set it last and when, reopening included ("reopened by …").
  await sql.query(
    `UPDATE mc.checklist_items SET status = $2, set_by = $3, set_at = now(), note = $4, evidence_url = $5, evidence_ref = $6, live_answer = $7,
            attachment_uri = $8, attachment_sha256 = $9, version = version + 1
      WHERE id = $1`,
    [
      row.id,
      input.status,
      session.operatorId,
      input.note,
      input.evidenceUrl,
      evidenceRef ? JSON.stringify(evidenceRef) : null,
      live ? JSON.stringify(live) : null,
      attachment?.uri ?? null,
      attachment?.sha256 ?? null,
    ],
  );
  const after = await runSummary(sql, run.id);
  // The run completes when nothing is open, and opens again when an item is reopened. A complete
  // run whose failed item is put right (failed → done, no reopening) passes from then on.
  const outcome = after.progress.complete ? (after.progress.passed ? 'passed' : 'failed') : null;
  if (after.progress.complete !== (after.completedAt !== null) || after.outcome !== outcome) {
    await sql.query(
      `UPDATE mc.checklist_runs SET completed_at = CASE WHEN $2 THEN coalesce(completed_at, now()) END, outcome = $3 WHERE id = $1`,
      [run.id, after.progress.complete, outcome],
    );
  }
  let safety: string | null = null;
  if (run.templateKey === 'site_safety' && run.subjectId) {
    safety = siteSafetyState(after.progress);
    await sql.query('UPDATE mc.sites SET safety_checklist = $2 WHERE id = $1', [run.subjectId, safety]);
  }
  await audit({
    action: run.kind === 'gates' ? 'readiness.gate_set' : 'checklists.item_set',
    target: { type: 'checklist_item', id: row.id },
    data: {
      run: run.id,
      runTitle: run.title,
      item: row.key,
      text: row.text,
      from: row.status,
      to: input.status,
      note: input.note,
      evidenceUrl: input.evidenceUrl,
      evidenceRef,
      attachment,
      proof: spec.kind,
      ...(gate && input.status === 'skipped' ? { waived: true } : {}),
      liveAnswer: live,
      ...(safety ? { siteSafety: safety } : {}),
    },
  });
  const fresh = (await sql.one<ItemRow>(`${SELECT_ITEMS} WHERE i.id = $1`, [row.id]))!;
  return { item: toItem(fresh, live), run: await runSummary(sql, run.id) };
}

export async function setOwner(sql: Sql, input: { itemId: string; ownerId: string | null }, audit: Audit): Promise<ChecklistItem> {
  const row = await sql.maybeOne<ItemRow>(`${SELECT_ITEMS} WHERE i.id = $1 FOR UPDATE OF i`, [input.itemId]);
  if (!row) throw new McError('NOT_FOUND', 'That checklist item does not exist in this org.');
  const owner = input.ownerId ? await memberOf(sql, input.ownerId) : null;
  if (input.ownerId && !owner) throw new McError('VALIDATION', 'That person is not a member of this org.', { ownerId: 'Choose a member of this org.' });
  // Clearing an item that has no owner used to say "That is the owner already", which reads as nonsense for "nobody".
  if (row.owner_id === null && input.ownerId === null) throw new McError('VALIDATION', 'This item has no owner to take away.', { ownerId: 'Choose someone.' });
  if (row.owner_id === input.ownerId) throw new McError('VALIDATION', 'That is the owner already.', { ownerId: 'Choose someone else.' });
  // The version guards status, note and evidence: a new owner does not make someone's tick stale.
  await sql.query('UPDATE mc.checklist_items SET owner_id = $2 WHERE id = $1', [row.id, input.ownerId]);
  await audit({ action: 'readiness.gate_owner_set', target: { type: 'checklist_item', id: row.id }, data: { item: row.key, text: row.text, owner: owner ? { id: owner.id, name: owner.name } : null } });
  return toItem((await sql.one<ItemRow>(`${SELECT_ITEMS} WHERE i.id = $1`, [row.id]))!, null);
}
