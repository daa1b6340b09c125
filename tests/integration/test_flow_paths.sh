#!/usr/bin/env bash
# The paths around the main job, against a real server: `oidc` (oidc-provider 8.8.1) or
# `sandbox` (oauthlink's own). Deny, forged state, stray requests, timeout, --no-browser,
# a taken fixed port, Ctrl-C, and no secrets in --verbose output.
source "$(dirname "$0")/lib.sh"
server=${1:?usage: test_flow_paths.sh oidc|sandbox}

if [ "$server" = oidc ]; then
  issuer=$(oidc_issuer)
  client=basic-client
  secret=basic-secret-0123456789abcdef0123456789abcdef
else
  start_sandbox
  issuer=$SANDBOX_ISSUER
  client=sandbox-basic
  secret=$(sandbox_secret sandbox-basic)
fi
app=$(printf '%s\n' "$secret" | ol apps add oidc --issuer "$issuer" --client-id "$client" \
  --client-secret-stdin --scopes "openid email")
credential_count() { ol credentials list --json | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).length))"; }

# Deny: the provider's error and description, a distinct exit code, nothing stored.
set +e
OAUTHLINK_UA_MODE=deny BROWSER="$UA" ol connect "$app" --timeout 60 >"$work/deny.out" 2>"$work/deny.err"
rc=$?
set -e
check "deny: exit code 3 (provider refused or denied)" test "$rc" -eq 3
check "deny: message names access_denied" grep -q "access_denied" "$work/deny.err"
check "deny: stdout is empty" test ! -s "$work/deny.out"
check "deny: nothing stored" test "$(credential_count)" -eq 0

# Forged state first, then the real callback: 400 for the forged one, success after.
OAUTHLINK_UA_MODE=wrong-state OAUTHLINK_UA_LOG="$work/ua-state.log" BROWSER="$UA" \
  ol connect "$app" --timeout 60 >"$work/state.out" 2>"$work/state.err" && rc=0 || rc=$?
check "wrong state: the flow went on to succeed" test "$rc" -eq 0
check "wrong state: the forged callback got 400" \
  grep -q '"kind":"forged".*"status":400\|"status":400.*"kind":"forged"' "$work/ua-state.log"
check "wrong state: stderr says it was ignored" grep -q "state mismatch" "$work/state.err"
check "wrong state: one credential" test "$(credential_count)" -eq 1
check "wrong state: the success page is no-store" \
  grep -q '"cache-control":"no-store"' "$work/ua-state.log"

# A stray request (favicon) first: 404, and the flow is not consumed.
OAUTHLINK_UA_MODE=favicon-first OAUTHLINK_UA_LOG="$work/ua-fav.log" BROWSER="$UA" \
  ol connect "$app" --timeout 60 >"$work/fav.out" 2>"$work/fav.err" && rc=0 || rc=$?
check "favicon first: success" test "$rc" -eq 0
check "favicon first: the favicon got 404" grep -q '"kind":"favicon".*"status":404' "$work/ua-fav.log"

# No callback: timeout exit code, port released, nothing stored.
before=$(credential_count)
OAUTHLINK_UA_MODE=never BROWSER="$UA" ol connect "$app" --timeout 2 >"$work/to.out" 2>"$work/to.err" && rc=0 || rc=$?
check "timeout: exit code 5" test "$rc" -eq 5
check "timeout: message" grep -q "no callback within 2 s" "$work/to.err"
check "timeout: nothing stored" test "$(credential_count)" -eq "$before"
port=$(grep -oE '^http://127\.0\.0\.1:[0-9]+/[a-z]*auth[a-z]*\?.*' "$work/to.err" | head -1 |
  grep -oE 'redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A[0-9]+' | grep -oE '[0-9]+$')
check "timeout: the loopback port is closed afterwards" \
  bash -c "! curl -s -o /dev/null --max-time 2 http://127.0.0.1:$port/"

