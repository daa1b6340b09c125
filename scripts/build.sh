#!/usr/bin/env bash
# Configures and builds into ${OAUTHLINK_BUILD_DIR:-build}. Extra arguments go to cmake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${OAUTHLINK_BUILD_DIR:-$root/build}"
# The same configuration for the demo and the tests, so that one reuses the other's build.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${OAUTHLINK_BUILD_TYPE:-RelWithDebInfo}" \
  -DOAUTHLINK_WERROR=ON -DBUILD_TESTING=ON "$@" >&2
# OAUTHLINK_TARGET=oauthlink builds the binary alone.
cmake --build "$build" -j"$(nproc)" ${OAUTHLINK_TARGET:+--target "$OAUTHLINK_TARGET"} >&2
