/**
 * One client per runtime per process, so that its circuit breaker remembers failures across
 * probes. Recreated when the runtime's address, kind or key changes.
 */
import { type RuntimeEndpoint, type RuntimeKind, createRuntimeClient } from '../../runtimes';

type Client = ReturnType<typeof createRuntimeClient>;
const clients = new Map<string, { key: string; client: Client }>();

export function clientFor(runtimeId: string, kind: RuntimeKind, ep: RuntimeEndpoint): Client {
  const key = `${kind}|${ep.baseUrl}|${ep.apiKey ?? ''}`;
  const hit = clients.get(runtimeId);
  if (hit && hit.key === key) return hit.client;
  const client = createRuntimeClient(kind, ep);
  clients.set(runtimeId, { key, client });
  return client;
}

export function forgetClient(runtimeId: string): void {
  clients.delete(runtimeId);
}
