#!/usr/bin/env bash
# The credential lifecycle against a scriptable emulator (stub/server.mjs) declared as a
# user catalog provider: import (idempotent, strict), verify and health, exec, api (401 ->
# one refresh, one retry), revoke and its failure paths, and the refresh failure modes the
# issue names: no refresh_token in the answer (F1), 503 (F2), a read-only store (E6).
source "$(dirname "$0")/lib.sh"
node "$here/stub/server.mjs" --state-file "$work/stub.json" &
bg_pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/stub.json" ] && break; sleep 0.05; done
base=$(json_get "$work/stub.json" d.base)
stats() { curl -fsS "$base/__stats" >"$work/stats.json" && json_get "$work/stats.json" "$1"; }
mode() { curl -fsS -X POST -d "$1" "$base/__mode" >/dev/null; }
tokens() { curl -fsS -X POST -d "$1" "$base/__tokens" >/dev/null; }
prop() { ol credentials show "$cred" --json --reveal >"$work/p.json" && json_get "$work/p.json" "$1"; }
status_of() { set +e; "$@" >"$work/out" 2>"$work/err"; echo $?; set -e; }

mkdir -p "$XDG_CONFIG_HOME/oauthlink"
cat >"$XDG_CONFIG_HOME/oauthlink/providers.toml" <<TOML
[stubco]
name = "Stub Co (test emulator)"
docs = "https://example.com/stub"
authorization_url = "$base/authorize"
token_url = "$base/token"
revocation_url = "$base/revoke"
userinfo_url = "$base/me"
api_base_url = "$base/api/{tenant}"
grant_types = ["authorization_code", "refresh_token"]
auth_method = "client_secret_basic"
response = { keep = ["tenant"] }

[stubnorevoke]
name = "Stub without revocation"
docs = "https://example.com/stub"
authorization_url = "$base/authorize"
token_url = "$base/token"
TOML
app=$(printf 'stub-secret\n' | ol apps add stubco --client-id stub-client --client-secret-stdin)
at0="stub-at-0-$RANDOM$RANDOM"
rt0="stub-rt-0-$RANDOM$RANDOM"
tokens "{\"access_token\":\"$at0\",\"refresh_token\":\"$rt0\"}"
cat >"$work/import.json" <<JSON
{"credential": {"oauth_app_id": "$app", "provider": "stubco",
  "properties": {"kind": "stubco_oauth2", "access_token": "$at0", "token_type": "Bearer",
    "refresh_token": "$rt0", "expires_at": "2099-01-01T00:00:00Z", "scope": "read",
    "tenant": "t1"}, "metadata": {}}, "state": "x"}
JSON

# --- import
first=$(ol credentials import "$work/import.json")
cred=${first#imported }
check "import stores the credential" test "$(ol token "$cred")" = "$at0"
second=$(ol credentials import - <"$work/import.json")
check "importing the same account again updates it in place" test "$second" = "updated $cred"
check "twice-imported: one credential" test "$(ol credentials list --json | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).length))")" -eq 1
ol credentials export "$cred" >"$work/exported.json"
check "re-importing an export (with its id) updates the same credential" test "$(ol credentials import "$work/exported.json")" = "updated $cred"
echo '{"credential": {"oauth_app_id": "'"$app"'", "provider": "stubco", "properties": {}}}' >"$work/bad1.json"
check "import without access_token: exit 2 naming the field" bash -c "test $(status_of ol credentials import "$work/bad1.json") -eq 2 && grep -q access_token '$work/err'"
echo 'not json' >"$work/bad2.json"
check "import of malformed JSON: exit 2" test "$(status_of ol credentials import "$work/bad2.json")" -eq 2
sed "s/$app/app_unknown/" "$work/import.json" >"$work/bad3.json"
check "import for an unknown app: exit 2" test "$(status_of ol credentials import "$work/bad3.json")" -eq 2
sed 's/2099-01-01T00:00:00Z/next tuesday/' "$work/import.json" >"$work/bad4.json"
check "import with a malformed expires_at: exit 2" test "$(status_of ol credentials import "$work/bad4.json")" -eq 2

# --- verify and health
check "verify: a valid token exits 0" test "$(status_of ol credentials verify "$cred")" -eq 0
check "verify asked the userinfo endpoint" test "$(stats d.userinfo)" -eq 1
check "verify recorded health ok" test "$(prop d.metadata.health.status)" = ok
check "credentials list shows the health" bash -c "'$OAUTHLINK_BIN' credentials list | grep -q 'ok '"

