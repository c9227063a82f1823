#!/usr/bin/env bash
# The producer's cost budget (issue 15), kwire and librdkafka measured the
# same way: where the instructions of one record go, per thread and per stage
# (callgrind), and how many context switches, futex calls and socket calls
# one record costs (perf stat). Instruction and call counts barely depend on
# the machine's load, so this runs on a shared machine; wall-clock figures
# are bench/run.sh's job. Prints markdown tables (bench/budget.py) on stdout;
# the raw files stay in $out. Never part of the test pass/fail.
#   bench/budget.sh [SIZE CODEC]...   (default: 100 none 1024 lz4)
# Build: CMake Release (the system c++, as bench/run.sh) in $KWIRE_BUDGET_BUILD_DIR
# (default build/bench-budget), with librdkafka's static archive linked into
# the tool (-DKWIRE_TOOL_RDKAFKA_STATIC=ON) so its internal functions have
# names in callgrind. Both clients run against one kwire_sink_broker, with
# bench/run.sh's settings; `kwire perf produce` times 1 record in 64 for both.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KWIRE_BUDGET_BUILD_DIR:-build/bench-budget}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DKWIRE_BUILD_BENCH=ON -DKWIRE_BUILD_TESTS=OFF \
  -DKWIRE_TOOL_RDKAFKA_STATIC=ON > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j2 --target kwire_tool kwire_sink_broker > "$build.build.log" 2>&1 \
  || { tail -40 "$build.build.log"; exit 1; }
kwire=$build/tools/kwire
out=$build/budget-out
rm -rf "$out"
mkdir -p "$out"

"$build/bench/kwire_sink_broker" -n 1 -P 1 > "$out/sink.addr" 2> "$out/sink.log" &
sink_pid=$!
trap 'kill $sink_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/sink.addr" ] && break; sleep 0.1; done
sink=$(head -1 "$out/sink.addr")
[ -n "$sink" ] || { echo "budget: the sink broker did not start: $(cat "$out/sink.log")" >&2; exit 1; }

common=(-X acks=all -X enable.idempotence=true -X linger.ms=5 -X batch.size=65536 -X buffer.memory=33554432)
cells=("$@")
[ ${#cells[@]} -gt 0 ] || cells=(100 none 1024 lz4)
# Two run lengths per workload: the difference cancels start-up and shutdown.
cg_short=5000 cg_long=25000
ps_short=20000 ps_long=220000
events=context-switches,cpu-migrations,syscalls:sys_enter_futex,syscalls:sys_enter_sendmsg,syscalls:sys_enter_sendto
events+=,syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg
events+=,syscalls:sys_enter_read,syscalls:sys_enter_readv,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_poll
events+=,syscalls:sys_enter_ppoll,raw_syscalls:sys_enter

set -- "${cells[@]}"
while [ $# -ge 2 ]; do
  size=$1 codec=$2
  shift 2
  for client in kwire librdkafka; do
    run=(perf produce -b "$sink" -t bench -s "$size" --client "$client" --json "${common[@]}" -X compression.type="$codec")
    for n in $cg_short $cg_long; do
      tag=$client.$size.$codec.$n
      echo "budget: callgrind $client ${size} B $codec, $n records" >&2
      valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/cg.$tag" \
        "$kwire" "${run[@]}" -n $n > "$out/cg.$tag.json" 2> "$out/cg.$tag.log" \
        || { echo "budget: callgrind run failed, see $out/cg.$tag.log" >&2; exit 1; }
    done
    if command -v perf > /dev/null; then
      for n in $ps_short $ps_long; do
        tag=$client.$size.$codec.$n
        echo "budget: perf stat $client ${size} B $codec, $n records" >&2
        perf stat -x, -e "$events" -o "$out/ps.$tag" "$kwire" "${run[@]}" -n $n > "$out/ps.$tag.json" 2> "$out/ps.$tag.log" \
          || { echo "budget: perf stat run failed, see $out/ps.$tag.log" >&2; exit 1; }
      done
    fi
  done
done
python3 bench/budget.py "$out" $cg_short $cg_long $ps_short $ps_long "${cells[@]}"
