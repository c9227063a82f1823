#!/usr/bin/env bash
# Configures the one instrumented build that the test command uses for
# everything: clang with AddressSanitizer and UndefinedBehaviorSanitizer,
# -Werror, every library also instrumented for libFuzzer's coverage, so the
# same objects serve the unit tests, the fuzz targets and the seed replays.
# tools/test-build-cache.cmake sets the flags chosen for compile time.
# Usage: tools/configure-test-build.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
mkdir -p "$(dirname "$build")"
CC=clang CXX=clang++ cmake -C tools/test-build-cache.cmake -S . -B "$build" -DKWIRE_SANITIZE=address,undefined \
  -DKWIRE_FUZZ=ON -DKWIRE_WERROR=ON -DKWIRE_BUILD_BENCH=ON > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
