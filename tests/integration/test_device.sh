#!/usr/bin/env bash
# connect --device (RFC 8628) against oidc-provider: the URL and user code are shown, the
# scripted browser approves at the verification URL, polling ends with a working token.
source "$(dirname "$0")/lib.sh"
issuer=$(oidc_issuer)
app=$(printf '%s\n' basic-secret-0123456789abcdef0123456789abcdef |
  ol apps add oidc --issuer "$issuer" --client-id basic-client --client-secret-stdin)
BROWSER="$UA" ol connect "$app" --device --timeout 60 >"$work/out.json" 2>"$work/err" && rc=0 || rc=$?
check "device grant: exit 0" test "$rc" -eq 0
check "the verification URL is shown" grep -qE "^http://127\.0\.0\.1:[0-9]+/device" "$work/err"
check "the user code is shown" grep -qE "enter the code: [A-Z0-9-]+" "$work/err"
token=$(json_get "$work/out.json" d.credential.properties.access_token)
check "the token works at userinfo" \
  bash -c "curl -fsS -H 'Authorization: Bearer $token' '$issuer/me' | grep -q '\"sub\":\"alice\"'"
check "the credential records the grant" test "$(json_get "$work/out.json" d.credential.metadata.grant)" = device_code
gh=$(printf 'x-secret-0123456789\n' | ol apps add github --client-id g --client-secret-stdin)
set +e
ol connect "$gh" --device >/dev/null 2>"$work/nodev.err"
rc=$?
ol connect "$app" --device --non-interactive </dev/null >/dev/null 2>&1
rc_ni=$?
set -e
check "a provider without a device endpoint: exit 2" test "$rc" -eq 2
check "the message says so" grep -q "no device authorization endpoint" "$work/nodev.err"
check "--device --non-interactive without \$BROWSER: exit 4" test "$rc_ni" -eq 4
finish
