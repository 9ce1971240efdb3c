import { McError } from '../../../src-shared/contract/errors';
import type { IncidentReview } from '../../../src-shared/contract/incidents';
import type { Sql } from '../../db';
import type { Recorder } from '../org';
import { lockIncident } from './rows';
import { appendTimeline } from './timeline';

export interface ReviewInput {
  incidentId: string;
  summary: string;
  impact: string;
  timeline: string;
  causes: string;
  actions: { text: string; owner: string; due: string | null; done: boolean }[];
  expectedVersion: number | null;
}

interface ReviewRow {
  summary: string;
  impact: string;
  timeline: string;
  causes: string;
  actions: IncidentReview['actions'];
  updated_at: string;
  updated_by: string | null;
  updated_by_name: string | null;
  version: number;
}

export async function reviewOf(sql: Sql, incidentId: string): Promise<IncidentReview | null> {
  const r = await sql.maybeOne<ReviewRow>(
    `SELECT v.summary, v.impact, v.timeline, v.causes, v.actions, v.updated_at, v.updated_by, o.display_name AS updated_by_name, v.version
       FROM mc.incident_reviews v LEFT JOIN mc.operators o ON o.id = v.updated_by WHERE v.incident_id = $1`,
    [incidentId],
  );
  if (!r) return null;
  return {
    summary: r.summary,
    impact: r.impact,
    timeline: r.timeline,
    causes: r.causes,
    actions: r.actions,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by ? { id: r.updated_by, name: r.updated_by_name ?? 'former member' } : null,
    version: r.version,
  };
}

/**
 * The post-incident review, saved whole. Two people editing at once: the second save is refused
 * (nothing of either is lost: the first is stored, the second is still in its editor).
 */
export async function saveReview(sql: Sql, rec: Recorder, input: ReviewInput): Promise<IncidentReview> {
  const incident = await lockIncident(sql, input.incidentId);
  const current = await reviewOf(sql, incident.id);
  if ((current?.version ?? null) !== input.expectedVersion) {
    throw new McError(
      'CONFLICT',
      current
        ? `${current.updatedBy?.name ?? 'Someone'} saved this review while you were editing it. Copy your text, reload, and merge the two.`
        : 'Someone else started this review while you were editing it. Copy your text, reload, and merge the two.',
    );
  }
  const values = [incident.id, input.summary, input.impact, input.timeline, input.causes, JSON.stringify(input.actions), rec.actor.id];
  if (current) {
    await sql.query(
      `UPDATE mc.incident_reviews SET summary = $2, impact = $3, timeline = $4, causes = $5, actions = $6, updated_by = $7,
              updated_at = now(), version = version + 1 WHERE incident_id = $1`,
      values,
    );
  } else {
    await sql.query(
      `INSERT INTO mc.incident_reviews (org_id, incident_id, summary, impact, timeline, causes, actions, updated_by)
       VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7)`,
      values,
    );
  }
  const saved = (await reviewOf(sql, incident.id))!;
  const entry = await appendTimeline(sql, rec, incident.id, {
    kind: 'review_updated',
    action: 'incidents.review_saved',
    body: current ? 'Updated the post-incident review.' : 'Started the post-incident review.',
    data: { version: saved.version, actions: input.actions.length, open: input.actions.filter((a) => !a.done).length },
  });
  await sql.query('UPDATE mc.incidents SET updated_at = $2, version = version + 1 WHERE id = $1', [incident.id, entry.at]);
  return saved;
}
