#!/usr/bin/env bash
# connect --grant client_credentials against oidc-provider: no browser; the token works
# at the introspection endpoint; `token` mints a new one once it (nearly) expires.
# No clock races: the token lives an hour, so it is valid for as long as the checks take;
# `--min-ttl` above that hour makes it due, without waiting for the clock.
source "$(dirname "$0")/lib.sh"
start_own_oidc 3600
issuer=$OWN_ISSUER
secret=cc-secret-0123456789abcdef0123456789abcdef
cc_requests() { curl -fsS "$issuer/__stats" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).token_requests.client_credentials||0))"; }

app=$(printf '%s\n' "$secret" | ol apps add oidc --issuer "$issuer" --client-id cc-client --client-secret-stdin --scopes api:read)
BROWSER="touch $work/browser-started" ol connect "$app" --grant client_credentials >"$work/cred.json" 2>"$work/err" && rc=0 || rc=$?
check "client credentials: exit 0" test "$rc" -eq 0
check "no browser was started" test ! -e "$work/browser-started"
check "one client_credentials request" test "$(cc_requests)" -eq 1
cred=$(json_get "$work/cred.json" d.credential.id)
token=$(json_get "$work/cred.json" d.credential.properties.access_token)
active=$(curl -fsS -u "cc-client:$secret" -d "token=$token" "$issuer/token/introspection")
check "the token is active at the provider" grep -q '"active":true' <<<"$active"
check "the credential records the grant" \
  bash -c "'$OAUTHLINK_BIN' credentials show $cred --json | grep -q '\"grant\": \"client_credentials\"'"
check "a valid token is printed without a new request" \
  bash -c "test \"\$('$OAUTHLINK_BIN' token $cred)\" = '$token' && test \$(curl -fsS '$issuer/__stats' | grep -o '\"client_credentials\":[0-9]*' | cut -d: -f2) -eq 1"
check "a token valid for longer than --min-ttl is printed as is" \
  test "$(ol token "$cred" --min-ttl 60)" = "$token"
check "still one client_credentials request" test "$(cc_requests)" -eq 1
second=$(ol token "$cred" --min-ttl 7200)
check "once it expires within --min-ttl, token mints a new one" test -n "$second" -a "$second" != "$token"
check "two client_credentials requests in all" test "$(cc_requests)" -eq 2
set +e
ol connect "$app" --grant password >/dev/null 2>"$work/bad.err"
rc=$?
set -e
check "other grants are refused (exit 2)" test "$rc" -eq 2
finish
