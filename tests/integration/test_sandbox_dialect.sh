#!/usr/bin/env bash
# `oauthlink sandbox --dialect SLUG`: the real binary registers an app for a catalog
# provider, connects through the emulator (pointed at by the overlay it wrote) and
# refreshes; the emulator, which checks every request against the provider's dialect,
# reports no problem. The printed tokens are the emulator's (its userinfo accepts them).
source "$(dirname "$0")/lib.sh"
overlay="$XDG_CONFIG_HOME/oauthlink/providers.toml"
stats() { curl -fsS "$issuer/__emulator/stats"; }

run_dialect() { # run_dialect SLUG [sandbox flags...]
  local slug=$1
  shift
  local out="$work/$slug.json"
  "$OAUTHLINK_BIN" sandbox --dialect "$slug" --port 0 --json --write-overlay "$overlay" "$@" \
    >"$out" 2>"$work/$slug-sandbox.log" &
  local pid=$!
  bg_pids+=($pid)
  for _ in $(seq 1 100); do [ -s "$out" ] && break; sleep 0.05; done
  issuer=$(json_get "$out" d.issuer)
  local client_id secret
  client_id=$(json_get "$out" d.client_id)
  secret=$(json_get "$out" d.client_secret)
  check "$slug: the overlay file is 0600 (E3)" test "$(file_mode "$overlay")" = 600
  check "$slug: the overlay points $slug at the emulator" grep -q "^token_url = \"$issuer/" "$overlay"
  local app
  # ENVIRONMENT=NAME: the app uses that catalog environment (pass --environment NAME too).
  app=$(printf '%s\n' "$secret" | ol apps add "$slug" ${ENVIRONMENT:+--environment "$ENVIRONMENT"} \
    --client-id "$client_id" --client-secret-stdin)
  BROWSER="$UA" ol connect "$app" --timeout 60 >"$work/$slug-cred.json" 2>"$work/$slug-connect.err"
  check "$slug: connect succeeds against the emulator" test -s "$work/$slug-cred.json"
  local cred first second
  cred=$(json_get "$work/$slug-cred.json" d.credential.id)
  first=$(json_get "$work/$slug-cred.json" d.credential.properties.access_token)
  check "$slug: the printed token is one the emulator issued" \
    curl -fsS -o /dev/null -H "Authorization: Bearer $first" "$issuer/userinfo"
  second=$(ol refresh "$cred")
  check "$slug: refresh prints a new token the emulator issued" \
    bash -c "test -n '$second' -a '$second' != '$first' && curl -fsS -o /dev/null -H 'Authorization: Bearer $second' '$issuer/userinfo'"
  check "$slug: token prints the refreshed token" test "$(ol token "$cred")" = "$second"
  check "$slug: the emulator saw one authorize, two token requests" \
    bash -c "curl -fsS '$issuer/__emulator/stats' | grep -q '\"authorize\":1' && curl -fsS '$issuer/__emulator/stats' | grep -q '\"token\":2'"
  check "$slug: the emulator found no problem with any request" \
    bash -c "curl -fsS '$issuer/__emulator/stats' | grep -q '\"problems\":\[\]'"
  check "$slug: the emulator's log holds no secret or token (E2)" \
    bash -c "! grep -qF -e '$secret' -e '$first' -e '$second' '$work/$slug-sandbox.log'"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

run_dialect slack                  # consent page; both auth methods, commas, ok:true, rotation
run_dialect notion --auto-approve  # Basic, JSON request body, rotation
run_dialect microsoft --auto-approve # {tenant} from template_defaults, offline_access
run_dialect harvest --auto-approve   # a post-authorization request (accounts, User-Agent)
account_id=$(json_get "$work/harvest-cred.json" d.credential.properties.account_id)
check "harvest: connect kept the account_id the emulator's accounts answer gave" \
  test -n "$account_id" -a "$account_id" != undefined
check "harvest: the emulator answered the post-authorization request" \
  grep -q "GET /post-auth/0 -> 200" "$work/harvest-sandbox.log"
ENVIRONMENT=sandbox run_dialect salesforce --auto-approve --environment sandbox
check "salesforce --environment sandbox: the tokens came from the environment's token URL" \
  grep -q "POST /env/sandbox/.*token -> 200" "$work/salesforce-sandbox.log"

# A user catalog the sandbox did not write is never replaced.
mine="$work/mine.toml"
printf '[x]\nname = "mine"\n' >"$mine"
set +e
ol sandbox --dialect github --port 0 --write-overlay "$mine" >/dev/null 2>"$work/refuse.err"
rc=$?
set -e
check "a foreign catalog file is not replaced: exit 2" test "$rc" -eq 2
check "... and the file is unchanged" grep -q '^name = "mine"' "$mine"
set +e
ol sandbox --dialect no-such-provider --port 0 >/dev/null 2>&1
rc=$?
ol sandbox --dialect oidc --port 0 >/dev/null 2>&1
rc2=$?
ol sandbox --write-overlay "$mine" --port 0 >/dev/null 2>&1
rc3=$?
set -e
check "an unknown dialect: exit 2" test "$rc" -eq 2
check "a discovery provider cannot be emulated: exit 2" test "$rc2" -eq 2
check "--write-overlay without --dialect: exit 2" test "$rc3" -eq 2
finish
