// A randomized soak (issue 11, "A randomized soak"): for a bounded time the
// TxnBroker (3 nodes, 6 partitions, Kafka's producer-state rules) injects
// random faults from the fault suite's list while one Producer (idempotent,
// 5 in flight) sends: partitions refused with retriable errors, written then
// answered with an error that may follow an append, responses lost (late,
// dropped, cut off) or hostile, leaders moving, nodes going down and coming
// back, added latency. Then librdkafka reads the log back and the run is
// judged by check_delivery_invariants(): each acknowledged record once, in
// order per partition, at its reported offset; each report fired once; a
// failed record in the log only when its outcome says it may be there. The
// transactional soak adds commits and aborts (with coordinator delays) and
// checks that a read_committed reader sees exactly the committed records.
//
// Every run prints its seed. KWIRE_SOAK_SEED=<n> replays a run's fault
// choices (timing still varies), KWIRE_SOAK_SECONDS=<s> lengthens it (the
// default keeps ctest within its budget).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

#include "fault_run.hpp"
#include "kwire/errors.hpp"
#include "soak_settings.hpp"

using namespace std::chrono_literals;
using kwire::test::ApiFault;
using kwire::test::ApiFaultAction;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::ProduceFaultAction;

using kwire::test::soak_duration;
using kwire::test::soak_seed;

