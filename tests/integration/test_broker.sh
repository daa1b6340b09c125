#!/usr/bin/env bash
# The broker (`oauthlink serve`) end to end: an example web app (broker/app.mjs) sends the
# scripted browser to the broker, which runs the flow at oidc-provider and sends it back
# with a one-time code; the app exchanges it and uses the access token at userinfo. Then
# the failure paths of SECURITY.md B and C.
source "$(dirname "$0")/lib.sh"
issuer=$(oidc_issuer)
secret=basic-secret-0123456789abcdef0123456789abcdef
app=$(printf '%s\n' "$secret" | ol apps add oidc --issuer "$issuer" --client-id basic-client \
  --client-secret-stdin --auth-method client_secret_basic --scopes "openid email")
ol redirects add 'http://127.0.0.1/app/cb/:provider' >/dev/null
ol redirects add 'http://127.0.0.1/manual/:provider?tenant=x' >/dev/null

serve_pid=""
start_serve() { # start_serve PORT [ARGS...]: sets BROKER and serve_pid
  local port=$1
  shift
  : >"$work/serve.out"
  "$OAUTHLINK_BIN" serve --port "$port" "$@" >"$work/serve.out" 2>>"$work/serve.err" &
  serve_pid=$!
  bg_pids+=("$serve_pid")
  BROKER=$(wait_for_match "$work/serve.out" 'http://127\.0\.0\.1:[0-9]+')
}
start_serve 0
broker_port=${BROKER##*:}
check "serve prints where it listens" test -n "$BROKER"
check "serve prints the callback URI to register" \
  grep -qF "$BROKER/link/oauth2/callback/SLUG" "$work/serve.out"
listeners=$(ss -ltnH "sport = :$broker_port" | awk '{print $4}' | sort -u | tr '\n' ' ')
check "the broker listens on 127.0.0.1 only (B1)" test "$listeners" = "127.0.0.1:$broker_port "
rc=0
ol serve --port "$broker_port" >"$work/second.out" 2>"$work/second.err" || rc=$?
check "a second serve on the taken port fails closed with exit 6 (B2)" test "$rc" = 6
check "the second serve printed no address (B2)" test ! -s "$work/second.out"
rc=0
ol serve --port 0 --code-ttl 61 >/dev/null 2>&1 || rc=$?
check "--code-ttl above 60 s is refused with exit 2 (C6)" test "$rc" = 2
api_key=$(ol serve --show-api-key)
check "--show-api-key prints the same key twice" test "$(ol serve --show-api-key)" = "$api_key"

printf '%s\n' "$secret" >"$work/app-secret"
applog="$work/app.log"
node "$here/broker/app.mjs" --broker "$BROKER" --app-id "$app" --secret-file "$work/app-secret" \
  --userinfo "$issuer/me" --state-file "$work/app.json" --log "$applog" 2>"$work/app.err" &
bg_pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/app.json" ] && break; sleep 0.05; done
APP=$(json_get "$work/app.json" d.url)
CB="$APP/app/cb/oidc"

last() { # last KIND EXPRESSION: EXPRESSION on the app's last log entry of KIND
  node -e "const l=require('fs').readFileSync(process.argv[1],'utf8').trim().split('\n').map(JSON.parse).filter(e=>e.kind===process.argv[2]); const d=l[l.length-1]||{}; const v=($2); console.log(typeof v==='object'?JSON.stringify(v):v)" "$applog" "$1"
}
browse() { # browse START_URL [MODE]: the scripted browser, stopping at the app's callback
  OAUTHLINK_UA_CALLBACK=$CB OAUTHLINK_UA_MODE=${2:-approve} $UA "$1" 2>>"$work/ua.err"
}
urlenc() { node -e 'console.log(encodeURIComponent(process.argv[1]))' "$1"; }
token_post() { # token_post CODE SECRET [CURL ARGS...]: prints "STATUS BODY"
  local code=$1 s=$2 body
  shift 2
  body=$(mktemp "$work/tok.XXXXXX")
  curl -sS -o "$body" -w '%{http_code}' "$@" -H 'Content-Type: application/json' \
    --data "{\"code\":\"$code\",\"client_id\":\"$app\",\"client_secret\":\"$s\"}" \
    "$BROKER/link/oauth2/token"
  echo " $(cat "$body")"
  cp "$body" "$work/tok.body"
}

# 1. The whole dance, the app doing the exchange.
check "the browser reaches the app through broker and provider" browse "$APP/login?state=hello-1"
check "the app got a 200 credential from /token" test "$(last exchange d.status)" = 200
check "the token answer is no-store" test "$(last exchange d.cache_control)" = no-store
check "the credential has the DESIGN.md shape" test "$(last exchange "[d.body.credential.id.startsWith('cred_'), d.body.credential.oauth_app_id, d.body.credential.provider, d.body.state].join(' ')")" = "true $app oidc hello-1"
check "the access token works at the provider's userinfo" test "$(last exchange "d.userinfo_status + ' ' + d.userinfo.sub")" = "200 alice"
check "the redirect to the app carries iss = the broker's issuer (C10)" \
  test "$(last callback d.query.iss)" = "$BROKER"
meta_issuer=$(curl -fsS "$BROKER/.well-known/oauth-authorization-server" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const d=JSON.parse(s);console.log(d.issuer+' '+d.authorization_response_iss_parameter_supported)})")
check "metadata issuer equals iss, iss parameter advertised (C10)" test "$meta_issuer" = "$BROKER true"

