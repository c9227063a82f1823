#!/usr/bin/env python3
"""Turns bench/budget.sh's raw files into the cost-budget tables (markdown on stdout).

Usage: budget.py OUT_DIR CG_SHORT CG_LONG PS_SHORT PS_LONG SIZE CODEC [SIZE CODEC]...

Callgrind (--separate-threads=yes) gives one file per thread. A thread's role
(the application thread, kwire's io thread, librdkafka's main and broker
threads) is recognised by the functions it ran. Per role and per stage, the
cost of one record is (Ir of the long run - Ir of the short run) / (records of
the long run - records of the short run), so start-up and shutdown cancel. A
stage is the inclusive cost of the functions that make it up, minus the
inclusive cost of those it excludes (callgrind_annotate --inclusive=yes);
"rest of the thread" is the thread's total minus its stages. Instructions
only: what the kernel does for a syscall is not in callgrind's count (perf
stat's syscall counts are in the second table).
"""
import collections
import os
import re
import subprocess
import sys

# Thread roles: the first whose pattern matches any function the thread ran.
ROLES = [
    ("application thread", r"^kwire::tool::run_perf\("),
    ("io thread", r"^kwire::detail::Sender::run\("),
    ("rdk:main", r"^rd_kafka_thread_main\b"),
    ("rdk:broker threads", r"^rd_kafka_broker_thread_main\b"),
]

# Self cost by component: every function's own instructions go to the first
# component whose pattern matches its name (or its object file), so the
# components add up to the thread's total.
COMPONENTS = [
    ("CRC-32C", r"crc32c|update_crc|interleaved\(|rd_slice_crc32c"),
    ("compression (liblz4/zstd, codec glue)", r"LZ4|lz4|ZSTD|zstd|\[.*liblz4|\[.*libzstd|kwire::compression::"),
    ("memcpy/memmove/memset", r"__mem(cpy|move|set)|^mem(cpy|move|set|cmp)\b|__memcmp|__memcpy|__memset"),
    ("malloc/free/new/delete", r"malloc|^free\b|_int_free|calloc|realloc|operator new|operator delete|tcache"),
    ("locks, condition variables, atomics (libc)", r"pthread_mutex|pthread_rwlock|pthread_cond|mtx_|cnd_|"
     r"__lll_|futex|pthread_spin|rwlock_|__pthread"),
    ("syscall wrappers, time (libc/vdso)", r"clock_gettime|sendmsg|recvmsg|epoll|poll\b|__poll|writev|readv|"
     r"^read$|^write$|recvfrom|sendto|eventfd|__GI_|syscall|\[.*vdso"),
    ("the perf tool (loop, stats, payload)", r"^kwire::tool::"),
    ("asio runtime (scheduler, handlers, coroutines, timers)", r"^asio::|^void asio::|^auto asio::|"
     r"asio_detail|co_spawn|awaitable"),
    ("kwire producer (client/)", r"^kwire::detail::|^kwire::Producer|^kwire::DeliveryHandler|^std::.*kwire::detail"),
    ("kwire net (net/)", r"^kwire::net::"),
    ("kwire protocol encode/decode, batch builder", r"^kwire::protocol::"),
    ("librdkafka", r"^rd_|^rd_kafka|^\?\?\?:rd_"),
    ("C++ standard library", r"^std::|^void std::|__gnu_cxx|\[.*libstdc\+\+"),
]

# (role, stage, [included function patterns], [excluded function patterns]).
# Patterns match the demangled name from its start. Indented stages are parts
# of the unindented one above them.
KWIRE_STAGES = [
    ("application thread", "send(): all", [r"kwire::detail::ProducerImpl::enqueue\("], []),
    # The topic lookup, the partition count and the partitioner's choice are
    # inlined into enqueue since the per-topic handle (9ed5132): its own
    # instructions, the clock read included, are what enqueue costs beside append.
    ("application thread", "  checks, topic handle, partition choice, clock (enqueue without append)",
     [r"kwire::detail::ProducerImpl::enqueue\("], [r"kwire::detail::RecordAccumulator::append\("]),
    ("application thread", "  append: all", [r"kwire::detail::RecordAccumulator::append\("], []),
    ("application thread", "    append: encode into the batch", [r"kwire::protocol::records::BatchBuilder::append\("], []),
    ("application thread", "    append: new batch (memory, buffer, batch object)",
     [r"kwire::detail::BufferPool::reserve\(", r"kwire::detail::BufferPool::take_buffer\(",
      r"kwire::detail::RecordAccumulator::make_batch\("], []),
    ("application thread", "    append: wake the sender (only when it is parked)",
     [r"kwire::detail::RecordAccumulator::notify\("], []),
    ("io thread", "sender round: ready + drain (without seal)",
     [r"kwire::detail::RecordAccumulator::ready\(", r"kwire::detail::RecordAccumulator::drain\("],
     [r"kwire::detail::ProducerBatch::close\("]),
    ("io thread", "seal: close the batch (compress, CRC)", [r"kwire::detail::ProducerBatch::close\("], []),
    ("io thread", "stamp: producer id/epoch/sequence, before the seal (one CRC per batch)",
     [r"kwire::detail::ProducerBatch::set_producer_state\("], []),
    ("io thread", "request build + encode",
     [r"kwire::detail::build_produce_request\(", r"kwire::detail::OutgoingProduceRequest::encode\("], []),
    ("io thread", "response decode (generated ProduceResponse)",
     [r"kwire::protocol::messages::ProduceResponse::decode\("], []),
    ("io thread", "response outcomes (idempotence, completion, reports)",
     [r"kwire::detail::BatchOutcomes::on_partition_response\("], []),
    ("io thread", "  report: fire the per-record handlers", [r"kwire::detail::BatchReports::fire\("], []),
    ("io thread", "    report: the tool's handler (PerfStats)", [r"kwire::tool::PerfStats::on_acked\("], []),
]

