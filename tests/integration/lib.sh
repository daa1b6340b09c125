# Helpers for the end-to-end tests: sourced by each test_*.sh. Each test gets its own
# store (OAUTHLINK_HOME) and temporary directory, removed on exit.
# Environment from CTest: OAUTHLINK_BIN, OAUTHLINK_CATALOG, OIDC_STATE (when the
# oidc-provider fixture is used).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${OAUTHLINK_BIN:?OAUTHLINK_BIN must name the oauthlink binary}"
: "${OAUTHLINK_CATALOG:?OAUTHLINK_CATALOG must name the catalog}"
export OAUTHLINK_CATALOG
unset BROWSER CI
work="$(mktemp -d "${TMPDIR:-/tmp}/oauthlink-e2e.XXXXXX")"
export OAUTHLINK_HOME="$work/home"
export XDG_CONFIG_HOME="$work/config"
UA="node $here/ua/browser.mjs"
passed=0
failed=0
bg_pids=()

cleanup() {
  local rc=$?
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

ol() { "$OAUTHLINK_BIN" "$@"; }

pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

json_get() { # json_get FILE EXPRESSION (a JS expression on `d`)
  node -e "const d=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')); const v=($2); console.log(typeof v==='object'?JSON.stringify(v):v)" "$1"
}

oidc_issuer() { json_get "$OIDC_STATE" d.issuer; }

oidc_stats() { curl -fsS "$(oidc_issuer)/__stats"; }

token_requests() { # token_requests GRANT
  oidc_stats | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const d=JSON.parse(s);console.log(d.token_requests['$1']||0)})"
}

# Prints the first match of an extended REGEX in FILE once it appears (5 s at most; prints
# nothing if it never does): for a URL a background connect writes on stderr.
wait_for_match() {
  local found=""
  for _ in $(seq 1 100); do
    found=$(grep -m1 -oE "$2" "$1" 2>/dev/null || true)
    [ -n "$found" ] && break
    sleep 0.05
  done
  printf '%s' "$found"
}

# Starts a private oidc-provider whose access tokens live TTL seconds; sets OWN_ISSUER.
start_own_oidc() {
  local state="$work/own-oidc.json"
  OIDC_AT_TTL=$1 node "$here/oidc/server.mjs" --port 0 --state-file "$state" --quiet \
    2>"$work/own-oidc.log" &
  bg_pids+=($!)
  for _ in $(seq 1 100); do [ -s "$state" ] && break; sleep 0.1; done
  OWN_ISSUER=$(json_get "$state" d.issuer)
}

# Starts `oauthlink sandbox` on an ephemeral port; sets SANDBOX_ISSUER and SANDBOX_JSON.
start_sandbox() {
  SANDBOX_JSON="$work/sandbox.json"
  "$OAUTHLINK_BIN" sandbox --port 0 --json "$@" >"$SANDBOX_JSON" 2>"$work/sandbox.log" &
  bg_pids+=($!)
  for _ in $(seq 1 100); do [ -s "$SANDBOX_JSON" ] && break; sleep 0.05; done
  SANDBOX_ISSUER=$(json_get "$SANDBOX_JSON" d.issuer)
}
sandbox_secret() { json_get "$SANDBOX_JSON" "d.clients.find(c=>c.client_id==='$1').client_secret"; }

# True if the file holds one JSON document and nothing else.
is_json_only() { node -e "JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'))" "$1" 2>/dev/null; }

file_mode() { stat -c %a "$1"; }