# --- exec
check "exec: the token is in the environment" test "$(ol exec "$cred" -- sh -c 'printf %s "$STUBCO_ACCESS_TOKEN"')" = "$at0"
ol credentials export "$cred" --format env | cut -d= -f1 | sort >"$work/export.names"
ol exec "$cred" -- env | grep '^STUBCO_' | cut -d= -f1 | sort >"$work/exec.names"
check "exec: the same variable names as export --format env" cmp -s "$work/export.names" "$work/exec.names"
check "exec: --prefix renames them" test "$(ol exec --prefix X "$cred" -- sh -c 'printf %s "$X_ACCESS_TOKEN"')" = "$at0"
check "exec: the exit status passes through" test "$(status_of ol exec "$cred" -- sh -c 'exit 7')" -eq 7
check "exec: a signal n gives 128+n" test "$(status_of ol exec "$cred" -- sh -c 'kill -TERM $$')" -eq 143
check "exec: a --json among the command's arguments does not turn oauthlink's errors into JSON" bash -c "! '$OAUTHLINK_BIN' exec cred_nope -- echo --json 2>&1 | grep -q '^{'"
ol exec "$cred" -- sh -c 'cat /proc/$$/cmdline /proc/$PPID/cmdline' >"$work/cmdlines"
check "exec: no token on the argv of oauthlink or the command" bash -c "! grep -aqF '$at0' '$work/cmdlines' && grep -aq exec '$work/cmdlines'"
check "exec: a command that is not found gives 127" test "$(status_of ol exec "$cred" -- /nonexistent/cmd)" -eq 127
check "exec without -- is a usage error" test "$(status_of ol exec "$cred")" -eq 2

# --- api
ol api "$cred" '/things?x=1' >"$work/api.json"
check "api: the base URL is filled from the credential's tenant" test "$(json_get "$work/api.json" "d.path+d.query")" = "/api/t1/things?x=1"
ol api "$cred" things -X PUT -H 'X-Test: yes' -d '{"a":1}' >"$work/api2.json"
check "api: method, header and JSON body are sent" test "$(json_get "$work/api2.json" "[d.method,d.x_test,d.content_type,d.body].join(' ')")" = 'PUT yes application/json {"a":1}'
ol api "$cred" /things -i >"$work/api3.out"
check "api -i: status line and headers first" bash -c "head -1 '$work/api3.out' | grep -q '^HTTP 200' && grep -qi '^x-stub: yes' '$work/api3.out'"
check "api -H Authorization is refused (exit 2)" test "$(status_of ol api "$cred" /x -H 'Authorization: Basic x')" -eq 2
check "api: a URL outside the API base is refused (exit 2)" test "$(status_of ol api "$cred" http://127.0.0.1:1/other)" -eq 2
tokens "{\"invalidate\":\"$at0\"}"
refresh_before=$(stats d.refresh)
ol --verbose api "$cred" /again >"$work/api4.json" 2>"$work/verbose-api.err"
check "api: on a 401, one refresh and one retry succeed (F1)" test "$(json_get "$work/api4.json" d.path)" = /api/t1/again
check "api: exactly one refresh request" test "$(stats d.refresh)" -eq $((refresh_before + 1))
check "api: the retry carried the new token" test "$(stats "d.api_auth.slice(-2).join()")" = "false,true"
rt1=$(prop d.properties.refresh_token)
check "the rotated refresh token was stored" test -n "$rt1" -a "$rt1" != "$rt0"

# An export made before that rotation (its updated_at says so) must not replace it.
ol credentials export "$cred" --format json | node -e '
  let d = JSON.parse(require("fs").readFileSync(0, "utf8")); let c = d.credential || d;
  c.updated_at = "2020-01-01T00:00:00Z"; c.properties.refresh_token = process.argv[1];
  process.stdout.write(JSON.stringify(d));' "$rt0" >"$work/stale.json"
check "import of an export older than the stored credential is refused (exit 1)" test "$(status_of ol credentials import "$work/stale.json")" -eq 1
check "... and the rotated refresh token is kept" test "$(prop d.properties.refresh_token)" = "$rt1"
ol credentials import --force "$work/stale.json" >/dev/null
check "import --force replaces it anyway" test "$(prop d.properties.refresh_token)" = "$rt0"
cat >"$work/restore.json" <<JSON
{"oauth_app_id":"$app","provider":"stubco","id":"$cred","properties":{"access_token":"$(prop d.properties.access_token)","refresh_token":"$rt1","token_type":"Bearer"}}
JSON
ol credentials import --force "$work/restore.json" >/dev/null

# --- refresh without refresh_token keeps the stored one (F1)
mode '{"refresh":"no_rt"}'
at2=$(ol --verbose refresh "$cred" 2>"$work/verbose-refresh.err")
check "a refresh answer without refresh_token: new access token" test -n "$at2"
check "a refresh answer without refresh_token keeps the stored one (F1)" test "$(prop d.properties.refresh_token)" = "$rt1"
check "the last refresh is recorded as ok" test "$(prop d.metadata.last_refresh.status)" = ok

