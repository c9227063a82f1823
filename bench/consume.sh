# The consumer's cells of bench/run.sh (issue 13), sourced by it: uses its
# start, stop and cpu_s, and $kwire, $out, $results and $quick.
# For each record size (100 B, 1 KiB) and codec (none, lz4): a fresh mock
# cluster (one broker) is filled once by kwire's producer (untimed), then
# `kwire perf consume --client kwire` and `--client librdkafka` read all of
# it from the beginning, alternately (A/B/A/B), with each client's default
# fetch settings: the same broker process and the same stored batches for
# both. A fresh cluster per cell because the mock keeps every record in
# memory. The mock keeps only the last 5 MiB of a partition (older batches
# are dropped, and a reader would start after them and never see COUNT
# records), so the topic has 256 partitions, filled to about half of that
# on average.

# Batches as a producer with a little lingering writes them, so both readers
# see full batches of the codec (the producer cells' settings).
consume_fill=(-X acks=all -X enable.idempotence=true -X linger.ms=5 -X batch.size=65536 -X buffer.memory=33554432)

# consume_ab LABEL BROKER_PID BOOTSTRAP COUNT: A/B/A/B, one JSON line per run in $results.
consume_ab() {
  local label=$1 pid=$2 brokers=$3 count=$4
  for round in 1 2; do
    for client in kwire librdkafka; do
      local line before after busy_before busy_after
      before=$(cpu_s "$pid"); busy_before=$(busy_s)
      if line=$("$kwire" perf consume -b "$brokers" -t cbench -n "$count" --client "$client" --json \
                 2> "$out/last.err"); then :; else
        line="{\"client\":\"$client\",\"failed_run\":true,\"why\":$(python3 -c 'import json,sys;print(json.dumps(open(sys.argv[1]).read()[-300:]))' "$out/last.err")}"
      fi
      after=$(cpu_s "$pid"); busy_after=$(busy_s)
      echo "{\"kind\":\"consume\",\"group\":\"throughput\",\"cell\":\"$label\",\"round\":$round," \
           "$(run_fields "$before" "$after" "$busy_before" "$busy_after")," \
           "\"load1\":$(cut -d' ' -f1 /proc/loadavg),\"run\":$line}" >> "$results"
      python3 - "$results" <<'EOF'
import json, sys
row = json.loads(open(sys.argv[1]).read().splitlines()[-1]); r = row["run"]
if r.get("failed_run"): print(f"  {row['cell']} #{row['round']} {r['client']}: FAILED {r['why'].strip()[-120:]}")
else: print(f"  {row['cell']} #{row['round']} {r['client'][:10]:10} {r['records_per_s']:>10,.0f} rec/s"
           f"  {r['mb_per_s']:7.1f} MB/s  cpu {r['cpu_s']:.2f} s ({r['cpu_s'] * 1e6 / max(r['acked'], 1):.2f} us/record)"
           f"  cs {r['voluntary_cs'] + r['involuntary_cs']}  rss {r['peak_rss_mb']:.0f} MB"
           f"  broker cpu {row['broker_cpu_s']:.2f} s")
EOF
    done
  done
}

echo "== consume: kwire and librdkafka read the same records from one mock broker"
for size in 100 1024; do
  for codec in none lz4; do
    # About a second of reading per run for the slower client on an idle machine.
    count=$([ "$size" = 100 ] && echo 3000000 || echo 600000)
    if [ "$quick" = 1 ]; then count=$((count / 5)); fi
    label="consume mock x1, $([ "$size" = 100 ] && echo '100 B' || echo '1 KiB'), $codec"
    echo "== $label ($count records)"
    start mock "$kwire" cluster -n 1 -T cbench:256
    if "$kwire" perf produce -b "$addr" -t cbench -n "$count" -s "$size" --client kwire --json "${consume_fill[@]}" \
         -X compression.type="$codec" > "$out/fill.$size.$codec.json" 2> "$out/fill.$size.$codec.err"; then
      consume_ab "$label" "$bpid" "$addr" "$count"
    else
      echo "  filling the topic failed: $(tail -c 300 "$out/fill.$size.$codec.err")"
      echo "{\"kind\":\"consume\",\"group\":\"throughput\",\"cell\":\"$label\",\"round\":1,\"broker_cpu_s\":0," \
           "\"load1\":$(cut -d' ' -f1 /proc/loadavg),\"run\":{\"client\":\"kwire (fill)\",\"failed_run\":true," \
           "\"why\":\"filling the topic with kwire perf produce failed\"}}" >> "$results"
    fi
    stop "$bpid"
  done
done
