import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One benchmark's figure, always next to a baseline measured in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  baselineName: string;
  /** value / baseline */
  ratio: number;
  /** Which direction of the ratio is good. */
  better: 'higher' | 'lower';
  /** The ratio the issue asks for, or null where it sets none. */
  target: number | null;
  at: string;
  params: Record<string, unknown>;
}

export interface Bench {
  name: string;
  summary: string;
  /** One result, or several when one setup measures more than one thing. */
  run(): Promise<BenchResult | BenchResult[]>;
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function result(r: Omit<BenchResult, 'ratio' | 'at'>): BenchResult {
  return { ...r, ratio: round(r.value / r.baseline, 4), at: new Date().toISOString() };
}

export function write(r: BenchResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${r.name}.json`);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** Milliseconds since t0 (from performance.now()). */
export function since(t0: number): number {
  return performance.now() - t0;
}
