#!/usr/bin/env bash
# oauthlink doctor: healthy setup -> exit 0; a taken redirect port, an exposed store or an
# unknown app -> FAIL with advice and exit 1; --json is machine-readable.
source "$(dirname "$0")/lib.sh"
start_sandbox --auto-approve
app=$(ol apps add oidc --issuer "$SANDBOX_ISSUER" --client-id sandbox-public)
check "healthy: exit 0" bash -c "'$OAUTHLINK_BIN' doctor $app >'$work/ok.out'"
check "it names the redirect URI connect will send" grep -q "redirect_uri http://127.0.0.1:[0-9]*/callback/oidc" "$work/ok.out"
check "it says what to register at the provider" grep -q "register http://127.0.0.1/callback/oidc" "$work/ok.out"
check "it reports the store" grep -q "^ok    store:" "$work/ok.out"
check "--json is an array of findings" \
  bash -c "'$OAUTHLINK_BIN' doctor $app --json | node -e \"let s='';process.stdin.on('data',c=>s+=c).on('end',()=>process.exit(JSON.parse(s).every(f=>f.status==='ok'||f.status==='warn')?0:1))\""
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
node -e "require('net').createServer().listen($port,'127.0.0.1')" &
bg_pids+=($!)
wait_for_port "$port"
ol redirects add "http://127.0.0.1:$port/callback/:provider" >/dev/null
set +e
ol doctor "$app" >"$work/port.out" 2>&1
rc=$?
set -e
check "a taken redirect port: exit 1" test "$rc" -eq 1
check "FAIL redirect with advice" bash -c "grep -q '^FAIL  redirect:.*port in use' '$work/port.out' && grep -q -- '-> free the port' '$work/port.out'"
chmod 644 "$OAUTHLINK_HOME/store.db"
set +e
ol doctor >"$work/store.out" 2>&1
rc=$?
set -e
chmod 600 "$OAUTHLINK_HOME/store.db"
check "an exposed store: exit 1 and a FAIL naming chmod" bash -c "test $rc -eq 1 && grep -q 'FAIL  store:.*chmod 600' '$work/store.out'"
finish
