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
# Short libFuzzer runs (clang) of every decoder and decompressor entry point.
KWIRE_FUZZ_BUILD_DIR="$build" tools/run-fuzz.sh "${KWIRE_FUZZ_SECONDS:-10}"
# The threaded client and net tests again, under ThreadSanitizer (own build).
tools/run-tsan.sh
# Last, so its summary closes the output: every test under ASan+UBSan.
ctest --test-dir "$build" --output-on-failure -j"$jobs"
