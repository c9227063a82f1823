#!/usr/bin/env bash
# The README's main job: build kwire (release) and run the demo: produce a
# stream of records to the brokers given (or to an embedded cluster when none
# are given) and read them all back, checking counts and contents.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
build=${KWIRE_MAIN_BUILD_DIR:-build/release}
mkdir -p "$(dirname "$build")"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DKWIRE_BUILD_BENCH=OFF > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)"
if [ -x "$build/tools/kwire" ]; then
  exec "$build/tools/kwire" demo "$@"
fi
# Until the tool exists: prove the build speaks Kafka to the embedded cluster.
exec "$build/tests/kwire_protocol_tests" "[smoke]"
