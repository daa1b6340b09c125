#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the main job end to end against
# the embedded sandbox provider: register an app, connect through the loopback server
# (a scripted browser approves), print the credential, and use its token.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
-h | --help)
  sed -n '2,4p' "$0" | sed 's/^# //'
  exit 0
  ;;
esac
"$root/scripts/setup.sh"
OAUTHLINK_TARGET=oauthlink "$root/scripts/build.sh"
bin="${OAUTHLINK_BUILD_DIR:-$root/build}/oauthlink"
demo="$(mktemp -d "${TMPDIR:-/tmp}/oauthlink-demo.XXXXXX")"
export OAUTHLINK_HOME="$demo/home" OAUTHLINK_CATALOG="$root/share/providers.toml"
sandbox_pid=""
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null
  rm -rf "$demo"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

say "1. Start the sandbox authorization server (consent auto-approved)"
"$bin" sandbox --port 0 --auto-approve --json >"$demo/sandbox.json" 2>"$demo/sandbox.log" &
sandbox_pid=$!
for _ in $(seq 1 100); do [ -s "$demo/sandbox.json" ] && break; sleep 0.05; done
read -r issuer secret < <(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(d.issuer, d.clients[0].client_secret)' "$demo/sandbox.json")
echo "issuer: $issuer" >&2

say "2. Register the OAuth app (the secret comes on stdin, never on the command line)"
echo "\$ oauthlink apps add oidc --issuer $issuer --client-id sandbox-basic --client-secret-stdin" >&2
app=$(printf '%s\n' "$secret" | "$bin" apps add oidc --issuer "$issuer" --client-id sandbox-basic --client-secret-stdin)
echo "$app" >&2

say "3. Connect: loopback server, browser, callback, code exchange, store, print"
echo "\$ BROWSER='curl -fsSL -o /dev/null' oauthlink connect $app" >&2
BROWSER="curl -fsSL -o /dev/null" "$bin" connect "$app" --timeout 30 | tee "$demo/credential.json"

say "4. Use the access token at the provider's userinfo endpoint"
token=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).credential.properties.access_token)' "$demo/credential.json")
curl -fsS -H "Authorization: Bearer $token" "$issuer/userinfo" >&2
echo >&2
say "Done: the credential above is stored in $OAUTHLINK_HOME (removed now; use --home to keep one)"
