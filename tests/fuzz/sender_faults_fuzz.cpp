// Fuzz target for the producer's exactly-once promise under broker faults:
// the real RecordAccumulator and Sender (the sender tests' SenderHarness)
// against the in-process FakeBroker (sender_fake_broker.hpp: per-partition
// logs, Kafka's idempotence checks as ../shared/KAFKA-PRODUCER-STATE.md has
// them), driven by a script, with the io_context run on the fuzz thread
// between the steps (poll, run_for), never on a thread of its own.
// Input: byte 0 max.in.flight (bits 0-2, 1 to 5), retries (bits 3-4: no
// limit, 0, 1, 4), delivery.timeout.ms (bits 5-6: 30 s twice, 2 ms, 6 ms) and
// linger.ms (bit 7: 0 or 1); byte 1 batch.size (bits 0-1: 200, 512, 1024,
// 4096 bytes), retry.backoff.ms (bit 2: 0 or 1, at most 2), the close
// timeout (bits 3-5: 0 to 7 ms), max.request.size (bit 6: one batch per
// request, or 1 MiB) and a broker older than Kafka 2.5 (bit 7: lost producer
// state answered UNKNOWN_PRODUCER_ID). Then up to 64 steps, one byte each
// (low nibble the step, high nibble its argument a; a partition is a & 3,
// of topic "t", four partitions, led by brokers 1, 1, 2, 2 at first):
//   0, 1, 14, 15 send records (a >> 2 picks 1, 3, 9 or 30; 1 to 4 for
//        step 1) to the partition;
//   2    the next 1 + (a >> 2) attempts of the partition answer the code the
//        next byte picks from kRefusals, unwritten;
//   3    the next attempt is written, then answered REQUEST_TIMED_OUT,
//        NOT_ENOUGH_REPLICAS_AFTER_APPEND, KAFKA_STORAGE_ERROR or
//        UNKNOWN_SERVER_ERROR (a >> 2);
//   4, 5 after a & 3 requests, the next one's response is lost after the
//        write (4) or its connection is lost before it (5);
//   6    the partition's leader moves to broker 1, 2 or 3, or it has none
//        (a >> 2);
//   7    the broker forgets the producer's state on the partitions where
//        the sender has nothing unacknowledged and every write was answered
//        as written (expire_idle_producers);
//   8    its next 1 + (a >> 2) duplicates are answered
//        DUPLICATE_SEQUENCE_NUMBER without an offset;
//   9    the next InitProducerId answers kInitErrors[a % 6];
//   10   a < 8: run what is ready (poll); else let (a - 7) / 2 ms pass;
//   11   wait until every record sent so far is reported (at most 10 ms);
//   12   flush (at most 10 ms);
//   13   purge queued (a bit 0) and/or in-flight (a bit 1) batches.
// At the end the producer closes with its timeout, and the sender must
// finish soon after it. Checked then: the delivery invariants
// (delivery_invariants.hpp: every record sent exactly one report; delivered
// means in the log once, at the reported offset and partition; failed as
// not_sent or rejected means not in the log; nothing in the log twice or
// unsent; each partition in send order), nothing the FakeBroker would reject
// as malformed (its violations), the accumulator holding nothing unreported
// after close, a report's topic; ASan/UBSan and leak detection do the rest.
// A violation prints the verdict and aborts, so libFuzzer keeps the input.
// Not covered here: the real network (framing, the connection pool,
// request timeouts: net's own tests and fuzz targets), metadata (leaders
// are set by the script), transactions (the TxnBroker's tests), acks=0 and
// acks=1 (the promise is for acks=all with idempotence), compression,
// several user threads appending (the [threads] tests under TSan), a
// broker's size limit changing between a write and its retry, and a
// leader change that truncates the log (the FakeBroker keeps one log per
// partition, whoever leads it). Time is real (linger, backoff, expiry), so a
// run is reproducible in its script, not to the microsecond.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "delivery_invariants.hpp"
#include "sender_harness.hpp"

