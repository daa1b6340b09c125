#!/usr/bin/env bash
# Installs what is missing, builds (warnings are errors), installs the test server's npm
# packages, and runs the whole test suite: unit tests and end-to-end tests against
# oidc-provider and the embedded sandbox. Extra arguments go to cmake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
(cd "$root/tests/integration/oidc" && npm ci --no-audit --no-fund --loglevel=error) >&2
"$root/scripts/build.sh" "$@"
build="${OAUTHLINK_BUILD_DIR:-$root/build}"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 300
