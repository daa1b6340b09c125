#!/usr/bin/env bash
# Benchmark: whole-process wall time of `oauthlink token CRED` on a valid cached
# credential (no refresh, no network), median of many runs, beside `gh auth token` when gh
# is installed and logged in, and a bare process start for scale. Uses hyperfine when
# installed, else a loop. The load of the machine counts: see the CPU times too.
#   bench/token.sh [RUNS]     (after scripts/build.sh; target: median under 5 ms)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${OAUTHLINK_BIN:-$root/build/oauthlink}"
runs=${1:-200}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OAUTHLINK_HOME="$work/home" OAUTHLINK_CATALOG="$root/share/providers.toml"
unset OAUTHLINK_KEY

# A stored credential that stays valid: imported, so no provider is needed.
app=$(printf 'bench-secret\n' | "$bin" apps add github --client-id bench --client-secret-stdin)
cred=$(printf '{"oauth_app_id":"%s","provider":"github","properties":{"access_token":"%s","refresh_token":"r","expires_at":"2099-01-01T00:00:00Z"}}' \
  "$app" "gho_$(openssl rand -hex 20)" | "$bin" credentials import -)
cred=${cred#imported }
"$bin" token "$cred" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }

measure() { # measure LABEL COMMAND...
  local label=$1
  shift
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/h.json" "$*" >/dev/null 2>&1
    node -e "const r=JSON.parse(require('fs').readFileSync('$work/h.json','utf8')).results[0];
      console.log('$label: median ' + (r.median*1000).toFixed(2) + ' ms, mean ' + (r.mean*1000).toFixed(2)
        + ' ms, min ' + (r.min*1000).toFixed(2) + ' ms; CPU user ' + (r.user*1000).toFixed(2)
        + ' ms + system ' + (r.system*1000).toFixed(2) + ' ms (' + r.times.length + ' runs, hyperfine)')"
  else
    for _ in $(seq 1 "$runs"); do
      local t0 t1
      t0=$(date +%s%N)
      "$@" >/dev/null
      t1=$(date +%s%N)
      echo $(((t1 - t0) / 1000))
    done | median | awk -v l="$label" -v n="$runs" '{printf "%s: median %.2f ms (%d runs, shell loop: includes fork overhead)\n", l, $1/1000, n}'
  fi
}

measure "process start and exit (/bin/true)" /bin/true
measure "oauthlink token (key file)" "$bin" token "$cred"
key=$(openssl rand -hex 32)
OAUTHLINK_KEY=$key "$bin" --home "$work/env-home" status >/dev/null
printf '{"oauth_app_id":"%s","provider":"github","properties":{"access_token":"x","expires_at":"2099-01-01T00:00:00Z"}}' \
  "$(printf 's\n' | OAUTHLINK_KEY=$key "$bin" --home "$work/env-home" apps add github --client-id b --client-secret-stdin)" |
  OAUTHLINK_KEY=$key "$bin" --home "$work/env-home" credentials import - >"$work/env-cred"
env_cred=$(sed 's/^imported //' "$work/env-cred")
export OAUTHLINK_KEY=$key
measure "oauthlink token (OAUTHLINK_KEY)" "$bin" --home "$work/env-home" token "$env_cred"
unset OAUTHLINK_KEY
if command -v gh >/dev/null && gh auth token >/dev/null 2>&1; then
  measure "gh auth token" gh auth token
else
  echo "gh auth token: not measured (gh not installed or not logged in)"
fi
