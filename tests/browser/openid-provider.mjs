// A real OpenID Provider for the sign-in tests: the certified `oidc-provider` package,
// set up like a Keycloak realm (issuer /realms/lin, Keycloak's endpoint paths, client
// roles in `resource_access`), with a login page of its own that checks passwords (the
// package's development login takes any). In front of it, a small HTTP proxy that can
// spoil the ID tokens its token endpoint sends (a changed claim, or an expired token
// signed with the realm's own key), so the tests can show that the server refuses them.
import http from 'node:http';
import net from 'node:net';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const REALM = '/realms/lin';
const TOKEN_PATH = `${REALM}/protocol/openid-connect/token`;

/** A free port on 127.0.0.1, for a server that must know its address before it starts. */
export async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => { probe.listen(0, '127.0.0.1', resolve); });
  const { port } = probe.address();
  await new Promise((resolve) => { probe.close(resolve); });
  return port;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, problem) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in to lin</title></head>
<body><main><h1>Sign in to your account</h1>
${problem ? `<p role="alert">${escape(problem)}</p>` : ''}
<form method="post" action="${REALM}/login/${escape(uid)}">
<label for="username">Username or email</label><input id="username" name="username" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign In</button></form></main></body></html>`;
}

async function formBody(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

/**
 * Starts the provider. `users` is { name: { password, roles: [...] } } and may be changed
 * while it runs (a role taken away shows at the next refresh). `client` is { id, secret,
 * redirectUri, postLogoutUri }. Returns { issuer, users, spoil(mode), stop() }, where
 * mode is 'tamper', 'expire' or null.
 */
export async function startProvider({ users, client }) {
  const front = http.createServer();
  await new Promise((resolve) => { front.listen(0, '127.0.0.1', resolve); });
  const issuer = `http://127.0.0.1:${front.address().port}${REALM}`;

  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'lin-test', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: client.id,
      client_secret: client.secret,
      redirect_uris: [client.redirectUri],
      post_logout_redirect_uris: [client.postLogoutUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: ['a test realm cookie key that is long enough'] },
    // Keycloak's paths, so the server meets what it will meet in production.
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      jwks: '/protocol/openid-connect/certs',
      userinfo: '/protocol/openid-connect/userinfo',
      end_session: '/protocol/openid-connect/logout',
    },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'resource_access'] },
    // Keycloak puts what its mappers say into the ID token of a code flow too.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Keycloak issues refresh tokens without asking for offline access.
    issueRefreshToken: async (_ctx, c) => c.grantTypeAllowed('refresh_token'),
    // A first-party client: no consent screen, as in a Keycloak realm's own clients.
    loadExistingGrant: async (ctx) => {
      const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (id) return ctx.oidc.provider.Grant.find(id);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, id) => (users[id] ? {
      accountId: id,
      claims: async () => ({
        sub: id,
        preferred_username: id,
        name: id,
        resource_access: { [client.id]: { roles: [...users[id].roles] } },
      }),
    } : undefined),
    interactions: { url: (_ctx, interaction) => `${REALM}/login/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // Like Keycloak given an id_token_hint: it signs out without asking.
        logoutSource: async (ctx, form) => {
          ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signing out</title></head><body>
${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}
<script>document.forms[0].submit()</script></body></html>`;
        },
      },
    },
    ttl: { IdToken: 3600, AccessToken: 3600, RefreshToken: 86400, Session: 86400, Grant: 86400 },
  });
  provider.on('server_error', (_ctx, e) => { console.error('oidc-provider:', e); });
  const callback = provider.callback();

  // The provider itself, on a port of its own behind the proxy.
  const inner = http.createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    const login = url.pathname.startsWith(`${REALM}/login/`);
    if (login) {
      try {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(loginPage(details.uid));
          return;
        }
        const form = await formBody(req);
        const name = form.get('username');
        if (!users[name] || users[name].password !== form.get('password')) {
          res.statusCode = 200;
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(loginPage(details.uid, 'Invalid username or password.'));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: name } }, { mergeWithLastSubmission: false });
      } catch (e) {
        res.statusCode = 400;
        res.end(`login failed: ${e.message}`);
      }
      return;
    }
    if (url.pathname.startsWith(REALM)) {
      // Mounted at the realm's path, as Keycloak's endpoints are.
      req.originalUrl = req.url;
      req.url = req.url.slice(REALM.length) || '/';
    }
    callback(req, res);
  });
  await new Promise((resolve) => { inner.listen(0, '127.0.0.1', resolve); });
  const innerPort = inner.address().port;

  let mode = null;
  const spoilt = async (idToken) => {
    const [header, payload] = idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    if (mode === 'tamper') {
      // Someone changes who the token is for, keeping the realm's signature.
      claims.resource_access = { [client.id]: { roles: ['tis-status-admin'] } };
      const changed = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return [header, changed, idToken.split('.')[2]].join('.');
    }
    // Properly signed by the realm, but expired an hour ago.
    const now = Math.floor(Date.now() / 1000);
    return new jose.SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
      .sign(privateKey);
  };

  front.on('request', (req, res) => {
    const upstream = http.request({
      host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: req.headers,
    }, async (answer) => {
      const spoil = mode && req.method === 'POST' && req.url.startsWith(TOKEN_PATH) && answer.statusCode === 200;
      if (!spoil) {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
        return;
      }
      let body = '';
      for await (const chunk of answer) body += chunk;
      const tokens = JSON.parse(body);
      if (tokens.id_token) tokens.id_token = await spoilt(tokens.id_token);
      const out = JSON.stringify(tokens);
      const headers = { ...answer.headers, 'content-length': Buffer.byteLength(out) };
      res.writeHead(answer.statusCode, headers);
      res.end(out);
    });
    upstream.on('error', () => { res.statusCode = 502; res.end(); });
    req.pipe(upstream);
  });

  const stopServer = (server) => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
  return {
    issuer,
    users,
    spoil(next) { mode = next; },
    async stop() {
      await stopServer(front);
      await stopServer(inner);
    },
  };
}
