// Order on the wire (issue 11, hole 5) through the whole Producer: batches
// of one partition reach the broker in sequence order across a reconnect
// whose backoff is longer than linger.ms, behind a stalled socket whose
// queued requests time out, and across leader moves with 5 requests in
// flight, against the TxnBroker (which checks sequences) and against
// librdkafka's mock (which, without a transactional id, does not: there an
// out-of-order send is stored out of order).
#include <catch2/catch.hpp>

#include "fault_run.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;

namespace {

void close_and_check(FaultRun& run, std::size_t delivered) {
  std::error_code flushed;
  CHECK(run.timed_flush(40s, flushed) < 41s);
  CHECK_FALSE(flushed);
  CHECK(run.timed_close(10s) < 11s);
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(verdict.delivered == delivered);
}

}  // namespace

TEST_CASE("fault: order holds across a reconnect whose backoff is above linger.ms", "[threads][fault_suite][ordering]") {
  FaultRunOptions o;
  o.producer = {{"reconnect.backoff.ms", "300"}, {"reconnect.backoff.max.ms", "300"}, {"linger.ms", "2"}};
  FaultRun run(o);
  run.broker().set_rtt(0, 20ms);
  ProduceFault cut;
  cut.action = ProduceFaultAction::cut_after_write;
  cut.topic = "fault";
  cut.partition = 0;
  cut.skip = 3;
  run.broker().add_produce_fault(cut);
  run.send_range(0, 3000);
  close_and_check(run, 3000);
  CHECK(run.broker().fault_counters().connections_cut == 1);
}

TEST_CASE("fault: order holds when requests queued behind a stalled socket outlive request.timeout.ms",
          "[threads][fault_suite][ordering]") {
  // Small socket buffers on both sides, so that a node that stops reading
  // stalls the producer's writes at once; few records, because such buffers
  // also make loopback slow once the node reads again.
  FaultRunOptions o;
  o.value_size = 4000;
  o.socket_receive_buffer = 4096;
  o.producer = {{"send.buffer.bytes", "4096"}, {"batch.size", "16384"}, {"request.timeout.ms", "1500"},
                {"delivery.timeout.ms", "60000"}};
  FaultRun run(o);
  run.send_range(0, 6);
  REQUIRE(run.wait_reports(6, 20s));
  REQUIRE(run.broker().leader("fault", 0) == 1);
  REQUIRE(run.broker().leader("fault", 3) == 1);
  const auto before = run.broker().fault_counters();
  // Node 1 holds the request it has read and reads no more. Its two
  // partitions get about 12 batches, far more than the socket buffers take:
  // the producer's write stalls half done with requests queued behind it.
  run.broker().pause_reading(1, true);
  for (std::uint64_t id = 6; id < 54; ++id) REQUIRE_FALSE(run.send(id, id % 2 == 0 ? 0 : 3));
  // The stalled write outlives its request timeout: the producer drops the
  // connection (the requests queued behind it go unwritten) and connects
  // again. That reconnect is the event to wait for, not a fixed time.
  REQUIRE(FaultRun::wait_until(
      [&] { return run.broker().fault_counters().connections_accepted > before.connections_accepted; }, 20s));
  run.broker().pause_reading(1, false);
  // Node 1, reading again, finds the dropped connection's end.
  CHECK(FaultRun::wait_until(
      [&] { return run.broker().fault_counters().client_disconnects > before.client_disconnects; }, 20s));
  close_and_check(run, 54);
}

TEST_CASE("fault: order holds across leader moves with 5 requests in flight (TxnBroker)", "[threads][fault_suite][ordering]") {
  FaultRun run;
  run.broker().set_rtt(0, 50ms);
  run.send_range(0, 1500);
  REQUIRE(run.wait_reports(300, 20s));
  for (std::int32_t p = 0; p < 3; ++p) run.broker().set_leader("fault", p, (p + 1) % 3 + 1);
  run.send_range(1500, 1500);
  REQUIRE(run.wait_reports(2000, 20s));
  for (std::int32_t p = 3; p < 6; ++p) run.broker().set_leader("fault", p, p % 3 + 1 == 3 ? 1 : 3);
  close_and_check(run, 3000);
  CHECK(run.broker().fault_counters().not_leader_answers > 0);
}

TEST_CASE("fault: order holds across leader moves with 5 requests in flight (mock, no sequence checks)",
          "[fault_suite][ordering][mock]") {
  kwire::test::MockCluster cluster(3, {{"moves", 3, 1}});
  for (std::int32_t b = 1; b <= 3; ++b) cluster.set_rtt(b, 50ms);
  std::vector<kwire::test::SentId> sent;
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::uint64_t, kwire::test::DeliveryReport> reports;
  std::size_t fired = 0;
  {
    kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()},
                              {"linger.ms", "2"},
                              {"batch.size", "1024"},
                              {"retry.backoff.ms", "20"},
                              {"request.timeout.ms", "30000"}});
    auto send = [&](std::uint64_t id) {
      const std::string key = "id-" + std::to_string(id), value = "value-" + std::to_string(id);
      kwire::Record r;
      r.topic = "moves";
      r.partition = static_cast<std::int32_t>(id % 3);
      r.key = kwire::as_bytes(key);
      r.value = kwire::as_bytes(value);
      r.user_id = id;
      sent.push_back({id, *r.partition});
      REQUIRE_FALSE(producer.send(r, [&](std::error_code ec, kwire::RecordMetadata md) {
        std::lock_guard lock(mu);
        auto& rep = reports[md.user_id];
        ++rep.fired;
        rep.error = ec;
        rep.metadata = std::move(md);
        ++fired;
        cv.notify_all();
      }));
    };
    for (std::uint64_t id = 0; id < 1500; ++id) send(id);
    {
      std::unique_lock lock(mu);
      REQUIRE(cv.wait_for(lock, 20s, [&] { return fired >= 300; }));
    }
    for (std::int32_t p = 0; p < 3; ++p) cluster.set_leader("moves", p, (p + 1) % 3 + 1);
    for (std::uint64_t id = 1500; id < 3000; ++id) send(id);
    CHECK_FALSE(producer.flush(40s));
    producer.close(10s);
  }
  std::vector<kwire::test::LoggedId> log;
  for (std::int32_t p = 0; p < 3; ++p) {
    auto read = kwire::test::read_partition(cluster.bootstrap(), "moves", p, 30s);
    REQUIRE(read.error.empty());
    for (const auto& rec : read.records) log.push_back({p, rec.offset, std::stoull(rec.key->substr(3))});
  }
  std::lock_guard lock(mu);
  auto verdict = kwire::test::check_delivery_invariants(sent, reports, log);
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(verdict.delivered == 3000);
}

