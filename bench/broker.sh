#!/usr/bin/env bash
# Benchmark: POST /link/oauth2/token on `oauthlink serve`, at 1 and 64 concurrent
# clients (wrk), beside a bare cpp-httplib handler in the same run.
#  - "success": broker codes minted beforehand by real flows (authorize -> the embedded
#    sandbox, auto-approved -> broker callback -> code), each exchanged once;
#  - "invalid_grant": an unknown code with a valid client secret (store lookups, no
#    credential read), which needs no preparation and can run for any duration.
#   bench/broker.sh [SECONDS per run, default 5] [CODES to mint per success run, default 400]
# Needs: scripts/build.sh, wrk (apt-get install wrk), g++ and libcpp-httplib-dev.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${OAUTHLINK_BIN:-$root/build/oauthlink}"
seconds=${1:-5}
mint=${2:-400}
work="$(mktemp -d)"
export OAUTHLINK_HOME="$work/home" OAUTHLINK_CATALOG="$root/share/providers.toml"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { echo "bench/broker.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }

"$bin" sandbox --port 0 --auto-approve --json >"$work/sandbox.json" 2>/dev/null &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/sandbox.json" ] && break; sleep 0.05; done
issuer=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).issuer)' "$work/sandbox.json")
node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(d.clients.find(c=>c.client_id==="sandbox-post").client_secret)' "$work/sandbox.json" >"$work/secret"
app=$("$bin" apps add oidc --issuer "$issuer" --client-id sandbox-post --auth-method client_secret_post \
  --client-secret-file "$work/secret" --scopes openid)
"$bin" redirects add 'http://127.0.0.1:9/app/:provider' >/dev/null
"$bin" serve --port 0 >"$work/serve.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.05; done
broker=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/serve.out" | head -1)

mint_codes() { # mint_codes N FILE: N codes from real flows, 4 at a time
  seq 1 "$1" | xargs -P 4 -I{} bash -c '
    url="$0/link/oauth2/authorize?client_id=$1&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fapp%2Foidc"
    for _hop in 1 2 3 4; do
      url=$(curl -sS -o /dev/null -w "%{redirect_url}" "$url")
      case "$url" in http://127.0.0.1:9/*) break ;; esac
    done
    sed -nE "s/.*[?&]code=([^&]+).*/\1/p" <<<"$url"' "$broker" "$app" >"$2"
}
g++ -std=c++20 -O2 -o "$work/bare" "$root/bench/broker/bare_httplib.cpp" $(pkg-config --cflags --libs cpp-httplib) -lpthread
"$work/bare" >"$work/bare.port" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/bare.port" ] && break; sleep 0.05; done
bare="http://127.0.0.1:$(cat "$work/bare.port")"

run() { # run LABEL URL CONNECTIONS CODES_FILE [DURATION]
  local threads=$(( $3 < 2 ? 1 : 2 ))
  echo "$1, $3 concurrent:"
  APP_ID=$app APP_SECRET_FILE=$work/secret CODES_FILE=$4 WRK_THREADS=$threads WRK_CONNECTIONS=$3 \
    wrk -t"$threads" -c"$3" -d"${5:-$seconds}s" -s "$root/bench/broker/token.lua" "$2" | grep 'requests/s'
}
echo "== POST /link/oauth2/token ($(nproc) cores; serve has 8 workers, Connection: close) =="
# Success: codes minted just before each run (they live 60 s), each exchanged once; the
# run stops when they are used up.
for c in 1 64; do
  t0=$(date +%s%N)
  mint_codes "$mint" "$work/codes.$c"
  t1=$(date +%s%N)
  echo "(minted $(wc -l <"$work/codes.$c") codes by real flows in $(( (t1 - t0) / 1000000 )) ms)"
  run "broker, success (200, codes minted by real flows)" "$broker" "$c" "$work/codes.$c" 10
done
run "broker, invalid_grant (unknown code, valid secret)" "$broker" 1 ""
run "broker, invalid_grant (unknown code, valid secret)" "$broker" 64 ""
run "bare cpp-httplib handler (fixed 400 JSON)" "$bare" 1 ""
run "bare cpp-httplib handler (fixed 400 JSON)" "$bare" 64 ""
