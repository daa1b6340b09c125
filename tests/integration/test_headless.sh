#!/usr/bin/env bash
# Headless use: --no-browser with the redirect URL pasted on stdin (a wrong state is
# refused, the right one completes), the ssh -L hint, and --non-interactive / CI.
source "$(dirname "$0")/lib.sh"
start_sandbox --auto-approve
app=$(printf '%s\n' "$(sandbox_secret sandbox-basic)" |
  ol apps add oidc --issuer "$SANDBOX_ISSUER" --client-id sandbox-basic --client-secret-stdin)

fifo="$work/stdin"
mkfifo "$fifo"
"$OAUTHLINK_BIN" connect "$app" --no-browser --timeout 30 <"$fifo" >"$work/out.json" 2>"$work/err" &
pid=$!
bg_pids+=("$pid")
exec 3>"$fifo"
url=$(wait_for_match "$work/err" '^http://127\.0\.0\.1:[0-9]+/authorize\?[^ ]*')
check "the authorize URL is printed" test -n "$url"
check "an ssh -L forwarding hint is printed" grep -qE 'ssh -L [0-9]+:127\.0\.0\.1:[0-9]+' "$work/err"
# What a browser elsewhere ends on: the sandbox's redirect to our loopback callback.
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$url")
check "the provider redirected to the loopback callback" grep -q '/callback/oidc?code=' <<<"$callback"
forged=$(sed -E 's/state=[^&]+/state=forged/' <<<"$callback")
echo "not a url" >&3
echo "$forged" >&3
check "a pasted URL with a wrong state is refused" \
  test -n "$(wait_for_match "$work/err" "state mismatch")"
check "the flow is still waiting" kill -0 "$pid"
echo "$callback" >&3
wait "$pid" && rc=0 || rc=$?
exec 3>&-
check "the pasted redirect URL completes the flow" test "$rc" -eq 0
check "the credential is printed" test "$(json_get "$work/out.json" "d.credential.id.slice(0,5)")" = cred_
check "'not a url' got a hint" grep -q "that is not a URL" "$work/err"

# Non-interactive: no person, no $BROWSER -> exit 4 at once.
set +e
ol connect "$app" --non-interactive --timeout 30 </dev/null >/dev/null 2>"$work/ni.err"
rc=$?
CI=true ol connect "$app" --timeout 30 </dev/null >/dev/null 2>"$work/ci.err"
rc_ci=$?
set -e
check "--non-interactive without \$BROWSER exits 4" test "$rc" -eq 4
check "the message says what to do" grep -q "set \$BROWSER" "$work/ni.err"
check "CI set, no terminal, no \$BROWSER: exit 4" test "$rc_ci" -eq 4
check "CI with an explicit \$BROWSER is honoured" \
  bash -c "CI=true BROWSER='curl -fsSL -o /dev/null' '$OAUTHLINK_BIN' connect $app --timeout 30 </dev/null >/dev/null 2>&1"
finish
