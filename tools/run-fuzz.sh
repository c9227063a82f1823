#!/usr/bin/env bash
# Short libFuzzer runs of every fuzz target (tests/fuzz/*_fuzz.cpp), built with
# clang, ASan and UBSan, each starting from its seed corpus. Usage:
#   tools/run-fuzz.sh [SECONDS_PER_TARGET]   (default 20)
# A crash leaves its input in build/fuzz/crashes/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
# The test command's build (tools/configure-test-build.sh): its libraries are
# instrumented for coverage, so the fuzzers see the code they drive.
build=${KWIRE_FUZZ_BUILD_DIR:-build/test-asan}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
[ -f "$build/CMakeCache.txt" ] || tools/configure-test-build.sh "$build"
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
