import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McError } from '../../../src-shared/contract/errors';

/**
 * The desktop's redirect receiver (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 and an ephemeral
 * port, for one authorization response only. It answers GET /callback once, then closes; anything
 * else gets a 404. The page it shows says nothing about the outcome's details (the app does), and
 * carries no token: the code is exchanged by the main process, never by the browser.
 */
export interface LoopbackReceiver {
  redirectUri: string;
  /** Resolves with the full callback URL the browser was sent to. */
  callback: Promise<URL>;
  close(): Promise<void>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;background:#111;color:#ddd;padding:3em"><h1>${title}</h1><p>${text}</p></body>`;

export async function openLoopbackReceiver(opts: { timeoutMs: number }): Promise<LoopbackReceiver> {
  let settle!: { resolve: (u: URL) => void; reject: (e: Error) => void };
  const callback = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The caller may give up before awaiting; an unhandled rejection must not crash the process.
  callback.catch(() => undefined);
  let done = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (req.method !== 'GET' || url.pathname !== '/callback' || done) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE('Nothing here', done ? 'This sign-in was already answered. Return to Mission Control.' : 'Not a sign-in address.'));
      return;
    }
    done = true;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    res.end(PAGE('Back to Mission Control', 'The identity provider answered. Return to Mission Control: it says whether you are signed in. You may close this tab.'));
    settle.resolve(url);
    void close();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    settle.reject(new McError('UNAVAILABLE', `No answer came back from the identity provider within ${Math.round(opts.timeoutMs / 1000)} s. Sign in again, and finish in the browser window that opens.`));
    void close();
  }, opts.timeoutMs);
  timer.unref();
  let closing: Promise<void> | null = null;
  function close(): Promise<void> {
    clearTimeout(timer);
    if (!done) {
      done = true;
      settle.reject(new McError('CONFLICT', 'The sign-in was cancelled.'));
    }
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  }
  return { redirectUri: `http://127.0.0.1:${port}/callback`, callback, close };
}
