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
# Each target's coverage (edges "cov", features "ft") after replaying its
# seeds and at the end of the run goes to the log: a target that stays in
# single or low double digits is fuzzing blind (uninstrumented libraries).
# Targets are single-threaded, so one runs per core.
fuzz_one() {
  local t=$1 work log seeds inited done_line runs
  work=$(mktemp -d)  # new inputs found this run; the committed seeds stay as they are
  log=$work.log
  seeds=tests/fuzz/corpus/$t
  mkdir -p "$seeds"
  if ! "$build/tests/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=0 \
    -artifact_prefix="$build/crashes/$t-" "$work" "$seeds" > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $t FAILED (input in $build/crashes/)"
    rm -rf "$work" "$log"
    return 1
  fi
  inited=$(grep -m1 -oE 'INITED cov: [0-9]+ ft: [0-9]+' "$log" | sed 's/INITED //' || true)
  done_line=$(grep -oE 'DONE +cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+' "$log" | tail -n 1 | sed 's/DONE *//' || true)
  runs=$(grep -oE '^Done [0-9]+ runs' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
  echo "fuzz: $t seeds ${inited:-?}; after ${secs}s ${done_line:-?} (${runs:-?} runs)"
  rm -rf "$work" "$log"
}
export -f fuzz_one
export build secs
# shellcheck disable=SC2086
if ! printf '%s\n' $targets | xargs -P "$(nproc)" -I{} bash -c 'fuzz_one "$1"' _ {}; then
  echo "fuzz: a target crashed (see above)"
  exit 1
fi
echo "fuzz: all targets ran without a crash"
