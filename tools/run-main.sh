#!/usr/bin/env bash
# The README's main job: build the kwire tool (Release) and run `kwire demo`:
# produce a stream of records (kwire::Producer, acks=all, idempotence on) to
# the brokers given with -b, or to an embedded cluster (librdkafka's mock)
# when none are given, read them all back and check counts and contents.
# Extra arguments go to `kwire demo` (see `kwire demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
build=${KWIRE_MAIN_BUILD_DIR:-build/release}
mkdir -p "$(dirname "$build")"
# Paths relative to the checkout, so other Release build dirs share compiles.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
# Only the tool: the demo needs no tests or benchmarks.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DKWIRE_BUILD_TESTS=OFF -DKWIRE_BUILD_BENCH=OFF \
  > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
echo "run-main: building the kwire tool (Release) in $build"
cmake --build "$build" -j"$(nproc)" --target kwire_tool > "$build.build.log" 2>&1 \
  || { tail -40 "$build.build.log"; echo "run-main: build failed (full log: $build.build.log)" >&2; exit 1; }
exec "$build/tools/kwire" demo "$@"