# 2. State with reserved and non-ASCII characters, byte-exactly (C4).
weird='a+b/c=d é;&?#%'
browse "$APP/login?state=$(urlenc "manual-$weird")" >/dev/null
check "the app's state comes back byte-exactly (C4)" test "$(last callback d.query.state)" = "manual-$weird"
check "the state is encoded once, no %25 double-encoding (C4)" \
  bash -c "grep -q 'a%2Bb%2Fc%3Dd%20%C3%A9%3B%26%3F%23%25' <<<'$(last callback d.raw_query)'"
code=$(last callback d.query.code)
check "the broker code has at least 128 bits (C6)" test "${#code}" -ge 22

# 3. Wrong secret: 401 invalid_client, the code survives; then 200; then replay (C6-C8).
out=$(token_post "$code" wrong-secret -D "$work/tok.headers")
check "a wrong client secret is 401 invalid_client (C7)" grep -q '^401 .*"invalid_client"' <<<"$out"
check "401 carries WWW-Authenticate (C7)" grep -qi '^www-authenticate: Basic' "$work/tok.headers"
out=$(token_post "$code" "$secret")
check "the same code then works with the right secret (C8)" grep -q '^200 ' <<<"$out"
check "the exchange answers the app's state (C4)" test "$(json_get "$work/tok.body" d.state)" = "manual-$weird"
cred=$(json_get "$work/tok.body" d.credential.id)
out=$(token_post "$code" "$secret")
check "a replayed code is invalid_grant (C6)" grep -q '^400 .*"invalid_grant"' <<<"$out"
check "a replay revokes the credential issued for the code (C6)" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $api_key" "$BROKER/v1/credentials/$cred")" = 404

# 4. Two concurrent exchanges of one code: exactly one wins (C6).
browse "$APP/login?state=manual-race" >/dev/null
code=$(last callback d.query.code)
token_post "$code" "$secret" >"$work/race1" &
p1=$!
token_post "$code" "$secret" >"$work/race2" &
p2=$!
wait "$p1" "$p2"
check "two concurrent exchanges: exactly one 200 (C6)" test "$(cat "$work/race1" "$work/race2" | grep -c '^200 ')" = 1

# 4b. Several users in flight at once: three browsers at the same time.
ua_pids=()
for i in 1 2 3; do
  browse "$APP/login?state=many-$i" >/dev/null &
  ua_pids+=($!)
done
for p in "${ua_pids[@]}"; do wait "$p" || true; done
many=$(node -e "const l=require('fs').readFileSync(process.argv[1],'utf8').trim().split('\n').map(JSON.parse).filter(e=>e.kind==='exchange'&&e.status===200&&/^many-/.test(e.body.state)); console.log(new Set(l.map(e=>e.body.state)).size)" "$applog")
check "three concurrent flows each end with a credential" test "$many" = 3

# 5. A redirect URI with a query of its own keeps it (C5), via a start-auth link used twice.
link_json=$(curl -fsS -H "Authorization: Bearer $api_key" -H 'Content-Type: application/json' \
  --data "{\"oauth_app_id\":\"$app\",\"redirect_url\":\"$APP/manual/oidc?tenant=x\",\"state\":\"manual-link\"}" \
  "$BROKER/v1/credentials/start-auth")
start_url=$(node -e 'console.log(JSON.parse(process.argv[1]).start_url)' "$link_json")
OAUTHLINK_UA_CALLBACK="$APP/manual/oidc" $UA "$start_url" 2>>"$work/ua.err" || true
check "a start-auth link leads through the flow, the app's query kept (C5)" \
  bash -c "grep -qE '^tenant=x&code=[^&]+&state=manual-link&iss=' <<<'$(last callback d.raw_query)'"
check "a start-auth link works once: 410 the second time" \
  test "$(curl -s -o /dev/null -w '%{http_code}' "$start_url")" = 410
