#!/usr/bin/env node
// Local OpenID Provider for oauthlink integration tests.
//
//   node tests/integration/oidc/server.mjs [--port N] [--state-file PATH] [--quiet]
//
// Listens on 127.0.0.1 only. --port 0 (the default) picks an ephemeral port.
// Once listening, writes {"issuer","port","pid"} to --state-file atomically
// (tmp file + rename). Everything is logged to stderr; stdout stays empty.
// Env: OIDC_AT_TTL (access-token lifetime, seconds, default 3600; a test may change it
//      for the tokens issued from then on with POST /__ttl?seconds=N),
//      OIDC_DEBUG=1 (log every request + grant errors).
//
// See README.md next to this file for the clients and the quirks.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

// oidc-provider prints some notices with console.info (= stdout). Tests read
// stdout of other processes, so route all console output to stderr *before*
// the library is loaded (hence the dynamic import below).
for (const m of ['log', 'info', 'debug']) {
  // eslint-disable-next-line no-console
  console[m] = (...args) => console.error(...args);
}

const { default: Provider, errors: oidcErrors } = await import('oidc-provider');

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const out = { port: 0, stateFile: undefined, quiet: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      i += 1;
      return argv[i];
    };
    if (a === '--port') out.port = Number(val());
    else if (a.startsWith('--port=')) out.port = Number(a.slice(7));
    else if (a === '--state-file') out.stateFile = val();
    else if (a.startsWith('--state-file=')) out.stateFile = a.slice(13);
    else if (a === '--quiet') out.quiet = true;
    else if (a === '-h' || a === '--help') {
      process.stderr.write('usage: server.mjs [--port N] [--state-file PATH] [--quiet]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) {
    throw new Error(`invalid --port ${out.port}`);
  }
  return out;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`server.mjs: ${e.message}\n`);
  process.exit(2);
}

const DEBUG = process.env.OIDC_DEBUG === '1';
const log = (...a) => { if (!args.quiet || DEBUG) console.error('[oidc]', ...a); };

function envSeconds(name, dflt) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`server.mjs: ${name} must be a positive integer (got ${raw})\n`);
    process.exit(2);
  }
  return n;
}
let atTtl = envSeconds('OIDC_AT_TTL', 3600);

// ---------------------------------------------------------------- clients
const REDIRECT_URIS = [
  'http://127.0.0.1/callback/oidc',
  'http://127.0.0.1/callback/sandbox',
  'http://127.0.0.1/cb',
  'http://127.0.0.1/link/oauth2/callback/oidc', // the broker (oauthlink serve)
];

const CLIENTS = [
  {
    client_id: 'basic-client',
    client_secret: 'basic-secret-0123456789abcdef0123456789abcdef',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    redirect_uris: REDIRECT_URIS,
  },
  {
    client_id: 'post-client',
    client_secret: 'post-secret-0123456789abcdef0123456789abcdef',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: REDIRECT_URIS,
  },
  {
    client_id: 'public-client',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: REDIRECT_URIS,
  },
  {
    client_id: 'cc-client',
    client_secret: 'cc-secret-0123456789abcdef0123456789abcdef',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
];

// ---------------------------------------------------------------- stats
const stats = {
  token_requests: {},
  userinfo_requests: 0,
  authorization_requests: 0,
  introspection_requests: 0,
  revocation_requests: 0,
  device_authorization_requests: 0,
};
function resetStats() {
  stats.token_requests = {};
  stats.userinfo_requests = 0;
  stats.authorization_requests = 0;
  stats.introspection_requests = 0;
  stats.revocation_requests = 0;
  stats.device_authorization_requests = 0;
}

// ---------------------------------------------------------------- keys
function generateJwks() {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    .export({ format: 'jwk' });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    .export({ format: 'jwk' });
  return {
    keys: [
      { ...rsa, kid: 'test-rsa', use: 'sig', alg: 'RS256' },
      { ...ec, kid: 'test-ec', use: 'sig', alg: 'ES256' },
    ],
  };
}

// ---------------------------------------------------------------- server
const server = http.createServer();
server.keepAliveTimeout = 1000;

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(args.port, '127.0.0.1', () => {
    server.off('error', reject);
    resolve();
  });
}).catch((e) => {
  process.stderr.write(`server.mjs: cannot listen on 127.0.0.1:${args.port}: ${e.message}\n`);
  process.exit(1);
});

