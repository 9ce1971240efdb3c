import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppCore } from '../core/app-core';
import { rendererDir } from '../core/paths';
import { cookieName, cookieToken, hostAllowed, newToken, originAllowed, sameToken } from './token';
import { resolveStatic, sendFile, sendJson, sendText } from './static-files';
import { type TransportStats, type UnreadLimits, WsTransport } from './ws-transport';
import { registerOwnEndpoint } from '../runtimes/own-endpoints';
import type { CallContext } from '../ipc';
import { AUTH_CALLBACK_PATH, CallbackRate, handleAuthCallback } from './auth-callback';
import { BUNDLE_FILE, evidenceDir } from '../ipc/handlers/bundles';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface HostOptions {
  core: AppCore;
  /** 0 picks a free port. */
  port?: number;
  readOnly?: boolean;
  /** Fixed token for tests; normally a fresh random one per launch. */
  token?: string;
  staticRoot?: string;
  /** Tests only: other per-connection unread limits than the contract's. */
  unreadLimits?: UnreadLimits;
}

export interface RunningHost {
  port: number;
  token: string;
  url: string;
  readOnly: boolean;
  server: Server;
  /** Connections, how many are paused for not reading, and what they have not read. */
  stats(): TransportStats;
  close(): Promise<void>;
}

/**
 * The browser host: the built renderer and the contract over a WebSocket, on 127.0.0.1 only.
 * Everything but /healthz needs the per-launch token (query string once, then an HttpOnly,
 * SameSite=Strict cookie), the exact Host header, and for WebSockets a same-origin Origin.
 */
export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const { core } = opts;
  const token = opts.token ?? newToken();
  const readOnly = opts.readOnly ?? false;
  const root = opts.staticRoot ?? rendererDir();
  const log = core.log.child({ room: 'host' });
  // The sign-in redirect is set once the port is known (below); calls read it from this object.
  const call: CallContext = { readOnly, via: 'ws' };
  const transport = new WsTransport(core.router, call, log, opts.unreadLimits);
  const callbackRate = new CallbackRate();
  let port = 0;

  const authorised = (req: IncomingMessage, url: URL) => sameToken(token, url.searchParams.get('token')) || sameToken(token, cookieToken(req, port));

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (!hostAllowed(req, port)) return sendText(res, 421, 'Misdirected request: use http://127.0.0.1:PORT/.');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Only GET is served here.', { Allow: 'GET, HEAD' });
      if (url.pathname === '/healthz') {
        const h = await core.health();
        return sendJson(res, h.status === 'down' ? 503 : 200, { ...h, readOnly });
      }
      // The provider's redirect carries no page token; state + PKCE + nonce protect it (auth-callback.ts).
      if (url.pathname === AUTH_CALLBACK_PATH) return handleAuthCallback(req, res, url, callbackRate);
      if (!authorised(req, url)) {
        return sendText(res, 401, 'Mission Control needs the token printed when the host started: open the exact URL it printed (…/?token=…).');
      }
      if (url.pathname.startsWith('/evidence/')) {
        // Bundles hold the org's records: the same gate as the contract (a signed-in, unlocked
        // session on a workstation, not a wall display).
        if (readOnly) return sendText(res, 403, 'This display is read-only: evidence bundles are downloaded on a workstation.');
        if (!core.db.session) return sendText(res, 403, 'Nobody is signed in on this workstation: sign in, then download the bundle.');
        if (core.sessions?.locked) return sendText(res, 403, 'The screen is locked: unlock it, then download the bundle.');
        // A bundle this workstation exported (bundles.export): only a plain file name of that folder.
        let name = '';
        try {
          name = decodeURIComponent(url.pathname.slice('/evidence/'.length));
        } catch {
          // a malformed escape names no file
        }
        const bundle = join(evidenceDir(core.dataDir), name);
        if (!BUNDLE_FILE.test(name) || !existsSync(bundle)) return sendText(res, 404, 'No such evidence bundle on this workstation: export it again.');
        return sendFile(res, bundle, { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${name}"`, 'Cache-Control': 'no-store' });
      }
      const file = resolveStatic(root, url.pathname);
      if (!file) {
        if (url.pathname === '/' || url.pathname === '/index.html') return sendText(res, 503, 'The renderer is not built. Run: npm run build');
        return sendText(res, 404, 'Not found.');
      }
      const cookie: Record<string, string> = url.searchParams.has('token') ? { 'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};
      return sendFile(res, file, cookie);
    } catch (err) {
      log.error({ err }, 'host: request failed');
      if (!res.headersSent) sendText(res, 500, 'Internal error.');
      else res.destroy();
    }
  };

  const server = createServer((req, res) => void onRequest(req, res));
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!hostAllowed(req, port) || !originAllowed(req, port)) return refuse(403, 'Forbidden');
    if (!authorised(req, url)) return refuse(401, 'Unauthorized');
    transport.handleUpgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  call.signInRedirectUri = `http://127.0.0.1:${port}${AUTH_CALLBACK_PATH}`;
  // A model runtime may never be registered at this address (runtimes.connect checks).
  const unregisterOwn = registerOwnEndpoint(`127.0.0.1:${port}`);
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  return {
    port,
    token,
    url,
    readOnly,
    server,
    stats: () => transport.stats(),
    async close() {
      unregisterOwn();
      await transport.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
