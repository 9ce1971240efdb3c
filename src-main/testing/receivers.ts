import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/**
 * Real receivers on loopback for escalation deliveries: an HTTP server that records what is posted
 * (and answers what the test says), and an SMTP server that requires STARTTLS and a login, with a
 * certificate made by the real openssl for this run.
 */
export interface WebhookReceiver {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders; body: string }[];
  /** Status codes to answer, in order; 200 once they run out. */
  answers: number[];
  close(): Promise<void>;
}

export async function webhookReceiver(): Promise<WebhookReceiver> {
  const r: Omit<WebhookReceiver, 'url' | 'close'> = { requests: [], answers: [] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.requests.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = r.answers.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export interface MailReceiver {
  host: string;
  port: number;
  /** The certificate the server presents, to trust as the channel's CA. */
  certPem: string;
  user: string;
  password: string;
  messages: { from: string; to: string[]; raw: string; secure: boolean; user: string | undefined }[];
  close(): Promise<void>;
}

export async function mailReceiver(): Promise<MailReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'mc-smtp-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const user = 'mc-relay';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const messages: MailReceiver['messages'] = [];
  const server = new SMTPServer({
    secure: false,
    key: keyPem,
    cert: certPem,
    authMethods: ['PLAIN', 'LOGIN'],
    // Refuses a login before STARTTLS, as a real relay does.
    allowInsecureAuth: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
    logger: false,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { host: 'localhost', port, certPem, user, password, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
