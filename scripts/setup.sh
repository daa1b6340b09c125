#!/usr/bin/env bash
# Installs what oauthlink needs to build and test, from Debian's packages and npm.
# Installs only what is missing; uses sudo when not root.
set -euo pipefail
packages=(g++ cmake make pkg-config git curl ca-certificates openssl nodejs npm
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libcpp-httplib-dev
  libcurl4-openssl-dev libssl-dev libsqlite3-dev doctest-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come with Node.js from elsewhere: only ask apt for it when the command is absent.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm/}")
fi
if [ -n "$(echo "${missing[@]}" | tr -d ' ')" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
