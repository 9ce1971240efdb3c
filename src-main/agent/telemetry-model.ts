import { rng } from '../../src-shared/domain/random';
import type { Sample } from '../services/telemetry';

/**
 * What a GPU inference node plausibly reports: utilisation follows the local time of day with a
 * random walk on top; latency, queue, temperature, power and energy follow utilisation; now and
 * then a node has an incident (latency ×3–4, errors of several percent) for a few minutes.
 */
export interface ModelNode {
  id: string;
  longitude: number;
  gpuCount: number;
  gpuMemoryGb: number;
  capacityTokensPerS: number;
}

export interface NodeState {
  util: number;
  incidentUntil: number;
  random: () => number;
}

export function initialState(node: ModelNode, seed: number): NodeState {
  const random = rng(seed);
  return { util: 40 + random() * 30, incidentUntil: 0, random };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function samplesAt(node: ModelNode, s: NodeState, t: number, stepSeconds: number, incidentChance: number): Sample[] {
  const r = s.random;
  const localHour = (((t / 3_600_000 + node.longitude / 15) % 24) + 24) % 24;
  const target = 45 + 35 * Math.sin(((localHour - 8) / 24) * 2 * Math.PI);
  s.util = clamp(s.util + (target - s.util) * 0.08 + (r() - 0.5) * 8, 2, 99);
  if (t > s.incidentUntil && r() < incidentChance) s.incidentUntil = t + (2 + r() * 8) * 60_000;
  const incident = t < s.incidentUntil;
  const util = s.util;
  const p95 = (160 + util * 2.2 + r() * 40) * (incident ? 3.2 + r() : 1);
  const errorRate = incident ? 0.02 + r() * 0.07 : 0.0005 + r() * 0.0025;
  const queue = Math.round(Math.max(0, (util - 60) * 3 + r() * 6) * (incident ? 12 : 1));
  const power = node.gpuCount * (70 + util * 5.8) + r() * 20;
  const ts = new Date(t);
  return [
    { ts, metric: 'gpu_util_pct', value: Math.round(util * 10) / 10 },
    { ts, metric: 'gpu_mem_used_mb', value: Math.round(node.gpuMemoryGb * 1024 * (0.35 + (util / 100) * 0.55)) },
    { ts, metric: 'gpu_temp_c', value: Math.round((38 + util * 0.42 + (incident ? 5 : 0) + r() * 3) * 10) / 10 },
    { ts, metric: 'power_w', value: Math.round(power) },
    { ts, metric: 'energy_wh', value: Math.round(((power * stepSeconds) / 3600) * 100) / 100 },
    { ts, metric: 'tokens_per_s', value: Math.round(node.capacityTokensPerS * (util / 100) * (incident ? 0.55 : 0.9)) },
    { ts, metric: 'p95_latency_ms', value: Math.round(p95) },
    { ts, metric: 'queue_depth', value: queue },
    { ts, metric: 'error_rate', value: Math.round(errorRate * 100_000) / 100_000 },
  ];
}
