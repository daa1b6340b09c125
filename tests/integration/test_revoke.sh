#!/usr/bin/env bash
# `credentials verify` and `credentials revoke` against oidc-provider (RFC 7009, its
# revocation endpoint from discovery): afterwards the tokens no longer work at userinfo
# or introspection, and the credential is gone (SECURITY.md F4).
source "$(dirname "$0")/lib.sh"
start_own_oidc 3600
issuer=$OWN_ISSUER
secret=basic-secret-0123456789abcdef0123456789abcdef
introspect() { curl -fsS -u "basic-client:$secret" -d "token=$1" "$issuer/token/introspection" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).active))"; }
stat_of() { curl -fsS "$issuer/__stats" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).$1))"; }

app=$(printf '%s\n' "$secret" | ol apps add oidc --issuer "$issuer" --client-id basic-client --client-secret-stdin)
BROWSER="$UA" ol connect "$app" --timeout 60 >"$work/cred.json" 2>"$work/connect.err"
cred=$(json_get "$work/cred.json" d.credential.id)
at=$(json_get "$work/cred.json" d.credential.properties.access_token)
rt=$(json_get "$work/cred.json" d.credential.properties.refresh_token)
check "verify: oidc-provider accepts the token at userinfo (exit 0)" ol credentials verify "$cred"
check "verify called userinfo once" test "$(stat_of userinfo_requests)" -eq 1
check "before revoke the refresh token is active" test "$(introspect "$rt")" = true
check "revoke: revoked and deleted" bash -c "'$OAUTHLINK_BIN' credentials revoke $cred | grep -qx 'revoked and deleted $cred'"
check "revoke reached the revocation endpoint" test "$(stat_of revocation_requests)" -ge 1
check "after revoke the refresh token is inactive at introspection" test "$(introspect "$rt")" = false
check "after revoke the access token is inactive at introspection" test "$(introspect "$at")" = false
check "after revoke the access token no longer works at userinfo" \
  bash -c "! curl -fsS -H 'Authorization: Bearer $at' '$issuer/me' >/dev/null 2>&1"
check "after revoke the credential is gone" bash -c "! '$OAUTHLINK_BIN' credentials show $cred 2>/dev/null"
finish
