#!/usr/bin/env python3
"""Writes bench/RESULTS.md from bench/run.sh's measurements (on stdout).

Usage: report.py RESULTS.jsonl CALLGRIND.tsv BUILD_DIR QUICK
RESULTS.jsonl: one line per run: {"kind","group","cell","round","broker_cpu_s","load1","run":<perf --json>};
group: throughput, threads (several sending threads) or latency (fixed rate);
kind consume: the consumer's cells (bench/consume.sh, perf consume's JSON).
CALLGRIND.tsv: client, record size, codec, record count, total Ir.
Each cell has two rounds of kwire and librdkafka, alternated (A/B/A/B).
Per client: throughput is the better round; latency, CPU per record and the
broker's CPU share are the mean of the rounds; peak RSS the larger.
bench/reading.md (hand-written, about the latest run) is appended as is."""
import json
import os
import platform
import subprocess
import sys
from collections import OrderedDict

CLIENTS = ("kwire", "librdkafka")


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def client_of(run):
    return "kwire" if run["client"].startswith("kwire") else "librdkafka"


def ok(run):
    # perf consume: acked is the records read, every one of them asked for.
    done = run.get("acked", 0) >= run.get("records", 0) if run.get("mode") == "consume" else True
    return not run.get("failed_run") and run.get("failed", 1) == 0 and run.get("acked", 0) > 0 and done


def summarize(rows):
    """rows of one client in one cell -> dict of figures, or None if every run failed."""
    good = [r for r in rows if ok(r["run"])]
    if not good:
        return None
    mean = lambda xs: sum(xs) / len(xs)
    runs = [r["run"] for r in good]
    return {
        "rps": max(r["records_per_s"] for r in runs),
        "mbps": max(r.get("mb_per_s", 0) for r in runs),
        "p50": mean([r["p50_ms"] for r in runs]),
        "p99": mean([r["p99_ms"] for r in runs]),
        "p999": mean([r.get("p999_ms", 0) for r in runs]),
        "max": max(r.get("max_ms", 0) for r in runs),
        "first": mean([r.get("first_report_ms", 0) for r in runs]),
        "cpu_us": mean([r["cpu_s"] * 1e6 / r["acked"] for r in runs]),
        "cs_k": mean([(r.get("voluntary_cs", 0) + r.get("involuntary_cs", 0)) * 1000 / r["acked"] for r in runs]),
        "rss": max(r["peak_rss_mb"] for r in runs),
        "broker": mean([100.0 * r["broker_cpu_s"] / r["run"]["seconds"] for r in good if r["run"]["seconds"] > 0]),
    }


def pair(k, l, key, fmt, better_low):
    """'k / l (ratio)' with the ratio kwire/librdkafka."""
    if not k or not l:
        return "-"
    kv, lv = k[key], l[key]
    ratio = f"{kv / lv:.2f}" if lv else "-"
    return f"{fmt.format(kv)} / {fmt.format(lv)} (**{ratio}**)"


def consume_section(w, cells, rows):
    """The consumer's cells: kwire and librdkafka reading the same records from one mock broker."""
    mine = [(cell, by) for (k, g, cell), by in cells.items() if k == "consume"]
    if not mine:
        return
    w("## Consume: kwire against librdkafka\n")
    w("`bench/consume.sh` (sourced by `bench/run.sh`): per cell a fresh librdkafka mock cluster (one broker, a "
      "topic of 256 partitions: the mock keeps only the last 5 MiB of a partition) is filled once by kwire's "
      "producer (untimed; `linger.ms=5 batch.size=65536`, the cell's codec), then `kwire perf consume --client "
      "kwire` and `--client librdkafka` read every record from the beginning, A/B/A/B against the same broker "
      "process and the same stored batches. Both learn the topic's leaders first (untimed), are assigned every "
      "partition (no group, nothing committed) and run with their own default fetch settings (listed below); "
      "the clock starts at the assignment. kwire polls "
      "batches of max.poll.records (500) with `Consumer::poll`, librdkafka takes the same number of messages per "
      "loop turn with `rd_kafka_consumer_poll`. Each counts records and key + value bytes from its views, copying "
      "nothing. Records/s and MB/s: the better round; CPU (the client process's user+system time, all threads) "
      "and context switches per record: mean of the rounds. The mock serves Fetch from one thread, so a broker "
      "CPU share near 100 % means the broker, not the client, set the pace.\n")
    w("Each column: kwire / librdkafka (**ratio**; above 1: kwire faster, or costs more).\n")
    w("| cell | records/s | MB/s | CPU us/record | ctx switches/1k records | peak RSS MB | first record ms | "
      "broker CPU % of a core |")
    w("|---|---|---|---|---|---|---|---|")
    for cell, by in mine:
        k, l = summarize(by.get("kwire", [])), summarize(by.get("librdkafka", []))
        broker = f"{k['broker']:.0f} / {l['broker']:.0f}" if k and l else "-"
        w(f"| {cell.removeprefix('consume ')} | {pair(k, l, 'rps', '{:,.0f}', False)} | "
          f"{pair(k, l, 'mbps', '{:.1f}', False)} | {pair(k, l, 'cpu_us', '{:.3f}', True)} | "
          f"{pair(k, l, 'cs_k', '{:.2f}', True)} | {pair(k, l, 'rss', '{:.0f}', True)} | "
          f"{pair(k, l, 'first', '{:.0f}', True)} | {broker} |")
    w("")
    configs = {}
    for row in rows:
        if row["kind"] == "consume" and ok(row["run"]) and row["run"].get("config"):
            configs.setdefault(client_of(row["run"]), (row["run"]["client"], row["run"]["config"]))
    for c in CLIENTS:
        if c in configs:
            w(f"- **{configs[c][0]}** reads with: `{configs[c][1]}`")
    if configs:
        w("")


