#!/usr/bin/env bash
# Installs, from Debian's archive, whatever the build needs and is missing.
#   scripts/install-deps.sh           compilers, CMake, Ninja, GoogleTest, libdw, and
#                                     Go (tests compare gocxx's reports with Go's)
#   scripts/install-deps.sh --bench   also Boost.Fiber, liburing and Go's x/time for bench/
set -euo pipefail

packages=(cmake ninja-build g++ clang clang-format pkg-config libgtest-dev libgmock-dev
          libbenchmark-dev libdw-dev python3 golang-go)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(libboost-fiber-dev libboost-context-dev liburing-dev golang-golang-x-time-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
