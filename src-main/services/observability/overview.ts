import type { CorridorFigures, ScoreName } from '../../../src-shared/contract/observability';
import { HEALTH_LABELS, HEALTH_STATES, type Health } from '../../../src-shared/domain/node-health';
import { energyScore, healthScore, isRoutable, ROUTABLE_QUEUE_LIMIT, routingScore, type Score, securityScore } from '../../../src-shared/domain/scores';
import { corridorHealth as corridorHealthOf, corridorHealthLabel, corridorSignals } from '../../../src-shared/domain/corridor-health';
import type { Sql } from '../../db';
import { networkOverlay } from '../network';
import { opsSettings } from '../org';
import { windowFigures, type WindowFigures } from './figures';
import { type ScoredNode, SECURITY_STALE_DAYS, scoredNodes } from './nodes';

function scoresOf(nodes: readonly ScoredNode[], figures: WindowFigures | undefined, target: number) {
  const byHealth = Object.fromEntries(HEALTH_STATES.map((h) => [h, 0])) as Record<Health, number>;
  for (const n of nodes) byHealth[n.health] += 1;
  return {
    byHealth,
    scores: {
      health: healthScore(byHealth),
      routing: routingScore(nodes.map((n) => ({ lifecycle: n.lifecycle, health: n.health, queueDepth: n.queueDepth, capacityTokensPerS: n.capacityTokensPerS }))),
      energy: energyScore(figures?.whPer1kTokens ?? null, target),
      security: securityScore({
        runningNodes: nodes.length,
        nodesWithValidKey: nodes.filter((n) => n.validKeys > 0).length,
        validKeys: nodes.reduce((s, n) => s + n.validKeys, 0),
        staleKeys: nodes.reduce((s, n) => s + n.staleKeys, 0),
        nodesPresentingRefusedKeys: nodes.filter((n) => n.presentsRefusedKey).length,
      }),
    },
  };
}

function figuresOf(corridorId: string | null, name: string, nodes: readonly ScoredNode[], f: WindowFigures | undefined, target: number): CorridorFigures {
  const { byHealth, scores } = scoresOf(nodes, f, target);
  const plain = (s: Score) => ({ value: s.value, explain: s.explain });
  return {
    corridorId,
    name,
    scores: { health: plain(scores.health), routing: plain(scores.routing), energy: plain(scores.energy), security: plain(scores.security) },
    nodes: { running: nodes.length, byHealth },
    latency: f?.latency ?? null,
    errorRate: f?.errorRate ?? null,
    queueSum: f?.queueSum ?? null,
    queueP95: f?.queueP95 ?? null,
    tokensPerS: f?.tokensPerS ?? null,
    whPer1kTokens: f?.whPer1kTokens ?? null,
    figuresUntil: f?.until ?? null,
  };
}

export async function observabilityOverview(sql: Sql, now: Date) {
  const { energyTargetWhPer1k } = await opsSettings(sql);
  const nodes = await scoredNodes(sql, null, now.getTime());
  const figures = await windowFigures(sql, now);
  const corridors = await sql.query<{ id: string; name: string }>('SELECT id, name FROM mc.corridors ORDER BY name');
  return {
    at: now.toISOString(),
    energyTargetWhPer1k,
    overall: figuresOf(null, 'Whole grid', nodes, figures.find((f) => f.corridorId === null), energyTargetWhPer1k),
    corridors: corridors.map((c) =>
      figuresOf(c.id, c.name, nodes.filter((n) => n.corridorId === c.id), figures.find((f) => f.corridorId === c.id), energyTargetWhPer1k),
    ),
  };
}

/**
 * Corridor health for /operator, by the one corridor definition (src-shared/domain/corridor-health):
 * telemetry by share, open incidents on the corridor, and the declared /status state, which wins
 * over a better-looking score.
 */
export async function corridorHealth(sql: Sql, now: Date) {
  const nodes = await scoredNodes(sql, null, now.getTime());
  const corridors = await sql.query<{ id: string; name: string; readiness: string }>('SELECT id, name, readiness FROM mc.corridors ORDER BY name');
  const signals = corridorSignals((await networkOverlay(sql)).corridors);
  return corridors.map((c) => {
    const mine = nodes.filter((n) => n.corridorId === c.id);
    const { byHealth } = scoresOf(mine, undefined, 1);
    const h = corridorHealthOf({ counts: byHealth, ...signals.get(c.id) });
    return {
      corridorId: c.id,
      name: c.name,
      score: h.score,
      health: h.health,
      basis: h.basis,
      declared: h.declared,
      label: corridorHealthLabel(h),
      explain: h.explain,
      running: h.running,
      critical: h.critical,
      readiness: c.readiness,
    };
  });
}

