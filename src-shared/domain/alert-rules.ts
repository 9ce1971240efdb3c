import { COMPONENT_STATES, STATE_LABELS } from './component-status';
import { STALE_AFTER_MS } from './node-health';
import { METRIC_BY_NAME, METRIC_NAMES, type MetricName } from './metrics';

/**
 * Alert rules: a threshold over telemetry rollups or component status, held for a while.
 *
 * Each evaluation (every few seconds) turns the latest figures into one number per subject (a
 * node, site, corridor, the whole grid, or a component) and steps that subject's state:
 *
 *   inactive ──true──▶ pending ──true for `for`──▶ firing ──false (after keep_firing_for)──▶ resolved
 *      ▲                  │false                                                         │true
 *      └──────────────────┘                                   pending ◀──────────────────┘
 *
 * A rule with `for` 0 fires on the first true evaluation. The pending start is persisted, so an
 * app restart does not reset the `for` clock. A gap (no figure for a subject) holds the state for
 * up to GAP_TOLERANCE_MS, the same five minutes after which a node counts as silent; after a longer
 * gap nothing is assumed: a pending clock starts again, and a firing alert resolves ("no data").
 */
export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const AGGREGATIONS = ['avg', 'max', 'min', 'sum', 'p50', 'p95', 'p99', 'rate'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const AGGREGATION_LABELS: Record<Aggregation, string> = {
  avg: 'average',
  max: 'maximum',
  min: 'minimum',
  sum: 'sum',
  p50: 'P50',
  p95: 'P95',
  p99: 'P99',
  rate: 'rate per second',
};

export const COMPARISONS = ['>', '>=', '<', '<='] as const;
export type Comparison = (typeof COMPARISONS)[number];

/**
 * Telemetry metrics, the state of status components (ranked 0 operational … 4 major outage), and
 * the org's telemetry dead letters (batches the HTTP door's worker gave up on; whole grid only).
 */
export const ALERT_METRICS = [...METRIC_NAMES, 'component_state', 'dead_letters'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** node/site/corridor/all subjects are telemetry; component subjects are component status. */
export const SCOPE_KINDS = ['node', 'site', 'corridor', 'all', 'component'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

export const SCOPE_LABELS: Record<ScopeKind, string> = {
  node: 'node',
  site: 'site',
  corridor: 'corridor',
  all: 'whole grid',
  component: 'component',
};

/** The window each evaluation reads: the current minute and the one before it. */
export const WINDOW_SECONDS = 60;
export const GAP_TOLERANCE_MS = STALE_AFTER_MS;
export const EVALUATION_INTERVAL_MS = 15_000;

export interface AlertRuleDef {
  name: string;
  metric: AlertMetric;
  aggregation: Aggregation;
  comparison: Comparison;
  threshold: number;
  forSeconds: number;
  keepFiringForSeconds: number;
  severity: AlertSeverity;
  scopeKind: ScopeKind;
  /** One subject (that node, site, corridor or component); null = each subject of the kind. */
  scopeId: string | null;
  /** When it fires, open an incident (and link it) unless one is open for it already. */
  openIncident: boolean;
  incidentSeverity: 'critical' | 'high' | 'medium' | 'low';
}

export interface InstanceState {
  state: AlertState;
  pendingSince: string | null;
  firingSince: string | null;
  resolvedAt: string | null;
  /** The last evaluation whose condition was true (keep_firing_for counts from here). */
  lastTrueAt: string | null;
  /** The last evaluation that had a figure at all (gaps are measured from here). */
  lastObservedAt: string | null;
  lastValue: number | null;
}

export const INITIAL: InstanceState = {
  state: 'inactive',
  pendingSince: null,
  firingSince: null,
  resolvedAt: null,
  lastTrueAt: null,
  lastObservedAt: null,
  lastValue: null,
};

export interface Transition {
  from: AlertState;
  to: AlertState;
  /** Why, in words: "P95 latency 1,240 ms > 1,000 ms for 5 min" or "no data for 7 min". */
  reason: string;
}

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

const ms = (iso: string | null) => (iso ? new Date(iso).getTime() : null);

/**
 * One evaluation of one subject: the previous state and this evaluation's figure (null = no
 * data) give the next state, and the transition if the state changed.
 */
export function step(rule: Pick<AlertRuleDef, 'comparison' | 'threshold' | 'forSeconds' | 'keepFiringForSeconds' | 'metric'>, prev: InstanceState, at: Date, value: number | null): { next: InstanceState; transition: Transition | null } {
  const now = at.getTime();
  const iso = at.toISOString();
  const lastObserved = ms(prev.lastObservedAt);
  const blindFor = lastObserved === null ? Number.POSITIVE_INFINITY : now - lastObserved;
  const move = (next: InstanceState, reason: string) => ({
    next,
    transition: next.state === prev.state ? null : { from: prev.state, to: next.state, reason },
  });

  if (value === null) {
    if (blindFor <= GAP_TOLERANCE_MS) return { next: prev, transition: null };
    const minutes = lastObserved === null ? null : Math.round(blindFor / 60_000);
    const why = minutes === null ? 'no data' : `no data for ${minutes} min`;
    if (prev.state === 'pending') return move({ ...prev, state: 'inactive', pendingSince: null }, why);
    if (prev.state === 'firing') {
      const sinceTrue = ms(prev.lastTrueAt);
      if (sinceTrue !== null && now - sinceTrue < rule.keepFiringForSeconds * 1000) return { next: prev, transition: null };
      return move({ ...prev, state: 'resolved', resolvedAt: iso }, why);
    }
    return { next: prev, transition: null };
  }

  const observed = { ...prev, lastObservedAt: iso, lastValue: value };
  const holds = compare(value, rule.comparison, rule.threshold);
  const figure = `${formatValue(rule.metric, value)} ${rule.comparison} ${formatValue(rule.metric, rule.threshold)}`;

  if (holds) {
    const t = { ...observed, lastTrueAt: iso };
    switch (prev.state) {
      case 'inactive':
      case 'resolved':
        if (rule.forSeconds <= 0) return move({ ...t, state: 'firing', pendingSince: iso, firingSince: iso, resolvedAt: null }, figure);
        return move({ ...t, state: 'pending', pendingSince: iso, firingSince: null, resolvedAt: null }, figure);
      case 'pending': {
        // Blind for longer than the tolerance: whether it held in between is unknown; start again.
        const since = blindFor > GAP_TOLERANCE_MS ? now : (ms(prev.pendingSince) ?? now);
        if (now - since >= rule.forSeconds * 1000) {
          return move({ ...t, state: 'firing', pendingSince: new Date(since).toISOString(), firingSince: iso }, `${figure} for ${durationText(rule.forSeconds)}`);
        }
        return { next: { ...t, pendingSince: new Date(since).toISOString() }, transition: null };
      }
      case 'firing':
        return { next: t, transition: null };
    }
  }

  switch (prev.state) {
    case 'pending':
      return move({ ...observed, state: 'inactive', pendingSince: null }, `${formatValue(rule.metric, value)}: condition cleared before ${durationText(rule.forSeconds)}`);
    case 'firing': {
      const sinceTrue = ms(prev.lastTrueAt);
      if (sinceTrue !== null && now - sinceTrue < rule.keepFiringForSeconds * 1000) return { next: observed, transition: null };
      return move({ ...observed, state: 'resolved', resolvedAt: iso }, `${formatValue(rule.metric, value)}: condition cleared`);
    }
    default:
      return { next: observed, transition: null };
  }
}

/** Linear interpolation between closest ranks, as Postgres percentile_cont does. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A node's figures over the window: what one rollup row per minute adds up to. */
export interface NodeWindow {
  n: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * One subject's figure from its nodes' windows. Per node first (its mean over the window, or its
 * max/min for those aggregations), then across the subject's nodes; `rate` is the sum per second
 * over the window (for counters such as energy_wh). Null when no node reported.
 */
export function aggregate(nodes: readonly NodeWindow[], agg: Aggregation, windowSeconds = WINDOW_SECONDS): number | null {
  const reporting = nodes.filter((w) => w.n > 0);
  if (reporting.length === 0) return null;
  switch (agg) {
    case 'max':
      return Math.max(...reporting.map((w) => w.max));
    case 'min':
      return Math.min(...reporting.map((w) => w.min));
    case 'rate':
      return reporting.reduce((s, w) => s + w.sum, 0) / windowSeconds;
    case 'sum':
      return reporting.reduce((s, w) => s + w.sum / w.n, 0);
    case 'avg':
      return reporting.reduce((s, w) => s + w.sum / w.n, 0) / reporting.length;
    case 'p50':
    case 'p95':
    case 'p99': {
      const sorted = reporting.map((w) => w.sum / w.n).sort((a, b) => a - b);
      return percentile(sorted, Number(agg.slice(1)) / 100);
    }
  }
}

export function durationText(seconds: number): string {
  if (seconds === 0) return '0 s';
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function metricLabel(metric: AlertMetric): string {
  if (metric === 'dead_letters') return 'Telemetry dead letters';
  return metric === 'component_state' ? 'Component state' : (METRIC_BY_NAME.get(metric)?.label ?? metric);
}

export function formatValue(metric: AlertMetric, v: number): string {
  if (metric === 'component_state') return STATE_LABELS[COMPONENT_STATES[Math.max(0, Math.min(4, Math.round(v)))]!].toLowerCase();
  if (metric === 'error_rate') return `${round(v * 100)} %`;
  if (metric === 'dead_letters') return `${Math.round(v).toLocaleString('en')} batch${Math.round(v) === 1 ? '' : 'es'}`;
  const unit = METRIC_BY_NAME.get(metric as MetricName)?.unit ?? '';
  return `${round(v).toLocaleString('en')}${unit ? ` ${unit}` : ''}`;
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
}

/** "P95 latency (P95 across each corridor's nodes) > 1,000 ms for 5 min". */
export function describeRule(r: Pick<AlertRuleDef, 'metric' | 'aggregation' | 'comparison' | 'threshold' | 'forSeconds' | 'scopeKind' | 'scopeId'>, scopeName?: string): string {
  const where =
    r.scopeKind === 'component'
      ? r.scopeId
        ? (scopeName ?? 'one component')
        : 'each component'
      : r.scopeKind === 'all'
        ? 'the whole grid'
        : r.scopeId
          ? (scopeName ?? `one ${r.scopeKind}`)
          : `each ${r.scopeKind}`;
  const agg = r.metric === 'component_state' ? '' : r.metric === 'dead_letters' ? ` (${where})` : ` (${AGGREGATION_LABELS[r.aggregation]}, ${where})`;
  const subject = r.metric === 'component_state' ? ` of ${where}` : agg;
  return `${metricLabel(r.metric)}${subject} ${r.comparison} ${formatValue(r.metric, r.threshold)}${r.forSeconds > 0 ? ` for ${durationText(r.forSeconds)}` : ''}`;
}

/** Problems with a rule, by field; empty when it is usable. */
export function ruleProblems(r: AlertRuleDef): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.name.trim().length < 3) out.name = 'Name the rule (at least 3 characters).';
  const component = r.metric === 'component_state';
  if (component !== (r.scopeKind === 'component')) {
    out.scopeKind = component ? 'Component state is watched per component.' : 'Telemetry is watched per node, site, corridor or the whole grid.';
  }
  if (r.metric === 'dead_letters' && r.scopeKind !== 'all') out.scopeKind = 'Dead letters are counted for the whole grid (the org’s queue), not per node, site or corridor.';
  if (r.scopeKind === 'all' && r.scopeId !== null) out.scopeId = 'The whole grid has no id.';
  if (!Number.isFinite(r.threshold)) out.threshold = 'Give a number.';
  else if (r.metric === 'dead_letters' && r.threshold < 0) out.threshold = 'A count of dead letters is 0 or more.';
  else if (component && (r.threshold < 0 || r.threshold > 4)) out.threshold = 'A component state threshold is a state (0 operational … 4 major outage).';
  else if (!component) {
    const m = METRIC_BY_NAME.get(r.metric);
    if (m && r.aggregation !== 'sum' && r.aggregation !== 'rate' && (r.threshold < m.min || r.threshold > m.max)) {
      out.threshold = `${m.label} is between ${m.min.toLocaleString('en')} and ${m.max.toLocaleString('en')} ${m.unit}; a threshold outside can never be crossed.`;
    }
  }
  if (!Number.isInteger(r.forSeconds) || r.forSeconds < 0 || r.forSeconds > 86_400) out.forSeconds = 'Hold for 0 seconds to 24 hours.';
  if (!Number.isInteger(r.keepFiringForSeconds) || r.keepFiringForSeconds < 0 || r.keepFiringForSeconds > 86_400) {
    out.keepFiringForSeconds = 'Keep firing for 0 seconds to 24 hours.';
  }
  return out;
}

/**
 * The production readme's thresholds, watched per corridor: P95 across a corridor's nodes for
 * latency and queue depth (one slow node is a node problem; a slow corridor is an incident), the
 * corridor's average error rate. Criticals open an incident.
 */
export const DEFAULT_RULES: readonly AlertRuleDef[] = [
  rule('P95 latency critical', 'p95_latency_ms', 'p95', 1000, 5, 'critical'),
  rule('Error rate critical', 'error_rate', 'avg', 0.05, 5, 'critical'),
  rule('Queue depth critical', 'queue_depth', 'p95', 5000, 10, 'critical'),
  rule('P95 latency warning', 'p95_latency_ms', 'p95', 500, 10, 'warning'),
  rule('Error rate warning', 'error_rate', 'avg', 0.01, 10, 'warning'),
  rule('Queue depth warning', 'queue_depth', 'p95', 1000, 15, 'warning'),
  // The seed's "DLQ size > 50" warning: batches the grid acknowledged and could not write.
  {
    name: 'Dead letters warning',
    metric: 'dead_letters',
    aggregation: 'max',
    comparison: '>',
    threshold: 50,
    forSeconds: 0,
    keepFiringForSeconds: 0,
    severity: 'warning',
    scopeKind: 'all',
    scopeId: null,
    openIncident: false,
    incidentSeverity: 'critical',
  },
];

function rule(name: string, metric: MetricName, aggregation: Aggregation, threshold: number, forMinutes: number, severity: AlertSeverity): AlertRuleDef {
  return {
    name,
    metric,
    aggregation,
    comparison: '>',
    threshold,
    forSeconds: forMinutes * 60,
    keepFiringForSeconds: 120,
    severity,
    scopeKind: 'corridor',
    scopeId: null,
    openIncident: severity === 'critical',
    incidentSeverity: 'critical',
  };
}
