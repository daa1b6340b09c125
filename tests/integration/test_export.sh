#!/usr/bin/env bash
# credentials export in each format, on a credential from the sandbox, and delete.
source "$(dirname "$0")/lib.sh"
start_sandbox --auto-approve
app=$(printf '%s\n' "$(sandbox_secret sandbox-basic)" |
  ol apps add oidc --issuer "$SANDBOX_ISSUER" --client-id sandbox-basic --client-secret-stdin)
BROWSER="curl -fsSL -o /dev/null" ol connect "$app" --timeout 30 >"$work/cred.json" 2>/dev/null
cred=$(json_get "$work/cred.json" d.credential.id)
token=$(json_get "$work/cred.json" d.credential.properties.access_token)

ol credentials export "$cred" >"$work/export.json"
check "json: the credential with its token" test "$(json_get "$work/export.json" d.properties.access_token)" = "$token"
check "shell: sourcing it sets OIDC_ACCESS_TOKEN" \
  bash -c "eval \"\$('$OAUTHLINK_BIN' credentials export $cred --format shell)\"; test \"\$OIDC_ACCESS_TOKEN\" = '$token'"
check "env with --prefix" bash -c "'$OAUTHLINK_BIN' credentials export $cred --format env --prefix SB | grep -qx \"SB_ACCESS_TOKEN='$token'\""
check "dotenv" bash -c "'$OAUTHLINK_BIN' credentials export $cred --format dotenv | grep -qx 'OIDC_ACCESS_TOKEN=\"$token\"'"
check "header" test "$(ol credentials export "$cred" --format header)" = "Authorization: Bearer $token"
touch "$work/github_env"
GITHUB_ENV="$work/github_env" ol credentials export "$cred" --format github >"$work/gh.out"
check "github: the token is masked on stdout" grep -qx "::add-mask::$token" "$work/gh.out"
check "github: the token is not printed unmasked" test "$(grep -c "$token" "$work/gh.out")" -eq 1
check "github: GITHUB_ENV gets a delimited block" \
  bash -c "grep -q '^OIDC_ACCESS_TOKEN<<OAUTHLINK_' '$work/github_env' && grep -qx '$token' '$work/github_env'"
GITHUB_OUTPUT="$work/github_output" ol credentials export "$cred" --format github >/dev/null
check "github: GITHUB_OUTPUT gets the lower-case names" \
  bash -c "grep -q '^oidc_access_token<<OAUTHLINK_' '$work/github_output' && grep -qx '$token' '$work/github_output'"
check "github: a second export appends to GITHUB_ENV" bash -c \
  "GITHUB_ENV='$work/github_env' '$OAUTHLINK_BIN' credentials export $cred --format github >/dev/null; test \$(grep -c '^OIDC_ACCESS_TOKEN<<' '$work/github_env') -eq 2"
check "export --all in JSON is an array" bash -c "'$OAUTHLINK_BIN' credentials export --all | node -e \"let s='';process.stdin.on('data',c=>s+=c).on('end',()=>process.exit(Array.isArray(JSON.parse(s))?0:1))\""
check "export of two credentials of one provider asks for --prefix" \
  bash -c "BROWSER='curl -fsSL -o /dev/null' '$OAUTHLINK_BIN' connect $app >/dev/null 2>&1; ! '$OAUTHLINK_BIN' credentials export --all --format env 2>&1 | grep -q ACCESS_TOKEN="
check "an unknown format exits 2" bash -c "'$OAUTHLINK_BIN' credentials export $cred --format xml 2>/dev/null; test \$? -eq 2"
check "delete" bash -c "'$OAUTHLINK_BIN' credentials delete $cred | grep -q deleted"
check "a deleted credential is gone" bash -c "! '$OAUTHLINK_BIN' credentials show $cred 2>/dev/null"
finish
