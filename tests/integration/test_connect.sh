#!/usr/bin/env bash
# The main job against a real authorization server, `oidc` (oidc-provider 8.8.1) or
# `sandbox` (oauthlink's own), for a client_secret_basic client, a client_secret_post
# client and a public PKCE client. The printed token must work at the userinfo endpoint.
source "$(dirname "$0")/lib.sh"
server=${1:?usage: test_connect.sh oidc|sandbox}
if [ "$server" = oidc ]; then
  issuer=$(oidc_issuer)
  userinfo=$issuer/me
  subject=alice
else
  start_sandbox --auto-approve
  issuer=$SANDBOX_ISSUER
  userinfo=$issuer/userinfo
  subject=sandbox-user
fi
exchanges() { if [ "$server" = oidc ]; then token_requests authorization_code; else echo 0; fi; }

connect_case() { # connect_case NAME CLIENT_ID SECRET AUTH_METHOD
  local name=$1 client=$2 secret=$3 method=$4 app before after
  if [ -n "$secret" ]; then
    app=$(printf '%s\n' "$secret" | ol apps add oidc --issuer "$issuer" --client-id "$client" \
      --client-secret-stdin --auth-method "$method" --scopes "openid email")
  else
    app=$(ol apps add oidc --issuer "$issuer" --client-id "$client" --scopes "openid email")
  fi
  before=$(exchanges)
  local out="$work/$name.json" err="$work/$name.err"
  if BROWSER="$UA" ol connect "$app" --timeout 60 >"$out" 2>"$err"; then
    pass "$name: connect exits 0"
  else
    fail "$name: connect exits 0"; cat "$err"; return
  fi
  check "$name: stdout is exactly one JSON document" is_json_only "$out"
  check "$name: credential shape" test "$(json_get "$out" "[d.credential.id.startsWith('cred_'), d.credential.oauth_app_id, d.credential.provider, d.credential.properties.token_type].join(' ')")" = "true $app oidc Bearer"
  check "$name: state echoed" test -n "$(json_get "$out" d.state)"
  check "$name: refresh token and expiry stored" test "$(json_get "$out" "Boolean(d.credential.properties.refresh_token && d.credential.properties.expires_at)")" = true
  check "$name: the authorize URL was on its own line of stderr" grep -qE "^http://127\.0\.0\.1:[0-9]+/[a-z]+\?response_type=code&" "$err"
  if [ "$server" = oidc ]; then
    after=$(exchanges)
    check "$name: exactly one code exchange" test "$after" -eq $((before + 1))
  fi
  local token
  token=$(json_get "$out" d.credential.properties.access_token)
  local me
  me=$(curl -fsS -H "Authorization: Bearer $token" "$userinfo" || true)
  check "$name: the token works at userinfo" grep -q "\"sub\":\"$subject\"" <<<"$me"
  local id
  id=$(json_get "$out" d.credential.id)
  check "$name: credentials show finds it, secrets masked" \
    bash -c "ol() { \"$OAUTHLINK_BIN\" \"\$@\"; }; ol credentials show $id --json | grep -q '(len=' && ! ol credentials show $id --json | grep -qF '$token'"
}

if [ "$server" = oidc ]; then
  connect_case basic basic-client basic-secret-0123456789abcdef0123456789abcdef client_secret_basic
  connect_case post post-client post-secret-0123456789abcdef0123456789abcdef client_secret_post
  connect_case public public-client "" none
else
  connect_case basic sandbox-basic "$(sandbox_secret sandbox-basic)" client_secret_basic
  connect_case post sandbox-post "$(sandbox_secret sandbox-post)" client_secret_post
  connect_case public sandbox-public "" none
fi
check "store file is 0600" test "$(file_mode "$OAUTHLINK_HOME/store.db")" = 600
check "store directory is 0700" test "$(file_mode "$OAUTHLINK_HOME")" = 700
check "three credentials listed" test "$(ol credentials list --json | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).length))")" = 3
finish
