import type { Sql } from '../../db';

/** A runtime's cumulative token counters as one probe read them (vLLM's /metrics). */
export interface TokenCounters {
  promptTokensTotal: number | null;
  generationTokensTotal: number | null;
}

/**
 * Keep one probe's counters, so a reconciliation can take their delta over any window; and drop
 * that runtime's samples past the 90 days they are kept (docs/retention.md), in the same write.
 */
export async function recordTokenCounters(sql: Sql, runtimeId: string, c: TokenCounters | null | undefined): Promise<void> {
  if (!c || (c.promptTokensTotal === null && c.generationTokensTotal === null)) return;
  const whole = (n: number | null) => (n === null || !Number.isFinite(n) || n < 0 ? null : Math.round(n));
  const prompt = whole(c.promptTokensTotal);
  const generation = whole(c.generationTokensTotal);
  if (prompt === null && generation === null) return;
  await sql.query(
    `INSERT INTO mc.runtime_token_counters (org_id, runtime_id, prompt_tokens_total, generation_tokens_total) VALUES (mc.current_org_id(), $1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [runtimeId, prompt, generation],
  );
  await sql.query(`DELETE FROM mc.runtime_token_counters WHERE runtime_id = $1 AND observed_at < now() - interval '90 days'`, [runtimeId]);
}