namespace sender_faults_fuzz {

using Clock = std::chrono::steady_clock;
using kwire::test::FakeBroker;
using kwire::test::SenderHarness;
using namespace std::chrono_literals;

constexpr int kPartitions = 4;
constexpr std::size_t kMaxSteps = 64;
constexpr std::size_t kMaxRecords = 600;
const std::string kTopic = "t";

// Codes a partition may answer instead of appending: retriable ones (some
// asking for a metadata refresh), the idempotence verdicts, too large
// (split), fatal ones, and one no Kafka version defines.
constexpr std::int16_t kRefusals[] = {
    6,     // NOT_LEADER_OR_FOLLOWER
    7,     // REQUEST_TIMED_OUT
    19,    // NOT_ENOUGH_REPLICAS
    20,    // NOT_ENOUGH_REPLICAS_AFTER_APPEND
    45,    // OUT_OF_ORDER_SEQUENCE_NUMBER
    59,    // UNKNOWN_PRODUCER_ID
    47,    // INVALID_PRODUCER_EPOCH
    10,    // MESSAGE_TOO_LARGE
    18,    // RECORD_LIST_TOO_LARGE
    3,     // UNKNOWN_TOPIC_OR_PARTITION
    5,     // LEADER_NOT_AVAILABLE
    56,    // KAFKA_STORAGE_ERROR
    74,    // FENCED_LEADER_EPOCH
    2,     // CORRUPT_MESSAGE
    13,    // NETWORK_EXCEPTION
    -1,    // UNKNOWN_SERVER_ERROR
    29,    // TOPIC_AUTHORIZATION_FAILED
    87,    // INVALID_RECORD
    32,    // INVALID_TIMESTAMP
    90,    // PRODUCER_FENCED
    12345  // unknown
};
// Codes that may come after the append (produce_errors.cpp, may_follow_append).
constexpr std::int16_t kAfterAppend[] = {7, 20, 56, -1};
// InitProducerId: retriable (COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
// NOT_COORDINATOR, CONCURRENT_TRANSACTIONS, REQUEST_TIMED_OUT) and one that
// fails the producer for good (CLUSTER_AUTHORIZATION_FAILED).
constexpr std::int16_t kInitErrors[] = {14, 15, 16, 51, 7, 31};

std::string value_of(std::uint64_t id) { return "value-" + std::to_string(id); }

class Script {
 public:
  Script(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  std::uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

struct Run {
  Run(kwire::detail::AccumulatorOptions acc, kwire::detail::SenderOptions sender) : h(acc, sender) {}

  // Runs the io_context on this thread until `done` or `limit`.
  template <typename Done>
  bool run_until(Done done, Clock::duration limit) {
    const auto until = Clock::now() + limit;
    while (!done()) {
      const auto now = Clock::now();
      if (now >= until || h.io.stopped()) return false;
      h.io.run_one_for(until - now);
    }
    return true;
  }

  void send(std::int32_t partition, int count) {
    for (int i = 0; i < count && sent.size() < kMaxRecords; ++i) {
      const std::uint64_t id = sent.size();
      if (const std::error_code ec = h.send(kTopic, partition, value_of(id), id)) {
        std::fprintf(stderr, "sender_faults_fuzz: append refused: %s\n", ec.message().c_str());
        std::abort();
      }
      sent.push_back({id, partition});
    }
  }

  SenderHarness h;
  std::vector<kwire::test::SentId> sent;
  Clock::duration wait_budget = 100ms;  // for steps 11 and 12 together
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "sender_faults_fuzz: %s\n", what.c_str());
  std::abort();
}

}  // namespace sender_faults_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sender_faults_fuzz;
  if (size < 2) return 0;
  const std::uint8_t a = data[0], b = data[1];
  kwire::detail::AccumulatorOptions acc;
  acc.batch_size = std::array<std::size_t, 4>{200, 512, 1024, 4096}[b & 3];
  acc.linger = std::chrono::milliseconds((a >> 7) & 1);
  acc.delivery_timeout = std::array<std::chrono::milliseconds, 4>{30s, 30s, 2ms, 6ms}[(a >> 5) & 3];
  kwire::detail::SenderOptions so;
  so.max_in_flight_per_connection = (a & 7) % 5 + 1;
  so.retry.retries = std::array<std::int32_t, 4>{std::numeric_limits<std::int32_t>::max(), 0, 1, 4}[(a >> 3) & 3];
  so.retry.backoff = std::chrono::milliseconds((b >> 2) & 1);
  so.retry.backoff_max = 2ms;
  so.max_request_size = (b & 0x40) ? 1 : 1 << 20;  // 1: each request carries one batch
  const auto close_timeout = std::chrono::milliseconds((b >> 3) & 7);

  Run run(acc, so);
  SenderHarness& h = run.h;
  FakeBroker& broker = h.broker;
  broker.unknown_producer_id_for_lost_state = (b & 0x80) != 0;
  // Replaying one input by hand: the broker's side of the run, as it goes.
  if (std::getenv("KWIRE_FUZZ_VERBOSE") != nullptr)
    broker.trace = [](const std::string& line) { std::fprintf(stderr, "  %s\n", line.c_str()); };
  for (std::int32_t p = 0; p < kPartitions; ++p) broker.set_leader(kTopic, p, p < 2 ? 1 : 2);
  h.sender.start();

