import { type Computed, computedCorridor, computedDatabase, computedTelemetry, computedUnprobed, declaredLine, type Effective, effectiveState, type TelemetryFacts } from '../../../src-shared/domain/computed-status';
import type { ComponentKind, ComponentState } from '../../../src-shared/domain/component-status';
import { corridorSignals, runningCounts } from '../../../src-shared/domain/corridor-health';
import type { Severity } from '../../../src-shared/domain/incident-lifecycle';
import type { Health } from '../../../src-shared/domain/node-health';
import type { Sql } from '../../db';
import { networkOverlay } from '../network';
import { scoredNodes } from '../observability/nodes';

/** What stands behind the components, read once per status answer. */
export interface Facts {
  answeredMs: number;
  corridors: Map<string, { counts: Record<Health, number>; incidents: readonly { severity: Severity; drill: boolean }[] }>;
  telemetry: TelemetryFacts;
}

/** The pipeline's window: the same 5 minutes after which a node counts as silent. */
const WINDOW = `now() - interval '5 minutes'`;

export async function computeFacts(sql: Sql, now: Date): Promise<Facts> {
  const t0 = performance.now();
  await sql.query('SELECT 1');
  const answeredMs = Math.round(performance.now() - t0);
  const nodes = await scoredNodes(sql, null, now.getTime());
  const signals = corridorSignals((await networkOverlay(sql)).corridors);
  const corridors = new Map<string, Facts['corridors'] extends Map<string, infer V> ? V : never>();
  for (const [id, s] of signals) corridors.set(id, { counts: runningCounts(nodes.filter((n) => n.corridorId === id)), incidents: s.incidents ?? [] });
  const flow = await sql.one<{ reporting: number; accepted: number; refused: number }>(
    `SELECT (SELECT count(*) FROM mc.node_latest l JOIN mc.nodes n ON n.id = l.node_id
              WHERE n.lifecycle IN ('active', 'draining') AND l.seen_at >= ${WINDOW})::int AS reporting,
            (SELECT count(*) FROM mc.ingest_batches WHERE received_at >= ${WINDOW})::int AS accepted,
            -- Refusals are counted per (key, reason, source); those seen in the window count once each.
            (SELECT coalesce(sum(1), 0) FROM mc.ingest_rejections WHERE last_seen_at >= ${WINDOW})::int AS refused`,
  );
  return { answeredMs, corridors, telemetry: { runningNodes: nodes.length, reportingNodes: flow.reporting, acceptedBatches: flow.accepted, refusedBatches: flow.refused } };
}

export function computedFor(c: { kind: ComponentKind; corridorId: string | null }, facts: Facts): Computed {
  switch (c.kind) {
    case 'corridor': {
      const f = c.corridorId ? facts.corridors.get(c.corridorId) : undefined;
      return f ? computedCorridor(f.counts, f.incidents) : { state: null, explain: 'Not linked to a corridor: nothing stands behind it.' };
    }
    case 'database':
      return computedDatabase({ answeredMs: facts.answeredMs });
    case 'telemetry':
      return computedTelemetry(facts.telemetry);
    case 'routing':
    case 'runtime':
      return computedUnprobed(c.kind);
  }
}

export function judge(
  c: { kind: ComponentKind; corridorId: string | null; declared: { state: ComponentState; reason: string | null; by: string } | null },
  facts: Facts,
): { computed: Computed; effective: Effective; line: string | null } {
  const computed = computedFor(c, facts);
  return { computed, effective: effectiveState(c.declared?.state ?? null, computed.state), line: c.declared ? declaredLine(c.declared, computed) : null };
}