# --no-browser: $BROWSER is not started; the URL is printed; a browser elsewhere finishes.
marker="$work/browser-started"
"$OAUTHLINK_BIN" connect "$app" --no-browser --timeout 60 >"$work/nb.out" 2>"$work/nb.err" &
nb_pid=$!
bg_pids+=("$nb_pid")
url=$(wait_for_match "$work/nb.err" '^http://127\.0\.0\.1:[0-9]+/[^ ]*')
check "--no-browser: the URL is printed on stderr" test -n "$url"
check "while connect waits, no process's arguments hold the client secret (E1)" \
  bash -c "! ps -eo args | grep -v grep | grep -qF -- '$secret'"
BROWSER="touch $marker" true
node "$here/ua/browser.mjs" "$url" >/dev/null 2>"$work/nb-ua.err" || true
wait "$nb_pid" && rc=0 || rc=$?
check "--no-browser: the flow completes from a browser started by hand" test "$rc" -eq 0
check "--no-browser: no browser was started" test ! -e "$marker"

# A registered fixed port that is taken: fail closed, before any URL is shown.
squat_port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
node -e "require('net').createServer().listen($squat_port,'127.0.0.1')" &
bg_pids+=($!)
wait_for_port "$squat_port"
ol redirects add "http://127.0.0.1:$squat_port/callback/:provider" >/dev/null
BROWSER="$UA" ol connect "$app" --timeout 5 >"$work/port.out" 2>"$work/port.err" && rc=0 || rc=$?
check "port in use: exit code 6" test "$rc" -eq 6
check "port in use: message" grep -q "port in use" "$work/port.err"
check "port in use: no URL was shown" bash -c "! grep -q 'state=' '$work/port.err'"
ol redirects remove "http://127.0.0.1:$squat_port/callback/:provider" >/dev/null

# A registered loopback redirect with a fixed free port is the one used.
free_port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
if [ "$server" = oidc ]; then path=/cb; else path=/callback/:provider; fi
ol redirects add "http://127.0.0.1:$free_port$path" >/dev/null
BROWSER="$UA" ol connect "$app" --timeout 60 >"$work/fixed.out" 2>"$work/fixed.err" && rc=0 || rc=$?
check "registered redirect: success" test "$rc" -eq 0
check "registered redirect: its port and path were used" \
  grep -q "redirect_uri=http%3A%2F%2F127.0.0.1%3A$free_port" "$work/fixed.err"
ol redirects remove "http://127.0.0.1:$free_port$path" >/dev/null

# Ctrl-C while waiting: exit 130, nothing stored.
before=$(credential_count)
# The binary itself, not the shell function: the signal must reach oauthlink.
OAUTHLINK_UA_MODE=never BROWSER="$UA" "$OAUTHLINK_BIN" connect "$app" --timeout 60 \
  >"$work/int.out" 2>"$work/int.err" &
int_pid=$!
wait_for_match "$work/int.err" 'state=' >/dev/null
kill -INT "$int_pid"
wait "$int_pid" && rc=0 || rc=$?
check "Ctrl-C: exit code 130" test "$rc" -eq 130
check "Ctrl-C: nothing stored" test "$(credential_count)" -eq "$before"
check "Ctrl-C: the message says so" grep -q "interrupted" "$work/int.err"

# --verbose never shows the secret, the code, the verifier or the token.
OAUTHLINK_UA_LOG="$work/ua-v.log" BROWSER="$UA" \
  ol --verbose connect "$app" --timeout 60 >"$work/v.out" 2>"$work/v.err" && rc=0 || rc=$?
check "verbose: success" test "$rc" -eq 0
check "verbose: it logged the HTTP exchange" grep -q "oauthlink: http > POST" "$work/v.err"
code=$(grep -oE '[?&]code=[^&"]+' "$work/ua-v.log" | head -1 | cut -d= -f2)
token=$(json_get "$work/v.out" d.credential.properties.access_token)
refresh=$(json_get "$work/v.out" d.credential.properties.refresh_token)
check "verbose: the code was captured by the test" test -n "$code"
for s in "$secret" "$code" "$token" "$refresh"; do
  check "verbose: a secret value is absent from stderr" bash -c "! grep -qF -- '$s' '$work/v.err'"
done
finish
