import type { z } from 'zod';
import type { decisionRecordSchema, routingWhatIf, simulationInput } from '../../../src-shared/contract/routing';
import { McError } from '../../../src-shared/contract/errors';
import { canonicalJson } from '../../../src-shared/domain/canonical-json';
import { buildIndex, route, whatIf } from '../../../src-shared/domain/routing';
import type { RoutingDecision, RoutingRequest, RoutingSnapshot } from '../../../src-shared/domain/routing/types';
import { sha256Hex } from '../../core/hash';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { recordEvidence } from '../evidence';
import { customerTerms, loadSnapshot, requestFor, routableTerms } from './snapshot';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;
/** A snapshot this small is stored with its decision so it can be replayed exactly. */
export const REPLAY_MAX_CANDIDATES = 2000;

export function inputsDigest(request: RoutingRequest, snapshot: RoutingSnapshot): string {
  return sha256Hex(canonicalJson({ request, snapshot }));
}

export async function buildRequest(sql: Sql, input: z.output<typeof simulationInput>): Promise<RoutingRequest> {
  const c = await customerTerms(sql, input.customerId);
  return {
    customerId: c.id,
    customerName: c.name,
    tier: c.tier,
    homeCorridorId: c.homeCorridorId,
    sla: c.sla,
    model: input.model,
    origin: { country: input.originCountry, lat: input.originLat, lon: input.originLon },
    workloadClass: input.workloadClass,
    estimatedTokens: input.estimatedTokens,
    allowedCorridorIds: c.allowedCorridorIds,
  };
}

export async function recordDecision(
  sql: Sql,
  d: { source: 'simulation' | 'gateway'; request: RoutingRequest; snapshot: RoutingSnapshot; decision: RoutingDecision; operatorId: string | null },
): Promise<{ id: string; decidedAt: string; digest: string }> {
  const digest = inputsDigest(d.request, d.snapshot);
  const replay = d.source === 'simulation' && d.snapshot.candidates.length <= REPLAY_MAX_CANDIDATES ? JSON.stringify({ request: d.request, snapshot: d.snapshot }) : null;
  await sql.query(`SELECT mc.routing_decisions_ensure_days(current_date, current_date + 1)`);
  const rejected = Object.fromEntries(d.decision.funnel.filter((f) => f.removed > 0).map((f) => [f.reason, f.removed]));
  const row = await sql.one<{ id: string; decided_at: string }>(
    `INSERT INTO mc.routing_decisions (org_id, source, customer_id, model, origin_country, workload_class, inputs_digest, corridor_id, region,
       selected_node_id, selected_runtime_id, fallback_node_id, policy_reason, explanation, rejected, considered, eligible, replay, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
     RETURNING id, decided_at`,
    [
      d.source,
      d.request.customerId,
      d.request.model,
      d.request.origin.country,
      d.request.workloadClass,
      digest,
      d.decision.corridorId,
      d.decision.region,
      d.decision.selected?.nodeId ?? null,
      d.decision.selected?.runtimeId ?? null,
      d.decision.fallback?.nodeId ?? null,
      d.decision.policyReason,
      d.decision.explanation,
      JSON.stringify(rejected),
      d.decision.considered,
      d.decision.eligible,
      replay,
      d.operatorId,
    ],
  );
  return { id: row.id, decidedAt: row.decided_at, digest };
}

