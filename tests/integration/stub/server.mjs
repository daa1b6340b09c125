// A scriptable provider emulator for the credential lifecycle tests (no dependencies):
// token (refresh grant), RFC 7009 revocation, userinfo and an API echo, each answering
// as the test sets with POST /__mode, and counting what it received (GET /__stats).
//   node server.mjs --state-file FILE   (writes {"base": "http://127.0.0.1:PORT"})
// Modes: refresh = ok | no_rt | 503 (ok rotates the refresh token, no_rt sends none);
//        revoke = ok | 503 | 400.
// Tokens: POST /__tokens {"access_token","refresh_token"} makes a pair valid.
import http from 'node:http';
import fs from 'node:fs';

const stateFile = process.argv[process.argv.indexOf('--state-file') + 1];
const mode = { refresh: 'ok', revoke: 'ok' };
const stats = { refresh: 0, revoke: 0, revoked: [], userinfo: 0, api: 0, api_auth: [] };
const validAT = new Set();
const validRT = new Set();
let counter = 0;

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

function bearer(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  return m ? m[1] : '';
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    const form = new URLSearchParams(body);
    if (url.pathname === '/__stats') return send(res, 200, stats);
    if (url.pathname === '/__mode') { Object.assign(mode, JSON.parse(body)); return send(res, 200, mode); }
    if (url.pathname === '/__tokens') {
      const t = JSON.parse(body);
      if (t.access_token) validAT.add(t.access_token);
      if (t.refresh_token) validRT.add(t.refresh_token);
      if (t.invalidate) validAT.delete(t.invalidate);
      return send(res, 200, {});
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      if (form.get('grant_type') !== 'refresh_token') return send(res, 400, { error: 'unsupported_grant_type' });
      stats.refresh += 1;
      if (mode.refresh === '503') return send(res, 503, { error: 'temporarily_unavailable' });
      const rt = form.get('refresh_token');
      if (!validRT.has(rt)) return send(res, 400, { error: 'invalid_grant' });
      counter += 1;
      const at = `stub-at-${counter}-${Math.random().toString(36).slice(2)}`;
      validAT.add(at);
      const answer = { access_token: at, token_type: 'bearer', expires_in: 3600 };
      if (mode.refresh === 'ok') {
        validRT.delete(rt);
        answer.refresh_token = `stub-rt-${counter}-${Math.random().toString(36).slice(2)}`;
        validRT.add(answer.refresh_token);
      }
      return send(res, 200, answer);
    }
    if (url.pathname === '/revoke' && req.method === 'POST') {
      stats.revoke += 1;
      stats.revoked.push({ hint: form.get('token_type_hint'), basic: !!req.headers.authorization });
      if (mode.revoke === '503') return send(res, 503, { error: 'temporarily_unavailable' });
      if (mode.revoke === '400') return send(res, 400, { error: 'unsupported_token_type' });
      validAT.delete(form.get('token'));
      validRT.delete(form.get('token'));
      return send(res, 200, '');
    }
    if (url.pathname === '/me') {
      stats.userinfo += 1;
      if (!validAT.has(bearer(req))) return send(res, 401, { error: 'invalid_token' }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      return send(res, 200, { sub: 'stub-user' });
    }
    if (url.pathname.startsWith('/api/')) {
      stats.api += 1;
      stats.api_auth.push(validAT.has(bearer(req)));
      if (!validAT.has(bearer(req))) return send(res, 401, { error: 'invalid_token' });
      return send(res, 200, { method: req.method, path: url.pathname, query: url.search, body,
        content_type: req.headers['content-type'] || '', x_test: req.headers['x-test'] || '' },
        { 'X-Stub': 'yes' });
    }
    send(res, 404, { error: 'not_found' });
  });
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(stateFile, JSON.stringify({ base: `http://127.0.0.1:${server.address().port}` }));
});
