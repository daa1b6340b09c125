#!/usr/bin/env bash
# Self-check of the integration-test infrastructure, without oauthlink:
# starts oidc/server.mjs on an ephemeral port and plays the client side
# (loopback callback listener + code exchange + userinfo) in inline node,
# driving ua/browser.mjs in several modes. Prints PASS and exits 0 on success.
#
#   bash tests/integration/selfcheck.sh        (OIDC_DEBUG=1 / OAUTHLINK_UA_DEBUG=1 for traces)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OIDC_DIR="$HERE/oidc"
UA="$HERE/ua/browser.mjs"

command -v node >/dev/null || { echo "selfcheck: node not found" >&2; exit 1; }

if [ ! -d "$OIDC_DIR/node_modules/oidc-provider" ]; then
  echo "selfcheck: installing oidc-provider (npm ci)" >&2
  (cd "$OIDC_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/oauthlink-selfcheck.XXXXXX")"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

STATE="$WORK/state.json"
node "$OIDC_DIR/server.mjs" --port 0 --state-file "$STATE" 2>"$WORK/server.log" &
SERVER_PID=$!

for _ in $(seq 1 150); do
  [ -s "$STATE" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "selfcheck: server died" >&2; cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$STATE" ] || { echo "selfcheck: no state file after 15s" >&2; cat "$WORK/server.log" >&2; exit 1; }
echo "selfcheck: server state: $(cat "$STATE")" >&2

set +e
STATE="$STATE" UA="$UA" WORK="$WORK" node --input-type=module - <<'EOF'
import * as http from 'node:http';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';

const state = JSON.parse(fs.readFileSync(process.env.STATE, 'utf8'));
const { issuer } = state;
const UA = process.env.UA;
const WORK = process.env.WORK;
let passed = 0;
let failed = 0;
const check = (cond, what, extra = '') => {
  if (cond) { passed += 1; console.error(`  ok   ${what}`); }
  else { failed += 1; console.error(`  FAIL ${what} ${extra}`); }
};
const b64u = (buf) => buf.toString('base64url');
const T = () => AbortSignal.timeout(10000);

const disco = await (await fetch(`${issuer}/.well-known/openid-configuration`, { signal: T() })).json();
check(disco.issuer === issuer, 'discovery issuer');
check(disco.authorization_response_iss_parameter_supported === true, 'discovery advertises RFC 9207 iss');

// Loopback "client" callback listener; expectedState is checked like a real client would.
function startListener(path, expectedState) {
  const hits = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    hits.push(u);
    if (u.pathname !== path) { res.writeHead(404).end('not found'); return; }
    if (u.searchParams.get('state') !== expectedState) { res.writeHead(400).end('state mismatch'); return; }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('callback received, you can close this window');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, hits, port: server.address().port })));
}

