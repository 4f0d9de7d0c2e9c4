#!/usr/bin/env bash
# Builds and runs tests/consumer/main.cpp against gocxx the four ways a user may:
# an installed package through find_package and through pkg-config, and the
# source tree through add_subdirectory and FetchContent.
#   scripts/check_consumers.sh BUILD_DIR    (a configured, built gocxx build dir)
set -euo pipefail
build=$(realpath "${1:?usage: $0 BUILD_DIR}")
src=$(realpath "$(dirname "$0")/..")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cxx=${CXX:-c++}

step() { printf '\n--- consumer: %s\n' "$1"; }

step "cmake --install"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"

step "find_package"
cmake -S "$src/tests/consumer" -B "$work/find" -G Ninja -DGOCXX_CONSUME=find_package \
      -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/find" > /dev/null
"$work/find/consumer"

step "pkg-config"
pcdir=$(dirname "$(find "$work/prefix" -name gocxx.pc | head -1)")
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs gocxx)
echo "pkg-config --cflags --libs gocxx: $flags"
# shellcheck disable=SC2086
"$cxx" -std=c++20 -Wall -Wextra -Werror "$src/tests/consumer/main.cpp" $flags -o "$work/pc"
"$work/pc"

for mode in add_subdirectory fetchcontent; do
  step "$mode"
  cmake -S "$src/tests/consumer" -B "$work/$mode" -G Ninja -DGOCXX_CONSUME=$mode \
        -DGOCXX_SOURCE_DIR="$src" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$work/$mode" > /dev/null
  "$work/$mode/consumer"
done
echo
echo "consumers: all four built and ran"
