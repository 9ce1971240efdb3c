/// <reference path="./parse-prometheus-text-format.d.ts" />
/** Prometheus text, read with a maintained parser; helpers that tolerate renamed metrics across runtime versions. */
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { RuntimeError } from './errors';

export type Families = Map<string, PromFamily>;

export function parseMetrics(text: string): Families {
  let fams: PromFamily[];
  try {
    fams = parsePrometheusTextFormat(text);
  } catch (err) {
    throw new RuntimeError('malformed', `/metrics is not Prometheus text (${(err as Error).message.slice(0, 120)}).`);
  }
  return new Map(fams.map((f) => [f.name, f]));
}

/** The first of `names` present (newer name first), summed over its label sets. */
export function gauge(f: Families, ...names: string[]): number | null {
  for (const n of names) {
    const fam = f.get(n);
    if (!fam) continue;
    let sum = 0;
    let any = false;
    for (const m of fam.metrics) {
      const v = Number(m.value);
      if (Number.isFinite(v)) {
        sum += v;
        any = true;
      }
    }
    if (any) return sum;
  }
  return null;
}

/** Cumulative histogram buckets summed over label sets: upper bound → count. */
export function histogram(f: Families, ...names: string[]): Map<number, number> | null {
  for (const n of names) {
    const fam = f.get(n);
    if (!fam || fam.type !== 'HISTOGRAM') continue;
    const out = new Map<number, number>();
    for (const m of fam.metrics) {
      for (const [le, c] of Object.entries(m.buckets ?? {})) {
        const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
        out.set(bound, (out.get(bound) ?? 0) + Number(c));
      }
    }
    if (out.size) return out;
  }
  return null;
}

/** The q-quantile of a cumulative histogram (optionally minus an earlier scrape), linearly interpolated, in the histogram's unit. */
export function quantile(now: Map<number, number>, q: number, before?: Map<number, number> | null): number | null {
  const bounds = [...now.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (now.get(b) ?? 0) - (before?.get(b) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (!(total > 0) || counts.some((c) => c < 0)) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    const b = bounds[i] as number;
    const c = counts[i] as number;
    if (c >= rank) {
      if (!Number.isFinite(b)) return prevBound;
      const span = c - prevCount;
      return span > 0 ? prevBound + ((b - prevBound) * (rank - prevCount)) / span : b;
    }
    prevBound = b;
    prevCount = c;
  }
  return null;
}
