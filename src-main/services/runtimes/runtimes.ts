import type { Runtime } from '../../../src-shared/contract/runtimes';
import { recordTokenCounters } from '../usage/counters';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';
import { type ProbeResult, type RuntimeKind, RuntimeError, checkRuntimeUrl, connectRuntime } from '../../runtimes';
import { ownEndpoints } from '../../runtimes/own-endpoints';
import type { Vault } from '../../vault';
import type { AuditDraft, AuditRecord } from '../audit';
import { clientFor, forgetClient } from './clients';

/** The runtime's API key lives in this workstation's keychain under its id; the database only knows whether one is set. */
export const runtimeKeyAccount = (orgId: string, runtimeId: string) => `runtime:${orgId}:${runtimeId}:api-key`;

interface Row {
  id: string;
  node_id: string;
  hostname: string;
  site_name: string;
  corridor_name: string;
  name: string;
  kind: Runtime['kind'];
  base_url: string;
  runtime_group: string;
  api_key_set: boolean;
  version: string | null;
  health: Runtime['health'];
  circuit: Runtime['circuit'];
  last_probe_at: string | null;
  last_error: string | null;
  probe_source: Runtime['probeSource'];
  running_requests: number | null;
  waiting_requests: number | null;
  kv_cache_usage: number | null;
  tokens_per_s: number | null;
  p95_latency_ms: number | null;
  models: Runtime['models'] | null;
  created_at: string;
}

const SELECT = `
  SELECT r.id, r.node_id, n.hostname, s.name AS site_name, c.name AS corridor_name, r.name, r.kind, r.base_url, r.runtime_group,
         r.api_key_set, r.version, r.health, r.circuit, r.last_probe_at, r.last_error, r.probe_source, r.running_requests,
         r.waiting_requests, r.kv_cache_usage, r.tokens_per_s, r.p95_latency_ms, r.created_at,
         (SELECT json_agg(json_build_object('id', m.model_id, 'contextLength', m.context_length, 'quantization', m.quantization, 'loaded', m.loaded) ORDER BY m.model_id)
            FROM mc.runtime_models m WHERE m.org_id = r.org_id AND m.runtime_id = r.id) AS models
    FROM mc.runtimes r
    JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id
    JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
    JOIN mc.corridors c ON c.org_id = s.org_id AND c.id = s.corridor_id`;

function toRuntime(r: Row): Runtime {
  return {
    id: r.id,
    nodeId: r.node_id,
    hostname: r.hostname,
    siteName: r.site_name,
    corridorName: r.corridor_name,
    name: r.name,
    kind: r.kind,
    baseUrl: r.base_url,
    runtimeGroup: r.runtime_group,
    apiKeySet: r.api_key_set,
    version: r.version,
    health: r.health,
    circuit: r.circuit,
    lastProbeAt: r.last_probe_at,
    lastError: r.last_error,
    probeSource: r.probe_source,
    load: { runningRequests: r.running_requests, waitingRequests: r.waiting_requests, kvCacheUsage: r.kv_cache_usage, tokensPerS: r.tokens_per_s, p95LatencyMs: r.p95_latency_ms },
    models: r.models ?? [],
    createdAt: r.created_at,
  };
}

export async function listRuntimes(sql: Sql): Promise<Runtime[]> {
  return (await sql.query<Row>(`${SELECT} ORDER BY c.name, s.name, n.hostname, r.name`)).map(toRuntime);
}

export async function getRuntime(sql: Sql, id: string): Promise<Runtime> {
  const row = await sql.maybeOne<Row>(`${SELECT} WHERE r.id = $1`, [id]);
  if (!row) throw new McError('NOT_FOUND', 'That runtime does not exist in this org.');
  return toRuntime(row);
}

function asMcError(err: unknown): never {
  if (err instanceof RuntimeError) throw new McError(err.fault === 'bad_url' ? 'VALIDATION' : 'UNAVAILABLE', err.message);
  throw err;
}

async function storeModels(sql: Sql, runtimeId: string, probe: ProbeResult): Promise<void> {
  await sql.query('DELETE FROM mc.runtime_models WHERE runtime_id = $1', [runtimeId]);
  if (!probe.models.length) return;
  await sql.query(
    `INSERT INTO mc.runtime_models (org_id, runtime_id, model_id, family, parameter_size, quantization, context_length, loaded)
     SELECT mc.current_org_id(), $1, m.id, m.family, m.parameter_size, m.quantization, m.context_length, m.loaded
       FROM jsonb_to_recordset($2::jsonb) AS m(id text, family text, parameter_size text, quantization text, context_length int, loaded boolean)`,
    [
      runtimeId,
      JSON.stringify(
        probe.models.slice(0, 2000).map((m) => ({ id: m.id, family: m.family, parameter_size: m.parameterSize, quantization: m.quantization, context_length: m.contextLength, loaded: m.loaded })),
      ),
    ],
  );
}