def main():
    results_path, callgrind_path, build, quick = sys.argv[1:5]
    rows = [json.loads(line) for line in open(results_path) if line.strip()]
    cells = OrderedDict()
    for row in rows:
        key = (row["kind"], row.get("group", "throughput"), row["cell"])
        cells.setdefault(key, {}).setdefault(client_of(row["run"]), []).append(row)
    loads = [row["load1"] for row in rows]
    configs = {}
    for row in rows:
        if ok(row["run"]) and row["run"].get("config") and row["kind"] != "consume":
            configs.setdefault(client_of(row["run"]), (row["cell"], row["run"]["config"], row["run"]["client"]))

    out = []
    w = out.append
    w("# Producer and consumer benchmark: kwire against librdkafka\n")
    w("Written by `bench/run.sh` through `bench/report.py` (re-run it after producer or consumer changes; only the "
      "*Reading* section at the end is hand-written, in `bench/reading.md`). Benchmarks are never part of "
      "the test pass/fail.\n")
    if quick == "1":
        w("> This was a `--quick` run: a fifth of the records and one callgrind workload.\n")
    w("## Machine and conditions\n")
    cpu = sh("lscpu | grep 'Model name' | sed 's/Model name:\\s*//'")
    w(f"- CPU: {cpu or platform.processor()}; `nproc` = {sh('nproc')}; kernel {platform.release()}")
    w(f"- Compiler: {sh('c++ --version | head -1')}; kwire build: `{build}` (CMake Release, -O3, no sanitizers)")
    w(f"- librdkafka: {sh('pkg-config --modversion rdkafka')} (Debian package, its own release build)")
    meta = {}
    meta_path = os.path.join(os.path.dirname(results_path), "meta.env")
    if os.path.exists(meta_path):
        meta = dict(l.split("=", 1) for l in open(meta_path).read().splitlines() if "=" in l)
    dirty = meta.get("dirty", "?")
    w(f"- Run started {meta.get('date', '?')}; kwire commit {meta.get('commit', '?')}"
      + (f" plus {dirty} uncommitted tracked files of the shared working tree (other engineers' work in progress)"
         if dirty not in ("0", "?") else ""))
    # What else used the CPU during the runs: the machine's busy time over each run minus the run's client
    # and broker (rows from before machine_busy_s was recorded have none).
    others = [row["machine_busy_s"] - row["run"].get("cpu_s", 0) - row["broker_cpu_s"]
              for row in rows if "machine_busy_s" in row and ok(row["run"])]
    if others:
        busiest = max(others)
        quiet = busiest < 0.25 and sum(others) / len(others) < 0.1
        w(f"- {'**Idle machine**' if quiet else '**Shared machine**'}: CPU time used by anything but the run's "
          f"client and broker while it ran (the machine's busy time, /proc/stat, minus both): mean "
          f"{sum(others) / len(others):.2f} s, max {busiest:.2f} s per run"
          + ("" if quiet else "; other work was running, so wall-clock figures (throughput, latency) are noisy")
          + f". 1-minute load average at the end of each run (the run's own threads count in it): min "
          f"{min(loads):.1f}, mean {sum(loads) / len(loads):.1f}, max {max(loads):.1f} on {sh('nproc')} cores. "
          "Instruction counts (callgrind) do not depend on the load.\n")
    elif loads:
        w(f"- **Shared machine**: other engineers were compiling during the run. 1-minute load average at the end of "
          f"each run: min {min(loads):.1f}, mean {sum(loads) / len(loads):.1f}, max {max(loads):.1f} on "
          f"{sh('nproc')} cores. Wall-clock figures (throughput, latency) are noisy; instruction counts "
          "(callgrind) are not, and deserve the most weight.\n")

    w("## How\n")
    w("- One binary drives both clients through the same loop (`kwire perf produce --client kwire|librdkafka`, "
      "tools/kwire/perf/): same records (printable pseudo-random bytes, same seed), same -X properties: "
      "`acks=all enable.idempotence=true linger.ms=5 batch.size=65536 buffer.memory=33554432 "
      "compression.type=<codec>`. kwire is driven through its public API (`kwire::Producer::send` with a "
      "callback); librdkafka through its C API (`rd_kafka_produce`, `RD_KAFKA_MSG_F_COPY`, delivery reports "
      "served by `rd_kafka_poll` in the loop). For librdkafka, `buffer.memory` becomes "
      "`queue.buffering.max.kbytes` (and the message-count cap is lifted), and `socket.nagle.disable=true` "
      "matches kwire, which always sets TCP_NODELAY.")
    w("- Each cell runs kwire, librdkafka, kwire, librdkafka (A/B/A/B) against the same broker process. "
      "Throughput: the better of the two rounds; latency, CPU per record, broker CPU: mean of the rounds; "
      "peak RSS: the larger. Ratios are kwire / librdkafka: above 1 means kwire is faster (throughput) or "
      "costs more (latency, CPU, memory).")
    w("- Throughput runs send as fast as the client takes records, so their latency includes queueing in the "
      "client (up to 32 MiB); the fixed-rate cells show delivery latency proper. Throughput runs time one record "
      "in 64 (the same records for both clients; the others are only counted, one relaxed counter increment in "
      "the delivery report), fixed-rate runs time every record.")
    w("- CPU is the client process's user+system time, context switches its voluntary+involuntary ones "
      "(getrusage, all threads), both per record over the run. *Broker CPU* is the broker process's CPU time "
      "during the run as a share of one core: well under 100 % means the broker was not the bottleneck.")
    w("- *Several threads*: 2 or 4 application threads call send on one producer, each with its share of the "
      "records; the last column compares with the same client's one-thread cell.")
    w("- Brokers: `kwire_sink_broker` (bench/sink_broker: answers ApiVersions, Metadata, InitProducerId, "
      "Produce with increasing offsets, stores nothing, TCP_NODELAY, one thread per connection) and "
      "librdkafka's mock cluster (`kwire cluster`, restarted for every cell; it stores every record and does "
      "not set TCP_NODELAY, so its latency figures measure the mock).\n")
    w("```sh\nbench/run.sh            # everything below (about 15-20 min on this machine); --quick for a smoke run\n"
      "# one run by hand:\nbuild/bench-release/bench/kwire_sink_broker -n 1 -P 1   # prints its bootstrap address\n"
      "build/bench-release/tools/kwire perf produce -b 127.0.0.1:PORT -t bench -n 300000 -s 100 \\\n"
      "  --client kwire -X acks=all -X enable.idempotence=true -X linger.ms=5 -X batch.size=65536 \\\n"
      "  -X buffer.memory=33554432 -X compression.type=lz4        # --client librdkafka for the other side\n"
      "valgrind --tool=callgrind build/bench-release/tools/kwire perf produce ...   # instructions\n```\n")

    if configs:
        w("### Effective configuration (printed by each client after its own defaults and adjustments)\n")
        for c in CLIENTS:
            if c in configs:
                cell, conf, name = configs[c]
                w(f"- **{name}** ({cell}): `{conf}`")
        w("")

    cg = [l.split("\t") for l in open(callgrind_path).read().splitlines() if l.strip()]
    if cg:
        w("## Instructions per record (callgrind)\n")
        w("Sink broker x1, same settings; (Ir of a 25,000-record run - Ir of a 5,000-record run) / 20,000, so "
          "start-up and shutdown cancel. All threads of the client process count.\n")
        w("| workload | kwire Ir/record | librdkafka Ir/record | ratio kwire/librdkafka |")
        w("|---|---|---|---|")
        ir = OrderedDict()
        for client, size, codec, n, total in cg:
            ir.setdefault((size, codec), {}).setdefault(client, {})[int(n)] = int(total.replace(",", "") or 0)
        for (size, codec), by_client in ir.items():
            per = {}
            for c in CLIENTS:
                runs = by_client.get(c, {})
                if runs.get(25000) and runs.get(5000):
                    per[c] = (runs[25000] - runs[5000]) / 20000
            cells_txt = [f"{per[c]:,.0f}" if c in per else "failed" for c in CLIENTS]
            ratio = f"**{per['kwire'] / per['librdkafka']:.2f}**" if len(per) == 2 and per["librdkafka"] else "-"
            label = f"{'100 B' if size == '100' else '1 KiB'}, {codec}"
            w(f"| {label} | {cells_txt[0]} | {cells_txt[1]} | {ratio} |")
        w("")

    def one_thread(kind, cell):
        """The throughput cell a several-threads cell compares with: same broker, one thread."""
        base = cell.split(", ")
        for (k, g, c), by in cells.items():
            if k == kind and g == "throughput" and c.split(", ") == base[:3]:
                return by
        return {}

    for kind, title in (("sink", "the sink broker"), ("mock", "librdkafka's mock cluster")):
        for group in ("throughput", "threads", "latency"):
            mine = [(cell, by) for (k, g, cell), by in cells.items() if k == kind and g == group]
            if not mine:
                continue
            w({"throughput": f"## Against {title}\n", "threads": f"### Several application threads, {title}\n",
               "latency": f"### Delivery latency at a fixed rate, {title}\n"}[group])
            w("Each column: kwire / librdkafka (**ratio**).\n")
            if group == "latency":
                w("| cell | records/s | p50 ms | p99 ms | p99.9 ms | max ms | CPU us/record | ctx switches/1k records |")
                w("|---|---|---|---|---|---|---|---|")
            else:
                extra = " | records/s vs one thread" if group == "threads" else ""
                w("| cell | records/s | p50 ms | p99 ms | CPU us/record | ctx switches/1k records | peak RSS MB | "
                  f"first report ms | broker CPU % of a core{extra} |")
                w("|---|---|---|---|---|---|---|---|---|" + ("---|" if extra else ""))
            for cell, by in mine:
                k, l = summarize(by.get("kwire", [])), summarize(by.get("librdkafka", []))
                if group == "latency":
                    w(f"| {cell} | {pair(k, l, 'rps', '{:,.0f}', False)} | {pair(k, l, 'p50', '{:.3f}', True)} | "
                      f"{pair(k, l, 'p99', '{:.3f}', True)} | {pair(k, l, 'p999', '{:.3f}', True)} | "
                      f"{pair(k, l, 'max', '{:.1f}', True)} | {pair(k, l, 'cpu_us', '{:.2f}', True)} | "
                      f"{pair(k, l, 'cs_k', '{:.1f}', True)} |")
                    continue
                broker = f"{k['broker']:.0f} / {l['broker']:.0f}" if k and l else "-"
                line = (f"| {cell} | {pair(k, l, 'rps', '{:,.0f}', False)} | {pair(k, l, 'p50', '{:.2f}', True)} | "
                        f"{pair(k, l, 'p99', '{:.2f}', True)} | {pair(k, l, 'cpu_us', '{:.2f}', True)} | "
                        f"{pair(k, l, 'cs_k', '{:.1f}', True)} | {pair(k, l, 'rss', '{:.0f}', True)} | "
                        f"{pair(k, l, 'first', '{:.0f}', True)} | {broker} |")
                if group == "threads":
                    base = one_thread(kind, cell)
                    vs = []
                    for c, mine_c in (("kwire", k), ("librdkafka", l)):
                        one = summarize(base.get(c, []))
                        vs.append(f"{mine_c['rps'] / one['rps']:.2f}" if mine_c and one else "-")
                    line += f" {vs[0]} / {vs[1]} |"
                w(line)
            w("")

    consume_section(w, cells, rows)

    failures = [(row["cell"], row["run"]) for row in rows if not ok(row["run"])]
    if failures:
        w("## Failed runs\n")
        for cell, r in failures:
            why = (r.get("why") or r.get("first_error") or "").strip().splitlines()
            w(f"- {cell}, {r['client']}: `{why[-1] if why else 'records not acknowledged'}`")
        w("")

    reading = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reading.md")
    if os.path.exists(reading):
        w(open(reading).read().rstrip() + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
