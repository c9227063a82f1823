#!/usr/bin/env bash
# Builds kwire with AddressSanitizer and UndefinedBehaviorSanitizer and runs
# every test. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
build=${KWIRE_TEST_BUILD_DIR:-build/test-asan}
jobs=$(nproc)
# Paths relative to the checkout, so a fresh clone reuses earlier compiles.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
tools/configure-test-build.sh "$build"
cmake --build "$build" -j"$jobs"
if [ -f tools/codegen/generate.py ]; then
  python3 tools/codegen/generate.py --check
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The ThreadSanitizer stage (own build, then the threaded client and net
# tests) runs beside the next two: the fuzz runs last a fixed time whatever
# the load, and the ASan tests mostly wait on brokers and timeouts, so its
# compiling fills cores they leave idle. Its output follows ctest's.
tsan_log=$build.tsan.log
setsid tools/run-tsan.sh > "$tsan_log" 2>&1 &
tsan_pid=$!
trap 'kill -- "-$tsan_pid" 2>/dev/null || true' EXIT
# Short libFuzzer runs (clang) of every decoder and decompressor entry point.
KWIRE_FUZZ_BUILD_DIR="$build" tools/run-fuzz.sh "${KWIRE_FUZZ_SECONDS:-10}"
# Every test under ASan+UBSan; the longest start first (their COST,
# tests/CMakeLists.txt). The two client halves take about 4 min each while
# mostly waiting, so one more test than cores runs the rest beside them.
ctest_status=0
ctest --test-dir "$build" --output-on-failure -j"$((jobs + 1))" || ctest_status=$?
tsan_status=0
wait "$tsan_pid" || tsan_status=$?
trap - EXIT
echo "---- ThreadSanitizer stage (tools/run-tsan.sh) ----"
cat "$tsan_log"
echo "tests: ASan+UBSan ctest $([ "$ctest_status" -eq 0 ] && echo passed || echo FAILED)," \
  "ThreadSanitizer $([ "$tsan_status" -eq 0 ] && echo passed || echo FAILED)"
[ "$ctest_status" -eq 0 ] && [ "$tsan_status" -eq 0 ]
