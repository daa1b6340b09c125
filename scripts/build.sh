#!/usr/bin/env bash
# Configures and builds into ${OAUTHLINK_BUILD_DIR:-build}. Extra arguments go to cmake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${OAUTHLINK_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${OAUTHLINK_BUILD_TYPE:-RelWithDebInfo}" "$@" >&2
cmake --build "$build" -j"$(nproc)" >&2