namespace {

using Clock = std::chrono::steady_clock;

// Retriable refusals (nothing written), and errors a broker answers after
// it appended the batch. Synthetic 45/59 are left out: a broker answers them
// only from its sequence checks, and the TxnBroker's real checks produce
// them anyway once faults leave gaps; a fake one on a retry of an appended
// batch would be a lie no client can see through.
kwire::test::RandomProduceFaults produce_faults(std::uint64_t seed, int per_mille) {
  kwire::test::RandomProduceFaults f;
  f.seed = seed;
  f.per_mille = per_mille;
  f.actions = {ProduceFaultAction::refuse,           ProduceFaultAction::refuse,
               ProduceFaultAction::write_then_error, ProduceFaultAction::delay_response,
               ProduceFaultAction::drop_response,    ProduceFaultAction::cut_before_write,
               ProduceFaultAction::cut_after_write,  ProduceFaultAction::hostile_response};
  f.errors = {6, 7, 19};          // NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS
  f.write_errors = {7, 20, 56};   // REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND, KAFKA_STORAGE_ERROR
  f.max_delay = 1500ms;           // some answers arrive after request.timeout.ms (1 s)
  return f;
}

// Cluster events on their own thread while the producer sends: a leader
// moves, a node goes down for a moment, latency changes. The sleeps shape
// the faults; no check depends on them.
class ClusterChaos {
 public:
  ClusterChaos(FaultRun& run, std::uint64_t seed) : run_(run), rng_(seed) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ClusterChaos() { stop(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int events() const { return events_.load(); }

 private:
  void loop() {
    auto& broker = run_.broker();
    const int nodes = broker.nodes();
    const int partitions = run_.options().partitions;
    while (!stop_.load()) {
      pause(std::chrono::milliseconds(100 + rng_() % 400));
      if (stop_.load()) break;
      const auto node = static_cast<std::int32_t>(1 + rng_() % static_cast<std::uint64_t>(nodes));
      switch (rng_() % 4) {
        case 0:
        case 1:
          broker.set_leader(run_.options().topic, static_cast<std::int32_t>(rng_() % static_cast<std::uint64_t>(partitions)),
                            node);
          break;
        case 2:
          broker.stop_node(node);
          pause(std::chrono::milliseconds(50 + rng_() % 500));
          broker.start_node(node);
          break;
        case 3:
          broker.set_rtt(node, std::chrono::milliseconds(rng_() % 30));
          break;
      }
      ++events_;
    }
    for (std::int32_t node = 1; node <= nodes; ++node) broker.set_rtt(node, 0ms);
  }
  void pause(std::chrono::milliseconds d) {
    const auto until = Clock::now() + d;
    while (!stop_.load() && Clock::now() < until) std::this_thread::sleep_for(10ms);
  }

  FaultRun& run_;
  std::mt19937_64 rng_;
  std::atomic<bool> stop_{false};
  std::atomic<int> events_{0};
  std::thread thread_;
};

FaultRunOptions soak_options() {
  FaultRunOptions o;
  o.nodes = 3;
  o.partitions = 6;
  o.producer = {{"request.timeout.ms", "1000"}, {"delivery.timeout.ms", "60000"}};
  return o;
}

}  // namespace

TEST_CASE("fault soak: an idempotent producer under random faults keeps every invariant", "[threads][fault_suite][soak]") {
  const std::uint64_t seed = soak_seed("idempotent soak");
  const auto duration = soak_duration(15s);
  FaultRun run(soak_options());
  run.broker().set_random_produce_faults(produce_faults(seed, 40));
  std::uint64_t sent = 0;
  {
    ClusterChaos chaos(run, seed ^ 0x9e3779b97f4a7c15ULL);
    const auto until = Clock::now() + duration;
    while (Clock::now() < until) {
      run.send_range(sent, 100);
      sent += 100;
      // Keep at most ~2000 records unreported, so the soak is bounded in memory.
      if (sent > 2000) REQUIRE(run.wait_reports(sent - 2000, 60s));
    }
    chaos.stop();
    INFO("seed " << seed);
    CHECK(chaos.events() > 0);
  }
  run.broker().clear_faults();
  std::error_code flushed;
  CHECK(run.timed_flush(90s, flushed) < 91s);
  CHECK(run.timed_close(10s) < 11s);
  REQUIRE(run.wait_reports(sent, 5s));
  const auto counters = run.broker().fault_counters();
  auto verdict = run.verdict();
  INFO("seed " << seed << " (KWIRE_SOAK_SEED to replay), " << sent << " sent, " << counters.produce_faults_fired
               << " produce faults");
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(counters.produce_faults_fired > 0);
  CHECK(verdict.delivered > 0);
  std::fprintf(stderr, "idempotent soak: seed %llu, %llu sent, %zu delivered, %zu failed, %d faults\n",
               static_cast<unsigned long long>(seed), static_cast<unsigned long long>(sent), verdict.delivered,
               verdict.failed, counters.produce_faults_fired);
}

TEST_CASE("fault soak: a transactional producer under random faults commits exactly what it reports committed",
          "[threads][fault_suite][soak][txn]") {
  const std::uint64_t seed = soak_seed("transactional soak");
  const auto duration = soak_duration(15s);
  auto options = soak_options();
  options.transactional_id = "soak-txn";
  FaultRun run(options);
  REQUIRE_FALSE(run.producer().init_transactions(30s));
  run.broker().set_random_produce_faults(produce_faults(seed, 30));
  std::mt19937_64 rng(seed);
  std::set<std::uint64_t> committed;
  std::uint64_t sent = 0;
  int commits = 0, aborts = 0;
  {
    ClusterChaos chaos(run, seed ^ 0x9e3779b97f4a7c15ULL);
    const auto until = Clock::now() + duration;
    while (Clock::now() < until) {
      REQUIRE_FALSE(run.producer().begin_transaction());
      const std::uint64_t first = sent, wanted = 50 + rng() % 250;
      // A fault may already have made the transaction abortable (a batch
      // failed, AddPartitionsToTxn refused): send() then says so, and the
      // transaction is aborted with what it holds. Under TSan's slower
      // threads that happens mid-transaction now and then.
      std::uint64_t count = 0;
      for (; count < wanted; ++count) {
        const std::error_code refused = run.send(first + count);
        if (!refused) continue;
        INFO("seed " << seed << ": send id " << first + count << ": " << refused.message());
        REQUIRE(refused == kwire::errc::transaction_abortable);
        break;
      }
      sent += count;
      // Now and then the coordinator answers late (beyond the request timeout).
      if (rng() % 4 == 0) {
        const std::int16_t api = rng() % 2 ? 24 : 26;  // AddPartitionsToTxn, EndTxn
        ApiFault late{api, ApiFaultAction::delay_response, 0, 1};
        late.delay = 1500ms;
        run.broker().add_api_fault(late);
      }
      std::error_code ec;
      if (rng() % 5 != 0 && count == wanted) {
        // A commit that timed out may be called again; an abortable one is aborted.
        for (int attempt = 0; attempt < 3; ++attempt) {
          ec = run.producer().commit_transaction(30s);
          if (ec != kwire::errc::transaction_timeout) break;
        }
        if (!ec) {
          for (std::uint64_t id = first; id < first + count; ++id) committed.insert(id);
          ++commits;
          continue;
        }
        INFO("seed " << seed << ": commit failed: " << ec.message());
        REQUIRE(ec != kwire::errc::transaction_timeout);
      }
      for (int attempt = 0; attempt < 3; ++attempt) {
        ec = run.producer().abort_transaction(30s);
        if (ec != kwire::errc::transaction_timeout) break;
      }
      INFO("seed " << seed << ": abort failed: " << ec.message());
      REQUIRE_FALSE(ec);
      ++aborts;
    }
    chaos.stop();
  }
  run.broker().clear_faults();
  CHECK(run.timed_close(10s) < 11s);
  REQUIRE(run.wait_reports(sent, 5s));
  const auto counters = run.broker().fault_counters();
  CHECK(counters.stale_markers_refused == 0);
  for (std::int32_t p = 0; p < options.partitions; ++p)
    CHECK(run.broker().last_stable_offset(options.topic, p) == run.broker().high_watermark(options.topic, p));
  kwire::test::InvariantOptions invariants;
  invariants.committed = committed;
  auto verdict = run.verdict(invariants);
  INFO("seed " << seed << " (KWIRE_SOAK_SEED to replay), " << commits << " commits, " << aborts << " aborts, "
               << counters.produce_faults_fired << " produce faults");
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(commits > 0);
  std::fprintf(stderr, "transactional soak: seed %llu, %llu sent, %d commits, %d aborts, %zu committed records, %d faults\n",
               static_cast<unsigned long long>(seed), static_cast<unsigned long long>(sent), commits, aborts,
               committed.size(), counters.produce_faults_fired);
}
