// A real OpenID provider for tests: panva's oidc-provider on 127.0.0.1, PKCE required, the
// desktop registered as a native public client (any loopback port, RFC 8252): /callback for the
// desktop's loopback receiver, /auth/callback for the browser host's own route. Runs in its own
// process so a test can set *this provider's* clock wrong without touching the app's.
// Prints {"issuer": "..."} on its first stdout line. Plain JS so node runs it without a build.
//
// Test knobs (POST /__test/mode with JSON): {"clockOffsetS": n} shifts this provider's clock;
// {"audience": "other-app"} makes it sign ID tokens for another client, as a misconfigured or
// hostile provider would. Every other request is the provider's own, unchanged.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const mode = { clockOffsetS: 0, audience: null };
const realNow = Date.now;
Date.now = () => realNow() + mode.clockOffsetS * 1000;

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'mc-desktop',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback', 'http://127.0.0.1/auth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      client_id: 'other-app',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  // The login name typed on the dev login page is the subject; its e-mail is <name>@idp.test.
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, email: `${id}@idp.test`, email_verified: true, name: `Person ${id}` }),
  }),
  ttl: { AuthorizationCode: 60, IdToken: 600, AccessToken: 600, Grant: 3600, Interaction: 600, Session: 3600, RefreshToken: 3600 },
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  loadExistingGrant: async (ctx) => {
    // Consent once per test run is enough; the flow under test is the app's, not the consent page's.
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    return undefined;
  },
});
provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider error: ${err.message}\n`));

const issue = provider.IdToken.prototype.issue;
provider.IdToken.prototype.issue = async function (opts) {
  if (!mode.audience || opts?.use !== 'idtoken') return issue.call(this, opts);
  const real = this.client;
  this.client = new Proxy(real, { get: (t, k) => (k === 'clientId' ? mode.audience : Reflect.get(t, k)) });
  try {
    return await issue.call(this, opts);
  } finally {
    this.client = real;
  }
};

const handle = provider.callback();
server.on('request', (req, res) => {
  if (req.url === '/__test/mode' && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      Object.assign(mode, { clockOffsetS: 0, audience: null }, JSON.parse(body || '{}'));
      res.writeHead(204).end();
    });
    return;
  }
  handle(req, res);
});
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