/** Record a probe's result; "degraded" when healthy but saturated (KV cache ≥ 90% or requests queueing). */
export async function recordProbe(sql: Sql, runtimeId: string, probe: ProbeResult, circuit: Runtime['circuit'], source: 'workstation' | 'agent'): Promise<void> {
  const l = probe.load;
  const saturated = (l.kvCacheUsage ?? 0) >= 0.9 || (l.waitingRequests ?? 0) > Math.max(4, l.runningRequests ?? 0);
  await sql.query(
    `UPDATE mc.runtimes SET version = $2, health = $3, circuit = $4, last_probe_at = now(), last_error = NULL, probe_source = $5,
            running_requests = $6, waiting_requests = $7, kv_cache_usage = $8, tokens_per_s = $9, p95_latency_ms = $10
      WHERE id = $1`,
    [runtimeId, probe.version, !probe.healthy ? 'down' : saturated ? 'degraded' : 'healthy', circuit, source, l.runningRequests, l.waitingRequests, l.kvCacheUsage, l.tokensPerS, l.p95LatencyMs],
  );
  await storeModels(sql, runtimeId, probe);
  await recordTokenCounters(sql, runtimeId, probe.tokenCounters);
}

export async function recordProbeFailure(sql: Sql, runtimeId: string, message: string, circuit: Runtime['circuit']): Promise<void> {
  // The models it served last stay listed (they are what it serves when it comes back); the
  // health says it is down, and routing removes it for that.
  await sql.query(`UPDATE mc.runtimes SET health = 'down', circuit = $2, last_probe_at = now(), last_error = $3, probe_source = 'workstation' WHERE id = $1`, [
    runtimeId,
    circuit,
    message.slice(0, 500),
  ]);
}

export async function connect(
  sql: Sql,
  vault: Vault,
  orgId: string,
  input: { nodeId: string; name: string; baseUrl: string; kind: RuntimeKind | null; runtimeGroup: string; apiKey: string | null; operatorId: string },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<Runtime> {
  let baseUrl: string;
  try {
    baseUrl = checkRuntimeUrl(input.baseUrl, ownEndpoints());
  } catch (err) {
    asMcError(err);
  }
  const node = await sql.maybeOne<{ hostname: string; lifecycle: string }>('SELECT hostname, lifecycle FROM mc.nodes WHERE id = $1', [input.nodeId]);
  if (!node) throw new McError('NOT_FOUND', 'That node does not exist in this org.');
  if (node.lifecycle === 'retired') throw new McError('CONFLICT', `${node.hostname} is retired; a runtime cannot be registered on it.`);
  if (await sql.maybeOne('SELECT 1 FROM mc.runtimes WHERE base_url = $1', [baseUrl])) throw new McError('CONFLICT', `A runtime at ${baseUrl} is already registered.`);
  // Probe before anything is written: a runtime that fails its first probe leaves no trace.
  let probe: ProbeResult;
  try {
    probe = await connectRuntime({ baseUrl, apiKey: input.apiKey }, input.kind);
  } catch (err) {
    asMcError(err);
  }
  const row = await sql.one<{ id: string }>(
    `INSERT INTO mc.runtimes (org_id, node_id, name, kind, base_url, runtime_group, api_key_set, created_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [input.nodeId, input.name, probe.kind, baseUrl, input.runtimeGroup, input.apiKey !== null, input.operatorId],
  );
  await recordProbe(sql, row.id, probe, 'closed', 'workstation');
  await audit({
    action: 'runtimes.connected',
    target: { type: 'runtime', id: row.id },
    data: { nodeId: input.nodeId, hostname: node.hostname, kind: probe.kind, version: probe.version, baseUrl, models: probe.models.map((m) => m.id).slice(0, 50), apiKeySet: input.apiKey !== null },
  });
  // The key is written last, after every check passed; the transaction may still roll back, and
  // then the key stays orphaned under an id no runtime has — harmless and never read.
  if (input.apiKey) await vault.set(runtimeKeyAccount(orgId, row.id), input.apiKey);
  return getRuntime(sql, row.id);
}

export async function probeNow(sql: Sql, vault: Vault, orgId: string, runtimeId: string, audit: (d: AuditDraft) => Promise<AuditRecord>): Promise<Runtime> {
  const rt = await getRuntime(sql, runtimeId);
  const apiKey = rt.apiKeySet ? await vault.get(runtimeKeyAccount(orgId, runtimeId)) : null;
  const client = clientFor(runtimeId, rt.kind, { baseUrl: rt.baseUrl, apiKey });
  try {
    const probe = await client.probe();
    await recordProbe(sql, runtimeId, probe, client.circuit(), 'workstation');
    await audit({ action: 'runtimes.probed', target: { type: 'runtime', id: runtimeId }, data: { ok: true, health: probe.healthy ? 'healthy' : 'down', models: probe.models.length } });
  } catch (err) {
    if (!(err instanceof RuntimeError)) throw err;
    await recordProbeFailure(sql, runtimeId, err.message, client.circuit());
    await audit({ action: 'runtimes.probed', target: { type: 'runtime', id: runtimeId }, data: { ok: false, fault: err.fault, circuit: client.circuit() } });
  }
  return getRuntime(sql, runtimeId);
}

export { forgetClient };
