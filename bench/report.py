#!/usr/bin/env python3
"""Writes bench/RESULTS.md from bench/run.sh's measurements (stdout).

Usage: report.py RESULTS.jsonl CALLGRIND.tsv BUILD_DIR
Each cell had two rounds of kwire and librdkafka, alternated; the figure per
client is the better of its two rounds for throughput and the mean for CPU."""
import json
import platform
import statistics
import subprocess
import sys
from collections import OrderedDict


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def main():
    results_path, callgrind_path, build = sys.argv[1:4]
    cells = OrderedDict()
    for line in open(results_path):
        row = json.loads(line)
        run = row["run"]
        client = "kwire" if run["client"].startswith("kwire") else "librdkafka"
        cells.setdefault(row["cell"], {}).setdefault(client, []).append(run)

    out = []
    out.append("# Producer benchmark: kwire against librdkafka\n")
    out.append("Written by `bench/run.sh` (do not edit by hand; re-run it after producer changes). "
               "Benchmarks are never part of the test pass/fail.\n")
    out.append("## Machine\n")
    cpu = sh("lscpu | grep 'Model name' | sed 's/Model name:\\s*//'")
    out.append(f"- CPU: {cpu or platform.processor()} ({sh('nproc')} cores, shared with other work: figures are noisy)")
    out.append(f"- Kernel: {platform.release()}; compiler: {sh('c++ --version | head -1')}")
    out.append(f"- librdkafka: {sh('pkg-config --modversion rdkafka')}; kwire build: `{build}` (Release)")
    out.append(f"- Date: {sh('date -u +%Y-%m-%dT%H:%MZ')}\n")
    out.append("## How\n")
    out.append("- Both clients are driven by the same loop in the same binary (`kwire perf produce --client kwire|librdkafka`), "
               "with the same records (printable pseudo-random bytes, same seed) and the same properties: "
               "`acks=all enable.idempotence=true linger.ms=5 batch.size=65536 compression.type=<codec>`.")
    out.append("- Each cell runs kwire, librdkafka, kwire, librdkafka (A/B/A/B) against the same broker process. "
               "Throughput is the better of the two rounds; CPU and latency are from that round.")
    out.append("- Brokers: `kwire_sink_broker` (bench/sink_broker: answers ApiVersions, Metadata, InitProducerId, Produce "
               "with increasing offsets, stores nothing, TCP_NODELAY) with 1 or 3 brokers, and librdkafka's mock cluster "
               "(`kwire cluster`) which does not set TCP_NODELAY: its latency figures measure the mock.")
    out.append("- Throughput runs send as fast as the client accepts records, so their latency includes queueing "
               "in the client; the fixed-rate cell shows delivery latency proper.")
    out.append("- CPU seconds are the client process's user+system time (the broker runs in another process).\n")
    out.append("Commands: `bench/run.sh` (all of the below), or one run by hand:\n")
    out.append("```sh\nbuild/bench-release/bench/kwire_sink_broker -n 1 -P 1   # prints its bootstrap address\n"
               "build/bench-release/tools/kwire perf produce -b 127.0.0.1:PORT -t bench -n 300000 -s 100 \\\n"
               "  --client kwire -X acks=all -X enable.idempotence=true -X linger.ms=5 -X batch.size=65536 \\\n"
               "  -X compression.type=lz4 --json\n```\n")

    out.append("## Throughput and CPU\n")
    out.append("| cell | kwire rec/s | librdkafka rec/s | ratio (kwire/librdkafka) | kwire CPU us/rec | librdkafka CPU us/rec | CPU ratio | kwire p50/p99 ms | librdkafka p50/p99 ms | kwire / librdkafka peak RSS MB |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")

    def best(runs):
        ok = [r for r in runs if not r.get("failed_run") and r.get("failed", 1) == 0]
        if not ok:
            return None
        return max(ok, key=lambda r: r["records_per_s"])

    for cell, by_client in cells.items():
        k = best(by_client.get("kwire", []))
        l = best(by_client.get("librdkafka", []))

        def fmt_rate(r):
            return f"{r['records_per_s']:,.0f}" if r else "failed"

        def us(r):
            return r["cpu_s"] * 1e6 / r["acked"] if r and r["acked"] else None

        ratio = f"{k['records_per_s'] / l['records_per_s']:.2f}" if k and l and l["records_per_s"] else "-"
        ku, lu = us(k), us(l)
        cpu_ratio = f"{ku / lu:.2f}" if ku and lu else "-"
        lat = lambda r: f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f}" if r else "-"
        rss = f"{k['peak_rss_mb']:.0f} / {l['peak_rss_mb']:.0f}" if k and l else "-"
        out.append(f"| {cell} | {fmt_rate(k)} | {fmt_rate(l)} | {ratio} | "
                   f"{ku:.2f} | {lu:.2f} | {cpu_ratio} | {lat(k)} | {lat(l)} | {rss} |".replace("None", "-")
                   if ku and lu else
                   f"| {cell} | {fmt_rate(k)} | {fmt_rate(l)} | {ratio} | - | - | - | {lat(k)} | {lat(l)} | {rss} |")
    failures = [(c, r) for c, bc in cells.items() for runs in bc.values() for r in runs if r.get("failed_run")]
    if failures:
        out.append("\nFailed runs:\n")
        for c, r in failures:
            out.append(f"- {c}, {r['client']}: `{r.get('why', '').strip().splitlines()[-1] if r.get('why') else ''}`")

    rows = [l.split("\t") for l in open(callgrind_path).read().splitlines() if l.strip()]
    if rows:
        out.append("\n## Instructions per record (callgrind)\n")
        out.append("Sink broker x1, 100 B, no compression, same settings as above; "
                   "(Ir of a 25,000-record run - Ir of a 5,000-record run) / 20,000, so start-up cost cancels.\n")
        out.append("| client | instructions/record |")
        out.append("|---|---|")
        ir = {}
        for client, n, total in rows:
            ir.setdefault(client, {})[int(n)] = int(total.replace(",", "") or 0)
        per = {}
        for client, by_n in ir.items():
            if by_n.get(25000) and by_n.get(5000):
                per[client] = (by_n[25000] - by_n[5000]) / 20000
                out.append(f"| {client} | {per[client]:,.0f} |")
            else:
                out.append(f"| {client} | run failed |")
        if per.get("kwire") and per.get("librdkafka"):
            out.append(f"\nRatio kwire/librdkafka: **{per['kwire'] / per['librdkafka']:.2f}**")
    print("\n".join(out))


if __name__ == "__main__":
    main()
