#!/usr/bin/env bash
# Producer benchmark, kwire against librdkafka (issue 7). Never part of the
# test pass/fail. Builds the tool and the sink broker in Release, then for
# every cell (broker kind x brokers x record size x codec; then several
# sending threads; then delivery latency at fixed rates) runs
# `kwire perf produce --client kwire` and `--client librdkafka` with the same
# settings alternately (A/B/A/B) against the same broker process, recording
# the broker's CPU time and the load average around each run. Throughput runs
# time 1 record in 64, fixed-rate runs every record (the same records for both
# clients). Then counts instructions per record of both clients under
# callgrind, and writes bench/RESULTS.md through bench/report.py.
# bench/budget.sh breaks those instructions down per thread and stage.
# Then the consumer (issue 13): `kwire perf consume --client kwire` and
# `--client librdkafka`, A/B/A/B, reading the same records from the same
# mock cluster (filled once per cell by kwire's producer, untimed).
#   bench/run.sh [--quick] [--only produce|consume]
#     --quick: a fifth of the records, one callgrind workload;
#     --only: just the producer's or the consumer's cells.
#     Either writes the report to build/bench-release/bench-out/RESULTS.md
#     instead of replacing bench/RESULTS.md.
# Brokers: kwire_sink_broker (bench/sink_broker, TCP_NODELAY, stores nothing)
# and librdkafka's mock cluster (`kwire cluster`, restarted for every cell
# because it keeps every record in memory).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KWIRE_BENCH_BUILD_DIR:-build/bench-release}
quick=0
only=all
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --only) only=${2:-}; shift ;;
    *) echo "usage: bench/run.sh [--quick] [--only produce|consume]" >&2; exit 2 ;;
  esac
  shift
done
case $only in all|produce|consume) ;; *) echo "bench: --only takes produce or consume" >&2; exit 2 ;; esac

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
mkdir -p "$(dirname "$build")"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DKWIRE_BUILD_BENCH=ON -DKWIRE_BUILD_TESTS=OFF \
  > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target kwire_tool kwire_sink_broker > "$build.build.log" 2>&1 \
  || { tail -40 "$build.build.log"; exit 1; }
