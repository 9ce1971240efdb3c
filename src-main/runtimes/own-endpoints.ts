/**
 * The addresses this process listens on (browser host, gateway), registered by whoever opens
 * them, so that a runtime can never be registered at the app's own address.
 */
const listening = new Set<string>();

export function registerOwnEndpoint(hostPort: string): () => void {
  listening.add(hostPort);
  return () => listening.delete(hostPort);
}

export function ownEndpoints(): { listening: string[] } {
  return { listening: [...listening] };
}
