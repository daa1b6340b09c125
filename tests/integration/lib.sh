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

# Under load (CI runs the suite with -j2, once more under ASan) nothing here waits a fixed
# time: the helpers below poll for a condition, up to a generous bound, and return as soon
# as it holds. The bound only decides how long a broken test takes to fail.
wait_bound=${OAUTHLINK_TEST_WAIT:-120} # seconds

# wait_until DESCRIPTION COMMAND...: polls COMMAND until it succeeds (wait_bound seconds
# at most); returns 1, with a message on stderr, if it never does.
wait_until() {
  local what=$1 tries=$((wait_bound * 20))
  shift
  for _ in $(seq 1 "$tries"); do
    "$@" && return 0
    sleep 0.05
  done
  echo "wait_until: gave up after ${wait_bound} s: $what" >&2
  return 1
}

# Prints the first match of an extended REGEX in FILE once it appears (wait_bound seconds at
# most; prints nothing if it never does): for a URL a background connect writes on stderr.
wait_for_match() {
  local found=""
  for _ in $(seq 1 $((wait_bound * 20))); do
    found=$(grep -m1 -oE "$2" "$1" 2>/dev/null || true)
    [ -n "$found" ] && break
    sleep 0.05
  done
  printf '%s' "$found"
}

# True once something accepts TCP connections on 127.0.0.1:PORT.
port_accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Waits until a listener started in the background accepts on 127.0.0.1:PORT.
wait_for_port() { wait_until "a listener on 127.0.0.1:$1" port_accepts "$1"; }

# Sets the lifetime of the access tokens OWN_ISSUER (or ISSUER) issues from now on.
oidc_set_ttl() { # oidc_set_ttl SECONDS [ISSUER]
  curl -fsS -X POST "${2:-$OWN_ISSUER}/__ttl?seconds=$1" >/dev/null
}

# Starts a private oidc-provider whose access tokens live TTL seconds (see oidc_set_ttl);
# sets OWN_ISSUER.
start_own_oidc() {
  local state="$work/own-oidc.json"
  OIDC_AT_TTL=$1 node "$here/oidc/server.mjs" --port 0 --state-file "$state" --quiet \
    2>"$work/own-oidc.log" &
  bg_pids+=($!)
  wait_until "oidc-provider's state file (log: $work/own-oidc.log)" test -s "$state"
  OWN_ISSUER=$(json_get "$state" d.issuer)
}

# Starts `oauthlink sandbox` on an ephemeral port; sets SANDBOX_ISSUER and SANDBOX_JSON.
start_sandbox() {
  SANDBOX_JSON="$work/sandbox.json"
  "$OAUTHLINK_BIN" sandbox --port 0 --json "$@" >"$SANDBOX_JSON" 2>"$work/sandbox.log" &
  bg_pids+=($!)
  wait_until "the sandbox's JSON (log: $work/sandbox.log)" test -s "$SANDBOX_JSON"
  SANDBOX_ISSUER=$(json_get "$SANDBOX_JSON" d.issuer)
}
sandbox_secret() { json_get "$SANDBOX_JSON" "d.clients.find(c=>c.client_id==='$1').client_secret"; }

# True if the file holds one JSON document and nothing else.
is_json_only() { node -e "JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'))" "$1" 2>/dev/null; }

file_mode() { stat -c %a "$1"; }
