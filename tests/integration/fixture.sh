#!/usr/bin/env bash
# CTest fixture: starts or stops the oidc-provider test server.
#   fixture.sh start STATE_FILE    (installs node_modules with npm ci if missing)
#   fixture.sh stop STATE_FILE
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action=$1
state=$2
case "$action" in
start)
  if [ ! -d "$here/oidc/node_modules/oidc-provider" ]; then
    echo "fixture: installing oidc-provider with npm ci" >&2
    (cd "$here/oidc" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
  rm -f "$state"
  log="${state%.json}.log"
  # setsid: the server outlives this script, and CTest does not wait on its output.
  setsid node "$here/oidc/server.mjs" --port 0 --state-file "$state" --quiet \
    </dev/null >"$log" 2>&1 &
  for _ in $(seq 1 200); do
    [ -s "$state" ] && { echo "fixture: oidc-provider at $(cat "$state")"; exit 0; }
    sleep 0.1
  done
  echo "fixture: oidc-provider did not start; its log:" >&2
  cat "$log" >&2
  exit 1
  ;;
stop)
  if [ -s "$state" ]; then
    pid=$(node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')).pid)" "$state")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$state"
  fi
  ;;
*)
  echo "usage: fixture.sh start|stop STATE_FILE" >&2
  exit 2
  ;;
esac
