import type { Health } from './node-health';

/**
 * The four scores of /observability, 0–100, for a corridor or the whole grid. Each is a plain
 * ratio of figures the operator can see in the drill-down; docs/observability.md states them.
 * A score is null when there is nothing to score (no running nodes, no tokens served).
 */
/** Below this a score is shown as poor (red) on /observability, and daily item 2's live check says no. */
export const SCORE_POOR_BELOW = 70;

export interface Score {
  value: number | null;
  /** The formula with this corridor's figures filled in. */
  explain: string;
}

const pct = (v: number) => Math.round(v * 1000) / 10;

/**
 * Health: running nodes (active or draining) weighted by their health — healthy 1, warning ½,
 * critical, silent or never reported 0.
 */
export function healthScore(counts: Record<Health, number>): Score {
  const total = counts.healthy + counts.warning + counts.critical + counts.stale + counts.unknown;
  if (total === 0) return { value: null, explain: 'No running nodes.' };
  const v = (counts.healthy + 0.5 * counts.warning) / total;
  return { value: pct(v), explain: `(${counts.healthy} healthy + ½ × ${counts.warning} warning) ÷ ${total} running nodes` };
}

export interface RoutingNode {
  lifecycle: 'active' | 'draining';
  health: Health;
  queueDepth: number | null;
  capacityTokensPerS: number;
}

/** A node a router could send new work to now: active, healthy or warning, queue under the warning line. */
export const ROUTABLE_QUEUE_LIMIT = 1000;

export function isRoutable(n: RoutingNode): boolean {
  return n.lifecycle === 'active' && (n.health === 'healthy' || n.health === 'warning') && (n.queueDepth ?? 0) < ROUTABLE_QUEUE_LIMIT;
}

/** Routing: the share of running capacity (tokens/s) that is routable now. */
export function routingScore(nodes: readonly RoutingNode[]): Score & { routableTokensPerS: number; totalTokensPerS: number } {
  const total = nodes.reduce((s, n) => s + n.capacityTokensPerS, 0);
  const routable = nodes.filter(isRoutable).reduce((s, n) => s + n.capacityTokensPerS, 0);
  if (total === 0) return { value: null, explain: 'No running capacity.', routableTokensPerS: 0, totalTokensPerS: 0 };
  return {
    value: pct(routable / total),
    explain: `${routable.toLocaleString('en')} routable tok/s ÷ ${total.toLocaleString('en')} running tok/s`,
    routableTokensPerS: routable,
    totalTokensPerS: total,
  };
}

/**
 * Energy: the org's target energy per 1,000 tokens over what was spent: 100 at or under target,
 * 50 at twice the target.
 */
export function energyScore(whPer1kTokens: number | null, targetWhPer1k: number): Score {
  if (whPer1kTokens === null || !Number.isFinite(whPer1kTokens)) return { value: null, explain: 'No tokens served in the window.' };
  if (whPer1kTokens <= 0) return { value: 100, explain: 'No energy reported for the tokens served.' };
  return {
    value: pct(Math.min(1, targetWhPer1k / whPer1kTokens)),
    explain: `target ${targetWhPer1k} Wh ÷ ${round3(whPer1kTokens)} Wh per 1,000 tokens (capped at 100)`,
  };
}

export interface SecurityInputs {
  runningNodes: number;
  nodesWithValidKey: number;
  validKeys: number;
  staleKeys: number;
  /** Running nodes whose revoked, expired or rotated-out key was presented in the last 24 hours. */
  nodesPresentingRefusedKeys: number;
}

/**
 * Security: the mean of three shares — running nodes with a valid key, valid keys in use (not
 * stale), and running nodes not presenting a refused key.
 */
export function securityScore(s: SecurityInputs): Score {
  if (s.runningNodes === 0) return { value: null, explain: 'No running nodes.' };
  const keyed = s.nodesWithValidKey / s.runningNodes;
  const fresh = s.validKeys === 0 ? 0 : (s.validKeys - s.staleKeys) / s.validKeys;
  const clean = (s.runningNodes - s.nodesPresentingRefusedKeys) / s.runningNodes;
  return {
    value: pct((keyed + fresh + clean) / 3),
    explain: `mean of ${s.nodesWithValidKey}/${s.runningNodes} nodes keyed, ${s.validKeys - s.staleKeys}/${s.validKeys} keys in use, ${s.runningNodes - s.nodesPresentingRefusedKeys}/${s.runningNodes} nodes without refused keys`,
  };
}

function round3(v: number): string {
  return (Math.round(v * 1000) / 1000).toString();
}

/** Org setting default: what a well-run H100-class node achieves at mid utilisation. */
export const DEFAULT_ENERGY_TARGET_WH_PER_1K = 0.1;
