/**
 * What a runtime's base URL may be: http(s) only, no credentials in it, and never this app's own
 * host (the browser host or the gateway), which would let a "runtime" call back into the app.
 */
import { RuntimeError } from './errors';

export interface OwnEndpoints {
  /** host:port pairs this process listens on (browser host, gateway). */
  listening: readonly string[];
}

export function checkRuntimeUrl(raw: string, own: OwnEndpoints = { listening: [] }): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new RuntimeError('bad_url', 'The runtime address is not a URL; write it like http://10.0.0.5:8000.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RuntimeError('bad_url', `A runtime is reached over http or https, not ${url.protocol.replace(':', '')}.`);
  if (url.username || url.password) throw new RuntimeError('bad_url', 'Put no user name or password in the address; set the API key separately (it is kept in the keychain).');
  if (url.search || url.hash) throw new RuntimeError('bad_url', 'Give the runtime’s base address without a query or fragment.');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  for (const own1 of own.listening) {
    const [h, p] = splitHostPort(own1);
    const ownLoop = h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '0.0.0.0' || h === '::';
    if (p === port && (h === host || (loopback && ownLoop))) throw new RuntimeError('bad_url', 'That address is this app’s own host, not a model runtime.');
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function splitHostPort(s: string): [string, string] {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i).replace(/^\[|\]$/g, '').toLowerCase(), s.slice(i + 1)];
}