RDKAFKA_STAGES = [
    ("application thread", "rd_kafka_produce(): all", [r"rd_kafka_produce\b"], []),
    ("application thread", "  message: allocate + copy", [r"rd_kafka_msg_new0\b"], []),
    ("application thread", "  partition (and enqueue on the partition)", [r"rd_kafka_msg_partitioner\b"], []),
    ("application thread", "delivery reports (the report queue served by rd_kafka_poll/flush)",
     [r"rd_kafka_q_serve\b"], []),
    ("application thread", "  report: the tool's handler (PerfStats)", [r"kwire::tool::PerfStats::on_acked\("], []),
    ("rdk:broker threads", "partition queue -> request (toppar serve): all", [r"rd_kafka_toppar_producer_serve\b"], []),
    ("rdk:broker threads", "  batch + request build", [r"rd_kafka_msgset_create_ProduceRequest\b"], []),
    ("rdk:broker threads", "    compress", [r"rd_kafka_lz4_compress\b", r"rd_kafka_zstd_compress\b"], []),
    ("rdk:broker threads", "    CRC-32C", [r"rd_slice_crc32c\b", r"rd_crc32c\b"], []),
    ("rdk:broker threads", "socket i/o (transport serve: writes, reads, response handling)",
     [r"rd_kafka_transport_io_serve\b"], []),
    ("rdk:broker threads", "  response handling + report hand-off", [r"rd_kafka_handle_Produce\b"], []),
]

LINE = re.compile(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(?:\S*?):(.*?)(?:\s+\[([^\]]*)\])?\s*$")


def annotate(path, inclusive):
    """{function name: Ir} from callgrind_annotate (inclusive or self)."""
    args = ["callgrind_annotate", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}", path]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    costs = {}
    total = 0
    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(2).strip()
        if name.startswith("0x") and m.group(3):
            name += f" [{os.path.basename(m.group(3))}]"  # an unnamed function: its library tells what it is
        costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, costs


def thread_files(out, tag):
    prefix = f"cg.{tag}-"
    return sorted(os.path.join(out, f) for f in os.listdir(out) if f.startswith(prefix) and f[len(prefix):].isdigit())


def role_of(costs):
    for role, pattern in ROLES:
        rx = re.compile(pattern)
        if any(rx.search(name) for name in costs):
            return role
    return "other threads"


def by_role(out, tag):
    """{role: (total Ir, {function: inclusive Ir}, {function: self Ir})} summed over the role's threads."""
    roles = {}
    for path in thread_files(out, tag):
        total, incl = annotate(path, True)
        _, self_ = annotate(path, False)
        role = role_of(incl)
        t, i, s = roles.get(role, (0, collections.Counter(), collections.Counter()))
        i.update(incl)
        s.update(self_)
        roles[role] = (t + total, i, s)
    return roles


def components(self_costs):
    out = collections.Counter()
    rxs = [(name, re.compile(p)) for name, p in COMPONENTS]
    for fn, v in self_costs.items():
        for name, rx in rxs:
            if rx.search(fn):
                out[name] += v
                break
        else:
            out["other (libc, loader, unnamed)"] += v
    return out


def stage_cost(costs, include, exclude):
    def matching(patterns):
        rxs = [re.compile(p) for p in patterns]
        return sum(v for k, v in costs.items() if any(rx.match(k) for rx in rxs))
    return matching(include) - matching(exclude)


def perf_stat(path):
    counts = {}
    for line in open(path):
        parts = line.strip().split(",")
        if len(parts) >= 3 and parts[0].replace(".", "").isdigit():
            counts[parts[2]] = float(parts[0])
    return counts