function runUA(mode, url, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [UA, '--new-window', url], {
      env: { ...process.env, OAUTHLINK_UA_MODE: mode, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

async function authorize({ clientId, mode = 'approve', path = '/callback/oidc', scope = 'openid email' }) {
  const verifier = b64u(crypto.randomBytes(32));
  const challenge = b64u(crypto.createHash('sha256').update(verifier).digest());
  const st = b64u(crypto.randomBytes(12));
  const l = await startListener(path, st);
  const redirectUri = `http://127.0.0.1:${l.port}${path}`;
  const u = new URL(disco.authorization_endpoint);
  u.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope,
    state: st, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  const logFile = `${WORK}/ua-${mode}-${clientId}.jsonl`;
  const ua = await runUA(mode, u.href, { OAUTHLINK_UA_LOG: logFile });
  l.server.close();
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').map((x) => JSON.parse(x)) : [];
  const cb = l.hits.filter((h) => h.pathname === path && h.searchParams.get('state') === st).at(-1);
  return { ua, hits: l.hits, log, cb, verifier, redirectUri, st };
}

async function token(params, auth) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64')}`;
  const res = await fetch(disco.token_endpoint, { method: 'POST', headers, body: new URLSearchParams(params), signal: T() });
  return { status: res.status, body: await res.json() };
}

// 1. public client, approve, PKCE, code exchange, userinfo, refresh rotation
{
  console.error('selfcheck: public-client approve');
  const r = await authorize({ clientId: 'public-client' });
  check(r.ua.code === 0, 'UA exit 0', `(got ${r.ua.code})`);
  check(r.ua.out === '', 'UA wrote nothing to stdout', JSON.stringify(r.ua.out));
  const code = r.cb?.searchParams.get('code');
  check(!!code, 'callback got code');
  check(r.cb?.searchParams.get('iss') === issuer, 'callback has iss = issuer (RFC 9207)');
  check(r.log.length === 1 && r.log[0].status === 200 && r.log[0].kind === 'callback', 'UA log has one callback line with status 200', JSON.stringify(r.log));
  const t = await token({ grant_type: 'authorization_code', code, redirect_uri: r.redirectUri, client_id: 'public-client', code_verifier: r.verifier });
  check(t.status === 200 && t.body.access_token, 'code exchange ok', JSON.stringify(t.body));
  check(!!t.body.refresh_token, 'refresh token issued without offline_access');
  check(!!t.body.id_token, 'id_token issued');
  const ui = await fetch(disco.userinfo_endpoint, { headers: { authorization: `Bearer ${t.body.access_token}` }, signal: T() });
  const claims = await ui.json();
  check(ui.status === 200 && claims.sub === 'alice', 'userinfo sub = alice', JSON.stringify(claims));
  check(claims.email === 'alice@example.test', 'userinfo email claim', JSON.stringify(claims));
  const rt1 = await token({ grant_type: 'refresh_token', refresh_token: t.body.refresh_token, client_id: 'public-client' });
  check(rt1.status === 200 && rt1.body.refresh_token && rt1.body.refresh_token !== t.body.refresh_token, 'refresh grant rotates refresh token', JSON.stringify(rt1.body));
  const rtOld = await token({ grant_type: 'refresh_token', refresh_token: t.body.refresh_token, client_id: 'public-client' });
  check(rtOld.status === 400 && rtOld.body.error === 'invalid_grant', 'old refresh token rejected after rotation');
  // reuse of a rotated refresh token revokes the whole grant (incl. the new refresh token)
  const rtNew = await token({ grant_type: 'refresh_token', refresh_token: rt1.body.refresh_token, client_id: 'public-client' });
  check(rtNew.status === 400 && rtNew.body.error === 'invalid_grant', 'refresh-token reuse revoked the grant');
  const again = await token({ grant_type: 'authorization_code', code, redirect_uri: r.redirectUri, client_id: 'public-client', code_verifier: r.verifier });
  check(again.status === 400 && again.body.error === 'invalid_grant', 'code replay rejected');
}

// 2. confidential client_secret_basic, sandbox path, favicon-first
{
  console.error('selfcheck: basic-client favicon-first');
  const r = await authorize({ clientId: 'basic-client', mode: 'favicon-first', path: '/callback/sandbox' });
  check(r.ua.code === 0, 'UA exit 0');
  check(r.hits.length === 2 && r.hits[0].pathname === '/favicon.ico', 'favicon requested first');
  const code = r.cb?.searchParams.get('code');
  const t = await token({ grant_type: 'authorization_code', code, redirect_uri: r.redirectUri, code_verifier: r.verifier },
    ['basic-client', 'basic-secret-0123456789abcdef0123456789abcdef']);
  check(t.status === 200 && t.body.refresh_token, 'basic-client exchange ok with refresh token', JSON.stringify(t.body));
}

// 3. post client, wrong-state
{
  console.error('selfcheck: post-client wrong-state');
  const r = await authorize({ clientId: 'post-client', mode: 'wrong-state', path: '/cb' });
  check(r.ua.code === 0, 'UA exit 0');
  check(r.log.length === 2 && r.log[0].kind === 'forged' && r.log[0].status === 400 && r.log[1].status === 200,
    'forged state rejected, real callback accepted', JSON.stringify(r.log.map((x) => [x.kind, x.status])));
  check(new URL(r.log[0].url).searchParams.get('state') === 'forged', 'forged request carried state=forged');
  const code = r.cb?.searchParams.get('code');
  const t = await token({
    grant_type: 'authorization_code', code, redirect_uri: r.redirectUri, code_verifier: r.verifier,
    client_id: 'post-client', client_secret: 'post-secret-0123456789abcdef0123456789abcdef',
  });
  check(t.status === 200, 'post-client exchange ok', JSON.stringify(t.body));
}

// 4. deny
{
  console.error('selfcheck: public-client deny');
  const r = await authorize({ clientId: 'public-client', mode: 'deny' });
  check(r.ua.code === 0, 'UA exit 0');
  check(r.cb?.searchParams.get('error') === 'access_denied', 'deny -> error=access_denied', r.cb?.href);
  check(r.cb?.searchParams.get('iss') === issuer && !r.cb?.searchParams.get('code'), 'deny response has iss and no code');
}

// 5. never / print-url
{
  const n = await authorize({ clientId: 'public-client', mode: 'never' });
  check(n.ua.code === 0 && n.hits.length === 0, 'never mode fetches nothing');
  const f = `${WORK}/print-url.txt`;
  const p = await runUA('print-url', 'http://127.0.0.1:1/auth?x=1', { OAUTHLINK_UA_LOG: f });
  check(p.code === 0 && fs.readFileSync(f, 'utf8') === 'http://127.0.0.1:1/auth?x=1\n', 'print-url appends the URL');
}

// 6. client_credentials + failed token request counted
{
  const cc = await token({ grant_type: 'client_credentials', scope: 'api:read' }, ['cc-client', 'cc-secret-0123456789abcdef0123456789abcdef']);
  check(cc.status === 200 && cc.body.access_token, 'client_credentials ok', JSON.stringify(cc.body));
  const bad = await token({ grant_type: 'authorization_code', code: 'nope', redirect_uri: 'http://127.0.0.1:1/cb' }, ['basic-client', 'wrong']);
  check(bad.status === 401 && bad.body.error === 'invalid_client', 'bad client secret -> invalid_client');
}

// 7. generic consent page (like oauthlink's embedded sandbox): two submit buttons
//    decision=approve / decision=deny, hidden inputs, callback on another origin
//    and on the sandbox's own origin (matched through redirect_uri).
{
  const esc = (x) => String(x).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const sbHits = [];
  const sandbox = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && u.pathname === '/authorize') {
      const hidden = ['client_id', 'redirect_uri', 'state', 'code_challenge']
        .map((k) => `<input type="hidden" name="${k}" value="${esc(u.searchParams.get(k) ?? '')}">`).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'sb=1; Path=/; HttpOnly' });
      res.end(`<!doctype html><html><body><h1>Sandbox &amp; consent</h1>
<form method="post" action="/authorize/decision">${hidden}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></form></body></html>`);
      return;
    }
    if (req.method === 'POST' && u.pathname === '/authorize/decision') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const f = new URLSearchParams(body);
        const ok = req.headers.cookie === 'sb=1';
        const to = new URL(f.get('redirect_uri'));
        if (f.get('decision') === 'approve' && ok) to.searchParams.set('code', 'sandbox-code');
        else to.searchParams.set('error', ok ? 'access_denied' : 'no_cookie');
        to.searchParams.set('state', f.get('state'));
        res.writeHead(302, { location: to.href }).end();
      });
      return;
    }
    sbHits.push(u);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('sandbox callback ok');
  });
  await new Promise((resolve) => sandbox.listen(0, '127.0.0.1', resolve));
  const sbPort = sandbox.address().port;
  for (const [mode, want] of [['approve', 'code'], ['deny', 'error']]) {
    const st = `st-${mode}`;
    const l = await startListener('/callback/sandbox', st);
    const u = `http://127.0.0.1:${sbPort}/authorize?` + new URLSearchParams({ client_id: 'x', redirect_uri: `http://127.0.0.1:${l.port}/callback/sandbox`, state: st });
    const r = await runUA(mode, u);
    l.server.close();
    const cb = l.hits.at(-1);
    check(r.code === 0 && cb && cb.searchParams.get(want) === (mode === 'approve' ? 'sandbox-code' : 'access_denied'),
      `generic consent page, ${mode} (other origin)`, cb?.href);
  }
  const st = 'same-origin';
  const u = `http://127.0.0.1:${sbPort}/authorize?` + new URLSearchParams({ client_id: 'x', redirect_uri: `http://127.0.0.1:${sbPort}/callback/sandbox`, state: st });
  const r = await runUA('approve', u);
  check(r.code === 0 && sbHits.length === 1 && sbHits[0].searchParams.get('code') === 'sandbox-code',
    'generic consent page, callback on the same origin as the consent page', sbHits.map(String).join(' '));
  sandbox.close();
}

const stats = await (await fetch(`${issuer}/__stats`, { signal: T() })).json();
console.error(`selfcheck: stats ${JSON.stringify(stats)}`);
check(stats.token_requests.authorization_code === 5, 'stats: 5 authorization_code token requests (incl. failed)');
check(stats.token_requests.refresh_token === 3, 'stats: 3 refresh_token requests (incl. failed)');
check(stats.token_requests.client_credentials === 1, 'stats: 1 client_credentials request');
check(stats.userinfo_requests === 1, 'stats: 1 userinfo request');

console.error(`selfcheck: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
EOF
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  echo "selfcheck: FAIL (server log follows)" >&2
  cat "$WORK/server.log" >&2
  exit "$rc"
fi
echo PASS
