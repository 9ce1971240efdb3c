import type { McBridge } from '../../src-shared/contract/bridge';
import { type TransportState, WsBridge } from './ws-bridge';

declare global {
  interface Window {
    mc?: McBridge;
  }
}

export interface Transport {
  bridge: McBridge;
  kind: 'electron' | 'browser';
  state(): TransportState;
  onState(listener: (s: TransportState, reconnected: boolean) => void): () => void;
}

function browserTransport(): Transport {
  // The token arrives once in the URL; the host also set an HttpOnly cookie, so the address bar
  // can drop it (no token in screenshots or history) and a reload still works.
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (token) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const ws = new WsBridge(url);
  return { bridge: ws, kind: 'browser', state: () => ws.state, onState: (l) => ws.onState(l) };
}

function electronTransport(mc: McBridge): Transport {
  return { bridge: mc, kind: 'electron', state: () => 'open', onState: () => () => undefined };
}

export const transport: Transport = window.mc ? electronTransport(window.mc) : browserTransport();