const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const configuration = {
  clients: CLIENTS,
  jwks: generateJwks(),
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },

  // Test account: sub is whatever login the user agent typed.
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims(/* use, scope, claims, rejected */) {
        return {
          sub: id,
          email: `${id}@example.test`,
          email_verified: true,
          name: `Test User ${id}`,
        };
      },
    };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'api:read', 'api:write'],

  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: {
      enabled: true,
      // same as the library default, defined here to silence its notice
      async allowedPolicy(ctx, client, token) {
        if (client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc.client.clientId) {
          return false;
        }
        return true;
      },
    },
    userinfo: { enabled: true },
    // Enabled by default in v8. Without a `resource` parameter, access tokens
    // are opaque and usable at userinfo. Any absolute http(s) resource is
    // accepted (audience = resource, opaque, scopes api:read api:write);
    // such tokens are NOT accepted by userinfo (per spec).
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => undefined,
      useGrantedResource: async () => true,
      async getResourceServerInfo(ctx, resourceIndicator) {
        let u;
        try { u = new URL(resourceIndicator); } catch { u = undefined; }
        if (!u || !['http:', 'https:'].includes(u.protocol)) throw new oidcErrors.InvalidTarget();
        return {
          scope: 'api:read api:write',
          audience: resourceIndicator,
          accessTokenTTL: atTtl,
          accessTokenFormat: 'opaque',
        };
      },
    },
  },

  // PKCE: library default (S256 only; required for every client that is not
  // FAPI, i.e. for all clients here, confidential ones included).
  pkce: { methods: ['S256'] },

  // Always issue a refresh token when the client may use the refresh_token
  // grant (default would require scope offline_access + consent).
  async issueRefreshToken(ctx, client /* , code */) {
    return client.grantTypeAllowed('refresh_token');
  },
  rotateRefreshToken: true,
  // Do not tie tokens to the (cookie) session of the scripted user agent.
  expiresWithSession: async () => false,

  ttl: {
    AccessToken: () => atTtl,
    ClientCredentials: () => atTtl,
    AuthorizationCode: 600,
    DeviceCode: 600,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    BackchannelAuthenticationRequest: 600,
  },

  pairwiseIdentifier: async (ctx, accountId, client) => crypto.createHash('sha256')
    .update(client.sectorIdentifier).update(accountId).update('oauthlink-tests')
    .digest('hex'),
  clientBasedCORS: () => true,

  async renderError(ctx, out /* , error */) {
    ctx.type = 'html';
    const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body>
<h1>oops! something went wrong</h1>
${Object.entries(out).map(([k, v]) => `<pre id="${esc(k)}"><strong>${esc(k)}</strong>: ${esc(v)}</pre>`).join('\n')}
</body></html>`;
  },
};

const provider = new Provider(issuer, configuration);

// ---------------------------------------------------------------- middleware
provider.use(async (ctx, next) => {
  if (ctx.path === '/__stats') {
    if (ctx.method === 'GET') {
      ctx.set('cache-control', 'no-store');
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(stats);
      return;
    }
    if (ctx.method === 'POST' || ctx.method === 'DELETE') { // reset
      resetStats();
      ctx.status = 204;
      return;
    }
    ctx.status = 405;
    return;
  }
  if (ctx.path === '/__ttl') { // POST ?seconds=N: the lifetime of access tokens issued from now on
    const n = Number(ctx.query.seconds);
    if (ctx.method !== 'POST') ctx.status = 405;
    else if (!Number.isInteger(n) || n <= 0) ctx.status = 400;
    else {
      atTtl = n;
      ctx.status = 204;
    }
    return;
  }

  const started = Date.now();
  try {
    await next();
  } finally {
    const route = ctx.oidc?.route;
    if (route === 'token' && ctx.method === 'POST') {
      const gt = ctx.oidc?.body?.grant_type;
      const key = typeof gt === 'string' && gt ? gt : '(missing)';
      stats.token_requests[key] = (stats.token_requests[key] || 0) + 1;
    } else if (route === 'userinfo') {
      stats.userinfo_requests += 1;
    } else if (route === 'authorization') {
      stats.authorization_requests += 1;
    } else if (route === 'introspection') {
      stats.introspection_requests += 1;
    } else if (route === 'revocation') {
      stats.revocation_requests += 1;
    } else if (route === 'device_authorization') {
      stats.device_authorization_requests += 1;
    }
    if (DEBUG) {
      log(`${ctx.method} ${ctx.originalUrl} -> ${ctx.status} (${route || '-'}, ${Date.now() - started}ms)`);
    }
  }
});

provider.on('server_error', (ctx, err) => log('server_error:', err));
if (DEBUG) {
  for (const ev of ['grant.error', 'authorization.error', 'userinfo.error', 'introspection.error',
    'revocation.error', 'end_session.error', 'backchannel.error']) {
    provider.on(ev, (ctx, err) => log(`${ev}: ${err.message} (${err.error_description || ''}${err.error_detail ? `; ${err.error_detail}` : ''})`));
  }
}

server.on('request', provider.callback());

// ---------------------------------------------------------------- state file
if (args.stateFile) {
  const target = path.resolve(args.stateFile);
  const tmp = `${target}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify({ issuer, port, pid: process.pid })}\n`);
  fs.renameSync(tmp, target);
}
log(`listening on ${issuer} (pid ${process.pid}, access-token ttl ${atTtl}s)`);

// ---------------------------------------------------------------- shutdown
let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  log(`${sig} received, shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
