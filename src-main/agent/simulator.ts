import { randomUUID } from 'node:crypto';
import type { IngestOutcome } from '../../src-shared/contract/telemetry';
import { generateNodeKey } from '../services/keys';
import type { Batch } from '../services/telemetry';
import { initialState, type ModelNode, type NodeState, samplesAt } from './telemetry-model';

export interface SimNode extends ModelNode {
  hostname: string;
  key: string;
}

export interface SimOptions {
  /** Sample sets (one value of every metric) per second per node. */
  rate: number;
  /** How often each node sends its batch. */
  batchSeconds: number;
  /** Share of batches sent with a key nobody issued (an agent misconfigured, or an attacker). */
  badKeyRate: number;
  /** Share of batches carrying one impossible value (a broken sensor): the whole batch is refused. */
  badSampleRate: number;
  /** Chance per sample set that a node starts an incident. */
  incidentChance: number;
  agent: string;
  /** Batches in flight at once; the rest wait, so a slow database slows the agent, not the app. */
  maxInFlight: number;
  seed: number;
}

export const DEFAULT_SIM: SimOptions = {
  rate: 0.1,
  batchSeconds: 30,
  badKeyRate: 0.005,
  badSampleRate: 0.002,
  incidentChance: 0.0004,
  agent: 'mission-control simulator',
  maxInFlight: 4,
  seed: 7,
};

export type Sink = (batch: Batch) => Promise<IngestOutcome>;

/** After this many refusals of its own key in a row, a node's agent stops (its key must be replaced). */
export const MAX_KEY_REFUSALS = 3;

export interface SimStats {
  batches: number;
  samples: number;
  accepted: number;
  duplicate: number;
  rejected: Record<string, number>;
  failed: number;
}

/**
 * A fleet of node agents in one process: each node sends its own batch with its own key through
 * the real ingest function, staggered across the batch period.
 */
export class Simulator {
  readonly stats: SimStats = { batches: 0, samples: 0, accepted: 0, duplicate: 0, rejected: {}, failed: 0 };
  private readonly states: NodeState[];
  private readonly due: number[];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly opts: SimOptions;
  private stopped = false;
  private pumpRounds = 0;
  private readonly random: () => number;
  /** Consecutive refusals of each node's key; a real agent stops trying a key that keeps failing. */
  private readonly keyRefusals: number[];
  /** Pause before re-sending a batch whose call failed. */
  retryDelayMs = 1000;

