#!/usr/bin/env bash
# Builds the threaded client and net tests (kwire_threads_tests: the test
# files holding [threads]/[thread] cases) with ThreadSanitizer and runs the
# tests that exercise threads: many user threads sending at once, the accumulator shared
# with a draining thread, the network thread shared by application
# threads, and the consumer's io thread fetching (and heartbeating to the
# group coordinator) under its polling threads
# (tests/client/consumer/consumer_threads_test.cpp, against the TxnBroker).
# Only tests whose peers are fully instrumented run here: librdkafka's
# mock cluster runs on an uninstrumented thread of its own, which TSan cannot
# follow, so the net selection is "[thread]~[mock]". The fault suite
# (tests/client/fault, [threads]) runs against the TxnBroker and reads its log
# back through the broker itself here (fault_run.hpp: ReadBack), not librdkafka. Built with clang, like
# the test command's main build (GCC warns on Asio's fence under TSan).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KWIRE_TSAN_BUILD_DIR:-build/test-tsan}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
mkdir -p "$build"
CC=clang CXX=clang++ cmake -C tools/test-build-cache.cmake -S . -B "$build" -DKWIRE_SANITIZE=thread -DKWIRE_WERROR=ON \
  -DKWIRE_BUILD_TOOLS=OFF -DKWIRE_BUILD_BENCH=OFF > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
# The build log goes to a file; a failed build prints the log's end.
echo "tsan: building the threaded client and net tests (log: $build.build.log)"
cmake --build "$build" -j"$(nproc)" --target kwire_threads_tests > "$build.build.log" 2>&1 \
  || { tail -n 80 "$build.build.log"; exit 1; }
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
"$build/tests/kwire_threads_tests" "[threads]"
"$build/tests/kwire_threads_tests" "[thread]~[mock]"