export async function simulate(sql: Sql, input: z.output<typeof simulationInput> & { saveAsEvidence: boolean; operatorId: string }, audit: Audit) {
  const request = await buildRequest(sql, input);
  const snapshot = await loadSnapshot(sql);
  const decision = route(buildIndex(snapshot), request);
  const rec = await recordDecision(sql, { source: 'simulation', request, snapshot, decision, operatorId: input.operatorId });
  const proof = await audit({
    action: 'routing.simulated',
    target: { type: 'routing_decision', id: rec.id },
    data: {
      customer: request.customerName,
      model: request.model,
      origin: request.origin.country,
      workloadClass: request.workloadClass,
      inputsDigest: rec.digest,
      region: decision.region,
      selectedNode: decision.selected?.hostname ?? null,
      fallbackNode: decision.fallback?.hostname ?? null,
      policyReason: decision.policyReason,
      explanation: decision.explanation,
    },
  });
  let evidenceId: string | null = null;
  if (input.saveAsEvidence) {
    // The pilot gate: "routing simulation selects a valid node or explains why none is available".
    // Both a selection and an explanation answer it; a decision with neither would fail it.
    const answered = decision.selected !== null || (decision.explanation ?? '').length > 0;
    const ev = await recordEvidence(
      sql,
      {
        kind: 'routing_simulation',
        title: decision.selected
          ? `Routing simulation: ${request.model} for ${request.customerName} → ${decision.selected.hostname} (${decision.selected.corridorName})`
          : `Routing simulation: ${request.model} for ${request.customerName} → no node (explained)`,
        subjectType: 'routing_decision',
        subjectId: rec.id,
        outcome: answered ? 'passed' : 'failed',
        data: { decisionId: rec.id, inputsDigest: rec.digest, decidedAt: rec.decidedAt, request, decision },
        operatorId: input.operatorId,
      },
      proof,
    );
    evidenceId = ev.id;
  }
  const point = (siteId: string | undefined) => {
    const c = siteId ? snapshot.candidates.find((x) => x.siteId === siteId) : undefined;
    return c ? { siteId: c.siteId, name: c.siteName, lat: c.siteLat, lon: c.siteLon } : null;
  };
  return {
    decisionId: rec.id,
    decidedAt: rec.decidedAt,
    inputsDigest: rec.digest,
    decision,
    evidenceId,
    points: { selected: point(decision.selected?.siteId), fallback: point(decision.fallback?.siteId) },
  };
}

/** Customers and customer × model requests one what-if routes at most (a bounded query); beyond them it says the answer is partial. */
const WHAT_IF_CUSTOMERS = 200;
const WHAT_IF_REQUESTS = 2000;

/** Every customer × every model its tier may use that the catalog knows: the traffic a what-if moves. */
export async function runWhatIf(sql: Sql, input: z.output<(typeof routingWhatIf)['request']>) {
  const snapshot = await loadSnapshot(sql);
  const found = await sql.query<{ id: string }>('SELECT id FROM mc.customers ORDER BY name LIMIT $1', [WHAT_IF_CUSTOMERS + 1]);
  const customers = found.slice(0, WHAT_IF_CUSTOMERS);
  const models = await sql.query<{ model_id: string; allowed_tiers: string[] | null }>(
    `SELECT DISTINCT m.model_id, k.allowed_tiers FROM mc.runtime_models m LEFT JOIN mc.model_catalog k ON k.org_id = m.org_id AND k.model_id = m.model_id ORDER BY 1 LIMIT 200`,
  );
  const requests: RoutingRequest[] = [];
  for (const cu of customers) {
    const terms = await routableTerms(sql, cu.id);
    if (!terms) continue;
    const home = snapshot.corridors.find((c) => c.id === terms.homeCorridorId);
    const origin = input.originCountry ?? home?.policy.allowedCountries[0] ?? snapshot.candidates.find((c) => c.corridorId === terms.homeCorridorId)?.siteCountry ?? 'ZZ';
    for (const m of models) {
      if (m.allowed_tiers && !m.allowed_tiers.includes(terms.tier)) continue;
      requests.push(requestFor(terms, { model: m.model_id, originCountry: origin, workloadClass: 'general' }));
    }
  }
  const rows = whatIf(snapshot, input, requests.slice(0, WHAT_IF_REQUESTS));
  const cut = found.length > WHAT_IF_CUSTOMERS || requests.length > WHAT_IF_REQUESTS;
  const summary = { unchanged: 0, moved: 0, lost: 0, stillUnserved: 0 };
  for (const r of rows) summary[r.outcome === 'still_unserved' ? 'stillUnserved' : r.outcome]++;
  return {
    rows: rows.map((r) => ({
      customerId: r.request.customerId,
      customerName: r.request.customerName,
      model: r.request.model,
      outcome: r.outcome,
      before: r.before.selected ? `${r.before.selected.hostname} (${r.before.selected.corridorName})` : null,
      after: r.after.selected ? `${r.after.selected.hostname} (${r.after.selected.corridorName})` : null,
      explanation: r.after.explanation,
    })),
    summary,
    partial: cut ? { customers: customers.length, requests: rows.length } : null,
  };
}

