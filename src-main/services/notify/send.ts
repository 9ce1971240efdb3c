import nodemailer from 'nodemailer';

export interface SendResult {
  ok: boolean;
  /** What the far side answered, in words (never a secret: URLs are reduced to their origin). */
  detail: string;
}

const TIMEOUT_MS = 10_000;

/** POST a JSON body; 2xx is delivered, anything else (or no answer) is not. */
export async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<SendResult> {
  const origin = new URL(url).origin;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'UmamiEdge-Mission-Control', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200);
    return { ok: res.ok, detail: `${origin} answered HTTP ${res.status}${text ? `: ${text}` : ''}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { ok: false, detail: `${origin} did not answer (${cause})` };
  }
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** tls: TLS from the first byte (port 465); starttls: upgrade required (port 587/25). Never plain. */
  tls: 'tls' | 'starttls';
  user: string | null;
  from: string;
  /** A PEM CA to trust for this server (a private mail relay), besides the system's. */
  caPem: string | null;
}

export async function sendMail(cfg: SmtpConfig, password: string | null, to: string, subject: string, text: string): Promise<SendResult> {
  const transport = nodemailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.tls === 'tls',
    requireTLS: cfg.tls === 'starttls',
    auth: cfg.user ? { user: cfg.user, pass: password ?? '' } : undefined,
    tls: cfg.caPem ? { ca: [cfg.caPem], servername: cfg.host } : { servername: cfg.host },
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    const info = await transport.sendMail({ from: cfg.from, to, subject, text });
    return { ok: info.accepted.length > 0, detail: `${cfg.host}:${cfg.port} accepted for ${to}: ${String(info.response).slice(0, 200)}` };
  } catch (err) {
    const e = err as { code?: string; responseCode?: number; message?: string };
    return { ok: false, detail: `${cfg.host}:${cfg.port} refused or failed (${e.responseCode ?? e.code ?? 'error'})` };
  } finally {
    transport.close();
  }
}
