#!/usr/bin/env node
// An example web app that uses `oauthlink serve` as its OAuth broker, for test_broker.sh.
//
//   node app.mjs --broker URL --app-id APP_ID --secret-file FILE --userinfo URL \
//                --state-file FILE --log FILE
//
// GET /login?state=S   redirects the browser to the broker's /link/oauth2/authorize with
//                      redirect_uri http://127.0.0.1:PORT/app/cb/oidc and the state S.
// GET /app/cb/oidc     the broker's redirect back. Logs the raw query; unless the state
//                      starts with "manual-", exchanges the code at POST /link/oauth2/token
//                      (JSON, client_secret = the provider's secret) and calls userinfo with
//                      the access token, logging both answers. Other paths under /app and
//                      /manual are logged only.
// The log gets one JSON line per callback. Listening, it writes {"url"} to --state-file.
import * as fs from 'node:fs';
import * as http from 'node:http';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const secret = fs.readFileSync(args['secret-file'], 'utf8').trim();
const log = (entry) => fs.appendFileSync(args.log, `${JSON.stringify(entry)}\n`);

async function exchange(code) {
  const res = await fetch(`${args.broker}/link/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, client_id: args['app-id'], client_secret: secret }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json();
  const entry = { kind: 'exchange', status: res.status, cache_control: res.headers.get('cache-control'), body };
  if (res.status === 200) {
    const token = body.credential.properties.access_token;
    const me = await fetch(args.userinfo, {
      headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000),
    });
    entry.userinfo_status = me.status;
    entry.userinfo = await me.json();
  }
  return entry;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const self = `http://127.0.0.1:${server.address().port}`;
  if (url.pathname === '/login') {
    const target = new URL(`${args.broker}/link/oauth2/authorize`);
    target.searchParams.set('client_id', args['app-id']);
    target.searchParams.set('redirect_uri', `${self}/app/cb/oidc`);
    if (url.searchParams.has('state')) target.searchParams.set('state', url.searchParams.get('state'));
    target.searchParams.set('scopes', 'openid email');
    res.writeHead(302, { location: target.href }).end();
    return;
  }
  const raw = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
  const entry = { kind: 'callback', path: url.pathname, raw_query: raw, query: Object.fromEntries(url.searchParams) };
  log(entry);
  const state = url.searchParams.get('state') || '';
  if (url.pathname === '/app/cb/oidc' && url.searchParams.has('code') && !state.startsWith('manual-')) {
    try {
      log(await exchange(url.searchParams.get('code')));
    } catch (e) {
      log({ kind: 'exchange', error: String(e) });
    }
  }
  res.writeHead(200, { 'content-type': 'text/html' }).end('<p>app: signed in</p>');
});
server.listen(0, '127.0.0.1', () => {
  const tmp = `${args['state-file']}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }));
  fs.renameSync(tmp, args['state-file']);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
