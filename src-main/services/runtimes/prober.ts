/**
 * The prober: keeps every runtime's health, circuit, load and model list current, and writes
 * what it saw so that other workstations see it too. HTTP calls happen outside any database
 * transaction (a slow runtime must not hold a connection); results are written afterwards.
 * Observations, like telemetry, are not audited; a manual "Probe now" is.
 */
import type { Runtime } from '../../../src-shared/contract/runtimes';
import type { Sql } from '../../db';
import { type ProbeResult, RuntimeError } from '../../runtimes';
import type { Vault } from '../../vault';
import { clientFor } from './clients';
import { recordProbe, recordProbeFailure, runtimeKeyAccount } from './runtimes';

export const PROBE_EVERY_MS = 60_000;
export const PROBES_PER_ROUND = 50;
const CONCURRENCY = 4;

export interface Due {
  id: string;
  kind: Runtime['kind'];
  baseUrl: string;
  apiKeySet: boolean;
}

export type ProbeOutcome = { id: string; circuit: Runtime['circuit'] } & ({ ok: true; probe: ProbeResult } | { ok: false; message: string });

export async function dueRuntimes(sql: Sql, now: Date): Promise<Due[]> {
  return (
    await sql.query<{ id: string; kind: Runtime['kind']; base_url: string; api_key_set: boolean }>(
      `SELECT id, kind, base_url, api_key_set FROM mc.runtimes
        WHERE enabled AND (last_probe_at IS NULL OR last_probe_at < $1::timestamptz - make_interval(secs => $2::int / 1000.0))
        ORDER BY last_probe_at NULLS FIRST LIMIT $3`,
      [now.toISOString(), PROBE_EVERY_MS, PROBES_PER_ROUND],
    )
  ).map((r) => ({ id: r.id, kind: r.kind, baseUrl: r.base_url, apiKeySet: r.api_key_set }));
}

export async function probeRuntimes(due: readonly Due[], vault: Vault, orgId: string): Promise<ProbeOutcome[]> {
  const out: ProbeOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const d = due[next++] as Due;
      const apiKey = d.apiKeySet ? await vault.get(runtimeKeyAccount(orgId, d.id)).catch(() => null) : null;
      const client = clientFor(d.id, d.kind, { baseUrl: d.baseUrl, apiKey });
      try {
        out.push({ id: d.id, ok: true, probe: await client.probe(), circuit: client.circuit() });
      } catch (err) {
        out.push({ id: d.id, ok: false, message: err instanceof RuntimeError ? err.message : 'The probe failed unexpectedly.', circuit: client.circuit() });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
  return out;
}

export async function recordOutcomes(sql: Sql, outcomes: readonly ProbeOutcome[]): Promise<void> {
  for (const o of outcomes) {
    if (o.ok) await recordProbe(sql, o.id, o.probe, o.circuit, 'workstation');
    else await recordProbeFailure(sql, o.id, o.message, o.circuit);
  }
}
