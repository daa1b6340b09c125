#!/usr/bin/env bash
# A catalog environment and a post-authorization request, end to end: a user catalog
# overlay ($XDG_CONFIG_HOME/oauthlink/providers.toml) adds a provider whose production
# endpoints are unreachable and whose "staging" environment is oidc-provider; its
# post-authorization request reads the userinfo endpoint with the new token.
source "$(dirname "$0")/lib.sh"
issuer=$(oidc_issuer)
export XDG_CONFIG_HOME="$work/config"
mkdir -p "$XDG_CONFIG_HOME/oauthlink"
# Port 9 (discard) on loopback: nothing listens there, so production cannot answer.
cat >"$XDG_CONFIG_HOME/oauthlink/providers.toml" <<TOML
[staged]
name = "Staged"
docs = "https://docs.example/oauth"
authorization_url = "http://127.0.0.1:9/auth"
token_url = "http://127.0.0.1:9/token"
api_base_url = "https://{account_sub}.api.example"
auth_method = "client_secret_basic"
default_scopes = ["openid", "email"]

[staged.environments.staging]
authorization_url = "$issuer/auth"
token_url = "$issuer/token"
issuer = "$issuer"

[[staged.post_authorization]]
url = "$issuer/me"
keep = { account_sub = "sub", account_email = "email" }
required = true
TOML

check "providers check accepts the overlay" ol providers check "$XDG_CONFIG_HOME/oauthlink/providers.toml"
ol providers show staged >"$work/show.txt"
check "providers show lists the environment" grep -q "Environments: staging" "$work/show.txt"
check "providers show lists the post-authorization request" grep -q "post_authorization: .*$issuer/me" "$work/show.txt"

rc=0
ol apps add staged --client-id basic-client --environment nope --client-secret-stdin \
  </dev/null >"$work/bad.out" 2>"$work/bad.err" || rc=$?
check "unknown environment: usage error (exit 2)" test "$rc" -eq 2
check "unknown environment: the known ones are listed" grep -q "has no environment 'nope' (known: staging)" "$work/bad.err"

app=$(printf '%s\n' basic-secret-0123456789abcdef0123456789abcdef |
  ol apps add staged --client-id basic-client --client-secret-stdin --environment staging)
check "apps show shows the environment" bash -c "\"$OAUTHLINK_BIN\" apps show $app | grep -qx 'environment: staging'"

before=$(oidc_stats | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).userinfo_requests))")
rc=0
BROWSER="$UA" ol connect "$app" --redirect-uri http://127.0.0.1/cb --timeout 60 \
  >"$work/connect.json" 2>"$work/connect.err" || rc=$?
check "connect through the environment exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$work/connect.err"
after=$(oidc_stats | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).userinfo_requests))")
check "the authorize URL was the environment's" grep -qE "^$issuer/auth\?response_type=code&" "$work/connect.err"
check "exactly one post-authorization request reached the server" test "$after" -eq $((before + 1))
token=$(json_get "$work/connect.json" d.credential.properties.access_token)
me=$(curl -fsS -H "Authorization: Bearer $token" "$issuer/me")
sub=$(node -e "console.log(JSON.parse(process.argv[1]).sub)" "$me")
email=$(node -e "console.log(JSON.parse(process.argv[1]).email)" "$me")
check "the kept sub is the server's answer" test "$(json_get "$work/connect.json" d.credential.properties.account_sub)" = "$sub"
check "the kept email is the server's answer" test "$(json_get "$work/connect.json" d.credential.properties.account_email)" = "$email"
finish
