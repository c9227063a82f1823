#!/usr/bin/env bash
# Short libFuzzer runs of every fuzz target (tests/fuzz/*_fuzz.cpp), built with
# clang, ASan and UBSan, each starting from its seed corpus. Usage:
#   tools/run-fuzz.sh [SECONDS_PER_TARGET]   (default 20)
# A crash leaves its input in build/fuzz/crashes/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
build=${KWIRE_FUZZ_BUILD_DIR:-build/fuzz}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
mkdir -p "$build"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKWIRE_FUZZ=ON \
  -DKWIRE_SANITIZE=address,undefined -DKWIRE_BUILD_TOOLS=OFF -DKWIRE_BUILD_BENCH=OFF > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
targets=$(cd tests/fuzz && ls *_fuzz.cpp | sed 's/\.cpp$//')
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target $targets
mkdir -p "$build/crashes"
for t in $targets; do
  work=$(mktemp -d)  # new inputs found this run; the committed seeds stay as they are
  seeds=tests/fuzz/corpus/$t
  mkdir -p "$seeds"
  echo "fuzz: $t for ${secs}s"
  "$build/tests/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=0 \
    -artifact_prefix="$build/crashes/$t-" "$work" "$seeds" 2>&1 | tail -n 2
  rm -rf "$work"
done
echo "fuzz: all targets ran without a crash"
