import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The test provider (oidc-test-provider.mjs) in its own process, and a tiny browser to drive its pages. */
export interface TestIdp {
  issuer: string;
  setMode(mode: { clockOffsetS?: number; audience?: string | null }): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestIdp(): Promise<TestIdp> {
  const script = fileURLToPath(new URL('./oidc-test-provider.mjs', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--no-warnings', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const issuer = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`test provider exited (${code})`)));
    child.stdout?.once('data', (d: Buffer) => resolve((JSON.parse(String(d).split('\n')[0] ?? '{}') as { issuer: string }).issuer));
  });
  return {
    issuer,
    async setMode(mode) {
      const r = await fetch(`${issuer}/__test/mode`, { method: 'POST', body: JSON.stringify(mode) });
      if (r.status !== 204) throw new Error('mode not set');
    },
    async stop() {
      child.removeAllListeners('exit');
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/**
 * What a person does in the system browser: follow the authorization URL, type a login on the
 * provider's login page, confirm its consent page, and get sent to the redirect URI. Returns that
 * final URL without opening it, so a test decides when (and whether) the loopback receiver sees it.
 */
export async function browseToCallback(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (r: Response) => {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair?.indexOf('=') ?? -1;
      if (pair && i > 0) jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const redirectBase = new URL(authorizationUrl).searchParams.get('redirect_uri') ?? '';
  let url = new URL(authorizationUrl);
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.href.startsWith(redirectBase) && redirectBase) return url;
    const r = await fetch(url, { method, redirect: 'manual', headers: { cookie: cookie() }, ...(body ? { body } : {}) });
    keep(r);
    method = 'GET';
    body = undefined;
    const location = r.headers.get('location');
    if (r.status >= 300 && r.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const html = await r.text();
    if (r.status !== 200) throw new Error(`provider page ${url.pathname} answered ${r.status}: ${html.slice(0, 300)}`);
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form?.[1]) throw new Error(`no form on ${url.pathname}: ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const input of form[2]?.matchAll(/<input[^>]*>/gi) ?? []) {
      const name = /name="([^"]+)"/.exec(input[0])?.[1];
      if (!name) continue;
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      fields.set(name, name === 'login' ? login : name === 'password' ? 'any' : value);
    }
    url = new URL(form[1].replace(/&amp;/g, '&'), url);
    method = 'POST';
    body = fields;
  }
  throw new Error('the provider never redirected back');
}