  constructor(
    private readonly nodes: SimNode[],
    private readonly sink: Sink,
    opts: Partial<SimOptions> = {},
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.opts = { ...DEFAULT_SIM, ...opts };
    this.states = nodes.map((n, i) => initialState(n, this.opts.seed * 100_003 + i));
    const period = this.opts.batchSeconds * 1000;
    const now = Date.now();
    this.due = nodes.map((_, i) => now + (period * i) / Math.max(1, nodes.length));
    this.keyRefusals = nodes.map(() => 0);
    let a = this.opts.seed;
    this.random = () => ((a = (a * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  }

  start(): void {
    this.timer = setInterval(() => this.pump(), 50);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** One batch for node i now (used by the pump, and by tests to drive it step by step). */
  batchFor(i: number, now: number): Batch {
    const node = this.nodes[i]!;
    const points = Math.max(1, Math.round(this.opts.rate * this.opts.batchSeconds));
    const step = this.opts.batchSeconds / points;
    const samples = [];
    for (let p = points - 1; p >= 0; p--) samples.push(...samplesAt(node, this.states[i]!, now - p * step * 1000, step, this.opts.incidentChance));
    if (this.random() < this.opts.badSampleRate) samples[0] = { ...samples[0]!, metric: 'gpu_util_pct', value: 140 };
    const key = this.random() < this.opts.badKeyRate ? generateNodeKey().secret : node.key;
    return { key, batchId: randomUUID(), samples, agent: `${this.opts.agent} (${node.hostname})` };
  }

  async sendOne(i: number, now = Date.now()): Promise<IngestOutcome> {
    const batch = this.batchFor(i, now);
    this.stats.batches++;
    this.stats.samples += batch.samples.length;
    let out: IngestOutcome;
    let retried = false;
    try {
      out = await this.sink(batch);
    } catch (err) {
      // Given up by the sink itself (its spool dropped it, or it is stopping): not sent again.
      if ((err as { final?: boolean }).final) throw err;
      // Timeout or lost connection: send the same batch again, as an agent should; the batch id
      // makes it count once however many tries reach the database.
      retried = true;
      await new Promise((r) => setTimeout(r, this.retryDelayMs));
      out = await this.sink(batch);
    }
    // "Duplicate" on a retry means the first try did land: those samples are accepted, once.
    if (out.status === 'accepted' || (retried && out.status === 'duplicate')) this.stats.accepted += out.accepted ?? 0;
    else if (out.status === 'duplicate') this.stats.duplicate++;
    else this.stats.rejected[out.code ?? 'unknown'] = (this.stats.rejected[out.code ?? 'unknown'] ?? 0) + 1;
    if (batch.key === this.nodes[i]!.key) {
      const refused = out.status === 'rejected' && ['key_revoked', 'key_expired', 'key_rotated_out', 'key_invalid', 'node_retired'].includes(out.code ?? '');
      this.keyRefusals[i] = refused ? this.keyRefusals[i]! + 1 : 0;
    }
    return out;
  }

  /** The nodes this simulator sends for. */
  get nodeIds(): string[] {
    return this.nodes.map((n) => n.id);
  }

  /** A node's agent got its new key (a rotation delivered it): it uses it from its next batch, and tries again if it had given up. */
  setKey(nodeId: string, key: string): boolean {
    const i = this.nodes.findIndex((n) => n.id === nodeId);
    if (i < 0) return false;
    this.nodes[i] = { ...this.nodes[i]!, key };
    this.keyRefusals[i] = 0;
    return true;
  }

  /** Nodes whose agent gave up: three refusals of its own key in a row. */
  get silenced(): number {
    return this.keyRefusals.filter((n) => n >= MAX_KEY_REFUSALS).length;
  }

  /**
   * History for nodes that just appeared: `minutes` of past sample sets, one per minute, sent as
   * one batch per node through the same sink (so through the real ingest path).
   */
  async backfill(minutes: number, now = Date.now()): Promise<void> {
    for (let i = 0; i < this.nodes.length && !this.stopped; i++) {
      const node = this.nodes[i]!;
      const samples = [];
      for (let m = minutes; m >= 1; m--) samples.push(...samplesAt(node, this.states[i]!, now - m * 60_000, 60, this.opts.incidentChance));
      this.inFlight++;
      try {
        const out = await this.sink({ key: node.key, batchId: randomUUID(), samples, agent: `${this.opts.agent} backfill (${node.hostname})` });
        if (out.status === 'accepted') this.stats.accepted += out.accepted ?? 0;
      } finally {
        this.inFlight--;
      }
    }
  }

  /** Rounds of the pump so far (tests wait on it to know the pump had its chance). */
  get rounds(): number {
    return this.pumpRounds;
  }

  private pump(): void {
    this.pumpRounds++;
    const now = Date.now();
    const period = this.opts.batchSeconds * 1000;
    for (let i = 0; i < this.nodes.length && this.inFlight < this.opts.maxInFlight && !this.stopped; i++) {
      if (this.due[i]! > now || this.keyRefusals[i]! >= MAX_KEY_REFUSALS) continue;
      this.due[i] = Math.max(this.due[i]! + period, now);
      this.inFlight++;
      this.sendOne(i, now)
        .catch((err: Error) => {
          this.stats.failed++;
          this.onError(err);
        })
        .finally(() => this.inFlight--);
    }
  }
}
