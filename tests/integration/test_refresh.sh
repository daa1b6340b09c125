#!/usr/bin/env bash
# `oauthlink token` against oidc-provider with rotating refresh tokens: a token that
# (nearly) expires -> one refresh; twenty processes at once -> exactly one refresh
# request, one shared new token, and the rotated refresh token is not lost; a revoked
# refresh token -> exit 4 (needs an interactive login) with the credential kept.
# No clock races: the first token lives an hour, so it is fresh for as long as the checks
# take; `--min-ttl` above that hour makes it due for refresh, and the token the refresh
# brings lives longer than --min-ttl, so a process that starts after the refresh finds it
# valid, however slowly the twenty start.
source "$(dirname "$0")/lib.sh"
start_own_oidc 3600
issuer=$OWN_ISSUER
secret=basic-secret-0123456789abcdef0123456789abcdef
refreshes() { curl -fsS "$issuer/__stats" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).token_requests.refresh_token||0))"; }

app=$(printf '%s\n' "$secret" | ol apps add oidc --issuer "$issuer" --client-id basic-client --client-secret-stdin)
BROWSER="$UA" ol connect "$app" --timeout 60 >"$work/cred.json" 2>"$work/connect.err"
cred=$(json_get "$work/cred.json" d.credential.id)
first=$(json_get "$work/cred.json" d.credential.properties.access_token)
check "a fresh token is printed as is, with no refresh" test "$(ol token "$cred")" = "$first"
check "no refresh request yet" test "$(refreshes)" -eq 0

oidc_set_ttl 86400
for i in $(seq 1 20); do
  "$OAUTHLINK_BIN" token "$cred" --min-ttl 7200 >"$work/t$i.out" 2>"$work/t$i.err" &
  pids[$i]=$!
done
failures=0
for i in $(seq 1 20); do wait "${pids[$i]}" || failures=$((failures + 1)); done
check "twenty concurrent token calls all succeed" test "$failures" -eq 0
check "exactly one refresh request reached the provider" test "$(refreshes)" -eq 1
distinct=$(cat "$work"/t*.out | sort -u | wc -l)
check "all twenty printed the same token" test "$distinct" -eq 1
second=$(cat "$work/t1.out")
check "the printed token is the new one" test "$second" != "$first"
check "the new token works at userinfo" \
  bash -c "curl -fsS -H 'Authorization: Bearer $second' '$issuer/me' | grep -q '\"sub\":\"alice\"'"

# The rotated refresh token was stored: a forced refresh with it succeeds.
third=$(ol refresh "$cred")
check "refresh with the rotated refresh token succeeds" test -n "$third" -a "$third" != "$second"
check "two refresh requests in all" test "$(refreshes)" -eq 2

# A token that has really expired, with the default margin: the provider issues a
# one-second token, and once it reports that token inactive, `token` refreshes it.
oidc_set_ttl 1
short=$(ol refresh "$cred")
oidc_set_ttl 86400
expired_at_provider() {
  curl -fsS -u "basic-client:$secret" -d "token=$short" "$issuer/token/introspection" |
    grep -q '"active":false'
}
wait_until "the provider reports the one-second token expired" expired_at_provider
renewed=$(ol token "$cred")
check "an expired token is refreshed before it is printed" test -n "$renewed" -a "$renewed" != "$short"
check "four refresh requests in all" test "$(refreshes)" -eq 4

# Revoke the stored refresh token at the provider; the next refresh needs a login.
rt=$(ol credentials show "$cred" --json --reveal | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).properties.refresh_token))")
curl -fsS -u "basic-client:$secret" -d "token=$rt&token_type_hint=refresh_token" "$issuer/token/revocation" >/dev/null
set +e
ol refresh "$cred" >"$work/revoked.out" 2>"$work/revoked.err"
rc=$?
set -e
check "a revoked refresh token: exit 4 (needs an interactive login)" test "$rc" -eq 4
check "the message says to connect again" grep -q "oauthlink connect $app" "$work/revoked.err"
check "the credential is kept" bash -c "'$OAUTHLINK_BIN' credentials show $cred >/dev/null"
check "nothing printed on stdout" test ! -s "$work/revoked.out"
check "an unknown credential exits 1" bash -c "! '$OAUTHLINK_BIN' token cred_nope 2>/dev/null"
finish