def main():
    out, cg_short, cg_long, ps_short, ps_long = sys.argv[1], *map(int, sys.argv[2:6])
    cells = sys.argv[6:]
    w = print
    for size, codec in zip(cells[0::2], cells[1::2]):
        label = f"{'100 B' if size == '100' else size + ' B' if size != '1024' else '1 KiB'}, {codec}"
        w(f"#### {label}: instructions per record (callgrind)\n")
        w(f"Sink broker x1, acks=all, idempotence on, linger.ms=5, batch.size=64 KiB; (Ir of {cg_long:,} records "
          f"- Ir of {cg_short:,}) / {cg_long - cg_short:,}. Stages are inclusive costs; indented rows are parts of "
          "the row above.\n")
        hot = {}
        comp = {}
        for client, stages in (("kwire", KWIRE_STAGES), ("librdkafka", RDKAFKA_STAGES)):
            short = by_role(out, f"{client}.{size}.{codec}.{cg_short}")
            long_ = by_role(out, f"{client}.{size}.{codec}.{cg_long}")
            per = lambda a, b: (b - a) / (cg_long - cg_short)
            w(f"| {client}: thread / stage | Ir/record |")
            w("|---|---|")
            grand = 0.0
            for role in sorted(set(short) | set(long_), key=lambda r: [x[0] for x in ROLES].index(r)
                               if r in [x[0] for x in ROLES] else 99):
                ts, is_, _ = short.get(role, (0, {}, {}))
                tl, il, sl = long_.get(role, (0, {}, {}))
                total = per(ts, tl)
                if role == "other threads" and abs(total) < 1:
                    continue  # Asio's resolver thread: start-up only
                grand += total
                w(f"| **{role}** | **{total:,.0f}** |")
                staged = 0.0
                for r, name, inc, exc in stages:
                    if r != role:
                        continue
                    v = per(stage_cost(is_, inc, exc), stage_cost(il, inc, exc))
                    if not name.startswith(" "):
                        staged += v
                    depth = 1 + (len(name) - len(name.lstrip(" "))) // 2
                    w(f"| {'&nbsp;&nbsp;' * depth}{name.strip()} | {v:,.0f} |")
                if staged:
                    w(f"| &nbsp;&nbsp;rest of the thread | {total - staged:,.0f} |")
                ss = short.get(role, (0, {}, {}))[2]
                hot[(client, role)] = sorted(((per(ss.get(k, 0), v), k) for k, v in sl.items()), reverse=True)[:12]
                ca, cb = components(ss), components(sl)
                comp[(client, role)] = {k: per(ca.get(k, 0), cb.get(k, 0)) for k in cb}
            w(f"| **all threads** | **{grand:,.0f}** |\n")
        w(f"##### {label}: the same instructions by component (self cost of each function, per record)\n")
        names = [n for n, _ in COMPONENTS] + ["other (libc, loader, unnamed)"]
        keys = [k for k in comp if any(abs(v) >= 5 for v in comp[k].values())]
        w("| component | " + " | ".join(f"{c}: {r}" for c, r in keys) + " |")
        w("|---|" + "---|" * len(keys))
        for n in names:
            vals = [comp[k].get(n, 0) for k in keys]
            if all(abs(v) < 5 for v in vals):
                continue
            w(f"| {n} | " + " | ".join(f"{v:,.0f}" for v in vals) + " |")
        w("")
        w(f"<details><summary>{label}: the most expensive functions per thread (self Ir/record)</summary>\n")
        for (client, role), fns in hot.items():
            w(f"- {client}, {role}: " + "; ".join(f"`{k[:70]}` {v:,.0f}" for v, k in fns if v >= 5))
        w("\n</details>\n")

        if os.path.exists(os.path.join(out, f"ps.kwire.{size}.{codec}.{ps_short}")):
            w(f"#### {label}: kernel interactions per 1,000 records (perf stat)\n")
            w(f"(count of a {ps_long:,}-record run - count of a {ps_short:,}-record run) / "
              f"{(ps_long - ps_short) // 1000:,}.\n")
            rows = collections.OrderedDict()
            for client in ("kwire", "librdkafka"):
                a = perf_stat(os.path.join(out, f"ps.{client}.{size}.{codec}.{ps_short}"))
                b = perf_stat(os.path.join(out, f"ps.{client}.{size}.{codec}.{ps_long}"))
                for k in b:
                    rows.setdefault(k, {})[client] = (b[k] - a.get(k, 0)) * 1000 / (ps_long - ps_short)
            w("| event | kwire | librdkafka |")
            w("|---|---|---|")
            for k, v in rows.items():
                if max(v.values(), default=0) < 0.05:
                    continue
                name = k.replace("syscalls:sys_enter_", "").replace("raw_syscalls:sys_enter", "all syscalls")
                w(f"| {name} | {v.get('kwire', 0):,.1f} | {v.get('librdkafka', 0):,.1f} |")
            w("")


if __name__ == "__main__":
    main()