check "/v1 without the API key is 401" \
  test "$(curl -s -o /dev/null -w '%{http_code}' "$BROKER/v1/credentials")" = 401
check "GET /v1/oauth-apps masks the client secret" \
  bash -c "curl -fsS -H 'Authorization: Bearer $api_key' '$BROKER/v1/oauth-apps' | grep -q '\"client_secret\":\"\*\*\*\*\*\*\*\*\"' && ! curl -fsS -H 'Authorization: Bearer $api_key' '$BROKER/v1/oauth-apps' | grep -qF '$secret'"

# 6. A bad redirect_uri: a 400 page, no Location (C3); debug=true names it (C11).
bad="$BROKER/link/oauth2/authorize?client_id=$app&redirect_uri=$(urlenc 'http://127.0.0.1.evil.com/app/cb/oidc')"
curl -sS -D "$work/bad.headers" -o "$work/bad.body" "$bad"
check "a bad redirect_uri is a 400 page (C3)" grep -q '^HTTP/1.1 400' "$work/bad.headers"
check "a bad redirect_uri never redirects (C3)" bash -c "! grep -qi '^location:' '$work/bad.headers'"
curl -sS -o "$work/debug.body" "$bad&debug=true&scopes=%22x%22"
check "the debug page names the fault (C11)" grep -q 'is not registered' "$work/debug.body"
check "the debug page lists the registered URIs (C11)" grep -qF 'http://127.0.0.1/app/cb/oidc' "$work/debug.body"
check "the debug page names malformed scopes (C11)" grep -q 'scopes is malformed' "$work/debug.body"
check "the debug page shows no secret, code or token (C11)" \
  bash -c "! grep -qF -e '$secret' -e '$code' -e '$api_key' '$work/debug.body'"
curl -sS -o "$work/debug2.body" "$BROKER/link/oauth2/authorize?client_id=app_nope&debug=true"
check "the debug page names an unknown app (C3)" grep -q 'unknown app id' "$work/debug2.body"

# 7. The provider's error is relayed with state and iss (C9).
browse "$APP/login?state=manual-deny" deny >/dev/null
check "a denial is relayed to the app (C9)" test "$(last callback "[d.query.error, d.query.state, d.query.iss].join(' ')")" = "access_denied manual-deny $BROKER"
check "no code comes with a denial (C9)" test "$(last callback "d.query.code === undefined")" = true

# 8. The Host header is checked (B3, C11).
check "a foreign Host header gets 421 (B3)" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: evil.example:$broker_port" "$BROKER/.well-known/oauth-authorization-server")" = 421

# 9. A restart mid-flow keeps the pending flow.
curl -sS -D "$work/start.headers" -o /dev/null "$BROKER/link/oauth2/authorize?client_id=$app&redirect_uri=$(urlenc "$CB")&state=manual-restart&scopes=openid"
to_provider=$(grep -i '^location:' "$work/start.headers" | sed 's/^[Ll]ocation: //' | tr -d '\r')
kill -TERM "$serve_pid"
rc=0
wait "$serve_pid" || rc=$?
check "SIGTERM stops serve with exit 0" test "$rc" = 0
start_serve "$broker_port"
check "serve restarts on the same port" test "$BROKER" = "http://127.0.0.1:$broker_port"
browse "$to_provider" >/dev/null
check "after a restart the flow started before it completes" \
  test "$(last callback "d.query.state + ' ' + Boolean(d.query.code)")" = "manual-restart true"

# 10. An expired code (a broker with a 1 s code lifetime; the default is 60 s).
kill -TERM "$serve_pid"
wait "$serve_pid" || true
start_serve "$broker_port" --code-ttl 1
browse "$APP/login?state=manual-expiry" >/dev/null
code=$(last callback d.query.code)
sleep 2.5
out=$(token_post "$code" "$secret")
check "an expired code is invalid_grant (C6)" grep -q '^400 .*"invalid_grant"' <<<"$out"

# 11. The log: one line per request, no secrets (E2).
check "serve logs one line per request" grep -q '^serve: GET /link/oauth2/callback/oidc?code=\[len=' "$work/serve.err"
access_token=$(node -e "const l=require('fs').readFileSync(process.argv[1],'utf8').trim().split('\n').map(JSON.parse).find(e=>e.kind==='exchange'&&e.status===200); console.log(l.body.credential.properties.access_token)" "$applog")
check "the log holds no code, secret, token or app state (E2)" \
  bash -c "! grep -qF -e '$code' -e '$secret' -e '$api_key' -e '$access_token' -e 'manual-restart' '$work/serve.err'"
finish