type DecisionRecord = z.output<typeof decisionRecordSchema>;

export async function listDecisions(sql: Sql, limit: number, decisionId: string | null = null): Promise<DecisionRecord[]> {
  const rows = await sql.query<{
    id: string;
    decided_at: string;
    source: DecisionRecord['source'];
    customer_name: string | null;
    model: string;
    origin_country: string;
    workload_class: string;
    inputs_digest: string;
    region: string | null;
    corridor_name: string | null;
    selected_hostname: string | null;
    fallback_hostname: string | null;
    policy_reason: string;
    explanation: string | null;
    rejected: Record<string, number>;
    considered: number;
    eligible: number;
    replayable: boolean;
  }>(
    `SELECT d.id, d.decided_at, d.source, cu.name AS customer_name, d.model, d.origin_country, d.workload_class, d.inputs_digest, d.region, co.name AS corridor_name,
            sn.hostname AS selected_hostname, fn.hostname AS fallback_hostname, d.policy_reason, d.explanation, d.rejected, d.considered, d.eligible,
            d.replay IS NOT NULL AS replayable
       FROM mc.routing_decisions d
       LEFT JOIN mc.customers cu ON cu.org_id = d.org_id AND cu.id = d.customer_id
       LEFT JOIN mc.corridors co ON co.org_id = d.org_id AND co.id = d.corridor_id
       LEFT JOIN mc.nodes sn ON sn.org_id = d.org_id AND sn.id = d.selected_node_id
       LEFT JOIN mc.nodes fn ON fn.org_id = d.org_id AND fn.id = d.fallback_node_id
      WHERE ($2::uuid IS NULL OR d.id = $2)
      ORDER BY d.decided_at DESC LIMIT $1`,
    [limit, decisionId],
  );
  return rows.map((r) => ({
    id: r.id,
    decidedAt: r.decided_at,
    source: r.source,
    customerName: r.customer_name,
    model: r.model,
    originCountry: r.origin_country,
    workloadClass: r.workload_class,
    inputsDigest: r.inputs_digest,
    region: r.region,
    corridorName: r.corridor_name,
    selectedHostname: r.selected_hostname,
    fallbackHostname: r.fallback_hostname,
    policyReason: r.policy_reason,
    explanation: r.explanation,
    rejected: r.rejected,
    considered: r.considered,
    eligible: r.eligible,
    replayable: r.replayable,
  }));
}

/** Replay a stored simulation: the same stored inputs must give the same digest and the same decision. */
export async function replayDecision(sql: Sql, id: string) {
  const row = await sql.maybeOne<{ inputs_digest: string; replay: { request: RoutingRequest; snapshot: RoutingSnapshot } | null; selected_runtime_id: string | null; policy_reason: string; explanation: string | null; considered: number; eligible: number }>(
    'SELECT inputs_digest, replay, selected_runtime_id, policy_reason, explanation, considered, eligible FROM mc.routing_decisions WHERE id = $1',
    [id],
  );
  if (!row) throw new McError('NOT_FOUND', 'That routing decision does not exist in this org (or is past retention).');
  if (!row.replay) throw new McError('CONFLICT', 'That decision was recorded without its inputs (gateway decisions and very large snapshots keep only their digest).');
  const decision = route(buildIndex(row.replay.snapshot), row.replay.request);
  const digestMatches = inputsDigest(row.replay.request, row.replay.snapshot) === row.inputs_digest;
  const same =
    (decision.selected?.runtimeId ?? null) === row.selected_runtime_id &&
    decision.policyReason === row.policy_reason &&
    decision.explanation === row.explanation &&
    decision.considered === row.considered &&
    decision.eligible === row.eligible;
  return { same, digestMatches, decision };
}

/** Day partitions ahead, and those past the telemetry retention dropped (run by the maintenance job). */
export async function maintainRouting(sql: Sql): Promise<Record<string, number>> {
  return (await sql.one<{ r: Record<string, number> }>('SELECT mc.routing_decisions_maintain() AS r')).r;
}
