/**
 * Per-org token buckets: each org may send `perSecond` batches a second, with bursts up to
 * `burst`. Held in memory per door process (each process enforces its own share). Orgs are
 * learned from the door's own answers (key hash → org), so a limit applies from an agent's second
 * batch on; the map of keys is bounded so a flood of keys cannot grow it without end.
 */
export class OrgRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly orgOfKey = new Map<string, string>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 200_000,
  ) {}

  learn(keyHashHex: string, orgId: string): void {
    if (this.orgOfKey.get(keyHashHex) === orgId) return;
    if (this.orgOfKey.size >= this.maxKeys) this.orgOfKey.delete(this.orgOfKey.keys().next().value!);
    this.orgOfKey.set(keyHashHex, orgId);
  }

  /** Seconds to wait before this key's org may send again, or 0 when it may send now (one token taken). */
  take(keyHashHex: string, now = Date.now()): number {
    const org = this.orgOfKey.get(keyHashHex);
    if (!org) return 0;
    const b = this.buckets.get(org) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(org, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }
}