kwire=$build/tools/kwire
sink=$build/bench/kwire_sink_broker
out=$build/bench-out   # kept after the run: raw JSON lines, callgrind files
rm -rf "$out"
mkdir -p "$out"
ticks=$(getconf CLK_TCK)
{ echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"; echo "commit=$(git rev-parse --short HEAD)"
  echo "dirty=$(git status --porcelain --untracked-files=no | wc -l)"; } > "$out/meta.env"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start NAME COMMAND...: runs a broker in the background (in this shell, so
# cleanup can stop it); sets $addr to its bootstrap line and $bpid to its pid.
start() {
  local name=$1; shift
  # The mock is restarted for every cell under one name: without this the wait
  # below could see the last cell's address before the new process truncates
  # the file, and read it empty (or stale) a moment later.
  rm -f "$out/$name.addr"
  "$@" > "$out/$name.addr" 2> "$out/$name.log" &
  bpid=$!
  pids+=("$bpid")
  # Up to a minute: on a loaded machine the mock cluster can take seconds to start.
  for _ in $(seq 600); do
    { [ -s "$out/$name.addr" ] || ! kill -0 "$bpid" 2>/dev/null; } && break
    sleep 0.1
  done
  addr=$(head -1 "$out/$name.addr")
  [ -n "$addr" ] || { echo "bench: $name did not start: $(cat "$out/$name.log")" >&2; exit 1; }
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# CPU seconds (user + system) a process has used so far.
cpu_s() { awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"; }
# CPU seconds the whole machine has been busy so far (every core, every process):
# a run's share minus its client's and broker's tells what else ran beside it.
busy_s() { awk -v t="$ticks" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / t }' /proc/stat; }
# The JSON fields a run's row adds: broker and machine CPU seconds between two readings.
run_fields() {
  awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { printf "\"broker_cpu_s\":%.2f,\"machine_busy_s\":%.2f", b - a, d - c }'
}

common=(-X acks=all -X enable.idempotence=true -X linger.ms=5 -X batch.size=65536 -X buffer.memory=33554432)
results=$out/results.jsonl
: > "$results"

# ab KIND GROUP LABEL BROKER_PID BOOTSTRAP COUNT SIZE CODEC [extra perf flags]: A/B/A/B.
# GROUP: throughput, threads (several sending threads) or latency (fixed rate).
ab() {
  local kind=$1 group=$2 label=$3 pid=$4 brokers=$5 count=$6 size=$7 codec=$8; shift 8
  if [ $quick = 1 ]; then count=$((count / 5)); fi
  for round in 1 2; do
    for client in kwire librdkafka; do
      local line before after busy_before busy_after
      before=$(cpu_s "$pid"); busy_before=$(busy_s)
      if line=$("$kwire" perf produce -b "$brokers" -t bench -n "$count" -s "$size" --client "$client" --json \
                 "${common[@]}" -X compression.type="$codec" "$@" 2> "$out/last.err"); then :; else
        line="{\"client\":\"$client\",\"failed_run\":true,\"why\":$(python3 -c 'import json,sys;print(json.dumps(open(sys.argv[1]).read()[-300:]))' "$out/last.err")}"
      fi
      after=$(cpu_s "$pid"); busy_after=$(busy_s)
      echo "{\"kind\":\"$kind\",\"group\":\"$group\",\"cell\":\"$label\",\"round\":$round,$(run_fields "$before" "$after" "$busy_before" "$busy_after")," \
           "\"load1\":$(cut -d' ' -f1 /proc/loadavg),\"run\":$line}" >> "$results"
      python3 - "$results" <<'EOF'
import json, sys
row = json.loads(open(sys.argv[1]).read().splitlines()[-1]); r = row["run"]
if r.get("failed_run"): print(f"  {row['cell']} #{row['round']} {r['client']}: FAILED {r['why'].strip()[-120:]}")
else: print(f"  {row['cell']} #{row['round']} {r['client'][:10]:10} {r['records_per_s']:>9,.0f} rec/s  cpu {r['cpu_s']:.2f} s"
           f"  cs {r['voluntary_cs'] + r['involuntary_cs']}  p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f} ms"
           f"  rss {r['peak_rss_mb']:.0f} MB  broker cpu {row['broker_cpu_s']:.2f} s")
EOF
    done
  done
}

# The producer's cells (not indented under the if, to keep them readable).
if [ "$only" != consume ]; then
# The matrix: counts sized for about a second per run of the slower client on
# an idle machine (December 2026: librdkafka about 4 M records/s of 100 B on the
# sink), so start-up (a few ms) and the last batches' round trip do not dominate.
start sink1 "$sink" -n 1 -P 1; sink1=$addr; sink1_pid=$bpid
start sink3 "$sink" -n 3 -P 3; sink3=$addr; sink3_pid=$bpid
for kind in sink mock; do
  for n in 1 3; do
    for size in 100 1024; do
      for codec in none lz4 zstd; do
        if [ $kind = sink ]; then
          count=$([ $size = 100 ] && echo 4000000 || echo 1000000)
          if [ $n = 1 ]; then pid=$sink1_pid; boot=$sink1; else pid=$sink3_pid; boot=$sink3; fi
        else
          count=$([ $size = 100 ] && echo 3000000 || echo 600000)
          start mock "$kwire" cluster -n "$n" -T "bench:$n"; pid=$bpid; boot=$addr
        fi
        label="$kind x$n, $([ $size = 100 ] && echo '100 B' || echo '1 KiB'), $codec"
        echo "== $label"
        ab "$kind" throughput "$label" "$pid" "$boot" "$count" "$size" "$codec"
        if [ $kind = mock ]; then stop "$pid"; fi
      done
    done
  done
done
echo "== several application threads sending on one producer"
for threads in 2 4; do
  ab sink threads "sink x1, 100 B, none, $threads threads" "$sink1_pid" "$sink1" 3000000 100 none --threads $threads
  ab sink threads "sink x3, 100 B, none, $threads threads" "$sink3_pid" "$sink3" 3000000 100 none --threads $threads
done
echo "== delivery latency at fixed rates (every record timed)"
for linger in 0 5; do
  ab sink latency "sink x1, 100 B, none, 20k/s, linger.ms=$linger" "$sink1_pid" "$sink1" 100000 100 none \
    --rate 20000 -X linger.ms=$linger
  ab sink latency "sink x1, 100 B, none, 200k/s, linger.ms=$linger" "$sink1_pid" "$sink1" 600000 100 none \
    --rate 200000 -X linger.ms=$linger
done
start mock "$kwire" cluster -n 1 -T bench:1
ab mock latency "mock x1, 100 B, none, 20k/s, linger.ms=5" "$bpid" "$addr" 100000 100 none --rate 20000
stop "$bpid"
fi

if [ "$only" != produce ]; then
  . bench/consume.sh
fi

# Instructions per record: the difference between a short and a long run of
# the same workload, so start-up and shutdown cancel. Every thread of the
# client process counts (callgrind runs them one at a time).
callgrind=$out/callgrind.tsv
: > "$callgrind"
if [ "$only" != consume ] && command -v valgrind > /dev/null; then
  echo "== instructions per record (callgrind)"
  cg_cells=("100 none" "1024 none" "1024 lz4" "1024 zstd")
  if [ $quick = 1 ]; then cg_cells=("100 none"); fi
  for cgcell in "${cg_cells[@]}"; do
    read -r size codec <<< "$cgcell"
    for client in kwire librdkafka; do
      for n in 5000 25000; do
        f=$out/cg.$client.$size.$codec.$n
        valgrind --tool=callgrind --callgrind-out-file="$f" "$kwire" perf produce -b "$sink1" -t bench -n $n \
          -s "$size" --client $client --json "${common[@]}" -X compression.type="$codec" > "$f.json" 2> "$f.log" || true
        ir=$(grep -E '^(summary|totals):' "$f" 2>/dev/null | head -1 | awk '{print $2}')
        printf '%s\t%s\t%s\t%s\t%s\n' "$client" "$size" "$codec" "$n" "${ir:-0}" >> "$callgrind"
        echo "  $client $size B $codec n=$n: ${ir:-failed} Ir"
      done
    done
  done
fi

# A --quick smoke run or a part (--only) does not replace the full figures.
report=bench/RESULTS.md
if [ $quick = 1 ] || [ "$only" != all ]; then report=$out/RESULTS.md; fi
python3 bench/report.py "$results" "$callgrind" "$build" "$quick" > "$report"
echo "== wrote $report (raw figures in $out)"