# --- 503 during refresh (F2)
mode '{"refresh":"503"}'
check "503 during refresh: exit 3 (provider)" test "$(status_of ol refresh "$cred")" -eq 3
check "503 during refresh: tokens unchanged (F2)" test "$(prop d.properties.access_token) $(prop d.properties.refresh_token)" = "$at2 $rt1"
check "503 during refresh: recorded as the last refresh result" test "$(prop d.metadata.last_refresh.status)" = failed
check "credentials show displays the last refresh" bash -c "'$OAUTHLINK_BIN' credentials show $cred | grep -q 'last_refresh: failed'"
mode '{"refresh":"ok"}'

# --- a read-only store (E6)
before=$(stats d.refresh)
chmod 400 "$OAUTHLINK_HOME/store.db"
rc=$(status_of ol refresh "$cred")
chmod 600 "$OAUTHLINK_HOME/store.db"
check "a read-only store: refresh fails with exit 7 (E6)" test "$rc" -eq 7
check "a read-only store: no refresh request was sent (E6)" test "$(stats d.refresh)" -eq "$before"
check "a read-only store: the message says so" grep -qi "read" "$work/err"

# --- verify failure: a token the provider rejects, with a refresh token that is dead too
tokens "{\"invalidate\":\"$(prop d.properties.access_token)\"}"
mode '{"refresh":"503"}'
check "verify: rejected and the refresh fails: non-zero exit" test "$(status_of ol credentials verify "$cred")" -ne 0
check "verify recorded health failed" test "$(prop d.metadata.health.status)" = failed
mode '{"refresh":"ok"}'

# --- revoke (F4)
mode '{"revoke":"503"}'
check "revoke: a 503 keeps the credential and exits 3" test "$(status_of ol credentials revoke "$cred")" -eq 3
check "revoke: still stored after the failure" bash -c "'$OAUTHLINK_BIN' credentials show $cred >/dev/null"
mode '{"revoke":"400"}'
check "revoke: 400 unsupported_token_type is reported, credential kept (F4)" bash -c "test $(status_of ol credentials revoke "$cred") -eq 3 && grep -q unsupported_token_type '$work/err' && '$OAUTHLINK_BIN' credentials show $cred >/dev/null"
mode '{"revoke":"ok"}'
revokes_before=$(stats d.revoke)
secrets_seen="$at0 $rt0 $rt1 $at2 $(prop d.properties.access_token) $(prop d.properties.refresh_token)"
check "revoke: 200 with an empty body deletes locally (F4)" bash -c "'$OAUTHLINK_BIN' --verbose credentials revoke $cred 2>'$work/verbose-revoke.err' | grep -q 'revoked and deleted'"
leaks=0
for s in $secrets_seen stub-secret; do
  grep -qF -- "$s" "$work"/verbose-*.err && leaks=$((leaks + 1))
done
check "--verbose api, refresh and revoke log no token or client secret (E2)" test "$leaks" -eq 0
check "--verbose did log the requests" grep -q "POST $base/revoke" "$work/verbose-revoke.err"
check "revoke: refresh token first, then access token, with client auth" test "$(stats "d.revoked.slice($revokes_before).map(r=>r.hint+':'+r.basic).join()")" = "refresh_token:true,access_token:true"
check "revoke: the credential is gone" test "$(status_of ol credentials show "$cred")" -eq 1

# --- a provider without a revocation endpoint
app2=$(printf 'stub-secret\n' | ol apps add stubnorevoke --client-id stub-client --client-secret-stdin)
sed -e "s/$app/$app2/" -e 's/"stubco"/"stubnorevoke"/' "$work/import.json" >"$work/import2.json"
cred2=$(ol credentials import "$work/import2.json"); cred2=${cred2#imported }
check "revoke without a revocation endpoint: a clear error, kept" bash -c "test $(status_of ol credentials revoke "$cred2") -ne 0 && grep -q 'no revocation endpoint' '$work/err' && '$OAUTHLINK_BIN' credentials show $cred2 >/dev/null"
check "revoke --force deletes it anyway" bash -c "'$OAUTHLINK_BIN' credentials revoke --force $cred2 2>/dev/null | grep -q deleted && ! '$OAUTHLINK_BIN' credentials show $cred2 2>/dev/null"
check "import - stops reading at 1 MiB (exit 2), whatever the stream's length" bash -c "head -c 3000000 /dev/zero | '$OAUTHLINK_BIN' credentials import - 2>&1 | grep -q 'larger than'; test \${PIPESTATUS[1]} -eq 2"

# --- apps remove does not orphan credentials
cred3=$(ol credentials import "$work/import2.json"); cred3=${cred3#imported }
check "apps remove refuses while the app has credentials, naming them" bash -c "test $(status_of ol apps remove "$app2") -eq 1 && grep -q '$cred3' '$work/err' && '$OAUTHLINK_BIN' apps show $app2 >/dev/null"
check "apps remove --with-credentials deletes both" bash -c "'$OAUTHLINK_BIN' apps remove --with-credentials $app2 >/dev/null && ! '$OAUTHLINK_BIN' credentials show $cred3 2>/dev/null && ! '$OAUTHLINK_BIN' apps show $app2 2>/dev/null"
finish
