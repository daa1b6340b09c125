#!/usr/bin/env bash
# Benchmark: one full `oauthlink connect` cycle (discovery, loopback server, browser,
# callback, code exchange, store, print), split into oauthlink's own time and the time
# spent in the provider and the browser. Prints medians over N runs (default 20) against
# the embedded sandbox (browser: curl) and against oidc-provider (browser: the scripted
# user agent, which logs in and consents).
#   bench/connect.sh [N]      (after scripts/build.sh and npm ci in tests/integration/oidc)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${OAUTHLINK_BIN:-$root/build/oauthlink}"
runs=${1:-20}
work="$(mktemp -d)"
export OAUTHLINK_HOME="$work/home" OAUTHLINK_CATALOG="$root/share/providers.toml"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

now_us() { date +%s%6N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

measure() { # measure LABEL APP BROWSER
  local label=$1 app=$2 browser=$3 totals=() waits=() https=() owns=()
  for _ in $(seq 1 "$runs"); do
    local t0 t1 err="$work/err"
    t0=$(now_us)
    BROWSER="$browser" "$bin" --verbose connect "$app" --timeout 30 >/dev/null 2>"$err"
    t1=$(now_us)
    local total wait http
    total=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b-a)/1000}')
    wait=$(grep -oE 'waited [0-9.]+ ms' "$err" | grep -oE '[0-9.]+')
    http=$(grep -oE 'bytes, [0-9.]+ ms' "$err" | grep -oE '[0-9.]+ ms' | grep -oE '[0-9.]+' | awk '{s+=$1} END {printf "%.1f", s}')
    totals+=("$total"); waits+=("$wait"); https+=("$http")
    owns+=("$(awk -v t="$total" -v w="$wait" -v h="$http" 'BEGIN {printf "%.1f", t-w-h}')")
  done
  printf '%-34s total %7s ms | browser+provider pages %7s ms | provider HTTP %6s ms | oauthlink own %6s ms\n' \
    "$label" "$(printf '%s\n' "${totals[@]}" | median)" "$(printf '%s\n' "${waits[@]}" | median)" \
    "$(printf '%s\n' "${https[@]}" | median)" "$(printf '%s\n' "${owns[@]}" | median)"
}

echo "oauthlink connect, median of $runs runs ($(nproc) cores, $(uname -m))"
startup=()
for _ in $(seq 1 "$runs"); do t0=$(now_us); "$bin" --version >/dev/null; t1=$(now_us); startup+=($((t1 - t0))); done
printf '%-34s %7s ms\n' "process start (--version)" "$(printf '%s\n' "${startup[@]}" | median | awk '{printf "%.1f", $1/1000}')"

"$bin" sandbox --port 0 --auto-approve --json >"$work/sandbox.json" 2>/dev/null &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/sandbox.json" ] && break; sleep 0.05; done
read -r issuer secret < <(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(d.issuer,d.clients[0].client_secret)' "$work/sandbox.json")
app=$(printf '%s\n' "$secret" | "$bin" apps add oidc --issuer "$issuer" --client-id sandbox-basic --client-secret-stdin)
measure "sandbox (curl as browser)" "$app" "curl -fsSL -o /dev/null"

state="$work/oidc.json"
bash "$root/tests/integration/fixture.sh" start "$state" >/dev/null
pids+=("$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).pid)' "$state")")
oidc_issuer=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).issuer)' "$state")
app=$(printf '%s\n' basic-secret-0123456789abcdef0123456789abcdef |
  "$bin" apps add oidc --issuer "$oidc_issuer" --client-id basic-client --client-secret-stdin)
measure "oidc-provider (scripted UA)" "$app" "node $root/tests/integration/ua/browser.mjs"
echo "own = total - browser+provider pages - provider HTTP (discovery + token); it includes process start"