const fmt = (v: number | null, unit: string, digits = 0) => (v === null ? '—' : `${v.toLocaleString('en', { maximumFractionDigits: digits })} ${unit}`);

/** The nodes that pull a score down, worst first, each with the reason in words. */
export async function drilldown(sql: Sql, corridorId: string | null, score: ScoreName, limit: number, now: Date) {
  const { energyTargetWhPer1k } = await opsSettings(sql);
  const nodes = await scoredNodes(sql, corridorId, now.getTime());
  const figures = await windowFigures(sql, now);
  const scoreOf = scoresOf(nodes, figures.find((f) => f.corridorId === corridorId), energyTargetWhPer1k).scores[score];
  const row = (n: ScoredNode, finding: string, value: number | null) => ({ nodeId: n.id, hostname: n.hostname, site: n.site, corridor: n.corridor, finding, value });
  let rows: ReturnType<typeof row>[] = [];
  if (score === 'health') {
    const rank: Record<Health, number> = { critical: 0, stale: 1, unknown: 2, warning: 3, healthy: 4 };
    rows = nodes
      .filter((n) => n.health !== 'healthy')
      .sort((a, b) => rank[a.health] - rank[b.health] || a.hostname.localeCompare(b.hostname))
      .map((n) =>
        row(
          n,
          n.health === 'stale' || n.health === 'unknown'
            ? HEALTH_LABELS[n.health] + (n.seenAt ? ` since ${n.seenAt.slice(11, 16)} UTC` : '')
            : `${HEALTH_LABELS[n.health]}: P95 ${fmt(n.p95LatencyMs, 'ms')}, errors ${fmt(n.errorRate === null ? null : n.errorRate * 100, '%', 2)}, GPU ${fmt(n.gpuTempC, '°C', 1)}`,
          n.p95LatencyMs,
        ),
      );
  } else if (score === 'routing') {
    rows = nodes
      .filter((n) => !isRoutable({ lifecycle: n.lifecycle, health: n.health, queueDepth: n.queueDepth, capacityTokensPerS: n.capacityTokensPerS }))
      .sort((a, b) => b.capacityTokensPerS - a.capacityTokensPerS)
      .map((n) => {
        const why =
          n.lifecycle === 'draining'
            ? 'Draining'
            : n.health === 'critical' || n.health === 'stale' || n.health === 'unknown'
              ? HEALTH_LABELS[n.health]
              : `Queue ${fmt(n.queueDepth, 'requests')} (limit ${ROUTABLE_QUEUE_LIMIT.toLocaleString('en')})`;
        return row(n, `${why}: ${n.capacityTokensPerS.toLocaleString('en')} tok/s out of routing`, n.capacityTokensPerS);
      });
  } else if (score === 'energy') {
    const perNode = await sql.query<{ node_id: string; wh_per_1k: number }>(
      `SELECT r.node_id, sum(r.sum) FILTER (WHERE r.metric = 5) / nullif(sum(r.sum / r.n * 60) FILTER (WHERE r.metric = 6), 0) * 1000 AS wh_per_1k
         FROM mc.telemetry_rollups_1m r
        WHERE r.org_id = mc.current_org_id() AND r.metric IN (5, 6) AND r.minute >= $1 AND r.minute < $2
        GROUP BY r.node_id`,
      [new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 5 * 60_000).toISOString(), new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString()],
    );
    const wh = new Map(perNode.map((p) => [p.node_id, p.wh_per_1k]));
    rows = nodes
      .filter((n) => (wh.get(n.id) ?? 0) > energyTargetWhPer1k)
      .sort((a, b) => wh.get(b.id)! - wh.get(a.id)!)
      .map((n) => row(n, `${fmt(wh.get(n.id)!, 'Wh', 3)} per 1,000 tokens (target ${energyTargetWhPer1k})`, wh.get(n.id)!));
  } else {
    rows = nodes
      .filter((n) => n.validKeys === 0 || n.staleKeys > 0 || n.presentsRefusedKey)
      .map((n) =>
        row(
          n,
          [
            n.validKeys === 0 ? 'no valid key' : null,
            n.staleKeys > 0 ? `${n.staleKeys} key${n.staleKeys === 1 ? '' : 's'} unused for ${SECURITY_STALE_DAYS} days` : null,
            n.presentsRefusedKey ? 'presented a revoked, expired or rotated-out key in 24 h' : null,
          ]
            .filter(Boolean)
            .join('; '),
          null,
        ),
      );
  }
  return { score: { value: scoreOf.value, explain: scoreOf.explain }, rows: rows.slice(0, limit), total: rows.length };
}
