// A closing consumer closes its KIP-227 fetch sessions, as Java's does: a
// broker keeps a session until it is evicted and its cache has a limited
// number of slots (max.incremental.fetch.session.cache.slots), so consumers
// that restart often would crowd out the others. close() sends each leader
// with an open session a Fetch naming that session with epoch -1
// (FINAL_EPOCH) and no partitions, and waits for the answers within
// default.api.timeout.ms, never longer: a leader that does not answer
// does not hold close(). Checked from the TxnBroker's side (its record of
// every Fetch, its session cache).
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "rdkafka_producer.hpp"
#include "txn_broker.hpp"

namespace kwire::test::fetch_session_close {

using namespace std::chrono_literals;

constexpr int kPartitions = 3;
constexpr int kRecords = 10;

// A broker whose topic's partitions are all led by node 1, each holding
// kRecords records, and a consumer assigned all of them that read them over
// an incremental fetch session.
struct SessionOpen {
  TxnBroker broker;
  std::string topic;
  kwire::Consumer consumer;
  std::int32_t session_id = 0;

  SessionOpen(std::string name, std::map<std::string, std::string> extra = {})
      : topic(std::move(name)), consumer(settings(broker.bootstrap(), std::move(extra))) {
    broker.create_topic(topic, kPartitions);
    {
      RdkafkaProducer producer(broker.bootstrap(), {{"linger.ms", "0"}});
      for (std::int32_t p = 0; p < kPartitions; ++p) {
        std::vector<PeerRecord> records(kRecords);
        for (int i = 0; i < kRecords; ++i)
          records[static_cast<std::size_t>(i)].value = topic + "-" + std::to_string(p) + "-" + std::to_string(i);
        producer.write(topic, p, records);
      }
    }
    std::vector<kwire::TopicPartition> assigned;
    for (std::int32_t p = 0; p < kPartitions; ++p) assigned.push_back({topic, p});
    consumer.assign(assigned);
    REQUIRE(kwire::test::read(consumer, kPartitions * kRecords).size() == kPartitions * kRecords);
    CHECK(consumer.poll(300ms).empty());  // incremental Fetches go on meanwhile
    REQUIRE(broker.open_fetch_sessions(1) == 1);
    const auto seen = broker.fetches_seen();
    int incremental = 0;
    for (const auto& f : seen)
      if (f.incremental) {
        ++incremental;
        session_id = f.session_id;
      }
    REQUIRE(incremental >= 2);
    REQUIRE(session_id != 0);
  }

  static kwire::Properties settings(const std::string& bootstrap, std::map<std::string, std::string> extra) {
    extra.emplace("fetch.max.wait.ms", "50");
    return base(bootstrap, std::move(extra));
  }
};

// The cases stay in the namespace: a unity group shares one translation unit.

TEST_CASE("Fetch session: close() closes the consumer's session on its leader with a Fetch at epoch -1",
          "[consumer][session]") {
  SessionOpen run("closing");
  const std::size_t before = run.broker.fetches_seen().size();
  run.consumer.close();

  const auto seen = run.broker.fetches_seen();
  REQUIRE(seen.size() > before);
  const TxnFetchSeen& last = seen.back();
  CHECK(last.node == 1);
  CHECK(last.version >= 7);
  CHECK(last.session_id == run.session_id);
  CHECK(last.session_epoch == -1);  // FINAL_EPOCH
  CHECK(last.sent.empty());
  CHECK(last.forgotten.empty());
  CHECK(last.error_code == 0);
  CHECK(last.answer_session_id == 0);
  // One close, the last request, and nothing after it.
  int closes = 0;
  for (const auto& f : seen) closes += f.session_epoch == -1 ? 1 : 0;
  CHECK(closes == 1);
  CHECK(run.broker.open_fetch_sessions() == 0);
}

// close() on a consumer whose session's leader does not answer: it returns
// (well below the 60 s request timeout: fails, and then waits for it, only
// if close() waited for the leader's answer), and the broker never answered
// a close, so the session is left to its eviction.
void check_close_gives_up(SessionOpen& run) {
  auto closing = std::async(std::launch::async, [&] { run.consumer.close(); });
  REQUIRE(closing.wait_for(30s) == std::future_status::ready);
  closing.get();
  for (const auto& f : run.broker.fetches_seen()) CHECK(f.session_epoch != -1);
  CHECK(run.broker.open_fetch_sessions(1) == 1);
}

TEST_CASE("Fetch session: close() gives up on a leader that does not answer within default.api.timeout.ms",
          "[consumer][session]") {
  // Only default.api.timeout.ms bounds the wait for the closing Fetch.
  SessionOpen run("closing-down", {{"default.api.timeout.ms", "1000"}, {"request.timeout.ms", "60000"}});
  SECTION("the leader reads no more requests") {
    run.broker.pause_reading(1, true);
    check_close_gives_up(run);
    run.broker.pause_reading(1, false);
  }
  SECTION("the leader is stopped") {
    run.broker.stop_node(1);
    check_close_gives_up(run);
  }
}

}  // namespace kwire::test::fetch_session_close
