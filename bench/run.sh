#!/usr/bin/env bash
# Producer benchmark, kwire against librdkafka (issue 7). Never part of the
# test pass/fail. Builds Release, starts the brokers (kwire's sink broker,
# 1 and 3 brokers, and librdkafka's mock cluster through `kwire cluster`),
# runs `kwire perf produce --client kwire` and `--client librdkafka` with the
# same settings alternately (A/B/A/B) against the same broker, measures
# instructions per record under callgrind, and writes bench/RESULTS.md.
#   bench/run.sh [--quick]      (--quick: fewer records, no callgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${KWIRE_BENCH_BUILD_DIR:-build/bench-release}
quick=0
[ "${1:-}" = "--quick" ] && quick=1

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DKWIRE_BUILD_TESTS=OFF > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target kwire_tool kwire_sink_broker
kwire=$build/tools/kwire
sink=$build/bench/kwire_sink_broker
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start NAME COMMAND...: runs a broker in the background (in this shell, so
# cleanup can stop it) and sets $addr to its bootstrap line.
start() {
  local name=$1; shift
  "$@" > "$out/$name.addr" 2> "$out/$name.log" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$out/$name.addr" ] && break; sleep 0.1; done
  addr=$(head -1 "$out/$name.addr")
  [ -n "$addr" ] || { echo "bench: $name did not start: $(cat "$out/$name.log")" >&2; exit 1; }
}
start sink1 "$sink" -n 1 -P 1; sink1=$addr
start sink3 "$sink" -n 3 -P 3; sink3=$addr
start mock1 "$kwire" cluster -n 1 -T bench:1; mock1=$addr
start mock3 "$kwire" cluster -n 3 -T bench:3; mock3=$addr

common=(-X acks=all -X enable.idempotence=true -X linger.ms=5 -X batch.size=65536)
results=$out/results.jsonl
: > "$results"

# cell LABEL BROKERS COUNT SIZE COMPRESSION [extra perf flags]: A/B/A/B.
cell() {
  local label=$1 brokers=$2 count=$3 size=$4 codec=$5; shift 5
  [ $quick = 1 ] && count=$((count / 5))
  for round in 1 2; do
    for client in kwire librdkafka; do
      local line
      if line=$("$kwire" perf produce -b "$brokers" -t bench -n "$count" -s "$size" --client "$client" --json \
                 "${common[@]}" -X compression.type="$codec" "$@" 2> "$out/last.err"); then
        echo "{\"cell\":\"$label\",\"round\":$round,\"run\":$line}" >> "$results"
      else
        echo "{\"cell\":\"$label\",\"round\":$round,\"run\":{\"client\":\"$client\",\"failed_run\":true,\"why\":$(python3 -c 'import json,sys;print(json.dumps(open(sys.argv[1]).read()[-300:]))' "$out/last.err")}}" >> "$results"
      fi
      echo "  $label round $round $client: $(tail -1 "$results" | cut -c1-160)"
    done
  done
}

echo "== throughput (records as fast as the client takes them)"
cell "sink x1, 100 B, none"   "$sink1" 300000 100  none
cell "sink x1, 100 B, lz4"    "$sink1" 300000 100  lz4
cell "sink x1, 100 B, zstd"   "$sink1" 300000 100  zstd
cell "sink x1, 1 KiB, none"   "$sink1" 100000 1024 none
cell "sink x1, 1 KiB, lz4"    "$sink1" 100000 1024 lz4
cell "sink x1, 1 KiB, zstd"   "$sink1" 100000 1024 zstd
cell "sink x3, 100 B, none"   "$sink3" 300000 100  none
cell "sink x3, 1 KiB, none"   "$sink3" 100000 1024 none
cell "mock x1, 100 B, none"   "$mock1" 200000 100  none
cell "mock x3, 1 KiB, lz4"    "$mock3" 50000  1024 lz4
echo "== latency at a fixed rate (sink sets TCP_NODELAY)"
cell "sink x1, 100 B, none, 20k/s" "$sink1" 100000 100 none --rate 20000

callgrind=$out/callgrind.tsv
: > "$callgrind"
if [ $quick = 0 ] && command -v valgrind > /dev/null; then
  echo "== instructions per record (callgrind; difference of a 5k and a 25k record run)"
  for client in kwire librdkafka; do
    for n in 5000 25000; do
      valgrind --tool=callgrind --callgrind-out-file="$out/cg.$client.$n" "$kwire" perf produce -b "$sink1" -t bench \
        -n $n -s 100 --client $client --json "${common[@]}" -X compression.type=none > /dev/null 2> "$out/cg.$client.$n.log" || true
      ir=$(grep -E '^(summary|totals):' "$out/cg.$client.$n" | head -1 | awk '{print $2}')
      printf '%s\t%s\t%s\n' "$client" "$n" "${ir:-0}" >> "$callgrind"
    done
  done
fi

python3 bench/report.py "$results" "$callgrind" "$build" > bench/RESULTS.md
echo "== wrote bench/RESULTS.md"
cat bench/RESULTS.md