  Script script(data + 2, size - 2);
  for (std::size_t step = 0; step < kMaxSteps && !script.done(); ++step) {
    const std::uint8_t byte = script.next();
    const int op = byte & 15, arg = byte >> 4;
    const std::int32_t partition = arg & 3;
    switch (op) {
      case 0:
      case 14:
      case 15:
        run.send(partition, std::array<int, 4>{1, 3, 9, 30}[arg >> 2]);
        break;
      case 1:
        run.send(partition, 1 + (arg >> 2));
        break;
      case 2: {
        const std::int16_t code = kRefusals[script.next() % std::size(kRefusals)];
        broker.push_partition_errors(kTopic, partition, std::vector<std::int16_t>(1 + (arg >> 2), code));
        break;
      }
      case 3:
        broker.push_partition_errors(kTopic, partition, {kAfterAppend[arg >> 2]},
                                     FakeBroker::ErrorTiming::after_append);
        break;
      case 4:
      case 5: {
        std::vector<FakeBroker::RequestFault> faults(arg & 3, FakeBroker::RequestFault::none);
        faults.push_back(op == 4 ? FakeBroker::RequestFault::lose_response_after_write
                                 : FakeBroker::RequestFault::lose_connection);
        broker.push_request_faults(faults);
        break;
      }
      case 6:
        if ((arg >> 2) == 3) {
          broker.remove_leader(kTopic, partition);
        } else {
          broker.set_leader(kTopic, partition, 1 + (arg >> 2));
        }
        break;
      case 7:
        // Only where the producer is idle: a state expires after a day
        // without writes, long after delivery.timeout.ms.
        for (std::int32_t p = 0; p < kPartitions; ++p)
          if (h.sender.idempotence().unacknowledged(kTopic, p) == 0) broker.expire_idle_producers(kTopic, p);
        break;
      case 8:
        broker.answer_duplicates_with_error(kTopic, partition, 1 + (arg >> 2));
        break;
      case 9:
        broker.push_init_producer_id_errors({kInitErrors[arg % std::size(kInitErrors)]});
        break;
      case 10:
        if (arg < 8) {
          h.io.poll();
        } else {
          h.io.run_for(std::chrono::microseconds(500 * (arg - 7)));
        }
        break;
      case 11: {
        const auto start = Clock::now();
        run.run_until([&] { return h.accumulator.incomplete() == 0; }, std::min<Clock::duration>(10ms, run.wait_budget));
        run.wait_budget -= std::min(run.wait_budget, Clock::now() - start);
        break;
      }
      case 12: {
        const auto start = Clock::now();
        bool flushed = false;
        const std::uint64_t id = h.accumulator.start_flush([&flushed] { flushed = true; });
        run.run_until([&] { return flushed; }, std::min<Clock::duration>(10ms, run.wait_budget));
        if (!flushed) (void)h.accumulator.cancel_flush(id);
        run.wait_budget -= std::min(run.wait_budget, Clock::now() - start);
        break;
      }
      case 13:
        if ((arg & 3) != 0) (void)h.sender.purge((arg & 1) != 0, (arg & 2) != 0);
        break;
    }
  }

  // Producer::close(timeout): nothing new, everything left fails at the deadline.
  h.accumulator.close();
  h.sender.initiate_close(Clock::now() + close_timeout);
  if (!run.run_until([&] { return h.sender.finished(); }, close_timeout + 2s))
    fail("the sender did not finish within 2 s of its close deadline");
  if (h.accumulator.incomplete() != 0)
    fail(std::to_string(h.accumulator.incomplete()) + " batches unreported after close");

  std::vector<kwire::test::LoggedId> log;
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    const auto& records = broker.log(kTopic, p);
    for (const auto& r : records) {
      if (!r.value || r.value->rfind("value-", 0) != 0 || !r.key || *r.key != *r.value)
        fail("a record in partition " + std::to_string(p) + " that was never sent");
      log.push_back({p, r.offset, std::stoull(r.value->substr(6))});
    }
  }
  const auto reports = h.snapshot();
  kwire::test::InvariantOptions options;
  // DUPLICATE_SEQUENCE_NUMBER carries no offset.
  options.require_offsets = broker.answered[46] == 0;
  auto verdict = kwire::test::check_delivery_invariants(run.sent, reports, log, options);
  for (const auto& v : broker.violations) verdict.violations.push_back("broker: " + v);
  for (const auto& [id, r] : reports)
    if (r.fired > 0 && r.metadata.topic != kTopic) verdict.violations.push_back("id " + std::to_string(id) + ": topic");
  const auto& c = h.sender.counters();
  const std::string summary =
      verdict.describe() + "\n  sender: acknowledged " + std::to_string(c.acknowledged) + ", duplicates " +
      std::to_string(c.duplicates) + ", retries " + std::to_string(c.retries) + ", failed " +
      std::to_string(c.failed) + ", expired " + std::to_string(c.expired) + ", splits " + std::to_string(c.splits) +
      ", purged " + std::to_string(c.purged) + ", epoch bumps " +
      std::to_string(h.sender.idempotence().epoch_bumps()) + "; broker: produce requests " +
      std::to_string(broker.produce_requests) + ", duplicates answered " + std::to_string(broker.duplicates_answered);
  if (!verdict.ok()) fail(summary);
  // What a seed does, when writing one.
  if (std::getenv("KWIRE_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "%s\n", summary.c_str());
  return 0;
}
