// kwire::Consumer (read_committed, assigned, no group) at every version it
// negotiates: librdkafka's transactional producer writes a committed and an
// aborted transaction to one TxnBroker per round, then the broker advertises
// exactly one version of Metadata, ListOffsets and Fetch (forced_versions.hpp:
// consumer_apis) and the consumer reads the partition to its end; the
// traffic of all rounds is captured and checked like the producer's
// (round_check.hpp). At every version the consumer must return exactly the
// committed records: end to end with librdkafka as the writer.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conformance_capture.hpp"
#include "forced_versions.hpp"
#include "kwire/consumer.hpp"
#include "round_check.hpp"
#include "txn_broker.hpp"
#include "txn_broker_librdkafka.hpp"
#include "version_matrix.hpp"

using namespace std::chrono_literals;
namespace conf = kwire::test::conformance;

namespace {

const std::string kConsumeTopic = "conformance-consume";

struct Read {
  std::vector<std::string> values;
  std::string error;  // "" or what went wrong
};

// Polls until the consumer's position reaches `end` (the offset after the
// abort marker) or the deadline passes.
Read read_to(const std::string& bootstrap, std::int64_t end) {
  Read out;
  kwire::Consumer consumer(kwire::Properties{{"bootstrap.servers", bootstrap},
                                             {"isolation.level", "read_committed"},
                                             {"auto.offset.reset", "earliest"},
                                             {"fetch.max.wait.ms", "50"}});
  const kwire::TopicPartition tp{kConsumeTopic, 0};
  consumer.assign({tp});
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::int64_t position = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto& records = consumer.poll(200ms);
    for (const auto& r : records) out.values.emplace_back(r.value ? std::string(kwire::protocol::as_string(*r.value)) : "<null>");
    if (records.error()) {
      out.error = records.error().message() + ": " + records.error_detail();
      return out;
    }
    if (!consumer.position(tp, position, 1s) && position >= end) return out;
  }
  out.error = "position " + std::to_string(position) + " after 20 s, expected " + std::to_string(end);
  return out;
}

}  // namespace

TEST_CASE("kwire's consumer at every version it negotiates: exactly the committed records",
          "[conformance][versions][capture]") {
  const auto& apis = conf::consumer_apis();
  std::vector<std::unique_ptr<kwire::test::TxnBroker>> brokers;
  std::vector<std::uint16_t> ports;
  std::map<std::uint16_t, int> round_of_port;
  for (int r = 0; r < conf::rounds(apis); ++r) {
    auto broker = std::make_unique<kwire::test::TxnBroker>();
    broker->create_topic(kConsumeTopic, 1);
    const std::string committed = "r" + std::to_string(r) + "-committed";
    REQUIRE(kwire::test::run_librdkafka_transactions(
                broker->bootstrap(), "writer-" + std::to_string(r), kConsumeTopic,
                {{{{0, committed + "-0"}, {0, committed + "-1"}}, kwire::test::TxnEnd::commit},
                 {{{0, "r" + std::to_string(r) + "-aborted"}}, kwire::test::TxnEnd::abort}}) == "");
    broker->advertise(conf::advertise_round(r, apis));
    ports.push_back(broker->port());
    round_of_port[broker->port()] = r;
    brokers.push_back(std::move(broker));
  }

  // Log: 2 committed records, COMMIT, 1 aborted record, ABORT.
  constexpr std::int64_t kEnd = 5;
  const std::string path = "/tmp/kwire-conformance-consumer-" + std::to_string(getpid()) + ".pcapng";
  std::string why;
  std::vector<Read> reads(brokers.size());
  const bool captured = conf::capture_traffic(path, ports, [&] {
    for (std::size_t r = 0; r < brokers.size(); ++r) reads[r] = read_to(brokers[r]->bootstrap(), kEnd);
  }, why);

  conf::VersionMatrix matrix;
  for (std::size_t r = 0; r < brokers.size(); ++r) {
    INFO("round " << r);
    const std::string committed = "r" + std::to_string(r) + "-committed";
    const std::vector<std::string> expected{committed + "-0", committed + "-1"};
    CHECK(reads[r].error == "");
    CHECK(reads[r].values == expected);
    if (reads[r].error.empty() && reads[r].values == expected)
      for (const auto& api : apis)
        matrix.at(api.key, conf::version_in_round(api, static_cast<int>(r)))
            .end_to_end.insert("TxnBroker, written by librdkafka");
  }
  if (!captured) {
    WARN("capture on lo impossible here, frames not checked: " << why);
    return;
  }
  conf::check_rounds(path, ports, round_of_port, apis, matrix);
  std::remove(path.c_str());
  matrix.write_if_asked("kwire's consumer, read_committed, every version forced (consumer_versions_test.cpp)");
}
